//! [`Desk`] on SQLite: the verification desk's slots, entries and decisions.
//!
//! Captures enter the desk from the tally worker's photo step ([`enter`]) once every photo they
//! declare is in. Hand-outs, entries and decisions are writer jobs: the single writer is what
//! makes "two clerks never get one slot" hold without locks, and each job is one transaction
//! with its audit entries and the review that follows.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::TimestampMs;
use testigo_protocol::api::ReviewStatus;

use super::{SqliteRepo, corrupt, from_json, to_json};
use crate::repo::desk::{
    Assignment, Clerk, Counts, DecideOutcome, Desk, DeskCounts, DeskEntry, DeskItem, DeskState, EntryOutcome,
    settle,
};
use crate::repo::{RepoResult, ReviewTarget};

/// The SQL condition "`d.region_path` lies in the scope `?N`" for a parameter number `n`.
fn in_scope(n: u8) -> String {
    format!(
        "(?{n} = '' OR d.region_path = ?{n} OR (d.region_path > ?{n} || '/' AND d.region_path < ?{n} || '0'))"
    )
}

/// Puts a capture on the desk once every photo it declares is in (called by the tally worker
/// after it counts a photo); a capture already there stays as it is.
pub(super) fn enter(c: &Connection, capture_pk: i64, at_ms: TimestampMs) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO desk_items (capture_pk, region_path, contest_id, state, entered_at_ms)
         SELECT pk, ifnull(region_path, ''), contest_id, 'transcribing', ?2 FROM captures
          WHERE pk = ?1 AND photos_declared > 0 AND photos_received >= photos_declared",
    )?
    .execute(params![capture_pk, at_ms])?;
    Ok(())
}

fn hand_out(
    c: &Connection,
    clerk: &Clerk,
    now_ms: TimestampMs,
    lease_ms: i64,
) -> RepoResult<Option<Assignment>> {
    let lease_until_ms = now_ms.saturating_add(lease_ms);
    // The slot they hold, if any: a reload, or a clerk back from a break, gets the same acta.
    let held: Option<(i64, u8)> = c
        .prepare_cached(
            "SELECT e.capture_pk, e.slot FROM desk_entries e JOIN desk_items d ON d.capture_pk = e.capture_pk
              WHERE e.coordinator_id = ?1 AND e.submitted_at_ms IS NULL AND d.state = 'transcribing'
              ORDER BY e.assigned_at_ms LIMIT 1",
        )?
        .query_row([clerk.coordinator_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((capture_pk, slot)) = held {
        c.prepare_cached("UPDATE desk_entries SET lease_until_ms = ?3 WHERE capture_pk = ?1 AND slot = ?2")?
            .execute(params![capture_pk, slot, lease_until_ms])?;
        return Ok(Some(Assignment { capture_pk, slot, lease_until_ms }));
    }
    let next: Option<i64> = c
        .prepare_cached(&format!(
            "SELECT d.capture_pk FROM desk_items d JOIN captures c ON c.pk = d.capture_pk
              WHERE d.state = 'transcribing' AND c.superseded_by IS NULL AND c.review_status != 'rejected'
                AND {}
                AND NOT EXISTS (SELECT 1 FROM desk_entries e WHERE e.capture_pk = d.capture_pk AND e.coordinator_id = ?1)
                AND (SELECT count(*) FROM desk_entries e WHERE e.capture_pk = d.capture_pk
                        AND (e.submitted_at_ms IS NOT NULL OR e.lease_until_ms > ?3)) < 2
              ORDER BY d.capture_pk LIMIT 1",
            in_scope(2)
        ))?
        .query_row(params![clerk.coordinator_id, clerk.scope_path, now_ms], |r| r.get(0))
        .optional()?;
    let Some(capture_pk) = next else { return Ok(None) };
    // The first slot that is free or whose holder's lease ran out.
    let taken: Vec<(u8, bool)> = c
        .prepare_cached(
            "SELECT slot, submitted_at_ms IS NOT NULL OR lease_until_ms > ?2 FROM desk_entries WHERE capture_pk = ?1",
        )?
        .query_map(params![capture_pk, now_ms], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let slot = [1u8, 2]
        .into_iter()
        .find(|s| !taken.iter().any(|(t, live)| t == s && *live))
        .ok_or_else(|| corrupt("desk slots"))?;
    c.prepare_cached(
        "INSERT INTO desk_entries (capture_pk, slot, coordinator_id, assigned_at_ms, lease_until_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (capture_pk, slot) DO UPDATE SET coordinator_id = excluded.coordinator_id,
            assigned_at_ms = excluded.assigned_at_ms, lease_until_ms = excluded.lease_until_ms",
    )?
    .execute(params![capture_pk, slot, clerk.coordinator_id, now_ms, lease_until_ms])?;
    Ok(Some(Assignment { capture_pk, slot, lease_until_ms }))
}

/// The watcher's numbers of a capture, per field.
fn watcher_counts(c: &Connection, capture_pk: i64) -> RepoResult<Counts> {
    let signed: String = c
        .prepare_cached("SELECT signed_json FROM captures WHERE pk = ?1")?
        .query_row([capture_pk], |r| r.get(0))?;
    Ok(super::tally::counts_of(&signed)
        .into_iter()
        .filter_map(|(k, v)| Some((k, u32::try_from(v).ok()?)))
        .collect())
}

fn submit(
    c: &Connection,
    clerk: &Clerk,
    capture_pk: i64,
    fields: &[String],
    counts: &Counts,
    now_ms: TimestampMs,
) -> RepoResult<EntryOutcome> {
    let mine: Option<(u8, bool)> = c
        .prepare_cached(
            "SELECT slot, submitted_at_ms IS NOT NULL FROM desk_entries WHERE capture_pk = ?1 AND coordinator_id = ?2",
        )?
        .query_row(params![capture_pk, clerk.coordinator_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let slot = match mine {
        None => return Ok(EntryOutcome::NotYours),
        Some((_, true)) => return Ok(EntryOutcome::AlreadyIn),
        Some((slot, false)) => slot,
    };
    c.prepare_cached(
        "UPDATE desk_entries SET counts_json = ?3, submitted_at_ms = ?4 WHERE capture_pk = ?1 AND slot = ?2",
    )?
    .execute(params![capture_pk, slot, to_json(counts)?, now_ms])?;
    super::audit(
        c,
        now_ms,
        &clerk.name,
        "transcribe",
        Some(capture_pk),
        &serde_json::json!({ "slot": slot }),
    )?;
    let other: Option<Option<String>> = c
        .prepare_cached("SELECT counts_json FROM desk_entries WHERE capture_pk = ?1 AND slot = ?2")?
        .query_row(params![capture_pk, 3 - slot], |r| r.get(0))
        .optional()?;
    let Some(Some(other)) = other else { return Ok(EntryOutcome::Kept(DeskState::Transcribing)) };
    let other: Counts = from_json(&other, "desk entry")?;
    let state = settle(fields, counts, &other, &watcher_counts(c, capture_pk)?);
    c.prepare_cached(
        "UPDATE desk_items SET state = ?2, settled_at_ms = CASE WHEN ?2 = 'confirmed' THEN ?3 END WHERE capture_pk = ?1",
    )?
    .execute(params![capture_pk, state.as_str(), now_ms])?;
    super::audit(
        c,
        now_ms,
        &clerk.name,
        "desk",
        Some(capture_pk),
        &serde_json::json!({ "to": state.as_str() }),
    )?;
    if state == DeskState::Confirmed {
        // Two blind entries agreeing with the watcher verify the capture, unless a coordinator
        // already said something else about it.
        let status: String = c
            .prepare_cached("SELECT review_status FROM captures WHERE pk = ?1")?
            .query_row([capture_pk], |r| r.get(0))?;
        if status == ReviewStatus::Unreviewed.as_str() {
            super::reviews::review(
                c,
                &ReviewTarget::Pk(capture_pk),
                ReviewStatus::Verified,
                None,
                &clerk.name,
                now_ms,
            )?;
        }
    }
    Ok(EntryOutcome::Kept(state))
}

fn decide(
    c: &Connection,
    clerk: &Clerk,
    capture_pk: i64,
    counts: &Counts,
    agrees: bool,
    comment: Option<String>,
    now_ms: TimestampMs,
) -> RepoResult<DecideOutcome> {
    let state: Option<String> = c
        .prepare_cached("SELECT state FROM desk_items WHERE capture_pk = ?1")?
        .query_row([capture_pk], |r| r.get(0))
        .optional()?;
    if state.as_deref() != Some(DeskState::Verify.as_str()) {
        return Ok(DecideOutcome::NotWaiting);
    }
    let own: bool = c
        .prepare_cached("SELECT 1 FROM desk_entries WHERE capture_pk = ?1 AND coordinator_id = ?2")?
        .exists(params![capture_pk, clerk.coordinator_id])?;
    if own {
        return Ok(DecideOutcome::OwnEntry);
    }
    c.prepare_cached(
        "UPDATE desk_items SET state = 'decided', settled_at_ms = ?2, decided_json = ?3, decided_by = ?4
          WHERE capture_pk = ?1",
    )?
    .execute(params![capture_pk, now_ms, to_json(counts)?, clerk.name])?;
    let detail = serde_json::json!({ "to": "decided", "agrees": agrees });
    super::audit(c, now_ms, &clerk.name, "desk", Some(capture_pk), &detail)?;
    let status = if agrees { ReviewStatus::Verified } else { ReviewStatus::Disputed };
    super::reviews::review(c, &ReviewTarget::Pk(capture_pk), status, comment, &clerk.name, now_ms)?;
    Ok(DecideOutcome::Decided)
}

const ITEM_COLUMNS: &str = "d.capture_pk, d.region_path, d.contest_id, d.state, d.entered_at_ms, d.settled_at_ms, d.decided_json, d.decided_by";

fn item(c: &Connection, r: &rusqlite::Row<'_>) -> RepoResult<DeskItem> {
    let capture_pk: i64 = r.get(0)?;
    let state: String = r.get(3)?;
    let decided_json: Option<String> = r.get(6)?;
    let decided_by: Option<String> = r.get(7)?;
    let entries = c
        .prepare_cached(
            "SELECT e.slot, k.name, e.coordinator_id, e.counts_json, e.submitted_at_ms, e.lease_until_ms
               FROM desk_entries e JOIN coordinators k ON k.id = e.coordinator_id
              WHERE e.capture_pk = ?1 ORDER BY e.slot",
        )?
        .query_map([capture_pk], |r| {
            Ok((
                r.get::<_, u8>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .map(|row| {
            let (slot, coordinator, coordinator_id, counts, submitted_at_ms, lease_until_ms) = row?;
            Ok(DeskEntry {
                slot,
                coordinator,
                coordinator_id,
                counts: counts.as_deref().map(|j| from_json(j, "desk entry")).transpose()?,
                submitted_at_ms,
                lease_until_ms,
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(DeskItem {
        capture_pk,
        region_path: r.get(1)?,
        contest_id: r.get(2)?,
        state: state.parse().map_err(|()| corrupt("desk state"))?,
        entered_at_ms: r.get(4)?,
        settled_at_ms: r.get(5)?,
        entries,
        decided: match (decided_json, decided_by) {
            (Some(j), Some(by)) => Some((from_json(&j, "desk decision")?, by)),
            _ => None,
        },
    })
}

#[async_trait]
impl Desk for SqliteRepo {
    async fn hand_out(
        &self,
        clerk: Clerk,
        now_ms: TimestampMs,
        lease_ms: i64,
    ) -> RepoResult<Option<Assignment>> {
        self.db.write(move |c| hand_out(c, &clerk, now_ms, lease_ms)).await
    }

    async fn submit_entry(
        &self,
        clerk: Clerk,
        capture_pk: i64,
        fields: Vec<String>,
        counts: Counts,
        now_ms: TimestampMs,
    ) -> RepoResult<EntryOutcome> {
        self.db.write(move |c| submit(c, &clerk, capture_pk, &fields, &counts, now_ms)).await
    }

    async fn desk_item(&self, capture_pk: i64) -> RepoResult<Option<DeskItem>> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS} FROM desk_items d WHERE d.capture_pk = ?1"
                ))?;
                let mut rows = stmt.query([capture_pk])?;
                match rows.next()? {
                    Some(r) => Ok(Some(item(c, r)?)),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn waiting_verifier(
        &self,
        scope: String,
        after_pk: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<DeskItem>> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS} FROM desk_items d
                      WHERE d.state = 'verify' AND d.capture_pk > ?2 AND {}
                      ORDER BY d.capture_pk LIMIT ?3",
                    in_scope(1)
                ))?;
                let mut rows = stmt.query(params![scope, after_pk.unwrap_or(0), limit as i64])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(item(c, r)?);
                }
                Ok(out)
            })
            .await
    }

    async fn decide(
        &self,
        clerk: Clerk,
        capture_pk: i64,
        counts: Counts,
        agrees_with_watcher: bool,
        comment: Option<String>,
        now_ms: TimestampMs,
    ) -> RepoResult<DecideOutcome> {
        self.db
            .write(move |c| decide(c, &clerk, capture_pk, &counts, agrees_with_watcher, comment, now_ms))
            .await
    }

    async fn desk_counts(&self, scope: String) -> RepoResult<DeskCounts> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT d.state, count(*) FROM desk_items d WHERE {} GROUP BY d.state",
                    in_scope(1)
                ))?;
                let mut out = DeskCounts::default();
                for row in stmt.query_map([scope], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                    let (state, n) = row?;
                    let n = u64::try_from(n).unwrap_or(0);
                    match state.parse().map_err(|()| corrupt("desk state"))? {
                        DeskState::Transcribing => out.transcribing = n,
                        DeskState::Verify => out.verify = n,
                        DeskState::Confirmed => out.confirmed = n,
                        DeskState::Decided => out.decided = n,
                    }
                }
                Ok(out)
            })
            .await
    }
}
