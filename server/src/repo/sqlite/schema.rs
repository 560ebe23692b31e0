//! The server database's schema and versioned migrations (`PRAGMA user_version`).
//!
//! As on the phone: never edit a released migration, add one; a fresh database runs every
//! migration from 0, so fresh and upgraded databases are built by the same steps.

use rusqlite::Connection;

use crate::repo::{RepoError, RepoResult};

const MIGRATIONS: &[&str] = &[
    // Version 1: election, enrollment, devices, captures, photos, uploads, feed.
    r#"
    -- One server, one election. Contests are kept as JSON (a few KB); centers and stations as
    -- rows, because there may be a million of them.
    CREATE TABLE election (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        election_id TEXT NOT NULL,
        election_json TEXT NOT NULL,
        version INTEGER NOT NULL,
        contests_json TEXT NOT NULL,
        -- SHA-256 of the imported package's JSON: tells "same version, same content" apart.
        package_sha256 BLOB NOT NULL,
        imported_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE centers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region_json TEXT NOT NULL,
        position INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE stations (
        id TEXT PRIMARY KEY,
        center_id TEXT NOT NULL REFERENCES centers(id),
        number INTEGER NOT NULL,
        registered_voters INTEGER NOT NULL,
        position INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX stations_by_center ON stations(center_id);

    -- Codes are kept only as SHA-256 hashes: a copy of the database enrolls nobody.
    CREATE TABLE enrollment_codes (
        code_hash BLOB PRIMARY KEY,
        station_ids_json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        device_id TEXT,
        used_at_ms INTEGER
    ) STRICT;
    -- Tokens too are kept only as hashes.
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        public_key BLOB NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        code_hash BLOB NOT NULL,
        enrolled_at_ms INTEGER NOT NULL,
        last_seen_at_ms INTEGER
    ) STRICT;
    CREATE TABLE device_stations (
        device_id TEXT NOT NULL REFERENCES devices(id),
        station_id TEXT NOT NULL,
        PRIMARY KEY (device_id, station_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX device_stations_by_station ON device_stations(station_id);

    -- One row per record received, unique per (device, capture id): the idempotency key.
    CREATE TABLE captures (
        pk INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL REFERENCES devices(id),
        capture_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        supersedes TEXT,
        record_sha256 BLOB NOT NULL,
        signed_json TEXT NOT NULL,
        receipt_json TEXT NOT NULL,
        device_time_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        review_status TEXT NOT NULL DEFAULT 'unreviewed',
        UNIQUE (device_id, capture_id)
    ) STRICT;
    CREATE INDEX captures_by_station ON captures(station_id, contest_id);
    CREATE INDEX captures_by_time ON captures(received_at_ms);
    -- The photos each record declares; received once the bytes are stored and match.
    CREATE TABLE capture_photos (
        capture_pk INTEGER NOT NULL REFERENCES captures(pk),
        page INTEGER NOT NULL,
        sha256 BLOB NOT NULL,
        size INTEGER NOT NULL,
        received_at_ms INTEGER,
        receipt_json TEXT,
        PRIMARY KEY (capture_pk, page)
    ) STRICT;
    CREATE INDEX capture_photos_by_sha ON capture_photos(sha256);
    -- A record whose id was used before for other content: refused, kept for review.
    CREATE TABLE conflicts (
        pk INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        capture_id TEXT NOT NULL,
        record_sha256 BLOB NOT NULL,
        signed_json TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        capture_id TEXT NOT NULL,
        capture_pk INTEGER NOT NULL REFERENCES captures(pk),
        sha256 BLOB NOT NULL,
        length INTEGER NOT NULL,
        offset INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'active'
            CHECK (state IN ('active', 'complete', 'terminated', 'expired')),
        receipt_json TEXT
    ) STRICT;
    CREATE INDEX uploads_expiring ON uploads(state, expires_at_ms);

    -- The change feed. device_id NULL: for every device (package updates).
    CREATE TABLE feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id TEXT,
        at_ms INTEGER NOT NULL,
        change_json TEXT NOT NULL
    ) STRICT;
    CREATE INDEX feed_by_device ON feed(device_id, seq);
    "#,
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`SCHEMA_VERSION`]; runs inside the caller's transaction.
pub(crate) fn migrate(conn: &Connection) -> RepoResult<()> {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(RepoError::Corrupt(format!(
            "database schema version {version} is newer than this server ({SCHEMA_VERSION})"
        )));
    }
    for sql in MIGRATIONS.iter().skip(version as usize) {
        conn.execute_batch(sql)?;
    }
    if version != SCHEMA_VERSION {
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}
