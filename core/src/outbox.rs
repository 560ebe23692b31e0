//! The outbox: what is waiting to be sent.
//!
//! Sealing a capture enqueues, in the same transaction, one `record` item (priority 0: the
//! numbers are a few hundred bytes and must get through even on a 40 kbit/s link) and one `photo`
//! item per page (priority 100 + page). Items carry their attempt count, next attempt time and last
//! error; the sync engine moves them to `done` when a verified receipt arrives, or to `parked`
//! with a reason when the server refuses them for good. Items are never deleted (a trigger
//! enforces it): the outbox is also the phone's history of what it sent.
//!
//! This module is the queue's data: its types, how a sealed capture enters it ([`enqueue`]) and
//! how it is listed ([`load`]). It knows nothing of the [`Store`](crate::Store) or the sync
//! engine, which both build on it (`Store::outbox` lives with the other queue calls in
//! `sync/mod.rs`; the engine's progress on items is in `sync/state.rs`).

use rusqlite::{Connection, Transaction, params};
use testigo_protocol::{PhotoRef, Sha256, TimestampMs};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Outbox priority of a capture record: it goes first, before any photo bytes.
const RECORD_PRIORITY: i64 = 0;
/// Outbox priority of a photo: after every record; earlier pages first.
const PHOTO_PRIORITY: i64 = 100;

/// What an outbox item sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OutboxKind {
    /// The signed capture record.
    Record,
    /// One photo, by its SHA-256.
    Photo(Sha256),
}

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OutboxState {
    /// Waiting to be sent (or retried).
    Pending,
    /// Delivered: the server's signed receipt was verified.
    Done,
    /// Refused for good; waits for the watcher.
    Parked,
}

/// One item of work for the sync engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutboxItem {
    /// The item's id in this store.
    pub id: i64,
    /// The capture it belongs to.
    pub capture_id: Uuid,
    /// What it sends.
    pub kind: OutboxKind,
    /// Lower goes first.
    pub priority: i64,
    /// Where it stands.
    pub state: OutboxState,
    /// How many times sending was tried.
    pub attempts: u32,
    /// Not before this time (ms since the epoch).
    pub next_attempt_at_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub enqueued_at_ms: i64,
}

/// Puts a capture that is being sealed in the queue, inside the sealing transaction: its record
/// first, then each photo in page order.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    capture_id: Uuid,
    photos: &[PhotoRef],
    now: TimestampMs,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (capture_id, kind, priority, next_attempt_at_ms, enqueued_at_ms)
         VALUES (?1, 'record', ?2, ?3, ?3)",
        params![capture_id.to_string(), RECORD_PRIORITY, now],
    )?;
    for photo in photos {
        tx.execute(
            "INSERT INTO outbox (capture_id, kind, photo_sha256, priority, next_attempt_at_ms, enqueued_at_ms)
             VALUES (?1, 'photo', ?2, ?3, ?4, ?4)",
            params![
                capture_id.to_string(),
                photo.sha256.as_bytes().as_slice(),
                PHOTO_PRIORITY + i64::from(photo.page),
                now
            ],
        )?;
    }
    Ok(())
}

/// Every outbox item, in sending order (state, priority, then enqueue order).
pub(crate) fn load(c: &Connection) -> Result<Vec<OutboxItem>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, capture_id, kind, photo_sha256, priority, state, attempts, next_attempt_at_ms,
                last_error, enqueued_at_ms
           FROM outbox
          ORDER BY state != 'pending', priority, enqueued_at_ms, id",
    )?;
    let rows = stmt.query_map(params![], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, u32>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, i64>(9)?,
        ))
    })?;
    let corrupt = |what: &str| Error::Corrupt(format!("stored outbox {what}"));
    let mut out = Vec::new();
    for row in rows {
        let (id, capture, kind, sha, priority, state, attempts, next, last_error, enqueued) = row?;
        let kind = match (kind.as_str(), sha) {
            ("record", None) => OutboxKind::Record,
            ("photo", Some(sha)) => {
                OutboxKind::Photo(Sha256::from_slice(&sha).map_err(|_| corrupt("photo hash"))?)
            }
            _ => return Err(corrupt("kind")),
        };
        let state = match state.as_str() {
            "pending" => OutboxState::Pending,
            "done" => OutboxState::Done,
            "parked" => OutboxState::Parked,
            _ => return Err(corrupt("state")),
        };
        out.push(OutboxItem {
            id,
            capture_id: Uuid::parse_str(&capture).map_err(|_| corrupt("capture id"))?,
            kind,
            priority,
            state,
            attempts,
            next_attempt_at_ms: next,
            last_error,
            enqueued_at_ms: enqueued,
        });
    }
    Ok(out)
}
