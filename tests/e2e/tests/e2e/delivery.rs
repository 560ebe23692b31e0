//! Many phones, many captures, through faulty links: everything arrives exactly once.

use std::time::Duration;

use testigo_core::{CancelToken, SyncOutcome};
use testigo_e2e::*;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::{FaultProxy, Faults, LinkProfile, SampleElection};

fn style() -> CaptureStyle {
    CaptureStyle { photo_size: (1200, 900), ..CaptureStyle::default() }
}

/// Phones enrolled through `url`, each having captured and sealed its stations.
fn phones(
    server: &Server,
    election: &SampleElection,
    root: &std::path::Path,
    n: usize,
    per_phone: usize,
    url: &str,
) -> Vec<Watcher> {
    let assigned = assignments(election, n, per_phone);
    let codes = server.codes(&assigned).unwrap();
    let mut out = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let w = Watcher::open(&phone_dir(root, i), i as u64 + 1).unwrap();
        w.enroll(url, code).unwrap();
        for k in 0..per_phone {
            w.capture(election, i * per_phone + k, &style()).unwrap();
        }
        out.push(w);
    }
    out
}

#[test]
fn phones_on_a_clean_link_deliver_everything_with_receipts() {
    let election = SampleElection::new(11, 12);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let phones = phones(&server, &election, root.path(), 3, 2, &server.url());
    for w in &phones {
        let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
        assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
        assert_eq!((r.records_delivered, r.photos_delivered), (2, 2), "{r:?}");
    }
    let stores: Vec<_> = phones.iter().map(|w| &w.store).collect();
    let totals = check_delivery(&server, &stores).unwrap();
    assert_eq!((totals.records, totals.photos, totals.receipts), (6, 6, 12));
}

/// Enrolls through a link that may fail, as an app retries: a bounded number of times.
fn enroll_retrying(w: &Watcher, url: &str, code: &str) {
    for attempt in 0..30 {
        match w.enroll(url, code) {
            Ok(()) => return,
            Err(testigo_core::Error::Network(_) | testigo_core::Error::InvalidServer(_)) if attempt < 29 => {
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("enrollment failed: {e}"),
        }
    }
}

#[test]
fn many_phones_through_a_faulty_field_link_deliver_everything_exactly_once() {
    let election = SampleElection::new(12, 40);
    let server = Server::start(&election).unwrap();
    let proxy = FaultProxy::start(server.addr, LinkProfile::THREE_G, Faults::field(), 7).unwrap();
    let root = tempfile::tempdir().unwrap();
    let assigned = assignments(&election, 12, 3);
    let codes = server.codes(&assigned).unwrap();
    let phones: Vec<Watcher> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let w = Watcher::open(&phone_dir(root.path(), i), 100 + i as u64).unwrap();
            enroll_retrying(&w, &proxy.url(), code);
            for k in 0..3 {
                w.capture(&election, i * 3 + k, &style()).unwrap();
            }
            w
        })
        .collect();
    std::thread::scope(|s| {
        for w in &phones {
            s.spawn(move || {
                let r = w.sync(Duration::from_secs(240), &CancelToken::new()).unwrap();
                assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
            });
        }
    });
    let stores: Vec<_> = phones.iter().map(|w| &w.store).collect();
    let totals = check_delivery(&server, &stores).unwrap();
    assert_eq!((totals.records, totals.photos, totals.receipts), (36, 36, 72));
    // The link really was bad.
    let st = proxy.stats();
    assert!(st.resets > 0 && st.truncations + st.errors_5xx > 0, "{st:?}");
}

#[test]
fn a_captive_portal_or_a_proxy_error_is_never_a_delivery() {
    let election = SampleElection::new(13, 4);
    let server = Server::start(&election).unwrap();
    let proxy = FaultProxy::start(server.addr, LinkProfile::CLEAN, Faults::none(), 1).unwrap();
    let root = tempfile::tempdir().unwrap();
    let phones = phones(&server, &election, root.path(), 1, 2, &proxy.url());
    let w = &phones[0];
    for faults in
        [Faults { captive_portal: true, ..Faults::none() }, Faults { error_5xx: 1.0, ..Faults::none() }]
    {
        proxy.set_faults(faults);
        let options = testigo_core::SyncOptions { ignore_backoff: true, ..Default::default() };
        let r = w.store.sync(&options, &CancelToken::new()).unwrap();
        assert!(matches!(r.outcome, SyncOutcome::Pending { .. }), "{r:?}");
        assert!(r.link_error.is_some());
        assert_eq!(r.records_delivered + r.photos_delivered, 0);
        assert!(w.store.receipts(None).unwrap().is_empty());
        assert_eq!(w.store.pending_count().unwrap(), 4);
    }
    proxy.set_faults(Faults::none());
    let options = testigo_core::SyncOptions { ignore_backoff: true, ..Default::default() };
    let r = w.store.sync(&options, &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    check_delivery(&server, &[&w.store]).unwrap();
}

/// The invariants the demo and these tests rely on do catch what they must: an undelivered
/// outbox, a photo whose stored bytes changed, a record the phones never sealed.
#[test]
fn the_delivery_check_catches_loss_damage_and_strangers() {
    let election = SampleElection::new(17, 4);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let phones = phones(&server, &election, root.path(), 1, 2, &server.url());
    let w = &phones[0];

    let d = testigo_sim::field::check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!((d.records_sealed, d.records_delivered, d.undelivered_items), (2, 0, 4), "{d:?}");
    assert!(!d.complete());
    assert!(check_delivery(&server, &[&w.store]).is_err());

    let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    let totals = check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!((totals.records, totals.photos, totals.receipts), (2, 2, 4));

    // A stored photo whose bytes changed on the server's disk.
    let photo =
        w.store.capture(w.store.captures().unwrap()[0].id).unwrap().signed.unwrap().record.photos[0].sha256;
    let hex = photo.to_string();
    let blob = server.dir.path().join("photos").join("blobs").join(&hex[..2]).join(&hex);
    let original = std::fs::read(&blob).unwrap();
    let mut damaged = original.clone();
    damaged[original.len() / 2] ^= 0x40;
    std::fs::write(&blob, &damaged).unwrap();
    let d = testigo_sim::field::check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!((d.hash_mismatches, d.photos_delivered), (1, 1), "{d:?}");
    assert!(!d.complete());
    std::fs::write(&blob, &original).unwrap();
    check_delivery(&server, &[&w.store]).unwrap();

    // A record on the server that no phone sealed (here: one whose hash was altered).
    let db = rusqlite::Connection::open(server.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    let changed = db
        .execute(
            "UPDATE captures SET record_sha256 = zeroblob(32) WHERE pk = (SELECT min(pk) FROM captures)",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let d = testigo_sim::field::check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!((d.duplicates, d.records_delivered), (1, 1), "{d:?}");
    assert!(check_delivery(&server, &[&w.store]).is_err());
}
