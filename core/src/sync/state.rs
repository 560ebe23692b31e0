//! What the sync engine keeps in the store: the enrollment, outbox progress, receipts, reviews.
//! Functions that change data take the caller's `&Transaction` (from `Store::write`, which commits
//! only on `Ok`); readers take a `&Connection`, so a reader can never write by mistake.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::{KeyId, PublicKey, ReceiptSubject, Sha256, SignedReceipt, TimestampMs};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::outbox::OutboxKind;

/// The server this phone is enrolled with.
#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) server_key: PublicKey,
    pub(crate) election_id: String,
    pub(crate) station_ids: Vec<String>,
    pub(crate) package_etag: Option<String>,
    pub(crate) feed_cursor: u64,
    pub(crate) failures: u32,
    pub(crate) retry_at_ms: TimestampMs,
    /// The server's TLS key pins from the enrollment code; empty: the usual certificate
    /// authorities.
    pub(crate) tls_pins: Vec<String>,
}

/// What the watcher can see of the enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Enrollment {
    /// The server's address.
    pub server_url: String,
    /// The election.
    pub election_id: String,
    /// The stations this phone reports.
    pub station_ids: Vec<String>,
    /// The id of the key that signs the server's receipts.
    pub server_key_id: KeyId,
    /// The key that signs the server's receipts: with it, anyone the watcher shows a receipt to
    /// can check it.
    pub server_key: PublicKey,
    /// The server's TLS key pins (`sha256/<base64>`): when there are any, the phone talks only
    /// to a server holding one of these keys, whatever certificate authorities say.
    pub tls_pins: Vec<String>,
}

impl ServerConfig {
    pub(crate) fn enrollment(&self) -> Enrollment {
        Enrollment {
            server_url: self.url.clone(),
            election_id: self.election_id.clone(),
            station_ids: self.station_ids.clone(),
            server_key_id: self.server_key.key_id(),
            server_key: self.server_key.clone(),
            tls_pins: self.tls_pins.clone(),
        }
    }
}

fn corrupt(what: &str) -> Error {
    Error::Corrupt(format!("stored {what}"))
}

pub(crate) fn load_server(c: &Connection) -> Result<Option<ServerConfig>> {
    let row = c
        .query_row(
            "SELECT url, device_token, server_key, election_id, station_ids_json, package_etag, feed_cursor,
                    failures, retry_at_ms, tls_pins_json
               FROM server WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, u32>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, String>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((url, token, key, election_id, stations, package_etag, cursor, failures, retry_at_ms, pins)) =
        row
    else {
        return Ok(None);
    };
    Ok(Some(ServerConfig {
        url,
        token,
        server_key: PublicKey::from_sec1(&key).map_err(|_| corrupt("server key"))?,
        election_id,
        station_ids: serde_json::from_str(&stations).map_err(|_| corrupt("stations"))?,
        package_etag,
        feed_cursor: u64::try_from(cursor).map_err(|_| corrupt("feed cursor"))?,
        failures,
        retry_at_ms,
        tls_pins: serde_json::from_str(&pins).map_err(|_| corrupt("TLS pins"))?,
    }))
}

/// Stores the enrollment. Enrolling again with another server or election starts its feed and
/// package afresh.
pub(crate) fn save_server(tx: &Transaction<'_>, cfg: &ServerConfig, now_ms: TimestampMs) -> Result<()> {
    tx.execute(
        "INSERT INTO server (id, url, device_token, server_key, election_id, station_ids_json, package_etag,
                             feed_cursor, failures, retry_at_ms, enrolled_at_ms, tls_pins_json)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, NULL, 0, 0, 0, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, device_token = excluded.device_token,
            tls_pins_json = excluded.tls_pins_json,
            server_key = excluded.server_key, election_id = excluded.election_id,
            station_ids_json = excluded.station_ids_json, failures = 0, retry_at_ms = 0,
            -- Another server (another key) or election: its feed and package start afresh. The
            -- same server under another address keeps its place.
            feed_cursor = CASE WHEN server.server_key = excluded.server_key AND server.election_id = excluded.election_id
                               THEN server.feed_cursor ELSE 0 END,
            package_etag = CASE WHEN server.server_key = excluded.server_key AND server.election_id = excluded.election_id
                                THEN server.package_etag ELSE NULL END",
        params![
            cfg.url,
            cfg.token,
            cfg.server_key.to_sec1(),
            cfg.election_id,
            serde_json::to_string(&cfg.station_ids).map_err(Error::internal)?,
            now_ms,
            serde_json::to_string(&cfg.tls_pins).map_err(Error::internal)?,
        ],
    )?;
    Ok(())
}

pub(crate) fn set_backoff(tx: &Transaction<'_>, failures: u32, retry_at_ms: TimestampMs) -> Result<()> {
    tx.execute(
        "UPDATE server SET failures = ?1, retry_at_ms = ?2 WHERE id = 1",
        params![failures, retry_at_ms],
    )?;
    Ok(())
}

pub(crate) fn set_package_etag(tx: &Transaction<'_>, etag: &str) -> Result<()> {
    tx.execute("UPDATE server SET package_etag = ?1 WHERE id = 1", [etag])?;
    Ok(())
}

/// One outbox item the engine may work on now.
#[derive(Debug, Clone)]
pub(crate) struct DueItem {
    pub(crate) id: i64,
    pub(crate) capture_id: Uuid,
    pub(crate) photo: Option<Sha256>,
    pub(crate) attempts: u32,
    pub(crate) upload_url: Option<String>,
}

/// An outbox row as read: id, capture id, photo hash, attempts, upload URL.
type DueRow = (i64, String, Option<Vec<u8>>, u32, Option<String>);

fn due_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DueRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_due(row: DueRow) -> Result<DueItem> {
    let (id, capture, sha, attempts, upload_url) = row;
    Ok(DueItem {
        id,
        capture_id: Uuid::parse_str(&capture).map_err(|_| corrupt("capture id"))?,
        photo: sha.map(|s| Sha256::from_slice(&s).map_err(|_| corrupt("photo hash"))).transpose()?,
        attempts,
        upload_url,
    })
}

/// Pending record items due now, in sending order.
pub(crate) fn due_records(c: &Connection, now_ms: TimestampMs, limit: usize) -> Result<Vec<DueItem>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, capture_id, photo_sha256, attempts, upload_url FROM outbox
          WHERE state = 'pending' AND kind = 'record' AND next_attempt_at_ms <= ?1
          ORDER BY priority, enqueued_at_ms, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now_ms, limit as i64], due_row)?;
    rows.map(|r| to_due(r?)).collect()
}

/// The next pending photo item due now whose record has been delivered (the server takes a
/// photo only for a record it holds).
pub(crate) fn next_due_photo(c: &Connection, now_ms: TimestampMs, skip: &[i64]) -> Result<Option<DueItem>> {
    let mut stmt = c.prepare_cached(
        "SELECT o.id, o.capture_id, o.photo_sha256, o.attempts, o.upload_url FROM outbox o
          WHERE o.state = 'pending' AND o.kind = 'photo' AND o.next_attempt_at_ms <= ?1
            AND EXISTS (SELECT 1 FROM outbox r WHERE r.capture_id = o.capture_id AND r.kind = 'record'
                                                 AND r.state = 'done')
          ORDER BY o.priority, o.enqueued_at_ms, o.id",
    )?;
    let rows = stmt.query_map(params![now_ms], due_row)?;
    for row in rows {
        let item = to_due(row?)?;
        if !skip.contains(&item.id) {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

/// The signed record (as stored, JSON) and its fingerprint.
pub(crate) fn signed_record(c: &Connection, capture: Uuid) -> Result<(String, Sha256)> {
    let (json, sha): (Option<String>, Option<Vec<u8>>) = c.query_row(
        "SELECT signed_json, record_sha256 FROM captures WHERE id = ?1",
        [capture.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let json = json.ok_or_else(|| corrupt("signed record"))?;
    let sha = Sha256::from_slice(&sha.ok_or_else(|| corrupt("record hash"))?)
        .map_err(|_| corrupt("record hash"))?;
    Ok((json, sha))
}

/// Marks an item delivered and keeps its receipt, in one transaction.
pub(crate) fn mark_done(
    tx: &Transaction<'_>,
    item: &DueItem,
    receipt: &SignedReceipt,
    now_ms: TimestampMs,
) -> Result<()> {
    let json = serde_json::to_string(receipt).map_err(Error::internal)?;
    tx.execute(
        "INSERT OR IGNORE INTO receipts (outbox_id, capture_id, receipt_json, received_at_ms, stored_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![item.id, item.capture_id.to_string(), json, receipt.receipt.received_at_ms, now_ms],
    )?;
    tx.execute(
        "UPDATE outbox SET state = 'done', delivered_at_ms = ?2, last_error = NULL WHERE id = ?1",
        params![item.id, now_ms],
    )?;
    Ok(())
}

/// Marks delivered the item a verified receipt from the feed names (it arrived another way: SMS,
/// a carried bundle), unless it is delivered already; answers whether it was a record or photo
/// item that changed.
pub(crate) fn mark_received(
    tx: &Transaction<'_>,
    receipt: &SignedReceipt,
    now_ms: TimestampMs,
) -> Result<Option<OutboxKind>> {
    let (capture, photo) = match &receipt.receipt.subject {
        ReceiptSubject::Record { capture_id, record_sha256 } => {
            let (_, sha) =
                signed_record(tx, *capture_id).map_err(|_| Error::Corrupt("receipt for no record".into()))?;
            if sha != *record_sha256 {
                return Ok(None);
            }
            (*capture_id, None)
        }
        ReceiptSubject::Photo { capture_id, sha256, .. } => (*capture_id, Some(*sha256)),
    };
    let row: Option<DueRow> = tx
        .query_row(
            "SELECT id, capture_id, photo_sha256, attempts, upload_url FROM outbox
              WHERE capture_id = ?1 AND state != 'done'
                AND ifnull(photo_sha256, x'') = ?2",
            params![capture.to_string(), photo.map(|p| p.as_bytes().to_vec()).unwrap_or_default()],
            due_row,
        )
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let item = to_due(row)?;
    mark_done(tx, &item, receipt, now_ms)?;
    Ok(Some(match photo {
        None => OutboxKind::Record,
        Some(sha) => OutboxKind::Photo(sha),
    }))
}

/// Parks an item with its reason: the server refused it for good. A parked record takes its
/// capture's pending photos with it (the server takes no photo without its record).
pub(crate) fn mark_parked(tx: &Transaction<'_>, item_id: i64, reason: &str) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        params![item_id, reason],
    )?;
    tx.execute(
        "UPDATE outbox SET state = 'parked', last_error = 'waiting for its record, which was refused'
          WHERE state = 'pending' AND kind = 'photo'
            AND capture_id = (SELECT capture_id FROM outbox WHERE id = ?1 AND kind = 'record')",
        [item_id],
    )?;
    Ok(())
}

/// Records a failed attempt and when to try the item again.
pub(crate) fn mark_retry(
    tx: &Transaction<'_>,
    item_id: i64,
    next_at_ms: TimestampMs,
    reason: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3 WHERE id = ?1",
        params![item_id, next_at_ms, reason],
    )?;
    Ok(())
}

/// Remembers (or forgets, with `None`) a photo item's upload URL. The offset to resume from is
/// always asked of the server (`HEAD`), which alone knows what it kept; the `upload_offset`
/// column of schema v3 is no longer written.
pub(crate) fn set_upload(tx: &Transaction<'_>, item_id: i64, url: Option<&str>) -> Result<()> {
    tx.execute("UPDATE outbox SET upload_url = ?2, upload_offset = 0 WHERE id = ?1", params![item_id, url])?;
    Ok(())
}

/// Puts a capture's parked items back in the queue, due now.
pub(crate) fn unpark(tx: &Transaction<'_>, capture: Uuid, now_ms: TimestampMs) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ?2
          WHERE capture_id = ?1 AND state = 'parked'",
        params![capture.to_string(), now_ms],
    )?)
}

/// The earliest time a pending item is due, if any is pending. A photo waits for its record (as
/// [`next_due_photo`] does): it is due when both are, and not while its record is parked.
pub(crate) fn next_due_at(c: &Connection) -> Result<Option<TimestampMs>> {
    Ok(c.query_row(
        "SELECT min(due) FROM (
            SELECT next_attempt_at_ms AS due FROM outbox WHERE state = 'pending' AND kind = 'record'
            UNION ALL
            SELECT CASE r.state WHEN 'done' THEN o.next_attempt_at_ms
                   ELSE max(o.next_attempt_at_ms, r.next_attempt_at_ms) END FROM outbox o
              JOIN outbox r ON r.capture_id = o.capture_id AND r.kind = 'record'
             WHERE o.state = 'pending' AND o.kind = 'photo' AND r.state IN ('pending', 'done'))",
        [],
        |r| r.get(0),
    )?)
}

/// Stores the coordinators' review of a capture, if the capture is this phone's and the review
/// is newer than the one it holds. (The feed cursor is stored by [`set_feed_cursor`].)
pub(crate) fn apply_review(
    tx: &Transaction<'_>,
    capture: Uuid,
    status: ReviewStatus,
    comment: Option<&str>,
    seq: u64,
    at_ms: TimestampMs,
) -> Result<()> {
    let ours: bool =
        tx.prepare_cached("SELECT 1 FROM captures WHERE id = ?1")?.exists([capture.to_string()])?;
    if !ours {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO reviews (capture_id, status, comment, seq, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (capture_id) DO UPDATE SET status = excluded.status, comment = excluded.comment,
            seq = excluded.seq, at_ms = excluded.at_ms WHERE excluded.seq > reviews.seq",
        params![capture.to_string(), status.as_str(), comment, i64::try_from(seq).unwrap_or(i64::MAX), at_ms],
    )?;
    Ok(())
}

pub(crate) fn set_feed_cursor(tx: &Transaction<'_>, cursor: u64) -> Result<()> {
    tx.execute(
        "UPDATE server SET feed_cursor = ?1 WHERE id = 1",
        [i64::try_from(cursor).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// A capture's review, if the coordinators reviewed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Review {
    /// The review state.
    pub status: ReviewStatus,
    /// The coordinators' comment for the watcher.
    pub comment: Option<String>,
    /// When it was reviewed (server clock).
    pub at_ms: TimestampMs,
}

pub(crate) fn load_review(c: &Connection, capture: Uuid) -> Result<Option<Review>> {
    let row: Option<(String, Option<String>, i64)> = c
        .prepare_cached("SELECT status, comment, at_ms FROM reviews WHERE capture_id = ?1")?
        .query_row([capture.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(status, comment, at_ms)| {
        Ok(Review { status: status.parse().map_err(|()| corrupt("review status"))?, comment, at_ms })
    })
    .transpose()
}

/// A receipt the phone holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoredReceipt {
    /// The capture it is about.
    pub capture_id: Uuid,
    /// The server's signed receipt (verified before it was stored).
    pub receipt: SignedReceipt,
}

pub(crate) fn load_receipts(c: &Connection, capture: Option<Uuid>) -> Result<Vec<StoredReceipt>> {
    let mut stmt = c.prepare_cached(
        "SELECT capture_id, receipt_json FROM receipts WHERE ?1 IS NULL OR capture_id = ?1 ORDER BY outbox_id",
    )?;
    let rows = stmt.query_map([capture.map(|c| c.to_string())], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (capture, json) = row?;
        out.push(StoredReceipt {
            capture_id: Uuid::parse_str(&capture).map_err(|_| corrupt("receipt capture"))?,
            receipt: serde_json::from_str(&json).map_err(|_| corrupt("receipt"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outbox in memory: one capture's record and photo items.
    fn outbox(record_due: TimestampMs, photo_due: TimestampMs) -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        // The items alone: no capture or photo rows for them to refer to.
        c.pragma_update(None, "foreign_keys", false).unwrap();
        let tx = c.transaction().unwrap();
        crate::schema::migrate(&tx).unwrap();
        tx.execute_batch(&format!(
            "INSERT INTO outbox (id, capture_id, kind, photo_sha256, priority, next_attempt_at_ms, enqueued_at_ms)
             VALUES (1, 'c', 'record', NULL, 0, {record_due}, 0), (2, 'c', 'photo', zeroblob(32), 100, {photo_due}, 0)"
        ))
        .unwrap();
        tx.commit().unwrap();
        c
    }

    #[test]
    fn a_photo_is_not_due_before_its_record() {
        // The record waits (a refusal of its own); its photo, due long ago, waits with it.
        let c = outbox(60_000, 0);
        assert_eq!(next_due_at(&c).unwrap(), Some(60_000));
        // Once the record is delivered the photo is due on its own time.
        c.execute("UPDATE outbox SET state = 'done' WHERE id = 1", []).unwrap();
        assert_eq!(next_due_at(&c).unwrap(), Some(0));
        // A photo due later than its delivered record waits for its own time.
        let c = outbox(0, 5_000);
        c.execute("UPDATE outbox SET state = 'done' WHERE id = 1", []).unwrap();
        assert_eq!(next_due_at(&c).unwrap(), Some(5_000));
        // A parked record holds its photo: nothing is due.
        let c = outbox(0, 0);
        c.execute("UPDATE outbox SET state = 'parked' WHERE id = 1", []).unwrap();
        assert_eq!(next_due_at(&c).unwrap(), None);
        c.execute("UPDATE outbox SET state = 'done' WHERE id = 2", []).unwrap();
        assert_eq!(next_due_at(&c).unwrap(), None);
    }
}
