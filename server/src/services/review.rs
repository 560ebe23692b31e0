//! Reviews, one way for every way in (the dashboard's form, `POST /v1/admin/reviews`,
//! `testigo review`): what a review may say ([`Verdict`]: a verdict, not `unreviewed`, and an
//! optional comment of at most [`MAX_COMMENT_CHARS`] characters, trimmed, empty meaning none),
//! who may give it, and where ([`review`]: a reviewer touches only captures in their region
//! subtree; any other is "not found" and stays untouched). Each review is audited and reaches
//! the watcher's phone through the feed (the repository does both in one transaction). And one
//! answer per table ([`choose`]): which of a table's captures stands, with a reason, audited.

use testigo_protocol::KeyId;
use testigo_protocol::api::ReviewStatus;
use uuid::Uuid;

use crate::repo::coord::{Coordinator, Role, within_scope};
use crate::repo::{RepoError, ReviewOutcome, ReviewTarget};
use crate::{AppState, now_ms};

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

/// Who reviews.
#[derive(Debug, Clone)]
pub struct Reviewer {
    /// The name the audit log keeps.
    pub name: String,
    /// The region subtree they may review ("" for everything).
    pub scope_path: String,
    /// What they may do.
    pub role: Role,
}

impl Reviewer {
    /// The server's operator on the command line: an administrator, under the name given.
    pub fn operator(name: &str) -> Reviewer {
        Reviewer { name: name.to_owned(), scope_path: String::new(), role: Role::Admin }
    }

    /// Whether they may review (observers may not); see [`Coordinator::can_review`].
    pub fn can_review(&self) -> bool {
        self.role.reviews()
    }

    /// Whether they run the night for the whole election; see [`Coordinator::is_admin`].
    pub fn is_admin(&self) -> bool {
        self.role.administers(&self.scope_path)
    }
}

impl From<&Coordinator> for Reviewer {
    fn from(c: &Coordinator) -> Reviewer {
        Reviewer { name: c.name.clone(), scope_path: c.scope_path.clone(), role: c.role }
    }
}

/// A review that was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    /// The capture's row id on the server.
    pub pk: i64,
    /// The device whose capture it is.
    pub device: KeyId,
    /// The capture's id.
    pub capture_id: Uuid,
    /// Its review state before.
    pub from: ReviewStatus,
}

/// Why a review was not kept.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The reviewer's account may look but not review.
    #[error("this account may not review")]
    NotAllowed,
    /// No such capture, or not in the reviewer's region (the same answer for both).
    #[error("no such capture")]
    NotFound,
    /// A capture id alone names captures of several devices: name the device too.
    #[error("several devices used this capture id: give the device")]
    Ambiguous,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Reviews the capture `target` names, if it lies in the reviewer's region.
pub async fn review(
    state: &AppState,
    reviewer: &Reviewer,
    target: ReviewTarget,
    verdict: Verdict,
) -> Result<Reviewed, ReviewError> {
    if !reviewer.can_review() {
        return Err(ReviewError::NotAllowed);
    }
    // Scope first: a capture outside the reviewer's region is not touched.
    let pk = match state.coord.find_capture(target).await? {
        Ok(pk) => pk,
        Err(ReviewOutcome::Ambiguous) => return Err(ReviewError::Ambiguous),
        Err(_) => return Err(ReviewError::NotFound),
    };
    if !reviewer.scope_path.is_empty() {
        let d = state.coord.capture_detail(pk).await?.ok_or(ReviewError::NotFound)?;
        if !within_scope(&d.row.region_path, &reviewer.scope_path) {
            return Err(ReviewError::NotFound);
        }
    }
    let outcome = state
        .repo
        .review(ReviewTarget::Pk(pk), verdict.status, verdict.comment, reviewer.name.clone(), now_ms())
        .await?;
    match outcome {
        ReviewOutcome::Done { pk, device, capture_id, from } => Ok(Reviewed { pk, device, capture_id, from }),
        ReviewOutcome::NotFound => Err(ReviewError::NotFound),
        ReviewOutcome::Ambiguous => Err(ReviewError::Ambiguous),
    }
}

/// Why a table's choice was not kept.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    /// The account may look but not review.
    #[error("this account may not review")]
    NotAllowed,
    /// No such table, or not in the reviewer's region (the same answer for both).
    #[error("no such table")]
    NotFound,
    /// A choice says why, in at most [`MAX_COMMENT_CHARS`] characters.
    #[error("a choice needs a reason of at most 1000 characters")]
    Reason,
    /// The capture is not a standing capture of the table (another table's, corrected, rejected).
    #[error("that capture cannot stand for this table")]
    NotStanding,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// One answer per table: makes `capture` the capture `station` counts with for `contest`
/// (`None`: its latest again), with a reason, audited; the tally follows on its next pass.
pub async fn choose(
    state: &AppState,
    reviewer: &Reviewer,
    station: &str,
    contest: &str,
    capture: Option<i64>,
    reason: &str,
) -> Result<(), ChoiceError> {
    if !reviewer.can_review() {
        return Err(ChoiceError::NotAllowed);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_COMMENT_CHARS {
        return Err(ChoiceError::Reason);
    }
    let (row, _) =
        state.coord.station(station.to_owned(), contest.to_owned()).await?.ok_or(ChoiceError::NotFound)?;
    if !within_scope(&row.region_path, &reviewer.scope_path) {
        return Err(ChoiceError::NotFound);
    }
    let outcome = state
        .coord
        .choose_capture(
            station.to_owned(),
            contest.to_owned(),
            capture,
            reason.to_owned(),
            reviewer.name.clone(),
            now_ms(),
        )
        .await?;
    match outcome {
        crate::repo::coord::ChoiceOutcome::Done => Ok(()),
        crate::repo::coord::ChoiceOutcome::NotStanding => Err(ChoiceError::NotStanding),
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
