//! Publication, one way for every way in (the admin API, `testigo publish`, the dashboard to
//! come): who may publish what, and withdrawals with a reason. What the public reads is in
//! the portal service (`services::portal`).
//!
//! Rules: publishing and withdrawing take a reviewer's right (viewers may not) and stay within
//! the reviewer's region subtree — a table, region or capture outside it is "not found", as for
//! reviews. A withdrawal needs a reason of at most [`MAX_REASON_CHARS`] characters: it is
//! published. Whether verification publishes by itself is an election-wide choice, so only an
//! administrator (or the operator) changes it.

use testigo_protocol::publication::{PublicationEntry, PublishedHow};

use crate::repo::coord::within_scope;
use crate::repo::publication::{PublishReport, PublishTarget, WithdrawOutcome};
use crate::repo::{RepoError, ReviewOutcome, ReviewTarget};
use crate::services::review::Reviewer;
use crate::{AppState, now_ms};

/// The longest withdrawal reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// What to publish, as a coordinator names it.
#[derive(Debug, Clone)]
pub enum Publish {
    /// A table's standing capture, by the table's id.
    Station(String),
    /// Every table's standing capture in a region's subtree, by the region's path (`""`: all).
    Region(String),
    /// One capture.
    Capture(ReviewTarget),
}

/// Why a publication or withdrawal was not made.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The account may look but not publish.
    #[error("this account may not publish")]
    NotAllowed,
    /// No such table, region or capture, or not in the coordinator's region.
    #[error("no such table, region or capture in your region")]
    NotFound,
    /// A capture id alone names captures of several devices.
    #[error("several devices used this capture id: give the device")]
    Ambiguous,
    /// The capture was never published (a withdrawal).
    #[error("this capture is not published")]
    NotPublished,
    /// The capture was withdrawn before.
    #[error("this capture was already withdrawn")]
    AlreadyWithdrawn,
    /// A withdrawal's reason is missing or longer than [`MAX_REASON_CHARS`].
    #[error("a withdrawal needs a reason of 1 to 1000 characters")]
    BadReason,
    /// Storage failed, or the election is missing.
    #[error(transparent)]
    App(#[from] crate::AppError),
}

impl From<RepoError> for PublishError {
    fn from(e: RepoError) -> Self {
        PublishError::App(e.into())
    }
}

/// Resolves a capture target to its row id within the reviewer's scope.
async fn capture_in_scope(
    state: &AppState,
    who: &Reviewer,
    target: ReviewTarget,
) -> Result<i64, PublishError> {
    let pk = match state.coord.find_capture(target).await? {
        Ok(pk) => pk,
        Err(ReviewOutcome::Ambiguous) => return Err(PublishError::Ambiguous),
        Err(_) => return Err(PublishError::NotFound),
    };
    let detail = state.coord.capture_detail(pk).await?.ok_or(PublishError::NotFound)?;
    if !within_scope(&detail.row.region_path, &who.scope_path) {
        return Err(PublishError::NotFound);
    }
    Ok(pk)
}

/// Publishes what `what` names for `contest` (the election's first when `None`).
pub async fn publish(
    state: &AppState,
    who: &Reviewer,
    what: Publish,
    contest: Option<&str>,
) -> Result<PublishReport, PublishError> {
    if !who.can_review() {
        return Err(PublishError::NotAllowed);
    }
    let (_, contest) = crate::services::tally::contest(state, contest).await?;
    let target = match what {
        Publish::Station(id) => {
            let (station, _) =
                state.coord.station(id.clone(), contest.id.clone()).await?.ok_or(PublishError::NotFound)?;
            if !within_scope(&station.region_path, &who.scope_path) {
                return Err(PublishError::NotFound);
            }
            PublishTarget::Station(id)
        }
        Publish::Region(path) => {
            state.coord.region_by_path(path.clone()).await?.ok_or(PublishError::NotFound)?;
            if !within_scope(&path, &who.scope_path) {
                return Err(PublishError::NotFound);
            }
            PublishTarget::Region(path)
        }
        Publish::Capture(target) => PublishTarget::Capture(capture_in_scope(state, who, target).await?),
    };
    Ok(state.public.publish(target, contest.id, PublishedHow::ByHand, who.name.clone(), now_ms()).await?)
}

/// Withdraws a published capture, publicly, with `reason`.
pub async fn withdraw(
    state: &AppState,
    who: &Reviewer,
    target: ReviewTarget,
    reason: &str,
) -> Result<PublicationEntry, PublishError> {
    if !who.can_review() {
        return Err(PublishError::NotAllowed);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(PublishError::BadReason);
    }
    let pk = capture_in_scope(state, who, target).await?;
    match state.public.withdraw(pk, reason.to_owned(), who.name.clone(), now_ms()).await? {
        WithdrawOutcome::Withdrawn(entry) => Ok(entry),
        WithdrawOutcome::NotPublished => Err(PublishError::NotPublished),
        WithdrawOutcome::AlreadyWithdrawn => Err(PublishError::AlreadyWithdrawn),
    }
}

/// Sets whether verifying a capture publishes it. Only for an administrator.
pub async fn set_on_verification(state: &AppState, who: &Reviewer, on: bool) -> Result<(), PublishError> {
    if !who.is_admin() {
        return Err(PublishError::NotAllowed);
    }
    Ok(state.public.set_publish_on_verification(on, who.name.clone(), now_ms()).await?)
}

/// The longest voter ID number accepted, in letters and digits.
pub const MAX_VOTER_ID_CHARS: usize = 32;

/// A voter ID number as stored and looked up: its ASCII letters and digits, upper-cased
/// (`v-12.345.678` and `V12345678` are the same number); `None` when it has none or more than
/// [`MAX_VOTER_ID_CHARS`].
pub fn normalize_voter_id(raw: &str) -> Option<String> {
    let id: String =
        raw.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    (!id.is_empty() && id.len() <= MAX_VOTER_ID_CHARS).then_some(id)
}

/// Why a voter file was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum VoterFileError {
    /// The first line is not `voter_id,station_id`.
    #[error("the first line must be the header `voter_id,station_id`")]
    Header,
    /// A line could not be read or has no usable ID number.
    #[error("line {line}: {what}")]
    Line {
        /// Line number, from 1.
        line: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// Tables the election does not have (the first few).
    #[error("tables not in the election: {}", .0.join(", "))]
    UnknownTables(Vec<String>),
    /// Storage failed.
    #[error(transparent)]
    App(#[from] crate::AppError),
}

/// Replaces the voter look-up with a CSV file of `voter_id,station_id` rows (header first):
/// each ID number is normalised ([`normalize_voter_id`]) and kept only as its keyed hash. A
/// file with the header alone turns the look-up off. All or nothing; returns how many voters
/// the look-up holds. The whole file is held in memory while it is checked (about 80 bytes a
/// voter).
pub async fn import_voters(state: &AppState, csv_text: &str) -> Result<u64, VoterFileError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let header = reader.headers().map_err(|_| VoterFileError::Header)?;
    if header.iter().ne(["voter_id", "station_id"]) {
        return Err(VoterFileError::Header);
    }
    let mut voters = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(VoterFileError::Line { line, what: "unreadable line (2 fields, UTF-8)" }),
        }
        let line = record.position().map_or(line, csv::Position::line);
        let (Some(id), Some(station), None) = (record.get(0), record.get(1), record.get(2)) else {
            return Err(VoterFileError::Line { line, what: "expected 2 fields" });
        };
        let id = normalize_voter_id(id)
            .ok_or(VoterFileError::Line { line, what: "the voter ID must have 1 to 32 letters or digits" })?;
        if station.is_empty() {
            return Err(VoterFileError::Line { line, what: "the table id is empty" });
        }
        voters.push((state.key.voter_hash(&id), station.to_owned()));
    }
    match state.public.replace_voters(voters).await.map_err(crate::AppError::from)? {
        Ok(n) => Ok(n),
        Err(mut unknown) => {
            unknown.truncate(10);
            Err(VoterFileError::UnknownTables(unknown))
        }
    }
}
