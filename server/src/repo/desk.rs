//! The verification desk's storage: the [`Desk`] trait beside [`super::Repo`].
//!
//! Blind double entry ("2+1"): every capture whose photos have all arrived enters the desk (the
//! tally worker puts it there). Two coordinators transcribe its numbers from the photos, each
//! without seeing the watcher's numbers or the other's; an entry is one of two *slots* of the
//! capture, so the desk can never hold a third transcription of it. A slot is handed out with a
//! lease: a slot whose holder went away is handed to the next person once the lease runs out,
//! and the first holder's late entry is refused. When both entries are in, [`settle`] decides:
//! both entries and the watcher's numbers agree — the capture is confirmed (and verified, when no
//! coordinator had reviewed it yet); anything differs — a verifier decides what the acta says.

use std::collections::BTreeMap;

use async_trait::async_trait;
use testigo_protocol::TimestampMs;

use super::RepoResult;

/// Where a capture stands on the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeskState {
    /// Waiting for its two entries.
    Transcribing,
    /// The entries or the watcher differ: a verifier decides.
    Verify,
    /// Both entries equal the watcher's numbers.
    Confirmed,
    /// A verifier decided.
    Decided,
}

impl DeskState {
    /// The stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DeskState::Transcribing => "transcribing",
            DeskState::Verify => "verify",
            DeskState::Confirmed => "confirmed",
            DeskState::Decided => "decided",
        }
    }
}

impl std::str::FromStr for DeskState {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "transcribing" => DeskState::Transcribing,
            "verify" => DeskState::Verify,
            "confirmed" => DeskState::Confirmed,
            "decided" => DeskState::Decided,
            _ => return Err(()),
        })
    }
}

/// Numbers per field id (ballot options and extra counts).
pub type Counts = BTreeMap<String, u32>;

/// Where two entries settle a capture: [`DeskState::Confirmed`] when both entries and the
/// watcher's numbers agree on every field of `fields`, else [`DeskState::Verify`]. A field the
/// watcher left out disagrees with any number.
pub fn settle(fields: &[String], first: &Counts, second: &Counts, watcher: &Counts) -> DeskState {
    let agree = fields.iter().all(|f| {
        let a = first.get(f);
        a.is_some() && a == second.get(f) && a == watcher.get(f)
    });
    if agree { DeskState::Confirmed } else { DeskState::Verify }
}

/// A slot handed to a coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The capture to transcribe.
    pub capture_pk: i64,
    /// Which of its two entries this is.
    pub slot: u8,
    /// Until when it is theirs.
    pub lease_until_ms: TimestampMs,
}

/// Who asks the desk for work.
#[derive(Debug, Clone)]
pub struct Clerk {
    /// Their account's row id.
    pub coordinator_id: i64,
    /// Their name, for the audit log.
    pub name: String,
    /// The region subtree they work on (`''`: everything).
    pub scope_path: String,
}

/// What happened to a submitted entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Kept; the capture now stands as said (still transcribing, or settled).
    Kept(DeskState),
    /// The slot is not (or no longer) this coordinator's: their lease ran out and it was handed on.
    NotYours,
    /// They already submitted this entry.
    AlreadyIn,
}

/// What happened to a verifier's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideOutcome {
    /// Kept: the capture's review is now `verified` (the acta reads as the watcher typed) or
    /// `disputed` (it does not; the comment names the fields).
    Decided,
    /// The capture is not waiting for a verifier (not on the desk, or already decided).
    NotWaiting,
    /// The verifier transcribed this capture themselves.
    OwnEntry,
}

/// One entry of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskEntry {
    /// Its slot (1 or 2).
    pub slot: u8,
    /// Who holds or made it.
    pub coordinator: String,
    /// Their account's row id.
    pub coordinator_id: i64,
    /// The numbers, once submitted.
    pub counts: Option<Counts>,
    /// When it was submitted.
    pub submitted_at_ms: Option<TimestampMs>,
    /// Until when its holder has it (an unsubmitted entry past this may be handed on).
    pub lease_until_ms: TimestampMs,
}

/// A capture on the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskItem {
    /// The capture.
    pub capture_pk: i64,
    /// Its table's region path.
    pub region_path: String,
    /// Its contest.
    pub contest_id: String,
    /// Where it stands.
    pub state: DeskState,
    /// When its photos were all in.
    pub entered_at_ms: TimestampMs,
    /// When it was confirmed or decided.
    pub settled_at_ms: Option<TimestampMs>,
    /// Its entries, by slot.
    pub entries: Vec<DeskEntry>,
    /// The verifier's numbers and name, once decided.
    pub decided: Option<(Counts, String)>,
}

/// How much work the desk holds in a scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeskCounts {
    /// Captures still waiting for an entry.
    pub transcribing: u64,
    /// Captures waiting for a verifier.
    pub verify: u64,
    /// Confirmed by double entry.
    pub confirmed: u64,
    /// Decided by a verifier.
    pub decided: u64,
}

/// The desk's storage. See the module doc.
#[async_trait]
pub trait Desk: Send + Sync + 'static {
    /// The slot `clerk` should transcribe now: the one they hold and have not submitted (its
    /// lease renewed), else a free slot — never two of one capture, never a slot of a capture they
    /// transcribed — of the oldest capture in their scope that still needs an entry. `None` when
    /// there is nothing to do. Taken in the writer's transaction: two clerks never get one slot.
    async fn hand_out(
        &self,
        clerk: Clerk,
        now_ms: TimestampMs,
        lease_ms: i64,
    ) -> RepoResult<Option<Assignment>>;

    /// Keeps `clerk`'s entry for `capture_pk`; when it is the second, settles the capture with
    /// [`settle`] over `fields` (the contest's fields in order), audited, in one transaction.
    async fn submit_entry(
        &self,
        clerk: Clerk,
        capture_pk: i64,
        fields: Vec<String>,
        counts: Counts,
        now_ms: TimestampMs,
    ) -> RepoResult<EntryOutcome>;

    /// A capture on the desk with its entries, if it is there.
    async fn desk_item(&self, capture_pk: i64) -> RepoResult<Option<DeskItem>>;

    /// Captures in `scope` waiting for a verifier, oldest first, after `after_pk`, at most `limit`.
    async fn waiting_verifier(
        &self,
        scope: String,
        after_pk: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<DeskItem>>;

    /// Keeps a verifier's decision on a capture waiting for one: the numbers the acta shows,
    /// and the capture's review that follows from them (`comment` when they differ from the
    /// watcher's), audited, in one transaction.
    async fn decide(
        &self,
        clerk: Clerk,
        capture_pk: i64,
        counts: Counts,
        agrees_with_watcher: bool,
        comment: Option<String>,
        now_ms: TimestampMs,
    ) -> RepoResult<DecideOutcome>;

    /// How much work the desk holds in `scope`.
    async fn desk_counts(&self, scope: String) -> RepoResult<DeskCounts>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[(&str, u32)]) -> Counts {
        v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    }

    #[test]
    fn only_three_equal_sets_confirm() {
        let fields = vec!["a".to_owned(), "b".to_owned()];
        let x = counts(&[("a", 1), ("b", 2)]);
        assert_eq!(settle(&fields, &x, &x, &x), DeskState::Confirmed);
        let y = counts(&[("a", 1), ("b", 3)]);
        assert_eq!(settle(&fields, &x, &x, &y), DeskState::Verify, "the watcher differs");
        assert_eq!(settle(&fields, &x, &y, &x), DeskState::Verify, "the entries differ");
        let partial = counts(&[("a", 1)]);
        assert_eq!(settle(&fields, &x, &x, &partial), DeskState::Verify, "the watcher left one out");
        // Fields the contest lacks do not matter.
        let extra = counts(&[("a", 1), ("b", 2), ("zz", 9)]);
        assert_eq!(settle(&fields, &x, &x, &extra), DeskState::Confirmed);
    }

    #[test]
    fn states_round_trip() {
        for s in [DeskState::Transcribing, DeskState::Verify, DeskState::Confirmed, DeskState::Decided] {
            assert_eq!(s.as_str().parse::<DeskState>(), Ok(s));
        }
        assert!("other".parse::<DeskState>().is_err());
    }
}
