//! The change feed: what each device learns when it polls (reviews of its captures, package
//! updates), in one sequence so a device's cursor is a single number.
//!
//! An event is either for one device or, with `device_id` NULL, for every device; events are
//! appended in the same transaction as the change they announce, so a device never sees a change
//! the database does not hold, nor misses one it does.

use rusqlite::{Connection, params};
use testigo_protocol::api::{Change, FeedEvent};
use testigo_protocol::{KeyId, TimestampMs};

use super::{corrupt, from_json, i64_of, to_json};
use crate::repo::RepoResult;

/// Appends an event for `device`, or for every device when `None`.
pub(super) fn append(
    c: &Connection,
    device: Option<&str>,
    at_ms: TimestampMs,
    change: &Change,
) -> RepoResult<()> {
    c.execute(
        "INSERT INTO feed (device_id, at_ms, change_json) VALUES (?1, ?2, ?3)",
        params![device, at_ms, to_json(change)?],
    )?;
    Ok(())
}

/// The device's events after `after`, at most `limit`, in order.
pub(super) fn events(c: &Connection, device: &KeyId, after: u64, limit: usize) -> RepoResult<Vec<FeedEvent>> {
    // Two index range scans (this device's events, everyone's events) merged by seq,
    // rather than one scan over every device's events.
    let mut stmt = c.prepare_cached(
        "SELECT seq, at_ms, change_json FROM (
             SELECT seq, at_ms, change_json FROM feed WHERE device_id = ?1 AND seq > ?2
             UNION ALL
             SELECT seq, at_ms, change_json FROM feed WHERE device_id IS NULL AND seq > ?2
         ) ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![device.as_str(), i64_of(after), limit as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at_ms, change) = row?;
        out.push(FeedEvent {
            seq: u64::try_from(seq).map_err(|_| corrupt("feed seq"))?,
            at_ms,
            change: from_json(&change, "feed change")?,
        });
    }
    Ok(out)
}
