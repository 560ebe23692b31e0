//! The database schema and its versioned migrations.
//!
//! `PRAGMA user_version` holds the schema version. A fresh database runs every migration from
//! version 0, so "fresh" and "migrated" databases are built by the same steps; the tests also
//! open frozen copies of every released schema (`tests/fixtures/schema-v*.sql`) with queued work in
//! them and check that the upgrade keeps every item and ends identical to a fresh database.
//!
//! Rules for changing the schema: never edit a released migration; add one. Never drop or
//! rewrite outbox rows in a migration.

use rusqlite::Transaction;

use crate::error::{Error, Result};

/// Migrations, in order; `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // Version 1: device identity, election package, captures, photos, outbox.
    r#"
    CREATE TABLE device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key BLOB NOT NULL,
        key_id TEXT NOT NULL,
        -- NULL when the app's own signer (Keystore, Secure Enclave) holds the private key.
        secret_key BLOB,
        created_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE election_package (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        election_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        package_json TEXT NOT NULL,
        installed_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE captures (
        id TEXT PRIMARY KEY,
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'sealed')),
        counts_json TEXT NOT NULL DEFAULT '{}',
        extra_counts_json TEXT NOT NULL DEFAULT '{}',
        notes TEXT NOT NULL DEFAULT '',
        qr_payload TEXT,
        supersedes TEXT REFERENCES captures(id),
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        sealed_at_ms INTEGER,
        -- The signed record exactly as signed (JSON of SignedCapture); NULL while a draft.
        signed_json TEXT,
        record_sha256 BLOB,
        CHECK ((state = 'draft') = (signed_json IS NULL))
    ) STRICT;
    CREATE INDEX captures_by_station ON captures(station_id, created_at_ms);
    -- A sealed capture is corrected at most once; corrections of corrections form a chain.
    CREATE UNIQUE INDEX captures_one_successor ON captures(supersedes)
        WHERE supersedes IS NOT NULL AND state = 'sealed';

    -- Defence in depth: whatever the code does, SQLite itself refuses to change or delete a
    -- sealed capture or its photos.
    CREATE TRIGGER captures_sealed_immutable BEFORE UPDATE ON captures
        WHEN OLD.state = 'sealed'
        BEGIN SELECT RAISE(ABORT, 'sealed capture is immutable'); END;
    CREATE TRIGGER captures_sealed_undeletable BEFORE DELETE ON captures
        WHEN OLD.state = 'sealed'
        BEGIN SELECT RAISE(ABORT, 'sealed capture is immutable'); END;

    -- One row per stored photo file (content-addressed by the processed photo's SHA-256).
    CREATE TABLE photos (
        sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
        original_sha256 BLOB NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        stored_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE capture_photos (
        capture_id TEXT NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        page INTEGER NOT NULL CHECK (page >= 1),
        sha256 BLOB NOT NULL REFERENCES photos(sha256),
        PRIMARY KEY (capture_id, page)
    ) STRICT;
    CREATE INDEX capture_photos_by_sha ON capture_photos(sha256);
    CREATE TRIGGER capture_photos_sealed_insert BEFORE INSERT ON capture_photos
        WHEN (SELECT state FROM captures WHERE id = NEW.capture_id) = 'sealed'
        BEGIN SELECT RAISE(ABORT, 'sealed capture is immutable'); END;
    CREATE TRIGGER capture_photos_sealed_update BEFORE UPDATE ON capture_photos
        WHEN (SELECT state FROM captures WHERE id = OLD.capture_id) = 'sealed'
        BEGIN SELECT RAISE(ABORT, 'sealed capture is immutable'); END;
    CREATE TRIGGER capture_photos_sealed_delete BEFORE DELETE ON capture_photos
        WHEN (SELECT state FROM captures WHERE id = OLD.capture_id) = 'sealed'
        BEGIN SELECT RAISE(ABORT, 'sealed capture is immutable'); END;

    -- Work to send. Written in the same transaction as the seal.
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        capture_id TEXT NOT NULL REFERENCES captures(id),
        kind TEXT NOT NULL CHECK (kind IN ('record', 'photo')),
        photo_sha256 BLOB REFERENCES photos(sha256),
        priority INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms INTEGER NOT NULL,
        last_error TEXT,
        enqueued_at_ms INTEGER NOT NULL,
        CHECK ((kind = 'record') = (photo_sha256 IS NULL))
    ) STRICT;
    CREATE UNIQUE INDEX outbox_one_item ON outbox(capture_id, kind, ifnull(photo_sha256, x''));
    CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at_ms);
    CREATE TRIGGER outbox_never_deleted BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'outbox items are never deleted'); END;
    "#,
    // Version 2: the photo pipeline keeps a small thumbnail per photo for list screens; an index
    // answers "how does this capture's delivery stand" without scanning the whole outbox.
    r#"
    ALTER TABLE photos ADD COLUMN thumbnail BLOB;
    CREATE INDEX outbox_by_capture ON outbox(capture_id, state);
    "#,
    // Version 3: sync. The server this phone is enrolled with (its token lives only in this
    // encrypted database), each photo upload's tus URL and confirmed offset, the receipts that
    // prove delivery, and the coordinators' review of each capture.
    r#"
    CREATE TABLE server (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        url TEXT NOT NULL,
        device_token TEXT NOT NULL,
        server_key BLOB NOT NULL,
        election_id TEXT NOT NULL,
        station_ids_json TEXT NOT NULL,
        package_etag TEXT,
        feed_cursor INTEGER NOT NULL DEFAULT 0,
        -- Consecutive failed passes and when to try again (backoff across passes and restarts).
        failures INTEGER NOT NULL DEFAULT 0,
        retry_at_ms INTEGER NOT NULL DEFAULT 0,
        enrolled_at_ms INTEGER NOT NULL
    ) STRICT;

    ALTER TABLE outbox ADD COLUMN upload_url TEXT;
    ALTER TABLE outbox ADD COLUMN upload_offset INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN delivered_at_ms INTEGER;

    -- The server's signed receipts: the watcher's proof of what was delivered and when.
    CREATE TABLE receipts (
        outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
        capture_id TEXT NOT NULL REFERENCES captures(id),
        receipt_json TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        stored_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX receipts_by_capture ON receipts(capture_id);
    CREATE TRIGGER receipts_never_change BEFORE UPDATE ON receipts
        BEGIN SELECT RAISE(ABORT, 'receipts are never changed'); END;
    CREATE TRIGGER receipts_never_deleted BEFORE DELETE ON receipts
        BEGIN SELECT RAISE(ABORT, 'receipts are never deleted'); END;

    -- The coordinators' latest review of a capture, from the change feed.
    CREATE TABLE reviews (
        capture_id TEXT PRIMARY KEY REFERENCES captures(id),
        status TEXT NOT NULL,
        comment TEXT,
        seq INTEGER NOT NULL,
        at_ms INTEGER NOT NULL
    ) STRICT;
    "#,
    // Version 4: the server's TLS key pins from the enrollment code (a JSON array of
    // `sha256/<base64>`; empty: the usual certificate authorities).
    r#"
    ALTER TABLE server ADD COLUMN tls_pins_json TEXT NOT NULL DEFAULT '[]';
    "#,
    // Version 5: when the data link is cut. Records sent by SMS (when their SMS went, how many,
    // and the tag the coordinators' receipt SMS answers with), and the bundles a runner's phone
    // carries for other watchers.
    r#"
    CREATE TABLE sms_sent (
        capture_id TEXT PRIMARY KEY REFERENCES captures(id),
        tag TEXT NOT NULL,
        parts INTEGER NOT NULL,
        sent_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sms_sent_by_tag ON sms_sent(tag);
    -- Bundles this phone carries for other watchers (a runner's phone): sealed to the
    -- coordinators, unreadable here; forwarded at the next sync, their bytes dropped once the
    -- server's signed acknowledgment arrived.
    CREATE TABLE carried_bundles (
        sha256 BLOB PRIMARY KEY,
        bytes BLOB NOT NULL,
        size INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        delivered_at_ms INTEGER,
        refused TEXT
    ) STRICT;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`] inside `tx`.
pub(crate) fn migrate(tx: &Transaction<'_>) -> Result<()> {
    let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::Corrupt(format!(
            "database schema version {version} is newer than this app supports ({SCHEMA_VERSION})"
        )));
    }
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.execute_batch(sql)?;
    }
    if version != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}
