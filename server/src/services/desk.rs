//! The verification desk (blind double entry, "2+1"), one way for every way in: who may
//! transcribe and verify, what a clerk may see (a [`Task`] carries the photos and the acta's
//! fields, never the watcher's numbers nor the other entry), what an entry must hold
//! ([`parse_entry`]: every field of the contest, a whole number up to the protocol's
//! [`MAX_COUNT`]), and what a verifier's decision does (the capture's review follows: verified
//! when the acta reads as the watcher typed, disputed with the differing fields otherwise).
//! Storage and the hand-out's guarantees are in [`crate::repo::desk`].

use std::collections::BTreeMap;

use testigo_protocol::capture::MAX_COUNT;
use testigo_protocol::election::Contest;

use crate::repo::RepoError;
use crate::repo::coord::{CaptureDetail, Coordinator, PhotoDetail, StationRow, within_scope};
use crate::repo::desk::{Assignment, Clerk, Counts, DecideOutcome, DeskCounts, DeskItem, EntryOutcome};
use crate::{AppState, now_ms};

/// How long a handed-out slot stays its clerk's without an entry: long enough for a hard acta,
/// short enough that a clerk who left does not hold work for the night.
pub const LEASE_MS: i64 = 10 * 60_000;

/// Why the desk said no.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The account may look but not transcribe or verify.
    #[error("this account may not work at the desk")]
    NotAllowed,
    /// No such capture on the desk, or not in the clerk's region (the same answer for both).
    #[error("no such capture on the desk")]
    NotFound,
    /// The entry is not a number for every field.
    #[error(transparent)]
    Invalid(#[from] InvalidEntry),
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<crate::error::AppError> for DeskError {
    fn from(e: crate::error::AppError) -> Self {
        match e {
            crate::error::AppError::NotFound | crate::error::AppError::NoElection => DeskError::NotFound,
            other => DeskError::Repo(RepoError::Db(other.to_string())),
        }
    }
}

/// Why an entry cannot be kept; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEntry {
    /// A field was left empty.
    #[error("no number for {0}")]
    Missing(String),
    /// A field is not a whole number from 0 to the protocol's maximum.
    #[error("{0} is not a whole number from 0 to 1000000")]
    NotACount(String),
}

impl InvalidEntry {
    /// The field it names.
    pub fn field(&self) -> &str {
        match self {
            InvalidEntry::Missing(f) | InvalidEntry::NotACount(f) => f,
        }
    }
}

/// The contest's fields in the order the acta prints them: ballot options, then extra counts.
pub fn fields(contest: &Contest) -> Vec<String> {
    contest
        .options
        .iter()
        .map(|o| o.id.clone())
        .chain(contest.count_fields.iter().map(|f| f.id.clone()))
        .collect()
}

/// Reads an entry: one number per field of `contest` from `form` (field id → text as typed;
/// spaces, and the thousands separators `.`, `,` and thin spaces are allowed); other keys are ignored.
pub fn parse_entry(contest: &Contest, form: &BTreeMap<String, String>) -> Result<Counts, InvalidEntry> {
    let mut out = Counts::new();
    for field in fields(contest) {
        let raw = form.get(&field).map(String::as_str).unwrap_or("");
        let digits: String =
            raw.chars().filter(|c| !matches!(c, ' ' | '.' | ',' | '\u{202f}' | '\u{a0}')).collect();
        if digits.is_empty() {
            return Err(InvalidEntry::Missing(field));
        }
        let n = digits
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_COUNT && digits.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| InvalidEntry::NotACount(field.clone()))?;
        out.insert(field, n);
    }
    Ok(out)
}

/// The clerk an account is at the desk.
pub fn clerk(user: &Coordinator) -> Clerk {
    Clerk { coordinator_id: user.id, name: user.name.clone(), scope_path: user.scope_path.clone() }
}

/// What a clerk sees of the acta they transcribe: its photos and its fields, nothing typed.
#[derive(Debug, Clone)]
pub struct Task {
    /// Their slot.
    pub assignment: Assignment,
    /// The table.
    pub station: StationRow,
    /// The acta's photos.
    pub photos: Vec<PhotoDetail>,
    /// The contest (its fields in printed order).
    pub contest: Contest,
    /// Work left in the clerk's scope (for the progress line).
    pub left: DeskCounts,
}

/// The acta `user` should transcribe now, or `None` when the desk is empty for them.
pub async fn next(state: &AppState, user: &Coordinator) -> Result<Option<Task>, DeskError> {
    if !user.can_review() {
        return Err(DeskError::NotAllowed);
    }
    let Some(assignment) = state.desk.hand_out(clerk(user), now_ms(), LEASE_MS).await? else {
        return Ok(None);
    };
    let d = state.coord.capture_detail(assignment.capture_pk).await?.ok_or(DeskError::NotFound)?;
    let (_, contest) = crate::services::tally::contest(state, Some(&d.row.contest_id)).await?;
    let left = state.desk.desk_counts(user.scope_path.clone()).await?;
    Ok(Some(Task { assignment, station: d.station, photos: d.photos, contest, left }))
}

/// The desk item `pk`, if it lies in `user`'s scope.
async fn item_in_scope(state: &AppState, user: &Coordinator, pk: i64) -> Result<DeskItem, DeskError> {
    let item = state.desk.desk_item(pk).await?.ok_or(DeskError::NotFound)?;
    if !within_scope(&item.region_path, &user.scope_path) {
        return Err(DeskError::NotFound);
    }
    Ok(item)
}

/// Keeps `user`'s entry for capture `pk` from the form as typed.
pub async fn submit(
    state: &AppState,
    user: &Coordinator,
    pk: i64,
    form: &BTreeMap<String, String>,
) -> Result<EntryOutcome, DeskError> {
    if !user.can_review() {
        return Err(DeskError::NotAllowed);
    }
    let item = item_in_scope(state, user, pk).await?;
    let (_, contest) = crate::services::tally::contest(state, Some(&item.contest_id)).await?;
    let counts = parse_entry(&contest, form)?;
    Ok(state.desk.submit_entry(clerk(user), pk, fields(&contest), counts, now_ms()).await?)
}

/// What a verifier sees: the capture in full (the watcher's numbers), both entries, the contest.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The desk item with its entries.
    pub item: DeskItem,
    /// The capture.
    pub detail: CaptureDetail,
    /// Its contest.
    pub contest: Contest,
}

/// Captures in `user`'s scope waiting for a verifier, oldest first, after `after`.
pub async fn waiting(
    state: &AppState,
    user: &Coordinator,
    after: Option<i64>,
    limit: usize,
) -> Result<Vec<DeskItem>, DeskError> {
    Ok(state.desk.waiting_verifier(user.scope_path.clone(), after, limit).await?)
}

/// A capture on the desk with everything a verifier compares.
pub async fn verification(state: &AppState, user: &Coordinator, pk: i64) -> Result<Verification, DeskError> {
    let item = item_in_scope(state, user, pk).await?;
    let detail = state.coord.capture_detail(pk).await?.ok_or(DeskError::NotFound)?;
    let (_, contest) = crate::services::tally::contest(state, Some(&item.contest_id)).await?;
    Ok(Verification { item, detail, contest })
}

/// The watcher's numbers of a capture, per field.
pub fn watcher_counts(detail: &CaptureDetail) -> Counts {
    let r = &detail.signed.record;
    r.counts.iter().chain(&r.extra_counts).map(|(k, v)| (k.clone(), *v)).collect()
}

/// Where the acta as decided differs from what the watcher typed: "label typed→decided" per
/// field, joined by "; " (the same in every language: labels and numbers only). `None` when
/// they agree.
pub fn differences(contest: &Contest, decided: &Counts, watcher: &Counts) -> Option<String> {
    let parts: Vec<String> = fields(contest)
        .iter()
        .filter(|f| decided.get(*f) != watcher.get(*f))
        .map(|f| {
            let label = contest.field_label(f).unwrap_or(f);
            let typed = watcher.get(f).map_or("—".to_owned(), u32::to_string);
            let read = decided.get(f).map_or("—".to_owned(), u32::to_string);
            format!("{label} {typed}→{read}")
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Keeps a verifier's decision: the numbers the acta shows, from the form as typed. The
/// capture's review follows (verified, or disputed naming the fields the watcher got wrong).
pub async fn decide(
    state: &AppState,
    user: &Coordinator,
    pk: i64,
    form: &BTreeMap<String, String>,
) -> Result<DecideOutcome, DeskError> {
    if !user.can_review() {
        return Err(DeskError::NotAllowed);
    }
    let v = verification(state, user, pk).await?;
    let counts = parse_entry(&v.contest, form)?;
    let comment = differences(&v.contest, &counts, &watcher_counts(&v.detail));
    let agrees = comment.is_none();
    Ok(state.desk.decide(clerk(user), pk, counts, agrees, comment, now_ms()).await?)
}

/// How much work the desk holds in `user`'s scope.
pub async fn counts(state: &AppState, user: &Coordinator) -> Result<DeskCounts, DeskError> {
    Ok(state.desk.desk_counts(user.scope_path.clone()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_protocol::election::{BallotOption, Candidate, CountField, CountFieldKind};

    fn contest() -> Contest {
        Contest {
            id: "p".into(),
            name: "P".into(),
            candidates: vec![Candidate { id: "c1".into(), name: "Uno".into() }],
            options: vec![
                BallotOption { id: "o1".into(), candidate_id: "c1".into(), party: "AD".into() },
                BallotOption { id: "o2".into(), candidate_id: "c1".into(), party: "UNT".into() },
            ],
            count_fields: vec![CountField {
                id: "null".into(),
                label: "Nulos".into(),
                kind: CountFieldKind::Null,
            }],
            acta_qr: None,
        }
    }

    fn form(v: &[(&str, &str)]) -> BTreeMap<String, String> {
        v.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect()
    }

    #[test]
    fn an_entry_needs_a_whole_number_for_every_field() {
        let c = contest();
        let ok =
            parse_entry(&c, &form(&[("o1", " 1.204 "), ("o2", "0"), ("null", "7"), ("stray", "x")])).unwrap();
        assert_eq!(ok, [("o1", 1204), ("o2", 0), ("null", 7)].map(|(k, v)| (k.to_owned(), v)).into());
        assert_eq!(
            parse_entry(&c, &form(&[("o1", "1"), ("null", "7")])),
            Err(InvalidEntry::Missing("o2".into()))
        );
        assert_eq!(
            parse_entry(&c, &form(&[("o1", "1"), ("o2", "-3"), ("null", "7")])),
            Err(InvalidEntry::NotACount("o2".into()))
        );
        assert_eq!(
            parse_entry(&c, &form(&[("o1", "1000001"), ("o2", "1"), ("null", "7")])),
            Err(InvalidEntry::NotACount("o1".into()))
        );
        assert_eq!(
            parse_entry(&c, &form(&[("o1", "1e3"), ("o2", "1"), ("null", "7")])),
            Err(InvalidEntry::NotACount("o1".into()))
        );
    }

    #[test]
    fn differences_name_the_printed_labels() {
        let c = contest();
        let watcher: Counts = [("o1".to_owned(), 12), ("o2".to_owned(), 3)].into();
        let decided: Counts = [("o1".to_owned(), 21), ("o2".to_owned(), 3), ("null".to_owned(), 0)].into();
        assert_eq!(differences(&c, &decided, &watcher).as_deref(), Some("AD 12→21; Nulos —→0"));
        assert_eq!(differences(&c, &watcher, &watcher), None);
    }
}
