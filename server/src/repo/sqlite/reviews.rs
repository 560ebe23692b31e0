//! Reviews: a coordinator's verdict on a capture, and everything that must change with it.
//!
//! One transaction sets the capture's status, appends the audit log entry (who, when, from and to,
//! the comment; the log is append-only by trigger), tells the capture's device through its feed,
//! and queues the table for the tally worker, since a rejected capture stops counting.

use rusqlite::{Connection, params};
use testigo_protocol::api::{Change, ReviewStatus};
use testigo_protocol::{KeyId, TimestampMs};
use uuid::Uuid;

use super::{corrupt, feed};
use crate::repo::{RepoResult, ReviewOutcome, ReviewTarget};

/// Reviews the one capture `target` names (see [`crate::repo::Repo::review`]).
pub(super) fn review(
    c: &Connection,
    target: &ReviewTarget,
    status: ReviewStatus,
    comment: Option<String>,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<ReviewOutcome> {
    type Row = (i64, String, String, String, String, String);
    let select = "SELECT pk, device_id, capture_id, review_status, station_id, contest_id FROM captures";
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    };
    let rows: Vec<Row> = match target {
        ReviewTarget::Pk(pk) => c
            .prepare_cached(&format!("{select} WHERE pk = ?1"))?
            .query_map([pk], read)?
            .collect::<Result<_, _>>()?,
        ReviewTarget::Device { device, capture_id } => c
            .prepare_cached(&format!("{select} WHERE device_id = ?1 AND capture_id = ?2"))?
            .query_map(params![device.as_str(), capture_id.to_string()], read)?
            .collect::<Result<_, _>>()?,
        ReviewTarget::CaptureId(capture_id) => c
            .prepare_cached(&format!("{select} WHERE capture_id = ?1"))?
            .query_map([capture_id.to_string()], read)?
            .collect::<Result<_, _>>()?,
    };
    let (pk, device, capture_id, from, station, contest) = match rows.as_slice() {
        [] => return Ok(ReviewOutcome::NotFound),
        [one] => one.clone(),
        _ => return Ok(ReviewOutcome::Ambiguous),
    };
    let device: KeyId = device.parse().map_err(|_| corrupt("device id"))?;
    let capture_id = Uuid::parse_str(&capture_id).map_err(|_| corrupt("capture id"))?;
    let from: ReviewStatus = from.parse().map_err(|()| corrupt("review status"))?;
    c.execute("UPDATE captures SET review_status = ?2 WHERE pk = ?1", params![pk, status.as_str()])?;
    let detail = serde_json::json!({
        "device": device.as_str(), "capture_id": capture_id, "from": from.as_str(), "to": status.as_str(),
        "comment": comment,
    });
    c.execute(
        "INSERT INTO audit_log (at_ms, actor, action, capture_pk, detail_json) VALUES (?1, ?2, 'review', ?3, ?4)",
        params![now_ms, actor, pk, detail.to_string()],
    )?;
    feed::append(c, Some(device.as_str()), now_ms, &Change::Review { capture_id, status, comment })?;
    c.execute(
        "INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) VALUES (?1, ?2)",
        params![station, contest],
    )?;
    Ok(ReviewOutcome::Done { pk, device, capture_id, from })
}
