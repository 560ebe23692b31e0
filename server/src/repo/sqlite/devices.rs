//! Enrollment codes and the devices they enrolled.
//!
//! Codes and device tokens are kept only as SHA-256 hashes, so a copy of the database enrolls
//! nobody and speaks for no device. A code binds to the first key that uses it; the same key with
//! the same code again only replaces its token (the phone lost the first answer).

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::{KeyId, PublicKey, Sha256, TimestampMs};

use super::{corrupt, from_json, regions, to_json};
use crate::repo::{Device, DeviceUsage, EnrollOutcome, RepoResult, RevokeOutcome};

/// Stores one-time codes (by hash), each enrolling a device for `stations`.
pub(super) fn create_codes(
    c: &Connection,
    code_hashes: &[Sha256],
    stations: &[String],
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<()> {
    let detail = serde_json::json!({ "stations": stations, "codes": code_hashes.len() });
    super::audit(c, now_ms, actor, "enroll_codes", None, &detail)?;
    let stations = to_json(&stations)?;
    let mut ins = c.prepare_cached(
        "INSERT INTO enrollment_codes (code_hash, station_ids_json, created_at_ms) VALUES (?1, ?2, ?3)",
    )?;
    for h in code_hashes {
        ins.execute(params![h.as_bytes().as_slice(), stations, now_ms])?;
    }
    Ok(())
}

/// Uses a code (see [`crate::repo::Repo::enroll`]).
pub(super) fn enroll(
    c: &Connection,
    code_hash: Sha256,
    public_key: &PublicKey,
    token_hash: Sha256,
    now_ms: TimestampMs,
) -> RepoResult<EnrollOutcome> {
    let key_id = public_key.key_id();
    let code: Option<(String, Option<String>)> = c
        .query_row(
            "SELECT station_ids_json, device_id FROM enrollment_codes WHERE code_hash = ?1",
            [code_hash.as_bytes().as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((stations, used_by)) = code else { return Ok(EnrollOutcome::UnknownCode) };
    let revoked = c
        .prepare_cached("SELECT 1 FROM devices WHERE id = ?1 AND revoked_at_ms IS NOT NULL")?
        .exists([key_id.as_str()])?;
    if revoked {
        return Ok(EnrollOutcome::Revoked);
    }
    match used_by {
        Some(id) if id == key_id.as_str() => {
            c.execute(
                "UPDATE devices SET token_hash = ?2 WHERE id = ?1",
                params![id, token_hash.as_bytes().as_slice()],
            )?;
        }
        Some(_) => return Ok(EnrollOutcome::CodeUsed),
        None => {
            let exists =
                c.prepare_cached("SELECT 1 FROM devices WHERE id = ?1")?.exists([key_id.as_str()])?;
            if exists {
                return Ok(EnrollOutcome::DeviceExists);
            }
            c.execute(
                "INSERT INTO devices (id, public_key, token_hash, code_hash, enrolled_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key_id.as_str(),
                    public_key.to_sec1(),
                    token_hash.as_bytes().as_slice(),
                    code_hash.as_bytes().as_slice(),
                    now_ms
                ],
            )?;
            let mut ins = c.prepare_cached(
                "INSERT OR IGNORE INTO device_stations (device_id, station_id) VALUES (?1, ?2)",
            )?;
            for s in from_json::<Vec<String>>(&stations, "code stations")? {
                ins.execute(params![key_id.as_str(), s])?;
            }
            c.execute(
                "UPDATE enrollment_codes SET device_id = ?2, used_at_ms = ?3 WHERE code_hash = ?1",
                params![code_hash.as_bytes().as_slice(), key_id.as_str(), now_ms],
            )?;
            regions::add_device(c, key_id.as_str())?;
        }
    }
    Ok(EnrollOutcome::Enrolled(load(c, key_id.as_str(), public_key.to_sec1().to_vec())?))
}

/// The device whose token has this hash.
pub(super) fn by_token(c: &Connection, token_hash: Sha256) -> RepoResult<Option<Device>> {
    let row: Option<(String, Vec<u8>)> = c
        .prepare_cached("SELECT id, public_key FROM devices WHERE token_hash = ?1 AND revoked_at_ms IS NULL")?
        .query_row([token_hash.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, key)| load(c, &id, key)).transpose()
}

/// The unrevoked device with this key id.
pub(super) fn by_id(c: &Connection, device: &KeyId) -> RepoResult<Option<Device>> {
    let row: Option<(String, Vec<u8>)> = c
        .prepare_cached("SELECT id, public_key FROM devices WHERE id = ?1 AND revoked_at_ms IS NULL")?
        .query_row([device.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, key)| load(c, &id, key)).transpose()
}

/// Revokes the device (see [`crate::repo::Repo::revoke_device`]).
pub(super) fn revoke(
    c: &Connection,
    device: &KeyId,
    reason: &str,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<RevokeOutcome> {
    let row: Option<Option<i64>> = c
        .query_row("SELECT revoked_at_ms FROM devices WHERE id = ?1", [device.as_str()], |r| r.get(0))
        .optional()?;
    match row {
        None => Ok(RevokeOutcome::NotFound),
        Some(Some(at_ms)) => Ok(RevokeOutcome::AlreadyRevoked { at_ms }),
        Some(None) => {
            c.execute(
                "UPDATE devices SET revoked_at_ms = ?2, revoked_reason = ?3 WHERE id = ?1",
                params![device.as_str(), now_ms, reason],
            )?;
            let detail = serde_json::json!({ "device": device.as_str(), "reason": reason });
            super::audit(c, now_ms, actor, "revoke_device", None, &detail)?;
            Ok(RevokeOutcome::Revoked { at_ms: now_ms })
        }
    }
}

/// How much of its quotas the device has used.
pub(super) fn usage(c: &Connection, device: &KeyId) -> RepoResult<DeviceUsage> {
    let records: i64 = c
        .prepare_cached("SELECT count(*) FROM captures WHERE device_id = ?1")?
        .query_row([device.as_str()], |r| r.get(0))?;
    let (active, bytes): (i64, i64) = c
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE state = 'active'), ifnull(sum(length), 0)
               FROM uploads WHERE device_id = ?1 AND state IN ('active', 'complete')",
        )?
        .query_row([device.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let n = |v: i64| u64::try_from(v).map_err(|_| corrupt("device usage"));
    Ok(DeviceUsage { records: n(records)?, active_uploads: n(active)?, upload_bytes: n(bytes)? })
}

/// Records when the device was last seen.
pub(super) fn touch(c: &Connection, device: &KeyId, now_ms: TimestampMs) -> RepoResult<()> {
    c.prepare_cached("UPDATE devices SET last_seen_at_ms = ?2 WHERE id = ?1")?
        .execute(params![device.as_str(), now_ms])?;
    Ok(())
}

/// The device `id` with its stored key and stations; a key that is not the id's is corruption.
fn load(c: &Connection, id: &str, public_key: Vec<u8>) -> RepoResult<Device> {
    let public_key = PublicKey::from_sec1(&public_key).map_err(|_| corrupt("device key"))?;
    let mut stmt = c.prepare_cached("SELECT station_id FROM device_stations WHERE device_id = ?1")?;
    let stations = stmt.query_map([id], |r| r.get::<_, String>(0))?.collect::<Result<BTreeSet<_>, _>>()?;
    let key_id = public_key.key_id();
    if key_id.as_str() != id {
        return Err(corrupt("device id"));
    }
    Ok(Device { id: key_id, public_key, stations })
}
