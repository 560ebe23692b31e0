//! What the watcher sees: refusals parked with their reason, cancellation, reviews coming back,
//! package updates, a revoked token.

use std::time::{Duration, Instant};

use testigo_core::protocol::api::ReviewStatus;
use testigo_core::{CancelToken, OutboxState, SyncOptions, SyncOutcome};
use testigo_e2e::*;
use testigo_server::repo::ReviewTarget;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::{FaultProxy, Faults, LinkProfile, SampleElection};

fn style() -> CaptureStyle {
    CaptureStyle { photo_size: (1200, 900), mistake_rate: 0.0, ..CaptureStyle::default() }
}

fn now() -> SyncOptions {
    SyncOptions { ignore_backoff: true, ..SyncOptions::default() }
}

/// One enrolled phone with `n` sealed captures.
fn phone(server: &Server, election: &SampleElection, dir: &std::path::Path, url: &str, n: usize) -> Watcher {
    let stations: Vec<String> = election.package.stations.iter().take(n).map(|s| s.id.clone()).collect();
    let code = server.codes(&[stations]).unwrap().remove(0);
    let w = Watcher::open(dir, 42).unwrap();
    w.enroll(url, &code).unwrap();
    for i in 0..n {
        w.capture(election, i, &style()).unwrap();
    }
    w
}

#[test]
fn a_refused_record_is_parked_with_the_reason_and_the_rest_is_delivered() {
    let election = SampleElection::new(21, 4);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let w = phone(&server, &election, root.path(), &server.url(), 3);
    // Another record already stands on the server under one of this phone's capture ids.
    let victim = w.store.captures().unwrap()[1].clone();
    {
        let db = rusqlite::Connection::open(server.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
        db.busy_timeout(Duration::from_secs(10)).unwrap();
        db.execute(
            "INSERT INTO captures (device_id, capture_id, station_id, contest_id, record_sha256, signed_json,
                                   receipt_json, device_time_ms, received_at_ms, warnings)
             VALUES (?1, ?2, ?3, 'presidencial', zeroblob(32), '{}', '{}', 0, 0, 0)",
            rusqlite::params![w.store.device().key_id.as_str(), victim.id.to_string(), victim.station_id],
        )
        .unwrap();
    }
    let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    assert_eq!((r.records_delivered, r.photos_delivered, r.parked), (2, 2, 1), "{r:?}");
    let parked: Vec<_> =
        w.store.outbox().unwrap().into_iter().filter(|i| i.state == OutboxState::Parked).collect();
    assert_eq!(parked.len(), 2, "the record and, with it, its photo");
    assert!(parked.iter().all(|i| i.capture_id == victim.id));
    assert!(parked.iter().any(|i| i.last_error.as_deref().unwrap().starts_with("conflict:")), "{parked:?}");
    assert_eq!(w.store.capture(victim.id).unwrap().status, testigo_core::ReportingStatus::Parked);
    // The watcher retries: refused again, parked again, nothing lost or duplicated.
    assert_eq!(w.store.retry_parked(victim.id).unwrap(), 2);
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.parked, 1, "{r:?}");
    let n: i64 = server.db().unwrap().query_row("SELECT count(*) FROM captures", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn a_cancelled_sync_stops_at_once_and_the_next_one_finishes() {
    let election = SampleElection::new(22, 2);
    let server = Server::start(&election).unwrap();
    let proxy = FaultProxy::start(server.addr, LinkProfile::GPRS, Faults::none(), 1).unwrap();
    let root = tempfile::tempdir().unwrap();
    let w = phone(&server, &election, root.path(), &proxy.url(), 1);
    let cancel = CancelToken::new();
    let (report, took) = std::thread::scope(|s| {
        let c = cancel.clone();
        let w = &w;
        let h = s.spawn(move || {
            let r = w.store.sync(&now(), &c);
            (r, Instant::now())
        });
        // Records go first and are small; the photo then takes tens of seconds at GPRS speed.
        std::thread::sleep(Duration::from_secs(3));
        let asked = Instant::now();
        cancel.cancel();
        let (r, done) = h.join().unwrap();
        (r.unwrap(), done.duration_since(asked))
    });
    assert_eq!(report.outcome, SyncOutcome::Cancelled, "{report:?}");
    assert!(took < Duration::from_secs(2), "cancel took {took:?}");
    assert_eq!(report.records_delivered, 1, "{report:?}");
    assert!(w.store.pending_count().unwrap() >= 1);
    proxy.set_profile(LinkProfile::CLEAN);
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    check_delivery(&server, &[&w.store]).unwrap();
}

#[test]
fn reviews_and_package_updates_reach_the_phone() {
    let election = SampleElection::new(23, 6);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let w = phone(&server, &election, root.path(), &server.url(), 2);
    w.store.sync(&now(), &CancelToken::new()).unwrap();
    let ids: Vec<_> = w.store.captures().unwrap().into_iter().map(|c| c.id).collect();
    let device = w.store.device().key_id.clone();
    let target = |id| ReviewTarget::Device { device: device.clone(), capture_id: id };
    let repo = &server.state.repo;
    server
        .block_on(repo.review(
            target(ids[0]),
            ReviewStatus::Disputed,
            Some("Revise la fila 3".into()),
            "ana".into(),
            1,
        ))
        .unwrap();
    server.block_on(repo.review(target(ids[1]), ReviewStatus::Verified, None, "ana".into(), 2)).unwrap();
    let mut bigger = election.package.clone();
    bigger.version = 2;
    bigger.election.name = "Elección presidencial simulada (corregida)".into();
    server.block_on(server.state.repo.import_election(bigger, 3)).unwrap().unwrap();

    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.reviews, 2, "{r:?}");
    assert!(r.package_updated, "{r:?}");
    let review = w.store.review(ids[0]).unwrap().unwrap();
    assert_eq!(
        (review.status, review.comment.as_deref()),
        (ReviewStatus::Disputed, Some("Revise la fila 3"))
    );
    assert_eq!(w.store.review(ids[1]).unwrap().unwrap().status, ReviewStatus::Verified);
    assert_eq!(w.store.package().unwrap().unwrap().version, 2);
    // Nothing new: the next run moves no review and downloads no package.
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!((r.reviews, r.package_updated), (0, false), "{r:?}");
}

#[test]
fn a_table_assigned_anew_reaches_the_phone_at_the_same_package_version() {
    let election = SampleElection::new(29, 6);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let w = phone(&server, &election, root.path(), &server.url(), 1);
    w.store.sync(&now(), &CancelToken::new()).unwrap();
    let third = election.package.stations[2].id.clone();
    assert!(!w.store.package().unwrap().unwrap().is_assigned(&third));
    assert!(w.capture(&election, 2, &style()).is_err(), "not this phone's table yet");
    // An administrator hands the third table to this phone, by the first characters of its id.
    let device = w.store.device().key_id.as_str().to_owned();
    let admin = testigo_server::services::review::Reviewer::operator("ana");
    let (id, changed) = server
        .block_on(testigo_server::services::devices::assign(
            &server.state,
            &admin,
            &third,
            &device[..8],
            true,
        ))
        .unwrap();
    assert_eq!((id.as_str(), changed), (device.as_str(), true));

    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert!(r.package_updated, "{r:?}");
    let package = w.store.package().unwrap().unwrap();
    assert_eq!(package.version, election.package.version, "the election did not change");
    assert!(package.is_assigned(&third));
    w.capture(&election, 2, &style()).unwrap();
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert!(r.package_error.is_none(), "{r:?}");
    assert!(
        w.store.outbox().unwrap().iter().all(|i| i.state == OutboxState::Done),
        "the new table's acta is taken: {r:?}"
    );
}

#[test]
fn a_revoked_token_asks_for_enrollment_and_nothing_is_lost() {
    let election = SampleElection::new(24, 2);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let stations = vec![election.package.stations[0].id.clone()];
    let code = server.codes(&[stations]).unwrap().remove(0);
    let w = Watcher::open(root.path(), 7).unwrap();
    w.enroll(&server.url(), &code).unwrap();
    w.capture(&election, 0, &style()).unwrap();
    // The same code and key enroll again elsewhere (a reinstall): the old token no longer works.
    let hash = server.state.key.code_hash(&testigo_server::services::enrollment::normalize(&code).unwrap());
    let token_hash = testigo_core::protocol::Sha256::digest(b"a token this phone does not have");
    server
        .block_on(server.state.repo.enroll(hash, w.store.device().public_key.clone(), token_hash, 1))
        .unwrap();
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Unauthorized, "{r:?}");
    assert_eq!(w.store.pending_count().unwrap(), 2);
    w.enroll(&server.url(), &code).unwrap();
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    check_delivery(&server, &[&w.store]).unwrap();
}

/// A phone moved to another server (the coordinators moved, or set up anew) reads that server's
/// feed from its start: the first server's feed position means nothing there.
#[test]
fn a_phone_moved_to_another_server_reads_its_feed_from_the_start() {
    let election = SampleElection::new(29, 6);
    let stations: Vec<String> = election.package.stations.iter().take(2).map(|s| s.id.clone()).collect();
    let a = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let w = Watcher::open(root.path(), 43).unwrap();
    w.enroll(&a.url(), &a.codes(std::slice::from_ref(&stations)).unwrap().remove(0)).unwrap();
    let first = w.capture(&election, 0, &style()).unwrap().capture_id;
    w.store.sync(&now(), &CancelToken::new()).unwrap();
    let device = w.store.device().key_id.clone();
    // Server A's feed moves on: the capture is reviewed again and again.
    for (i, status) in
        [ReviewStatus::Disputed, ReviewStatus::Verified].into_iter().cycle().take(6).enumerate()
    {
        let target = ReviewTarget::Device { device: device.clone(), capture_id: first };
        a.block_on(a.state.repo.review(target, status, None, "ana".into(), i as i64 + 1)).unwrap();
    }
    assert!(w.store.sync(&now(), &CancelToken::new()).unwrap().reviews >= 1);

    let b = Server::start(&election).unwrap();
    w.enroll(&b.url(), &b.codes(&[stations]).unwrap().remove(0)).unwrap();
    let second = w.capture(&election, 1, &style()).unwrap().capture_id;
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Idle, "{r:?}");
    let target = ReviewTarget::Device { device, capture_id: second };
    b.block_on(b.state.repo.review(target, ReviewStatus::Verified, None, "luis".into(), 1)).unwrap();
    let r = w.store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(r.reviews, 1, "{r:?}");
    assert_eq!(w.store.review(second).unwrap().unwrap().status, ReviewStatus::Verified);
}
