//! The dashboard's operations on SQLite, as plain functions over a connection (the `impl` in
//! `coord.rs` says which run in the writer): refused and conflicting records, enrollment codes,
//! the audit log, counting only verified actas, who carries each phone, which capture stands
//! for a table, which phones a table is assigned to.

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::TimestampMs;

use super::coord::{AUDIT_COLUMNS, audit_row, u};
use super::from_json;
use crate::repo::RepoResult;
use crate::repo::coord::*;

pub(super) fn refused_records(c: &Connection, scope: String, limit: usize) -> RepoResult<Vec<RefusedRecord>> {
    let sql = "SELECT x.code, x.detail, x.device_id, x.capture_id, x.station_id, x.at FROM (
                              SELECT code, detail, device_id, capture_id, station_id, received_at_ms AS at FROM refusals
                              UNION ALL
                              SELECT 'conflict', '', device_id, capture_id,
                                     ifnull(json_extract(signed_json, '$.record.station_id'), ''), received_at_ms FROM conflicts
                           ) x
                           LEFT JOIN stations s ON s.id = x.station_id
                           LEFT JOIN centers ce ON ce.id = s.center_id
                           LEFT JOIN regions r ON r.id = ce.region_id
                          WHERE ?1 = '' OR r.path = ?1 OR (r.path > ?1 || '/' AND r.path < ?1 || '0')
                          ORDER BY x.at DESC LIMIT ?2";
    c.prepare_cached(sql)?
        .query_map(params![scope, limit as i64], |r| {
            Ok(RefusedRecord {
                code: r.get(0)?,
                detail: r.get(1)?,
                device_id: r.get(2)?,
                capture_id: r.get(3)?,
                station_id: r.get(4)?,
                received_at_ms: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(Into::into)
}

pub(super) fn enrollment_codes(c: &Connection, limit: usize) -> RepoResult<(u64, u64, Vec<UnusedCode>)> {
    let (made, used): (i64, i64) =
        c.query_row("SELECT count(*), count(used_at_ms) FROM enrollment_codes", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let unused = c
        .prepare_cached(
            "SELECT created_at_ms, station_ids_json FROM enrollment_codes WHERE used_at_ms IS NULL
                          ORDER BY created_at_ms DESC LIMIT ?1",
        )?
        .query_map([limit as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .map(|row| {
            let (created_at_ms, stations) = row?;
            Ok(UnusedCode { created_at_ms, stations: from_json(&stations, "code stations")? })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok((u(made), u(used), unused))
}

pub(super) fn audit_log(
    c: &Connection,
    query: Option<String>,
    actions: &[String],
    before_seq: Option<i64>,
    limit: usize,
) -> RepoResult<Vec<AuditEntry>> {
    let needle = query.map(|q| q.to_lowercase()).unwrap_or_default();
    let actions = serde_json::to_string(actions).map_err(|e| crate::repo::RepoError::Db(e.to_string()))?;
    c.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log
          WHERE seq < ?1 AND (?2 = '' OR instr(lower(actor || ' ' || action || ' ' || detail_json), ?2) > 0
                              OR action IN (SELECT value FROM json_each(?4)))
          ORDER BY seq DESC LIMIT ?3"
    ))?
    .query_map(params![before_seq.unwrap_or(i64::MAX), needle, limit as i64, actions], audit_row)?
    .map(|row| row?)
    .collect()
}

pub(super) fn tally_verified_only(c: &Connection) -> RepoResult<bool> {
    Ok(c.query_row("SELECT verified_only FROM tally_settings WHERE id = 1", [], |r| r.get(0))?)
}

pub(super) fn set_tally_verified_only(
    c: &Connection,
    on: bool,
    actor: String,
    now_ms: TimestampMs,
) -> RepoResult<()> {
    let before: bool =
        c.query_row("SELECT verified_only FROM tally_settings WHERE id = 1", [], |r| r.get(0))?;
    if before == on {
        return Ok(());
    }
    c.execute("UPDATE tally_settings SET verified_only = ?1 WHERE id = 1", [on])?;
    super::audit(c, now_ms, &actor, "tally-setting", None, &serde_json::json!({ "verified_only": on }))?;
    c.execute(
                    "INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) SELECT DISTINCT station_id, contest_id FROM captures",
                    [],
                )?;
    Ok(())
}

pub(super) fn set_device_contact(
    c: &Connection,
    device: String,
    contact: Option<DeviceContact>,
    actor: String,
    now_ms: TimestampMs,
) -> RepoResult<bool> {
    if !c.prepare_cached("SELECT 1 FROM devices WHERE id = ?1")?.exists([&device])? {
        return Ok(false);
    }
    match &contact {
                    Some(k) => c
                        .prepare_cached(
                            "INSERT INTO device_contacts (device_id, name, phone, actor, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
                                actor = excluded.actor, at_ms = excluded.at_ms",
                        )?
                        .execute(params![device, k.name, k.phone, actor, now_ms])?,
                    None => c.prepare_cached("DELETE FROM device_contacts WHERE device_id = ?1")?.execute([&device])?,
                };
    // The audit says that it changed, not the name and number.
    let detail = serde_json::json!({ "device": device, "contact": contact.is_some() });
    super::audit(c, now_ms, &actor, "contact", None, &detail)?;
    Ok(true)
}

pub(super) fn table_choice(
    c: &Connection,
    station: String,
    contest: String,
) -> RepoResult<Option<TableChoice>> {
    Ok(c.prepare_cached(
                    "SELECT capture_pk, reason, actor, at_ms FROM station_choice WHERE station_id = ?1 AND contest_id = ?2",
                )?
                .query_row(params![station, contest], |r| {
                    Ok(TableChoice { capture_pk: r.get(0)?, reason: r.get(1)?, actor: r.get(2)?, at_ms: r.get(3)? })
                })
                .optional()?)
}

pub(super) fn choose_capture(
    c: &Connection,
    station: String,
    contest: String,
    capture_pk: Option<i64>,
    reason: String,
    actor: String,
    now_ms: TimestampMs,
) -> RepoResult<ChoiceOutcome> {
    if let Some(pk) = capture_pk {
        let standing = c
            .prepare_cached(
                "SELECT 1 FROM captures WHERE pk = ?1 AND station_id = ?2 AND contest_id = ?3
                                AND superseded_by IS NULL AND review_status != 'rejected'",
            )?
            .exists(params![pk, station, contest])?;
        if !standing {
            return Ok(ChoiceOutcome::NotStanding);
        }
        c.prepare_cached(
            "INSERT INTO station_choice (station_id, contest_id, capture_pk, reason, actor, at_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (station_id, contest_id) DO UPDATE SET capture_pk = excluded.capture_pk,
                            reason = excluded.reason, actor = excluded.actor, at_ms = excluded.at_ms",
        )?
        .execute(params![station, contest, pk, reason, actor, now_ms])?;
    } else {
        c.prepare_cached("DELETE FROM station_choice WHERE station_id = ?1 AND contest_id = ?2")?
            .execute(params![station, contest])?;
    }
    let detail =
        serde_json::json!({ "station": station, "contest": contest, "chosen": capture_pk, "reason": reason });
    super::audit(c, now_ms, &actor, "choose", capture_pk, &detail)?;
    c.prepare_cached("INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) VALUES (?1, ?2)")?
        .execute(params![station, contest])?;
    Ok(ChoiceOutcome::Done)
}

/// The shortest start of a device id that names a phone when assigning.
const MIN_DEVICE_PREFIX: usize = 6;

pub(super) fn set_assignment(
    c: &Connection,
    station_id: &str,
    device: &str,
    assigned: bool,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<AssignOutcome> {
    if !c.prepare_cached("SELECT 1 FROM stations WHERE id = ?1")?.exists([station_id])? {
        return Ok(AssignOutcome::NoStation);
    }
    let device = device.trim().to_ascii_lowercase();
    if device.len() < MIN_DEVICE_PREFIX || !device.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return Ok(AssignOutcome::NoDevice);
    }
    let found: Vec<(String, bool)> = c
        .prepare_cached(
            "SELECT id, revoked_at_ms IS NOT NULL FROM devices WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2",
        )?
        .query_map([&device], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let [(id, revoked)] = found.as_slice() else { return Ok(AssignOutcome::NoDevice) };
    if *revoked && assigned {
        return Ok(AssignOutcome::Revoked);
    }
    let changed = if assigned {
        c.execute(
            "INSERT OR IGNORE INTO device_stations (device_id, station_id) VALUES (?1, ?2)",
            [id, station_id],
        )?
    } else {
        c.execute("DELETE FROM device_stations WHERE device_id = ?1 AND station_id = ?2", [id, station_id])?
    } > 0;
    if !changed {
        return Ok(AssignOutcome::Unchanged(id.clone()));
    }
    // The package tailored to the phone changed at the election's version: announcing that
    // version makes the phone fetch it (its entity tag differs) at its next sync.
    let version: i64 = c.query_row("SELECT version FROM election WHERE id = 1", [], |r| r.get(0))?;
    let version = u64::try_from(version).map_err(|_| super::corrupt("election version"))?;
    super::feed::append(c, Some(id), now_ms, &testigo_protocol::api::Change::Package { version })?;
    let action = if assigned { "station_assign" } else { "station_unassign" };
    super::audit(
        c,
        now_ms,
        actor,
        action,
        None,
        &serde_json::json!({ "station": station_id, "device": id }),
    )?;
    Ok(AssignOutcome::Changed(id.clone()))
}
