//! The sync engine against a scripted server ([`FakeServer`]): enrollment and what it leaves
//! behind when the link fails half-way, and items that cannot be sent.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use testigo_core::protocol::api::{Change, Problem};
use testigo_core::protocol::receipt::ReceiptSubject;
use testigo_core::protocol::{Signature, SignedRefusal, statement};
use testigo_core::sync::{CancelToken, Method, Response, TransportError};
use testigo_core::{OpenOptions, OutboxKind, OutboxState, ReportingStatus, Store, SyncOptions, SyncOutcome};
use testigo_core::{Signer, SoftwareSigner};

use crate::common::{KEY, good_counts, jpeg, package};
use crate::fake_server::{FakeServer, URL};

fn open(dir: &Path, server: &FakeServer) -> Store {
    Store::open_with(dir, &KEY, OpenOptions { transport: Some(server.transport()), ..Default::default() })
        .unwrap()
}

fn server() -> FakeServer {
    FakeServer::new(&serde_json::to_vec(&package(1, Some(&["st-1", "st-2"]))).unwrap(), &["st-1", "st-2"])
}

fn photo_files(dir: &Path) -> BTreeSet<std::path::PathBuf> {
    std::fs::read_dir(dir.join("photos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn enrollment_stands_when_the_package_fetch_fails_and_the_next_sync_fetches_it() {
    // A portal's page instead of the package, and a link that breaks in a way the old enrollment
    // code reported as a failure: the enrollment is saved either way, and enroll() says so.
    let failures: [fn() -> Result<Response, TransportError>; 3] = [
        || {
            Ok(Response {
                status: 200,
                headers: vec![],
                body: b"<html>Welcome to the hotel wifi</html>".to_vec(),
            })
        },
        || Err(TransportError::TooLarge),
        || Err(TransportError::Cancelled),
    ];
    for failure in failures {
        let dir = tempfile::tempdir().unwrap();
        let server = server();
        let store = open(dir.path(), &server);
        server.set_hook(move |r| (r.method == Method::Get && r.url.ends_with("/v1/package")).then(failure));
        let enrollment = store.enroll(URL, "ABCD-EFGH", &CancelToken::new()).unwrap();
        assert_eq!(enrollment.station_ids, ["st-1", "st-2"]);
        assert_eq!(store.enrollment().unwrap(), Some(enrollment));
        assert_eq!(store.package().unwrap(), None);

        server.clear_hook();
        let report = store.sync(&SyncOptions::default(), &CancelToken::new()).unwrap();
        assert_eq!(report.outcome, SyncOutcome::Idle);
        assert!(report.package_updated);
        assert_eq!(store.package().unwrap().unwrap().version, 1);
    }
}

#[test]
fn enrollment_installs_the_package_through_the_feed_lane() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let store = open(dir.path(), &server);
    store.enroll(URL, "ABCD-EFGH", &CancelToken::new()).unwrap();
    assert_eq!(store.package().unwrap().unwrap().version, 1);
    assert_eq!(server.requests_to("/v1/package"), 1);
}

#[test]
fn a_missing_photo_file_parks_its_item_and_everything_else_is_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let store = open(dir.path(), &server);
    store.enroll(URL, "ABCD-EFGH", &CancelToken::new()).unwrap();
    let mut captures = Vec::new();
    let mut files = Vec::new();
    for (station, seed) in [("st-1", 1), ("st-2", 2)] {
        let id = store.new_capture(station, "pres").unwrap();
        store.set_counts(id, &good_counts()).unwrap();
        let before = photo_files(dir.path());
        store.attach_photo(id, &jpeg(640, 480, seed, 0)).unwrap();
        files.extend(photo_files(dir.path()).difference(&before).cloned());
        store.seal(id).unwrap();
        captures.push(id);
    }
    let [lost, kept] = [captures[0], captures[1]];
    // The first capture's photo file disappears (a cleaner app, a damaged card).
    std::fs::remove_file(&files[0]).unwrap();

    // A budget past the clock's range is "no limit", not an overflow.
    let options = SyncOptions { ignore_backoff: false, max_duration: Duration::MAX };
    let report = store.sync(&options, &CancelToken::new()).unwrap();
    assert_eq!(report.outcome, SyncOutcome::Idle);
    assert_eq!((report.records_delivered, report.photos_delivered, report.parked), (2, 1, 1));
    assert_eq!(server.records(), 2);
    let kept_sha = store.capture(kept).unwrap().photos[0].sha256;
    assert_eq!(server.photos(), [(kept, kept_sha)]);

    let parked: Vec<_> =
        store.outbox().unwrap().into_iter().filter(|i| i.state == OutboxState::Parked).collect();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].capture_id, lost);
    assert!(matches!(parked[0].kind, OutboxKind::Photo(_)));
    assert!(parked[0].last_error.as_deref().unwrap().contains("missing"), "{:?}", parked[0].last_error);
    assert_eq!(store.capture(lost).unwrap().status, ReportingStatus::Parked);
    assert_eq!(store.capture(kept).unwrap().status, ReportingStatus::Delivered);

    // The next run has nothing to do, and does not fail either.
    let again = store.sync(&SyncOptions::default(), &CancelToken::new()).unwrap();
    assert_eq!((again.outcome, again.pending), (SyncOutcome::Idle, 0));
}

#[test]
fn plain_http_to_another_machine_is_refused_unless_rehearsing() {
    let fake = server();
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &fake);
    let plain = URL.replace("https://", "http://");
    let err = store.enroll(&plain, "ABCD-EFGH", &CancelToken::new()).unwrap_err();
    assert!(matches!(err, testigo_core::Error::InvalidServer(_)), "{err:?}");
    assert!(store.enrollment().unwrap().is_none(), "nothing was saved");
    drop(store);
    let rehearsal =
        OpenOptions { transport: Some(fake.transport()), allow_insecure_http: true, ..Default::default() };
    let store = Store::open_with(dir.path(), &KEY, rehearsal).unwrap();
    store.enroll(&plain, "ABCD-EFGH", &CancelToken::new()).unwrap();
}

/// A run that does not wait out earlier failures ("send now").
fn now() -> SyncOptions {
    SyncOptions { ignore_backoff: true, ..Default::default() }
}

/// A 422 problem answer for `PATCH`, carrying `refusal` if any.
fn refused_answer(refusal: Option<&SignedRefusal>) -> Response {
    let mut problem = Problem::new("not_a_jpeg", 422, "not a JPEG", None);
    problem.refusal = refusal.cloned();
    Response {
        status: 422,
        headers: vec![("content-type".into(), "application/problem+json".into())],
        body: serde_json::to_vec(&problem).unwrap(),
    }
}

#[test]
fn a_photo_refusal_parks_only_when_the_server_signed_it_for_that_photo() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let store = open(dir.path(), &server);
    store.enroll(URL, "ABCD-EFGH", &CancelToken::new()).unwrap();
    let id = store.new_capture("st-1", "pres").unwrap();
    store.set_counts(id, &good_counts()).unwrap();
    store.attach_photo(id, &jpeg(640, 480, 3, 0)).unwrap();
    store.seal(id).unwrap();
    let photo = store.capture(id).unwrap().photos[0].clone();
    let subject = ReceiptSubject::Photo { capture_id: id, sha256: photo.sha256, size: photo.size };
    let parked = |store: &Store| {
        store.outbox().unwrap().into_iter().filter(|i| i.state == OutboxState::Parked).count()
    };

    // Unsigned, as anyone on the path could answer: the photo waits and is tried again.
    server.set_hook(|r| (r.method == Method::Patch).then(|| Ok(refused_answer(None))));
    let report = store.sync(&SyncOptions::default(), &CancelToken::new()).unwrap();
    assert_eq!((report.parked, parked(&store)), (0, 0), "{report:?}");
    assert_eq!(report.pending, 1);

    // Signed, but for another photo (a replayed refusal), or by another key: a link failure.
    let other = ReceiptSubject::Photo { capture_id: id, sha256: photo.sha256, size: photo.size + 1 };
    let mut foreign = server.refusal(subject.clone(), "not_a_jpeg", "x");
    foreign.signature =
        Signature(SoftwareSigner::generate().sign(&foreign.refusal.canonical_bytes()).unwrap());
    let forgeries = [server.refusal(other, "not_a_jpeg", "x"), foreign];
    for forged in forgeries {
        server.set_hook(move |r| (r.method == Method::Patch).then(|| Ok(refused_answer(Some(&forged)))));
        let report = store.sync(&now(), &CancelToken::new()).unwrap();
        assert!(matches!(report.outcome, SyncOutcome::Pending { .. }), "{report:?}");
        assert!(report.link_error.unwrap().contains("refusal does not verify"));
        assert_eq!(parked(&store), 0);
    }

    // Signed by the server for this photo: parked, saying why.
    let signed = server.refusal(subject, "not_a_jpeg", "the bytes do not start a JPEG");
    server.set_hook(move |r| (r.method == Method::Patch).then(|| Ok(refused_answer(Some(&signed)))));
    let report = store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(report.parked, 1);
    let parked = store.outbox().unwrap().into_iter().find(|i| i.state == OutboxState::Parked).unwrap();
    assert!(parked.last_error.as_deref().unwrap().contains("not a JPEG"), "{:?}", parked.last_error);
}

#[test]
fn unsigned_feed_pages_and_packages_are_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let store = open(dir.path(), &server);
    store.enroll(URL, "ABCD-EFGH", &CancelToken::new()).unwrap();
    assert_eq!(store.package().unwrap().unwrap().version, 1);
    // A swapped package without the server's signature, then one with a signature over other bytes.
    let swapped = serde_json::to_vec(&package(2, Some(&["st-2"]))).unwrap();
    server.announce(Change::Package { version: 2 });
    for signature in [None, Some("MEUCIQ".to_owned())] {
        let body = swapped.clone();
        server.set_hook(move |r| {
            r.url.ends_with("/v1/package").then(|| {
                let mut headers = vec![("etag".into(), "\"p2\"".into())];
                if let Some(s) = &signature {
                    headers.push((statement::PACKAGE_SIGNATURE_HEADER.into(), s.clone()));
                }
                Ok(Response { status: 200, headers, body: body.clone() })
            })
        });
        let report = store.sync(&now(), &CancelToken::new()).unwrap();
        assert!(matches!(report.outcome, SyncOutcome::Pending { .. }), "{report:?}");
        assert!(!report.package_updated);
        assert_eq!(store.package().unwrap().unwrap().version, 1);
    }
    // A feed page that claims a review without the server's signature.
    server.set_hook(|r| {
        r.url.contains("/v1/feed").then(|| {
            let body = br#"{"events":[],"cursor":7,"more":false,"server_key_id":"k","signature":"MEUCIQ"}"#;
            Ok(Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_vec(),
            })
        })
    });
    let report = store.sync(&now(), &CancelToken::new()).unwrap();
    assert!(matches!(report.outcome, SyncOutcome::Pending { .. }), "{report:?}");
    assert!(report.link_error.is_some());
    // The server's own answers, signed, are believed.
    server.clear_hook();
    server.set_package(&swapped);
    let report = store.sync(&now(), &CancelToken::new()).unwrap();
    assert_eq!(report.outcome, SyncOutcome::Idle, "{report:?}");
    assert!(report.package_updated, "{report:?}");
    assert_eq!(store.package().unwrap().unwrap().version, 2);
}
