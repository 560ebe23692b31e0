//! What a coordinator's review may say, checked once for every way in (the dashboard's form,
//! `POST /v1/admin/reviews`, `testigo review`): a verdict, not `unreviewed`, and an optional
//! comment of at most [`MAX_COMMENT_CHARS`] characters, trimmed, empty meaning none.

use testigo_protocol::api::ReviewStatus;

/// The longest comment a review keeps, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// A review's verdict and comment, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Verified, disputed or rejected.
    pub status: ReviewStatus,
    /// The comment, trimmed; `None` when there is none.
    pub comment: Option<String>,
}

/// Why a review cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReview {
    /// A review sets verified, disputed or rejected; `unreviewed` is where captures start.
    #[error("a review sets verified, disputed or rejected")]
    NoVerdict,
    /// The comment is longer than [`MAX_COMMENT_CHARS`].
    #[error("the comment is longer than 1000 characters")]
    CommentTooLong,
}

impl Verdict {
    /// Checks a review's status and comment.
    pub fn new(status: ReviewStatus, comment: Option<&str>) -> Result<Verdict, InvalidReview> {
        if status == ReviewStatus::Unreviewed {
            return Err(InvalidReview::NoVerdict);
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(InvalidReview::CommentTooLong);
        }
        Ok(Verdict { status, comment: comment.map(str::to_owned) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_required_and_comments_are_trimmed_and_bounded() {
        assert_eq!(Verdict::new(ReviewStatus::Unreviewed, None), Err(InvalidReview::NoVerdict));
        let v = Verdict::new(ReviewStatus::Disputed, Some("  suma mal  ")).unwrap();
        assert_eq!(v.comment.as_deref(), Some("suma mal"));
        assert_eq!(Verdict::new(ReviewStatus::Verified, Some("   ")).unwrap().comment, None);
        let long = "é".repeat(MAX_COMMENT_CHARS);
        assert!(Verdict::new(ReviewStatus::Rejected, Some(&long)).is_ok(), "characters, not bytes");
        let longer = format!("{long}x");
        assert_eq!(Verdict::new(ReviewStatus::Rejected, Some(&longer)), Err(InvalidReview::CommentTooLong));
    }
}
