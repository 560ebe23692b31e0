//! TLS key pinning: a server on HTTPS with a self-signed certificate, reached by phones that
//! hold its key's pin from the enrollment QR code. Without the pin, or with another key's pin,
//! the phone does not talk to it (nothing is saved); with it, enrollment and delivery work, and
//! keep working after the phone's store is opened again.

use std::time::Duration;

use testigo_core::{CancelToken, SyncOutcome};
use testigo_e2e::*;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

#[test]
fn a_pinned_phone_talks_only_to_the_server_holding_the_pinned_key() {
    let election = SampleElection::new(61, 4);
    let server = Server::start_tls(&election).unwrap();
    let impostor = Server::start_tls(&election).unwrap();
    let (pin, other_pin) = (server.tls_pin.clone().unwrap(), impostor.tls_pin.clone().unwrap());
    assert_ne!(pin, other_pin);
    let stations: Vec<String> = election.package.stations.iter().take(2).map(|s| s.id.clone()).collect();
    let code = server.codes(&[stations]).unwrap().remove(0);
    // The QR code carries the pin, as `testigo enroll --tls-cert` writes it.
    let qr = testigo_core::sync::EnrollmentUri {
        code: code.clone(),
        server_url: Some(server.url()),
        tls_pins: vec![pin.clone()],
    }
    .to_uri();
    let scanned = testigo_core::sync::parse_enrollment_uri(&qr).unwrap();

    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("phone");
    let w = Watcher::open(&dir, 7).unwrap();
    let cancel = CancelToken::new();
    // No pin: the self-signed certificate is vouched for by no authority the phone trusts.
    let err = w.store.enroll(&server.url(), &code, &cancel).unwrap_err();
    assert!(matches!(err, testigo_core::Error::Network(_)), "{err:?}");
    // Another key's pin (a stand-in at the server's address): refused before any request.
    let err = w.store.enroll_pinned(&server.url(), &code, &[other_pin], &cancel).unwrap_err();
    assert!(matches!(err, testigo_core::Error::Network(_)), "{err:?}");
    // A pin that is not one, or a pin over plain http: refused, nothing sent.
    for (url, pins) in [
        (server.url(), vec!["sha256/nope".to_owned()]),
        (format!("http://{}", server.addr), vec![pin.clone()]),
    ] {
        let err = w.store.enroll_pinned(&url, &code, &pins, &cancel).unwrap_err();
        assert!(matches!(err, testigo_core::Error::InvalidServer(_)), "{err:?}");
    }
    assert!(w.store.enrollment().unwrap().is_none(), "nothing was saved");

    // The scanned code's pin: enrolled, and the enrollment shows the pin.
    let url = scanned.server_url.unwrap();
    let enrollment = w.store.enroll_pinned(&url, &scanned.code, &scanned.tls_pins, &cancel).unwrap();
    assert_eq!(enrollment.tls_pins, std::slice::from_ref(&pin));
    assert!(w.store.package().unwrap().is_some(), "the package came over the pinned link");
    let style = CaptureStyle { photo_size: (800, 600), mistake_rate: 0.0, ..CaptureStyle::default() };
    w.capture(&election, 0, &style).unwrap();
    let r = w.sync(Duration::from_secs(60), &cancel).unwrap();
    assert_eq!((r.outcome, r.records_delivered, r.photos_delivered), (SyncOutcome::Idle, 1, 1), "{r:?}");

    // Opened again (the app restarted): the pin is kept and used, or the self-signed server
    // could not be reached at all.
    drop(w);
    let w = Watcher::open(&dir, 7).unwrap();
    assert_eq!(w.store.enrollment().unwrap().unwrap().tls_pins, [pin]);
    w.capture(&election, 1, &style).unwrap();
    let r = w.sync(Duration::from_secs(60), &cancel).unwrap();
    assert_eq!((r.outcome, r.records_delivered, r.photos_delivered), (SyncOutcome::Idle, 1, 1), "{r:?}");
    let totals = check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!(totals.records, 2, "{totals:?}");
}
