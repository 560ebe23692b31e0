//! Sealed bundles: a watcher without any link exports its outbox; runners carry it, one of
//! them tampers with a copy; the server takes the true one once, and the watcher learns of the
//! delivery from its feed.

use std::time::Duration;

use testigo_core::{CancelToken, OutboxState};
use testigo_e2e::*;
use testigo_protocol::bundle::{self, BundleContents, BundleKey};
use testigo_server::services::bundles;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

fn style() -> CaptureStyle {
    CaptureStyle { photo_size: (1200, 900), mistake_rate: 0.0, ..CaptureStyle::default() }
}

fn count(server: &Server, sql: &str) -> i64 {
    server.db().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn enrolled(
    server: &Server,
    election: &SampleElection,
    dir: &std::path::Path,
    seed: u64,
    stations: &[usize],
) -> Watcher {
    let ids: Vec<String> = stations.iter().map(|&i| election.package.stations[i].id.clone()).collect();
    let code = server.codes(&[ids]).unwrap().remove(0);
    let w = Watcher::open(dir, seed).unwrap();
    w.enroll(&server.url(), &code).unwrap();
    w
}

#[test]
fn a_bundle_carried_by_runners_arrives_once_and_a_tampered_copy_is_refused_whole() {
    let election = SampleElection::new(41, 6);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let watcher = enrolled(&server, &election, &root.path().join("w"), 1, &[0, 1]);
    for i in 0..2 {
        watcher.capture(&election, i, &style()).unwrap();
    }
    let first = enrolled(&server, &election, &root.path().join("r1"), 2, &[2]);
    let second = enrolled(&server, &election, &root.path().join("r2"), 3, &[3]);
    let thief = enrolled(&server, &election, &root.path().join("t"), 4, &[4]);

    // No link at all: the watcher's outbox leaves as one file.
    let file = watcher.store.export_bundle().unwrap();
    assert_eq!(watcher.store.pending_count().unwrap(), 4, "exporting sends nothing");
    let sha = first.store.carry_bundle(&file).unwrap();
    assert_eq!(first.store.carry_bundle(&file).unwrap(), sha, "taking it twice changes nothing");
    second.store.carry_bundle(&first.store.carried_bundle_bytes(&sha).unwrap()).unwrap();
    let mut tampered = first.store.carried_bundle_bytes(&sha).unwrap();
    let at = tampered.len() - 100;
    tampered[at] ^= 0x20;
    thief.store.carry_bundle(&tampered).unwrap();
    // The runners read nothing in it: not a station, not a number.
    let station = election.package.stations[0].id.as_bytes();
    assert!(!file.windows(station.len()).any(|w| w == station));

    // The thief's copy is refused whole; nothing of it is stored.
    let r = thief.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.bundles_forwarded, 1, "{r:?}");
    let carried = thief.store.carried_bundles().unwrap();
    assert!(carried[0].refused.as_deref().unwrap().contains("changed"), "{carried:?}");
    assert_eq!(count(&server, "SELECT count(*) FROM captures"), 0);

    // The second runner reaches a link first; then the first one: nothing is stored twice.
    let r = second.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.bundles_forwarded, 1, "{r:?}");
    assert_eq!(count(&server, "SELECT count(*) FROM captures"), 2);
    let r = first.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.bundles_forwarded, 1, "{r:?}");
    let carried = first.store.carried_bundles().unwrap();
    assert_eq!((carried[0].refused.as_ref(), carried[0].delivered_at_ms.is_some()), (None, true));
    assert!(first.store.carried_bundle_bytes(&sha).is_err(), "delivered bundles leave the runner's phone");
    assert_eq!(count(&server, "SELECT count(*) FROM captures"), 2);

    // The same file imported by hand on the coordinators' machine: everything is known already.
    let again = server.block_on(bundles::import(&server.state, file.clone(), None)).unwrap();
    assert_eq!(
        (again.records_stored, again.records_known, again.photos_stored, again.photos_known),
        (0, 2, 0, 2)
    );
    // Every import is logged: who carried what, and what it brought.
    assert_eq!(count(&server, "SELECT count(*) FROM bundle_imports"), 4);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM bundle_imports WHERE refused = 'tampered' AND device_id IS NULL"
        ),
        1
    );
    assert_eq!(count(&server, "SELECT sum(records_stored) + sum(photos_stored) FROM bundle_imports"), 4);
    assert_eq!(count(&server, "SELECT count(*) FROM bundle_imports WHERE carrier_id IS NULL"), 1);

    // The watcher finds a link: its feed says everything arrived, and nothing is sent again.
    let r = watcher.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!((r.records_delivered, r.photos_delivered), (2, 2), "{r:?}");
    assert!(r.bytes_sent < 10_000, "the photos were not sent again: {r:?}");
    assert!(watcher.store.outbox().unwrap().iter().all(|i| i.state == OutboxState::Done));
    check_delivery(&server, &[&watcher.store]).unwrap();
}

#[test]
fn a_bundle_for_other_coordinators_or_from_a_stranger_is_refused_with_its_reason() {
    let election = SampleElection::new(42, 4);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let runner = enrolled(&server, &election, &root.path().join("r"), 5, &[0]);
    let watcher = enrolled(&server, &election, &root.path().join("w"), 6, &[1]);
    watcher.capture(&election, 1, &style()).unwrap();
    let file = watcher.store.export_bundle().unwrap();

    // Sealed to another organisation's key: the runner's phone does not take it.
    let elsewhere = BundleKey::generate().unwrap();
    let contents = BundleContents {
        device_key: watcher.store.device().public_key.clone(),
        created_at_ms: 0,
        records: vec![],
        photos: vec![],
    };
    let foreign = bundle::seal(&contents, elsewhere.public_key(), |_| {
        Ok::<_, String>(testigo_protocol::Signature(vec![0x30, 0x00]))
    })
    .unwrap();
    assert!(runner.store.carry_bundle(&foreign).is_err());
    let refused = server.block_on(bundles::import(&server.state, foreign, None)).unwrap_err().unwrap();
    assert!(refused.to_string().contains("another key"), "{refused}");
    assert_eq!(refused.code(), "foreign_key");
    assert!(runner.store.carry_bundle(b"not a bundle at all").is_err());

    // The watcher's phone is revoked before its bundle arrives: refused whole, nothing stored.
    server
        .block_on(server.state.repo.revoke_device(
            watcher.store.device().key_id.clone(),
            "lost".into(),
            "ana".into(),
            1,
        ))
        .unwrap();
    let refused = server.block_on(bundles::import(&server.state, file, None)).unwrap_err().unwrap();
    assert!(refused.to_string().contains("not enrolled"), "{refused}");
    assert_eq!(refused.code(), "unknown_device");
    assert_eq!(count(&server, "SELECT count(*) FROM bundle_imports WHERE refused = 'unknown_device'"), 1);
    assert_eq!(count(&server, "SELECT count(*) FROM captures"), 0);
}
