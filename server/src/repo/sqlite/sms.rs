//! What came without a data link: the SMS parts gateways delivered, the records they became,
//! the messages set aside; and the log of bundle imports.

use rusqlite::{Connection, params};
use testigo_protocol::sms::Part;
use testigo_protocol::{KeyId, TimestampMs};
use uuid::Uuid;

use crate::repo::{BundleImport, RepoResult, SmsIn};

/// Variants one part of one message may have (a tag shared by chance, or a forger's): enough to
/// find the true one, few enough to try every combination.
const VARIANTS_PER_PART: i64 = 4;
/// Messages kept aside at most.
const MAX_ASIDE: i64 = 100_000;

/// Keeps `part` (see [`crate::repo::Repo::sms_part`]) and answers every part of its message.
pub(super) fn keep_part(
    c: &Connection,
    part: &Part,
    from: &SmsIn,
    now_ms: TimestampMs,
) -> RepoResult<Vec<Part>> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO sms_parts (tag, part_count, part_index, body, sender, gateway, received_at_ms)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE (SELECT count(*) FROM sms_parts
               WHERE tag = ?1 AND part_count = ?2 AND part_index = ?3) < ?8",
    )?
    .execute(params![
        part.tag,
        part.count as i64,
        part.index as i64,
        part.body,
        from.sender,
        from.gateway,
        now_ms,
        VARIANTS_PER_PART
    ])?;
    let mut stmt = c.prepare_cached(
        "SELECT part_index, body FROM sms_parts WHERE tag = ?1 AND part_count = ?2 ORDER BY part_index, received_at_ms",
    )?;
    let rows = stmt.query_map(params![part.tag, part.count as i64], |r| {
        Ok(Part {
            tag: part.tag.clone(),
            count: part.count,
            index: r.get::<_, i64>(0)? as usize,
            body: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Notes that the message `tag` delivered `device`'s capture `capture_id`.
pub(super) fn delivered(
    c: &Connection,
    tag: &str,
    device: &KeyId,
    capture_id: Uuid,
    now_ms: TimestampMs,
) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO sms_records (device_id, capture_id, tag, received_at_ms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![device.as_str(), capture_id.to_string(), tag, now_ms])?;
    Ok(())
}

/// Keeps a message that did not become a record, with why (at most [`MAX_ASIDE`]).
pub(super) fn aside(c: &Connection, from: &SmsIn, reason: &str, now_ms: TimestampMs) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT INTO sms_aside (sender, gateway, text, reason, received_at_ms)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT count(*) FROM sms_aside) < ?6",
    )?
    .execute(params![from.sender, from.gateway, from.text, reason, now_ms, MAX_ASIDE])?;
    Ok(())
}

/// Logs a bundle import.
pub(super) fn log_bundle(c: &Connection, b: &BundleImport, now_ms: TimestampMs) -> RepoResult<()> {
    let i = &b.imported;
    c.prepare_cached(
        "INSERT INTO bundle_imports (sha256, size, device_id, carrier_id, refused, records_stored, records_known,
                                     records_refused, photos_stored, photos_known, photos_refused, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        b.sha256.as_bytes().as_slice(),
        b.size as i64,
        b.device.as_ref().map(KeyId::as_str),
        b.carrier.as_ref().map(KeyId::as_str),
        b.refused,
        i.records_stored,
        i.records_known,
        i.records_refused,
        i.photos_stored,
        i.photos_known,
        i.photos_refused,
        now_ms
    ])?;
    Ok(())
}
