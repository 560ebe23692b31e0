//! Schema migrations: every released schema, opened with queued work in it, upgrades to exactly
//! the schema of a fresh store and keeps every item.

use rusqlite::Connection;
use testigo_core::{OutboxState, SCHEMA_VERSION, Store, testing::raw_connection};

use crate::common::*;

/// The schema as SQLite records it, whitespace-normalised, plus the version.
fn schema_of(conn: &Connection) -> (u32, Vec<(String, String, String)>) {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let mut stmt = conn
        .prepare("SELECT type, name, ifnull(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .unwrap()
        .map(|r| {
            let (t, n, sql) = r.unwrap();
            (t, n, sql.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect();
    (version, rows)
}

type Row = (String, String, Option<Vec<u8>>, String, i64, Option<String>);

fn outbox_rows(conn: &Connection) -> Vec<Row> {
    let mut stmt = conn
        .prepare("SELECT capture_id, kind, photo_sha256, state, attempts, last_error FROM outbox ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

fn signed_records(conn: &Connection) -> Vec<(String, Option<String>)> {
    let mut stmt = conn.prepare("SELECT id, signed_json FROM captures ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
}

fn fresh_schema() -> (u32, Vec<(String, String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), &KEY).unwrap());
    schema_of(&raw_connection(dir.path(), &KEY).unwrap())
}

/// Builds a store whose database is the frozen fixture of schema `version`.
fn store_from_fixture(dir: &std::path::Path, sql: &str) {
    drop(Store::open(dir, &KEY).unwrap());
    for f in ["testigo.db", "testigo.db-wal", "testigo.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let conn = raw_connection(dir, &KEY).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn every_released_schema_upgrades_to_the_fresh_schema_keeping_queued_work() {
    let fixtures = [
        (1u32, include_str!("../fixtures/schema-v1.sql")),
        (2, include_str!("../fixtures/schema-v2.sql")),
        (3, include_str!("../fixtures/schema-v3.sql")),
        (4, include_str!("../fixtures/schema-v4.sql")),
        (5, include_str!("../fixtures/schema-v5.sql")),
    ];
    assert_eq!(
        fixtures.last().unwrap().0,
        SCHEMA_VERSION,
        "a new schema version needs its frozen fixture in tests/fixtures"
    );
    let fresh = fresh_schema();
    assert_eq!(fresh.0, SCHEMA_VERSION);
    for (version, sql) in fixtures {
        let dir = tempfile::tempdir().unwrap();
        store_from_fixture(dir.path(), sql);
        let (outbox_before, records_before) = {
            let conn = raw_connection(dir.path(), &KEY).unwrap();
            assert_eq!(schema_of(&conn).0, version);
            (outbox_rows(&conn), signed_records(&conn))
        };
        assert!(outbox_before.len() >= 4);

        let store = Store::open(dir.path(), &KEY).unwrap();
        store.integrity_check().unwrap();
        let items = store.outbox().unwrap();
        assert_eq!(items.len(), outbox_before.len());
        assert_eq!(items.iter().filter(|i| i.state == OutboxState::Pending).count(), 2);
        assert_eq!(items.iter().filter(|i| i.state == OutboxState::Parked).count(), 1);
        assert_eq!(store.captures().unwrap().len(), 3);
        drop(store);

        let conn = raw_connection(dir.path(), &KEY).unwrap();
        assert_eq!(schema_of(&conn), fresh, "schema v{version} migrated differs from a fresh schema");
        assert_eq!(outbox_rows(&conn), outbox_before, "an upgrade must keep every queued item as it was");
        assert_eq!(signed_records(&conn), records_before, "signed records must survive byte for byte");
    }
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_package(dir.path()));
    raw_connection(dir.path(), &KEY)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let before = snapshot_files(dir.path());
    assert!(matches!(Store::open(dir.path(), &KEY), Err(testigo_core::Error::Corrupt(_))));
    assert_eq!(snapshot_files(dir.path()), before);
}

#[test]
fn the_enrollment_and_upload_progress_survive_as_stored() {
    // An enrollment from before pins has none; a pinned one keeps its pins.
    let pinned = ["sha256/b+7MjBbFVR2f6z61934tp3O/aL2e+cUpJ86yyG5WiSs="];
    for (sql, pins) in [
        (include_str!("../fixtures/schema-v3.sql"), &[][..]),
        (include_str!("../fixtures/schema-v4.sql"), &pinned[..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        store_from_fixture(dir.path(), sql);
        let store = Store::open(dir.path(), &KEY).unwrap();
        assert_eq!(store.enrollment().unwrap().unwrap().tls_pins, pins);
    }
    let dir = tempfile::tempdir().unwrap();
    store_from_fixture(dir.path(), include_str!("../fixtures/schema-v3.sql"));
    let store = Store::open(dir.path(), &KEY).unwrap();
    let e = store.enrollment().unwrap().unwrap();
    assert_eq!(e.server_url, "https://testigo.example.org");
    assert_eq!(e.station_ids, vec!["st-2"]);
    let capture = testigo_core::Uuid::parse_str("01936f6e-7c00-7a3b-8c1d-000000000002").unwrap();
    let review = store.review(capture).unwrap().unwrap();
    assert_eq!(review.status, testigo_core::protocol::api::ReviewStatus::Disputed);
}
