//! tus uploads in progress: one row per upload, with its confirmed offset and its state.
//!
//! The bytes themselves are in the blob store; this table is what lets a phone resume (`HEAD`
//! answers the offset kept here) and what the sweeper reads to expire abandoned uploads. Only an
//! active upload moves: setting the offset or ending an upload that already ended does nothing.

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::{KeyId, Sha256, SignedReceipt, TimestampMs};
use uuid::Uuid;

use super::{corrupt, from_json, i64_of, sha_of, to_json};
use crate::repo::{RepoResult, Upload, UploadState};

/// Creates an active upload.
pub(super) fn create(c: &Connection, upload: &Upload, now_ms: TimestampMs) -> RepoResult<()> {
    c.execute(
        "INSERT INTO uploads (id, device_id, capture_id, capture_pk, sha256, length, offset, metadata,
                              created_at_ms, expires_at_ms, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active')",
        params![
            upload.id,
            upload.device_id.as_str(),
            upload.capture_id.to_string(),
            upload.capture_pk,
            upload.sha256.as_bytes().as_slice(),
            i64_of(upload.length),
            i64_of(upload.offset),
            upload.metadata,
            now_ms,
            upload.expires_at_ms
        ],
    )?;
    Ok(())
}

/// The upload with this id.
pub(super) fn get(c: &Connection, id: String) -> RepoResult<Option<Upload>> {
    let row = c
        .prepare_cached(
            "SELECT device_id, capture_id, capture_pk, sha256, length, offset, metadata, expires_at_ms,
                    state, receipt_json
               FROM uploads WHERE id = ?1",
        )?
        .query_row([&id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .optional()?;
    let Some((device, capture, capture_pk, sha, length, offset, metadata, expires, state, receipt)) = row
    else {
        return Ok(None);
    };
    Ok(Some(Upload {
        id,
        device_id: device.parse::<KeyId>().map_err(|_| corrupt("device id"))?,
        capture_id: Uuid::parse_str(&capture).map_err(|_| corrupt("capture id"))?,
        capture_pk,
        sha256: sha_of(sha)?,
        length: u64::try_from(length).map_err(|_| corrupt("length"))?,
        offset: u64::try_from(offset).map_err(|_| corrupt("offset"))?,
        metadata,
        expires_at_ms: expires,
        state: state_of(&state)?,
        receipt: receipt.as_deref().map(|r| from_json(r, "receipt")).transpose()?,
    }))
}

/// Moves an active upload's confirmed offset.
pub(super) fn set_offset(c: &Connection, id: &str, offset: u64) -> RepoResult<()> {
    c.prepare_cached("UPDATE uploads SET offset = ?2 WHERE id = ?1 AND state = 'active'")?
        .execute(params![id, i64_of(offset)])?;
    Ok(())
}

/// Ends an active upload; a complete one is confirmed to its full length.
pub(super) fn end(
    c: &Connection,
    id: &str,
    state: UploadState,
    receipt: Option<&SignedReceipt>,
) -> RepoResult<()> {
    let receipt = receipt.map(to_json).transpose()?;
    let offset_sql = if state == UploadState::Complete { "length" } else { "offset" };
    c.execute(
        &format!(
            "UPDATE uploads SET state = ?2, receipt_json = ?3, offset = {offset_sql}
              WHERE id = ?1 AND state = 'active'"
        ),
        params![id, state_str(state), receipt],
    )?;
    Ok(())
}

/// The device's active uploads of one photo of one capture.
pub(super) fn active_of(
    c: &Connection,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
) -> RepoResult<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM uploads WHERE device_id = ?1 AND state = 'active' AND capture_id = ?2 AND sha256 = ?3",
    )?;
    Ok(stmt
        .query_map(params![device.as_str(), capture_id.to_string(), sha256.as_bytes().as_slice()], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A device's active uploads, earliest expiry (the oldest) first.
pub(super) fn active_of_device(c: &Connection, device: &KeyId) -> RepoResult<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM uploads WHERE device_id = ?1 AND state = 'active' ORDER BY expires_at_ms, id",
    )?;
    Ok(stmt.query_map([device.as_str()], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?)
}

/// Active uploads whose expiry is before `now_ms`.
pub(super) fn expired(c: &Connection, now_ms: TimestampMs) -> RepoResult<Vec<String>> {
    let mut stmt =
        c.prepare_cached("SELECT id FROM uploads WHERE state = 'active' AND expires_at_ms < ?1")?;
    Ok(stmt.query_map([now_ms], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?)
}

/// The state as stored (the column's CHECK lists the same four words).
fn state_of(s: &str) -> RepoResult<UploadState> {
    Ok(match s {
        "active" => UploadState::Active,
        "complete" => UploadState::Complete,
        "terminated" => UploadState::Terminated,
        "expired" => UploadState::Expired,
        _ => return Err(corrupt("upload state")),
    })
}

fn state_str(s: UploadState) -> &'static str {
    match s {
        UploadState::Active => "active",
        UploadState::Complete => "complete",
        UploadState::Terminated => "terminated",
        UploadState::Expired => "expired",
    }
}
