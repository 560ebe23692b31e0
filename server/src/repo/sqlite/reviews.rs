//! Reviews: a coordinator's verdict on a capture, and everything that must change with it.
//!
//! One transaction sets the capture's status, appends the audit log entry (who, when, from and to,
//! the comment; the log is append-only by trigger), tells the capture's device through its feed,
//! queues the table for the tally worker, since a rejected capture stops counting, and — when
//! the coordinators publish on verification — publishes a verified capture.

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
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
    let found: Result<Row, ReviewOutcome> =
        find(c, target, "pk, device_id, capture_id, review_status, station_id, contest_id", |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?;
    let (pk, device, capture_id, from, station, contest) = match found {
        Ok(row) => row,
        Err(outcome) => return Ok(outcome),
    };
    let device: KeyId = device.parse().map_err(|_| corrupt("device id"))?;
    let capture_id = Uuid::parse_str(&capture_id).map_err(|_| corrupt("capture id"))?;
    let from: ReviewStatus = from.parse().map_err(|()| corrupt("review status"))?;
    c.execute("UPDATE captures SET review_status = ?2 WHERE pk = ?1", params![pk, status.as_str()])?;
    let detail = serde_json::json!({
        "device": device.as_str(), "capture_id": capture_id, "from": from.as_str(), "to": status.as_str(),
        "comment": comment,
    });
    super::audit(c, now_ms, actor, "review", Some(pk), &detail)?;
    feed::append(c, Some(device.as_str()), now_ms, &Change::Review { capture_id, status, comment })?;
    c.execute(
        "INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) VALUES (?1, ?2)",
        params![station, contest],
    )?;
    if status == ReviewStatus::Verified {
        super::publication::on_verified(c, pk, actor, now_ms)?;
    }
    Ok(ReviewOutcome::Done { pk, device, capture_id, from })
}

/// The one capture `target` names, as `read` reads `columns` of it; `Err(NotFound)` or
/// `Err(Ambiguous)` otherwise. Reviews and the dashboard's links resolve targets alike here.
pub(super) fn find<T>(
    c: &Connection,
    target: &ReviewTarget,
    columns: &str,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> RepoResult<Result<T, ReviewOutcome>> {
    let (filter, args): (&str, Vec<Value>) = match target {
        ReviewTarget::Pk(pk) => ("pk = ?1", vec![Value::Integer(*pk)]),
        ReviewTarget::Device { device, capture_id } => (
            "device_id = ?1 AND capture_id = ?2",
            vec![Value::Text(device.as_str().to_owned()), Value::Text(capture_id.to_string())],
        ),
        ReviewTarget::CaptureId(capture_id) => ("capture_id = ?1", vec![Value::Text(capture_id.to_string())]),
    };
    // Two rows are enough to tell one from several.
    let mut stmt = c.prepare_cached(&format!("SELECT {columns} FROM captures WHERE {filter} LIMIT 2"))?;
    let mut rows = stmt.query_map(params_from_iter(args), read)?;
    let Some(one) = rows.next().transpose()? else { return Ok(Err(ReviewOutcome::NotFound)) };
    if rows.next().is_some() {
        return Ok(Err(ReviewOutcome::Ambiguous));
    }
    Ok(Ok(one))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_names_one_capture_or_says_why_not() {
        let c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&c).unwrap();
        let id = "01936f6e-7c00-7a3b-8c1d-000000000001";
        let devices = ["00000000000000000000000000000001", "00000000000000000000000000000002"];
        for (pk, device) in (1..).zip(devices) {
            c.execute(
                "INSERT INTO devices (id, public_key, token_hash, code_hash, enrolled_at_ms)
                 VALUES (?1, x'04', CAST(?1 AS BLOB), x'00', 0)",
                [device],
            )
            .unwrap();
            c.execute(
                "INSERT INTO captures (pk, device_id, capture_id, station_id, contest_id, record_sha256, signed_json,
                                       receipt_json, device_time_ms, received_at_ms, warnings)
                 VALUES (?1, ?2, ?3, 'st-1', 'pres', x'00', '{}', '{}', 0, 0, 0)",
                params![pk, device, id],
            )
            .unwrap();
        }
        let pk_of = |target: ReviewTarget| find(&c, &target, "pk", |r| r.get::<_, i64>(0)).unwrap();
        let capture_id = Uuid::parse_str(id).unwrap();
        assert_eq!(pk_of(ReviewTarget::Pk(2)), Ok(2));
        assert_eq!(pk_of(ReviewTarget::Pk(3)), Err(ReviewOutcome::NotFound));
        let device: KeyId = devices[1].parse().unwrap();
        assert_eq!(pk_of(ReviewTarget::Device { device, capture_id }), Ok(2));
        // Two phones made the same id: a review by id alone must not pick one.
        assert_eq!(pk_of(ReviewTarget::CaptureId(capture_id)), Err(ReviewOutcome::Ambiguous));
    }
}
