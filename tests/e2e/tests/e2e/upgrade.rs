//! An app upgrade with work in the outbox: captures sealed under the previous schema (version 2,
//! before sync existed) survive the migration and reach the server once the phone enrolls.

use std::time::Duration;

use testigo_core::{CancelToken, OutboxState, SyncOutcome};
use testigo_e2e::*;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

#[test]
fn captures_queued_before_an_upgrade_are_delivered_after_it() {
    let election = SampleElection::new(41, 3);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let stations: Vec<String> = election.package.stations.iter().map(|s| s.id.clone()).collect();
    let code = server.codes(&[stations]).unwrap().remove(0);
    let sealed_before = {
        let w = Watcher::open(root.path(), 5).unwrap();
        w.store.install_package(&election.package).unwrap();
        for i in 0..3 {
            w.capture(&election, i, &CaptureStyle { photo_size: (1200, 900), ..Default::default() }).unwrap();
        }
        sealed_records(&w.store).unwrap()
    };
    // Turn the database back into what version 2 of the app left: no sync tables or columns.
    {
        let db =
            testigo_core::testing::raw_connection(root.path(), &testigo_sim::watcher::store_key(5)).unwrap();
        db.execute_batch(
            "DROP TABLE receipts; DROP TABLE reviews; DROP TABLE server; DROP TABLE sms_sent;
             DROP TABLE carried_bundles;
             ALTER TABLE outbox DROP COLUMN upload_url;
             ALTER TABLE outbox DROP COLUMN upload_offset;
             ALTER TABLE outbox DROP COLUMN delivered_at_ms;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let w = Watcher::open(root.path(), 5).unwrap();
    let outbox = w.store.outbox().unwrap();
    assert_eq!(outbox.len(), 6);
    assert!(outbox.iter().all(|i| i.state == OutboxState::Pending));
    assert_eq!(sealed_records(&w.store).unwrap(), sealed_before);
    w.enroll(&server.url(), &code).unwrap();
    let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    let totals = check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!((totals.records, totals.photos), (3, 3));
}
