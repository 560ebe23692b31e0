//! Intake: records stored once each, and the photos they declare marked received.
//!
//! A record is keyed by (device, capture id). The same content again answers with the receipt
//! stored the first time; other content under a used id is refused and kept aside in `conflicts`
//! for review, so a phone's retries are harmless and a changed record is never lost or silently
//! accepted. Intake only inserts rows: the tally worker (`tally.rs`) counts them later, so this
//! path stays fast under load.

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::{KeyId, Sha256, SignedReceipt, TimestampMs};
use uuid::Uuid;

use super::{corrupt, from_json, i64_of, to_json};
use crate::repo::{ExpectedPhoto, NewRecord, PhotoLookup, RepoResult, StoreOutcome};

/// Stores checked records of `device` (see [`crate::repo::Repo::store_records`]); outcomes are in
/// input order.
pub(super) fn store_records(
    c: &Connection,
    device: &str,
    records: &[NewRecord],
    now_ms: TimestampMs,
) -> RepoResult<Vec<StoreOutcome>> {
    let mut find = c.prepare_cached(
        "SELECT record_sha256, receipt_json FROM captures WHERE device_id = ?1 AND capture_id = ?2",
    )?;
    let mut insert = c.prepare_cached(
        "INSERT INTO captures (device_id, capture_id, station_id, contest_id, supersedes, record_sha256, signed_json,
                               receipt_json, device_time_ms, received_at_ms, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut photo = c.prepare_cached(
        "INSERT INTO capture_photos (capture_pk, page, sha256, size) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut conflict = c.prepare_cached(
        "INSERT INTO conflicts (device_id, capture_id, record_sha256, signed_json, received_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        let r = &rec.signed.record;
        let id = r.id.to_string();
        let existing: Option<(Vec<u8>, String)> =
            find.query_row(params![device, id], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
        match existing {
            Some((sha, receipt)) if sha == rec.record_sha256.as_bytes() => {
                out.push(StoreOutcome::Duplicate(from_json(&receipt, "receipt")?));
            }
            Some(_) => {
                conflict.execute(params![
                    device,
                    id,
                    rec.record_sha256.as_bytes().as_slice(),
                    rec.json,
                    now_ms
                ])?;
                out.push(StoreOutcome::Conflict);
            }
            None => {
                insert.execute(params![
                    device,
                    id,
                    r.station_id,
                    r.contest_id,
                    r.supersedes.map(|s| s.to_string()),
                    rec.record_sha256.as_bytes().as_slice(),
                    rec.json,
                    to_json(&rec.receipt)?,
                    r.device_time_ms,
                    now_ms,
                    r.warnings.len() as i64,
                ])?;
                let pk = c.last_insert_rowid();
                for p in &r.photos {
                    photo.execute(params![pk, p.page, p.sha256.as_bytes().as_slice(), i64_of(p.size)])?;
                }
                out.push(StoreOutcome::Stored(rec.receipt.clone()));
            }
        }
    }
    Ok(out)
}

/// The photo `sha256` as `device`'s capture `capture_id` declares it, if it does.
pub(super) fn expected_photo(
    c: &Connection,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
) -> RepoResult<PhotoLookup> {
    let pk: Option<i64> = c
        .prepare_cached("SELECT pk FROM captures WHERE device_id = ?1 AND capture_id = ?2")?
        .query_row(params![device.as_str(), capture_id.to_string()], |r| r.get(0))
        .optional()?;
    let Some(capture_pk) = pk else { return Ok(PhotoLookup::NoCapture) };
    let row: Option<(i64, Option<String>)> = c
        .prepare_cached(
            "SELECT size, receipt_json FROM capture_photos WHERE capture_pk = ?1 AND sha256 = ?2 LIMIT 1",
        )?
        .query_row(params![capture_pk, sha256.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((size, receipt)) = row else { return Ok(PhotoLookup::NotDeclared) };
    Ok(PhotoLookup::Declared(ExpectedPhoto {
        capture_pk,
        size: u64::try_from(size).map_err(|_| corrupt("photo size"))?,
        receipt: receipt.as_deref().map(|r| from_json(r, "receipt")).transpose()?,
    }))
}

/// Whether `device` uploaded a photo with this hash for one of its captures.
pub(super) fn device_holds_photo(c: &Connection, device: &KeyId, sha256: Sha256) -> RepoResult<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM capture_photos p JOIN captures c ON c.pk = p.capture_pk
          WHERE p.sha256 = ?2 AND c.device_id = ?1 AND p.receipt_json IS NOT NULL LIMIT 1",
    )?
    .exists(params![device.as_str(), sha256.as_bytes().as_slice()])?)
}

/// Marks the photo received and keeps its receipt, or returns the first receipt if it was
/// received before. Each first receipt is also queued in `photo_events` for the tally worker.
pub(super) fn photo_received(
    c: &Connection,
    capture_pk: i64,
    sha256: Sha256,
    receipt: SignedReceipt,
) -> RepoResult<SignedReceipt> {
    let existing: Option<String> = c
        .query_row(
            "SELECT receipt_json FROM capture_photos
              WHERE capture_pk = ?1 AND sha256 = ?2 AND receipt_json IS NOT NULL LIMIT 1",
            params![capture_pk, sha256.as_bytes().as_slice()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = existing {
        return from_json(&existing, "receipt");
    }
    c.execute(
        "UPDATE capture_photos SET receipt_json = ?3, received_at_ms = ?4
          WHERE capture_pk = ?1 AND sha256 = ?2",
        params![capture_pk, sha256.as_bytes().as_slice(), to_json(&receipt)?, receipt.receipt.received_at_ms],
    )?;
    c.execute(
        "INSERT INTO photo_events (capture_pk, at_ms) VALUES (?1, ?2)",
        params![capture_pk, receipt.receipt.received_at_ms],
    )?;
    Ok(receipt)
}
