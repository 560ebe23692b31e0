//! Schema migrations: every released server schema, opened with an election's data in it,
//! upgrades to exactly the schema of a fresh database, keeps every row, and still serves it; a
//! database from a newer server is refused with a clear error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::Value;
use testigo_protocol::api::Change;
use testigo_protocol::{KeyId, Sha256};
use testigo_server::repo::coord::{Attention, RegionStats};
use testigo_server::repo::desk::DeskState;
use testigo_server::repo::sqlite::{SCHEMA_VERSION, SqliteRepo};
use testigo_server::repo::{Coordination, Desk, PhotoLookup, Repo, RepoError, UploadState, settle_tally};
use uuid::Uuid;

/// The frozen fixtures, one per released version, oldest first.
const FIXTURES: [(u32, &str); 9] = [
    (1, include_str!("../fixtures/schema-v1.sql")),
    (2, include_str!("../fixtures/schema-v2.sql")),
    (3, include_str!("../fixtures/schema-v3.sql")),
    (4, include_str!("../fixtures/schema-v4.sql")),
    (5, include_str!("../fixtures/schema-v5.sql")),
    (6, include_str!("../fixtures/schema-v6.sql")),
    (7, include_str!("../fixtures/schema-v7.sql")),
    (8, include_str!("../fixtures/schema-v8.sql")),
    (9, include_str!("../fixtures/schema-v9.sql")),
];

/// The device the fixtures enrolled (its token is "token-one").
const DEVICE: &str = "6fc66a90486171ca69b512be185d66a7";

type Schema = (u32, Vec<(String, String, String)>);

/// The schema as SQLite records it, whitespace-normalised, plus the version.
fn schema_of(conn: &Connection) -> Schema {
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

/// Every row of every table, in the columns each table has now, in a stable order.
fn rows_of(conn: &Connection) -> BTreeMap<String, (Vec<String>, Vec<Vec<Value>>)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    tables
        .into_iter()
        .map(|table| {
            let columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let rows = select(conn, &table, &columns);
            (table, (columns, rows))
        })
        .collect()
}

/// The rows of `table` in `columns`, ordered by every column.
fn select(conn: &Connection, table: &str, columns: &[String]) -> Vec<Vec<Value>> {
    let list = columns.join(", ");
    let order = (1..=columns.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    let mut stmt = conn.prepare(&format!("SELECT {list} FROM {table} ORDER BY {order}")).unwrap();
    stmt.query_map([], |r| (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

fn fresh_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteRepo::open(&path).unwrap());
    schema_of(&Connection::open(&path).unwrap())
}

/// A database file built from a frozen fixture, as a server of that version left it.
fn database_from_fixture(path: &Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn every_released_schema_upgrades_to_the_fresh_schema_keeping_every_row() {
    assert_eq!(
        FIXTURES.last().unwrap().0,
        SCHEMA_VERSION,
        "a new schema version needs its frozen fixture in tests/fixtures"
    );
    let fresh = fresh_schema();
    assert_eq!(fresh.0, SCHEMA_VERSION);
    for (version, sql) in FIXTURES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        database_from_fixture(&path, sql);
        let before = {
            let conn = Connection::open(&path).unwrap();
            assert_eq!(schema_of(&conn).0, version);
            rows_of(&conn)
        };
        assert_eq!(before.get("captures").unwrap().1.len(), 3, "the fixture holds its captures");

        drop(SqliteRepo::open(&path).unwrap());

        let conn = Connection::open(&path).unwrap();
        assert_eq!(schema_of(&conn), fresh, "schema v{version} migrated differs from a fresh schema");
        for (table, (columns, rows)) in &before {
            if table == "coordinators" && version < 8 {
                // Version 8 turns "may review" into a role: national reviewers become
                // administrators, regional ones reviewers, the others observers.
                let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
                let (review, scope) = (at("can_review"), at("scope_path"));
                let kept: Vec<String> = columns.iter().filter(|c| *c != "can_review").cloned().collect();
                let mut wanted: Vec<String> = kept.clone();
                wanted.push("role".into());
                let after = select(&conn, table, &wanted);
                assert_eq!(after.len(), rows.len(), "schema v{version}: accounts lost");
                for (old, new) in rows.iter().zip(&after) {
                    let old_kept: Vec<&Value> =
                        old.iter().enumerate().filter(|(i, _)| *i != review).map(|(_, v)| v).collect();
                    assert_eq!(old_kept, new[..kept.len()].iter().collect::<Vec<_>>(), "schema v{version}");
                    let role = match (&old[review], &old[scope]) {
                        (Value::Integer(0), _) => "observer",
                        (_, Value::Text(s)) if s.is_empty() => "admin",
                        _ => "reviewer",
                    };
                    assert_eq!(new[kept.len()], Value::Text(role.into()), "schema v{version}: {old:?}");
                }
                continue;
            }
            let after = select(&conn, table, columns);
            if table == "tally_dirty" {
                // The tally worker's queue: version 7 queues every table once (to judge what
                // each needs); what was queued stays queued.
                assert!(rows.iter().all(|r| after.contains(r)), "schema v{version}: {table} lost work");
                continue;
            }
            assert_eq!(
                &after, rows,
                "schema v{version}: the rows of {table} must survive the upgrade as they were"
            );
        }
    }
}

#[tokio::test]
async fn a_migrated_database_serves_what_it_holds() {
    for (version, sql) in FIXTURES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        database_from_fixture(&path, sql);
        let repo = SqliteRepo::open(&path).unwrap();

        let election = repo.election().await.unwrap().unwrap();
        assert_eq!((election.election.id.as_str(), election.version), ("test-2026", 2));

        let device = repo.device_by_token(Sha256::digest(b"token-one")).await.unwrap().unwrap();
        assert_eq!(device.id.as_str(), DEVICE);
        assert_eq!(device.stations, BTreeSet::from(["st-1".to_owned(), "st-2".to_owned()]));
        assert!(
            repo.device_package(
                &device,
                &testigo_server::repo::Reach {
                    bundle_key: device.public_key.clone(),
                    sms_numbers: Vec::new()
                }
            )
            .await
            .unwrap()
            .is_some()
        );

        let upload = repo.upload("0123456789abcdef0123456789abcdef").await.unwrap().unwrap();
        assert_eq!((upload.state, upload.offset, upload.length), (UploadState::Active, 65536, 200_000));
        let capture_2 = Uuid::parse_str("01936f6e-7c00-7a3b-8c1d-000000000002").unwrap();
        let PhotoLookup::Declared(photo) =
            repo.expected_photo(&device.id, capture_2, upload.sha256).await.unwrap()
        else {
            panic!("schema v{version}: the half-uploaded photo is no longer declared");
        };
        assert_eq!((photo.capture_pk, photo.size, photo.receipt), (2, 200_000, None));

        let feed = repo.feed(&DEVICE.parse::<KeyId>().unwrap(), 0, 10).await.unwrap();
        assert_eq!(feed.first().map(|e| &e.change), Some(&Change::Package { version: 2 }));
        assert_eq!(
            feed.len(),
            match version {
                1 => 1,
                2..8 => 2,
                // Version 8 took st-1 from the phone and gave it back: two announcements.
                _ => 4,
            }
        );

        // The tally worker takes in what the old server stored, the correction in place of
        // the capture it corrects.
        settle_tally(&repo, 100).await.unwrap();
        let root = repo.region_by_path(String::new()).await.unwrap().unwrap();
        let tally = repo.tally(root.id, "pres".into()).await.unwrap();
        let expected: BTreeMap<String, i64> =
            [("o1".to_owned(), 321), ("o2".to_owned(), 230), ("null".to_owned(), 7)].into();
        assert_eq!(tally, expected, "schema v{version}");
        let view = repo.region_view(root.id, "pres".into()).await.unwrap().unwrap();
        assert_eq!(
            view.region.stats,
            RegionStats {
                stations_reported: 2,
                registered_reported: 950,
                records: 3,
                photos_declared: 2,
                photos_received: 1,
                with_warnings: 1,
                // st-1's correction is unreviewed; st-2's capture is disputed (from version 2 on),
                // waits for its photo and came with a warning; the two tables were sent from one
                // phone, so nobody disagrees.
                attention: Attention {
                    unreviewed: if version >= 2 { 1 } else { 2 },
                    disputed: u64::from(version >= 2),
                    no_photo: 1,
                    warned: 1,
                    disagree: 0,
                },
            },
            "schema v{version}"
        );
        if version >= 2 {
            assert!(repo.coordinator_by_name("ana".into()).await.unwrap().is_some());
        }
        // The capture whose photo is in is on the verification desk: as the v7 fixture left it
        // (two entries that differ), or newly entered by the tally worker.
        let item = repo.desk_item(1).await.unwrap().expect("on the desk");
        if version >= 7 {
            assert_eq!((item.state, item.entries.len()), (DeskState::Verify, 2));
            assert_eq!(item.entries[1].counts.as_ref().unwrap()["o1"], 126);
        } else {
            assert_eq!((item.state, item.entries.len()), (DeskState::Transcribing, 0), "schema v{version}");
        }
    }
}

#[test]
fn a_database_from_a_newer_server_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    database_from_fixture(&path, FIXTURES.last().unwrap().1);
    drop(SqliteRepo::open(&path).unwrap());
    Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    let before = {
        let conn = Connection::open(&path).unwrap();
        (schema_of(&conn), rows_of(&conn))
    };

    match SqliteRepo::open(&path) {
        Err(RepoError::Corrupt(message)) => {
            assert!(message.contains("newer than this server"), "unclear refusal: {message}");
        }
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
    let conn = Connection::open(&path).unwrap();
    assert_eq!((schema_of(&conn), rows_of(&conn)), before);
}
