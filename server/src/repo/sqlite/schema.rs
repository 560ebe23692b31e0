//! The server database's schema and versioned migrations (`PRAGMA user_version`).
//!
//! As on the phone: never edit a released migration, add one; a fresh database runs every
//! migration from 0, so fresh and upgraded databases are built by the same steps. Each released
//! version is frozen, with rows in it, in `tests/fixtures/schema-vN.sql`, and
//! `tests/integration/migrations.rs` checks that every one upgrades to exactly the schema of a
//! fresh database and keeps its rows: a new version needs its fixture.

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
    // Version 2: the coordinators' side. The region tree (from the centers' region paths) with
    // the stations and registered voters under each node; the current capture of every table
    // and the aggregates the dashboard reads (kept by the tally worker, see tally.rs), so no page
    // scans a million rows; coordinator accounts, sessions, and the append-only audit log.
    r#"
    CREATE TABLE regions (
        id INTEGER PRIMARY KEY,
        parent_id INTEGER REFERENCES regions(id),
        depth INTEGER NOT NULL,
        name TEXT NOT NULL,
        -- Names from the widest joined by '/', '' for the root (the whole election).
        path TEXT NOT NULL UNIQUE,
        stations INTEGER NOT NULL DEFAULT 0,
        registered INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX regions_by_parent ON regions(parent_id, name);
    ALTER TABLE centers ADD COLUMN region_id INTEGER REFERENCES regions(id);
    CREATE INDEX centers_by_region ON centers(region_id, position);

    -- Kept by the tally worker (it fills them when it first sees a capture, or a photo of it).
    ALTER TABLE captures ADD COLUMN region_path TEXT;
    ALTER TABLE captures ADD COLUMN superseded_by INTEGER;
    ALTER TABLE captures ADD COLUMN photos_declared INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE captures ADD COLUMN photos_received INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX captures_by_region ON captures(region_path, pk);
    CREATE INDEX captures_by_capture_id ON captures(capture_id);

    -- The regions each device reports from (the leaf region of each of its stations): scoped
    -- device lists without joining every device's stations.
    CREATE TABLE device_regions (
        region_path TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (region_path, device_id)
    ) STRICT, WITHOUT ROWID;

    -- Photos as they are received, in order: the tally worker's second input.
    CREATE TABLE photo_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        capture_pk INTEGER NOT NULL,
        at_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO photo_events (capture_pk, at_ms)
        SELECT capture_pk, received_at_ms FROM capture_photos WHERE receipt_json IS NOT NULL;

    -- The capture each table counts with (latest received, not superseded, not rejected).
    CREATE TABLE station_current (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        capture_pk INTEGER NOT NULL,
        counts_json TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE tally_dirty (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    -- Sums over each region's subtree.
    CREATE TABLE region_tally (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        field_id TEXT NOT NULL,
        votes INTEGER NOT NULL,
        PRIMARY KEY (region_id, contest_id, field_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE region_stats (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        stations_reported INTEGER NOT NULL DEFAULT 0,
        registered_reported INTEGER NOT NULL DEFAULT 0,
        records INTEGER NOT NULL DEFAULT 0,
        photos_declared INTEGER NOT NULL DEFAULT 0,
        photos_received INTEGER NOT NULL DEFAULT 0,
        with_warnings INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (region_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    -- Arrivals per region and minute.
    CREATE TABLE region_activity (
        region_id INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        records INTEGER NOT NULL DEFAULT 0,
        photos INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (region_id, minute)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE tally_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        capture_cursor INTEGER NOT NULL,
        photo_cursor INTEGER NOT NULL
    ) STRICT;
    INSERT INTO tally_state (id, capture_cursor, photo_cursor) VALUES (1, 0, 0);

    CREATE TABLE coordinators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        -- Argon2id, PHC string.
        password_hash TEXT NOT NULL,
        -- The region subtree this coordinator sees ('' = everything).
        scope_path TEXT NOT NULL,
        can_review INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sessions (
        token_hash BLOB PRIMARY KEY,
        coordinator_id INTEGER NOT NULL REFERENCES coordinators(id),
        csrf TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
    ) STRICT;

    -- Every review action, in order, never changed or removed.
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        capture_pk INTEGER,
        detail_json TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_capture ON audit_log(capture_pk, seq);
    CREATE TRIGGER audit_log_never_changes BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_never_shrinks BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // Version 3: a correction may arrive before the capture it corrects; the tally worker finds
    // it from the late original.
    r#"
    CREATE INDEX captures_by_supersedes ON captures(device_id, supersedes) WHERE supersedes IS NOT NULL;
    "#,
    // Version 4: hardening. A device can be revoked (its token stops working at once; what it
    // sent stays, marked by the device's row); a device's uploads are counted for its quotas; a
    // session is for the dashboard (a cookie) or the admin API (a bearer token), never both.
    r#"
    ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'dash' CHECK (kind IN ('dash', 'api'));
    ALTER TABLE devices ADD COLUMN revoked_at_ms INTEGER;
    ALTER TABLE devices ADD COLUMN revoked_reason TEXT;
    CREATE INDEX uploads_by_device ON uploads(device_id, state);
    "#,
    // Version 5: publication. Every act of publication in order, never changed or removed (a
    // capture made public, or withdrawn with its reason); the capture that stands publicly for
    // each table; the published numbers summed per region (kept in the same transaction as the
    // act, so the portal reads small aggregates); whether verifying a capture publishes it.
    r#"
    CREATE TABLE publications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('publish', 'withdraw')),
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        capture_pk INTEGER NOT NULL REFERENCES captures(pk),
        how TEXT CHECK (how IN ('on_verification', 'by_hand')),
        replaces_seq INTEGER REFERENCES publications(seq),
        reason TEXT,
        -- Who did it: kept for the audit, never published.
        actor TEXT NOT NULL
    ) STRICT;
    CREATE INDEX publications_by_station ON publications(station_id, contest_id, seq);
    CREATE UNIQUE INDEX publications_once ON publications(capture_pk, action);
    CREATE TRIGGER publications_never_change BEFORE UPDATE ON publications
        BEGIN SELECT RAISE(ABORT, 'the publication is append-only'); END;
    CREATE TRIGGER publications_never_shrink BEFORE DELETE ON publications
        BEGIN SELECT RAISE(ABORT, 'the publication is append-only'); END;
    CREATE TABLE published_current (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        capture_pk INTEGER NOT NULL,
        counts_json TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE pub_region_tally (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        field_id TEXT NOT NULL,
        votes INTEGER NOT NULL,
        PRIMARY KEY (region_id, contest_id, field_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE pub_region_stats (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        stations INTEGER NOT NULL,
        registered INTEGER NOT NULL,
        PRIMARY KEY (region_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE publication_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        on_verification INTEGER NOT NULL
    ) STRICT;
    INSERT INTO publication_settings (id, on_verification) VALUES (1, 1);
    -- The optional voter-to-table look-up (empty: off): the keyed hash (HMAC-SHA256 under the
    -- server's code key) of each normalised voter ID number, never the number itself. No foreign
    -- key: a new election package may drop a table; its voters then find nothing.
    CREATE TABLE voter_tables (
        voter_hash BLOB PRIMARY KEY,
        station_id TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    "#,
    // Version 6: the count checked against others. Official results, every import kept whole
    // (the file, its SHA-256, each row) and never changed; the numbers standing per table (the
    // latest import that gives them); the contrast of each table with our acta, and its sums per
    // region, kept by the tally worker from `contrast_dirty` as the tally is from `tally_dirty`;
    // the quick count's sample.
    r#"
    CREATE TABLE official_imports (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        sha256 BLOB NOT NULL,
        -- The file as received, and its size (listing imports never reads the file).
        content BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        mapping_json TEXT NOT NULL,
        tables INTEGER NOT NULL,
        imported_at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL
    ) STRICT;
    CREATE TABLE official_results (
        import_id INTEGER NOT NULL REFERENCES official_imports(id),
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        counts_json TEXT NOT NULL,
        PRIMARY KEY (import_id, station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TRIGGER official_imports_never_change BEFORE UPDATE ON official_imports
        BEGIN SELECT RAISE(ABORT, 'official imports are kept as they came'); END;
    CREATE TRIGGER official_imports_never_shrink BEFORE DELETE ON official_imports
        BEGIN SELECT RAISE(ABORT, 'official imports are kept as they came'); END;
    CREATE TRIGGER official_results_never_change BEFORE UPDATE ON official_results
        BEGIN SELECT RAISE(ABORT, 'official imports are kept as they came'); END;
    CREATE TRIGGER official_results_never_shrink BEFORE DELETE ON official_results
        BEGIN SELECT RAISE(ABORT, 'official imports are kept as they came'); END;
    CREATE TABLE official_current (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        import_id INTEGER NOT NULL,
        counts_json TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE contrast_dirty (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    -- Each table is contrasted twice: the capture it counts with now (`current`, for the
    -- coordinators) and its published capture (`published`, for the public).
    CREATE TABLE contrast (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('current', 'published')),
        status TEXT NOT NULL CHECK (status IN ('match', 'differs', 'only_official', 'only_ours')),
        region_id INTEGER,
        region_path TEXT NOT NULL,
        -- The sum of the absolute differences, and ours minus official per differing field.
        difference INTEGER NOT NULL,
        differences_json TEXT NOT NULL,
        PRIMARY KEY (station_id, contest_id, side)
    ) STRICT, WITHOUT ROWID;
    -- Lists page through these alone (they cover the scope's region path), then read each
    -- listed row: a deep page or a narrow scope never reads the rows it skips. Only differing
    -- tables have a difference to sort by (a few percent of the rows: a small index).
    CREATE INDEX contrast_by_difference ON contrast(side, contest_id, status, difference DESC, station_id, region_path)
        WHERE status = 'differs';
    CREATE INDEX contrast_by_table ON contrast(side, contest_id, status, station_id, region_path);
    CREATE TABLE region_contrast (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        side TEXT NOT NULL,
        matching INTEGER NOT NULL DEFAULT 0,
        differing INTEGER NOT NULL DEFAULT 0,
        only_official INTEGER NOT NULL DEFAULT 0,
        only_ours INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (region_id, contest_id, side)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE region_contrast_votes (
        region_id INTEGER NOT NULL,
        contest_id TEXT NOT NULL,
        side TEXT NOT NULL,
        field_id TEXT NOT NULL,
        difference INTEGER NOT NULL,
        PRIMARY KEY (region_id, contest_id, side, field_id)
    ) STRICT, WITHOUT ROWID;
    -- Bumped whenever the public side of the contrast changes: part of the portal's context.
    CREATE TABLE contrast_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_generation INTEGER NOT NULL
    ) STRICT;
    INSERT INTO contrast_state (id, public_generation) VALUES (1, 0);
    CREATE TABLE quickcount (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seed TEXT NOT NULL,
        size INTEGER NOT NULL,
        strata_json TEXT NOT NULL,
        drawn_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE quickcount_sample (
        station_id TEXT PRIMARY KEY,
        stratum TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    "#,
    // Version 7: the verification desk. Each capture whose photos are all in is transcribed from
    // its photos by two coordinators, blind; the two entries and the watcher's numbers agree
    // (confirmed) or go to a verifier (decided). An entry is a slot (1 or 2) of its capture,
    // so a capture is never transcribed a third time; a slot held past its lease is handed on.
    // And what needs attention per table (unreviewed, disputed, photo missing, warnings,
    // watchers who disagree), summed per region; the capture a coordinator chose for a table; who
    // carries each phone; whether tables count only with verified captures; refused records.
    r#"
    CREATE TABLE desk_items (
        capture_pk INTEGER PRIMARY KEY,
        region_path TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        -- 'transcribing', 'verify', 'confirmed' or 'decided'.
        state TEXT NOT NULL,
        entered_at_ms INTEGER NOT NULL,
        settled_at_ms INTEGER,
        -- The verifier's numbers (JSON), their name.
        decided_json TEXT,
        decided_by TEXT
    ) STRICT;
    CREATE INDEX desk_items_by_state ON desk_items(state, capture_pk);
    CREATE TABLE desk_entries (
        capture_pk INTEGER NOT NULL REFERENCES desk_items(capture_pk),
        slot INTEGER NOT NULL CHECK (slot IN (1, 2)),
        coordinator_id INTEGER NOT NULL REFERENCES coordinators(id),
        assigned_at_ms INTEGER NOT NULL,
        lease_until_ms INTEGER NOT NULL,
        counts_json TEXT,
        submitted_at_ms INTEGER,
        PRIMARY KEY (capture_pk, slot),
        UNIQUE (capture_pk, coordinator_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX desk_entries_open ON desk_entries(coordinator_id) WHERE submitted_at_ms IS NULL;
    -- What needs a coordinator's attention at each table (1 or 0 each), kept by the tally
    -- worker with every table it recounts, and summed per region in region_stats.
    CREATE TABLE station_flags (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        unreviewed INTEGER NOT NULL,
        disputed INTEGER NOT NULL,
        no_photo INTEGER NOT NULL,
        warned INTEGER NOT NULL,
        disagree INTEGER NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    ALTER TABLE region_stats ADD COLUMN unreviewed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE region_stats ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE region_stats ADD COLUMN no_photo INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE region_stats ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE region_stats ADD COLUMN disagree INTEGER NOT NULL DEFAULT 0;
    -- Records refused at intake (bad signature, not assigned, unknown field…), kept so that
    -- coordinators see them: the claimed table, the reason; not the record (a forged one is
    -- nobody's evidence). Once per device, capture id and reason; at most 1,000 per device.
    CREATE TABLE refusals (
        pk INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        capture_id TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        station_id TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        UNIQUE (device_id, capture_id, code)
    ) STRICT;
    -- Whether a table counts only with a verified capture (by double entry, a verifier, or a
    -- coordinator's review) or with its latest standing one.
    CREATE TABLE tally_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        verified_only INTEGER NOT NULL
    ) STRICT;
    INSERT INTO tally_settings (id, verified_only) VALUES (1, 0);
    -- Who carries each phone, as coordinators note it (name and phone number: never public).
    CREATE TABLE device_contacts (
        device_id TEXT PRIMARY KEY REFERENCES devices(id),
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        actor TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    ) STRICT;
    -- The capture a coordinator chose to stand for its table (one answer per table), with why;
    -- every choice is in the audit log too.
    CREATE TABLE station_choice (
        station_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        capture_pk INTEGER NOT NULL REFERENCES captures(pk),
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (station_id, contest_id)
    ) STRICT, WITHOUT ROWID;
    -- Every capture already complete when the desk arrived.
    INSERT INTO desk_items (capture_pk, region_path, contest_id, state, entered_at_ms)
        SELECT pk, ifnull(region_path, ''), contest_id, 'transcribing', received_at_ms FROM captures
         WHERE photos_declared > 0 AND photos_received >= photos_declared;
    -- Every table with a capture is recounted once, which fills station_flags.
    INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) SELECT DISTINCT station_id, contest_id FROM captures;
    "#,
    // Version 8: accounts run from the browser. A role instead of "may review" (observer,
    // reviewer, administrator: the national reviewers who ran everything become administrators),
    // accounts that can be disabled, and each account's last sign-in (kept with the account: the
    // accounts page must not search the audit log once per account).
    r#"
    ALTER TABLE coordinators ADD COLUMN role TEXT NOT NULL DEFAULT 'reviewer'
        CHECK (role IN ('observer', 'reviewer', 'admin'));
    UPDATE coordinators SET role = CASE WHEN can_review = 0 THEN 'observer'
                                        WHEN scope_path = '' THEN 'admin' ELSE 'reviewer' END;
    ALTER TABLE coordinators DROP COLUMN can_review;
    ALTER TABLE coordinators ADD COLUMN disabled_at_ms INTEGER;
    ALTER TABLE coordinators ADD COLUMN last_login_ms INTEGER;
    UPDATE coordinators SET last_login_ms =
        (SELECT max(a.at_ms) FROM audit_log a WHERE a.actor = coordinators.name AND a.action = 'login');
    "#,
    // Version 9: without a data link. Every SMS part a gateway delivered (a few per message:
    // they are what came, and a part that arrives again is kept once), which records came by
    // SMS, the messages that did not become a record, kept for coordinators, and every sealed
    // bundle imported or refused, with what it brought.
    r#"
    CREATE TABLE sms_parts (
        tag TEXT NOT NULL,
        part_count INTEGER NOT NULL,
        part_index INTEGER NOT NULL,
        body TEXT NOT NULL,
        sender TEXT NOT NULL,
        gateway TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        PRIMARY KEY (tag, part_count, part_index, body)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE sms_records (
        device_id TEXT NOT NULL,
        capture_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        PRIMARY KEY (device_id, capture_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE sms_aside (
        pk INTEGER PRIMARY KEY,
        sender TEXT NOT NULL,
        gateway TEXT NOT NULL,
        text TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE bundle_imports (
        pk INTEGER PRIMARY KEY,
        sha256 BLOB NOT NULL,
        size INTEGER NOT NULL,
        device_id TEXT,
        carrier_id TEXT,
        refused TEXT,
        refused_detail TEXT,
        records_stored INTEGER NOT NULL,
        records_known INTEGER NOT NULL,
        records_refused INTEGER NOT NULL,
        photos_stored INTEGER NOT NULL,
        photos_known INTEGER NOT NULL,
        photos_refused INTEGER NOT NULL,
        at_ms INTEGER NOT NULL
    ) STRICT;
    "#,
];

/// The schema version this build writes; a database from a newer version is refused, not
/// opened.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

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
