//! What came without a data link: the SMS parts gateways delivered, the records they became,
//! the messages set aside; and the log of bundle imports.

use rusqlite::{Connection, Row, params};
use testigo_protocol::sms::Part;
use testigo_protocol::{KeyId, Sha256, TimestampMs};
use uuid::Uuid;

use crate::repo::{AsideSms, BundleImport, BundleLogRow, ChannelsLog, Imported, NotTaken, RepoResult, SmsIn};

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
pub(super) fn aside(c: &Connection, from: &SmsIn, why: &NotTaken, now_ms: TimestampMs) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT INTO sms_aside (sender, gateway, text, reason, detail, received_at_ms)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT count(*) FROM sms_aside) < ?7",
    )?
    .execute(params![from.sender, from.gateway, from.text, why.code, why.detail, now_ms, MAX_ASIDE])?;
    Ok(())
}

/// Logs a bundle import.
pub(super) fn log_bundle(c: &Connection, b: &BundleImport, now_ms: TimestampMs) -> RepoResult<()> {
    let i = &b.imported;
    c.prepare_cached(
        "INSERT INTO bundle_imports (sha256, size, device_id, carrier_id, refused, refused_detail, records_stored,
                                     records_known, records_refused, photos_stored, photos_known, photos_refused, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        b.sha256.as_bytes().as_slice(),
        b.size as i64,
        b.device.as_ref().map(KeyId::as_str),
        b.carrier.as_ref().map(KeyId::as_str),
        b.refused.as_ref().map(|r| r.code.as_str()),
        b.refused.as_ref().map(|r| r.detail.as_str()),
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

/// What came by SMS and bundles (see [`crate::repo::Repo::channels`]).
pub(super) fn channels(c: &Connection, limit: usize) -> RepoResult<ChannelsLog> {
    let count =
        |sql: &str| -> RepoResult<u64> { Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64) };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = c.prepare_cached(
        "SELECT sender, gateway, text, reason, detail, received_at_ms FROM sms_aside ORDER BY pk DESC LIMIT ?1",
    )?;
    let recent_aside = stmt
        .query_map([limit], |r| {
            Ok(AsideSms {
                sender: r.get(0)?,
                gateway: r.get(1)?,
                text: r.get(2)?,
                why: NotTaken { code: r.get(3)?, detail: r.get(4)? },
                received_at_ms: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = c.prepare_cached(
        "SELECT sha256, size, device_id, carrier_id, refused, refused_detail, records_stored, records_known,
                records_refused, photos_stored, photos_known, photos_refused, at_ms
           FROM bundle_imports ORDER BY pk DESC LIMIT ?1",
    )?;
    let recent_bundles = stmt.query_map([limit], bundle_row)?.collect::<Result<_, _>>()?;
    Ok(ChannelsLog {
        sms_records: count("SELECT count(*) FROM sms_records")?,
        sms_aside: count("SELECT count(*) FROM sms_aside")?,
        bundles: count("SELECT count(*) FROM bundle_imports")?,
        bundles_refused: count("SELECT count(*) FROM bundle_imports WHERE refused IS NOT NULL")?,
        recent_aside,
        recent_bundles,
    })
}

/// A bundle log row (the columns of the query above).
fn bundle_row(r: &Row<'_>) -> rusqlite::Result<BundleLogRow> {
    let refused = match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<String>>(5)?) {
        (Some(code), detail) => Some(NotTaken { code, detail: detail.unwrap_or_default() }),
        (None, _) => None,
    };
    let n =
        |i: usize| -> rusqlite::Result<u32> { Ok(u32::try_from(r.get::<_, i64>(i)?).unwrap_or(u32::MAX)) };
    Ok(BundleLogRow {
        sha256: Sha256::from_slice(&r.get::<_, Vec<u8>>(0)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
        })?,
        size: r.get::<_, i64>(1)?.max(0) as u64,
        device: r.get(2)?,
        carrier: r.get(3)?,
        refused,
        imported: Imported {
            records_stored: n(6)?,
            records_known: n(7)?,
            records_refused: n(8)?,
            photos_stored: n(9)?,
            photos_known: n(10)?,
            photos_refused: n(11)?,
        },
        at_ms: r.get(12)?,
    })
}
