//! The capture lifecycle: draft, counts, notes, seal, outbox, corrections.

use std::collections::BTreeMap;

use testigo_core::protocol::WarningCode;
use testigo_core::{CaptureState, Error, OutboxKind, OutboxState, ReportingStatus, Store};

use crate::common::*;

#[test]
fn draft_fill_seal_enqueues_record_then_photos_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    store.set_counts(id, &good_counts()).unwrap();
    store.set_notes(id, "Firmada por los miembros de mesa").unwrap();
    let p1 = store.attach_photo(id, &jpeg(2400, 1800, 1, 5000)).unwrap();
    let p2 = store.attach_photo(id, &jpeg(1200, 900, 2, 5000)).unwrap();
    assert_eq!((p1.page, p2.page), (1, 2));
    assert_eq!((p1.width, p1.height), (2000, 1500), "downsized to the default long edge");
    assert_eq!((p2.width, p2.height), (1200, 900), "never enlarged");
    assert!(store.thumbnail(&p1.sha256).unwrap().unwrap().len() > 100);
    assert!(store.outbox().unwrap().is_empty(), "drafts are not enqueued");

    let draft = store.capture(id).unwrap();
    assert_eq!(draft.state, CaptureState::Draft);
    assert_eq!(draft.warnings, vec![]);

    let signed = store.seal(id).unwrap();
    signed.verify(&store.device().public_key).unwrap();
    assert_eq!(signed.record.station_id, "st-1");
    assert_eq!(signed.record.counts["opt-6"], 60);
    assert_eq!(signed.record.extra_counts["voted"], 215);
    assert_eq!(signed.record.photos, vec![p1.clone(), p2.clone()]);
    assert_eq!(signed.record.notes, "Firmada por los miembros de mesa");
    assert_eq!(signed.record.device_key_id, store.device().key_id);
    assert_eq!(signed.record.package_version, 1);
    assert_eq!(signed.record.id.get_version_num(), 7);

    let outbox = store.outbox().unwrap();
    let kinds: Vec<_> = outbox.iter().map(|i| i.kind.clone()).collect();
    assert_eq!(kinds, vec![OutboxKind::Record, OutboxKind::Photo(p1.sha256), OutboxKind::Photo(p2.sha256)]);
    assert!(outbox.iter().all(|i| i.capture_id == id && i.state == OutboxState::Pending && i.attempts == 0));
    assert!(outbox[0].priority < outbox[1].priority && outbox[1].priority < outbox[2].priority);

    let sealed = store.capture(id).unwrap();
    assert_eq!(sealed.state, CaptureState::Sealed);
    assert_eq!(sealed.status, ReportingStatus::Queued);
    assert_eq!(sealed.signed.as_ref(), Some(&signed));
}

#[test]
fn inconsistencies_are_warnings_that_travel_with_the_seal() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-3", "pres").unwrap(); // 300 registered voters
    let mut counts = good_counts();
    counts.insert("voted".into(), Some(400));
    counts.remove("unused");
    store.set_counts(id, &counts).unwrap();
    let expected = vec![
        (WarningCode::CountMissing, Some("unused".to_string())),
        (WarningCode::SumMismatch, None),
        (WarningCode::VotedExceedsRegistered, None),
        (WarningCode::PhotoMissing, None),
    ];
    let codes = |w: &[testigo_core::protocol::Warning]| -> Vec<_> {
        w.iter().map(|w| (w.code, w.field.clone())).collect()
    };
    assert_eq!(codes(&store.capture(id).unwrap().warnings), expected);
    let signed = store.seal(id).unwrap();
    assert_eq!(codes(&signed.record.warnings), expected, "warnings never block sealing");
}

#[test]
fn impossible_input_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &KEY).unwrap();
    store.install_package(&package(1, Some(&["st-1", "st-2"]))).unwrap();
    assert!(matches!(store.new_capture("st-99", "pres"), Err(Error::UnknownStation(_))));
    assert!(matches!(store.new_capture("st-3", "pres"), Err(Error::StationNotAssigned(_))));
    assert!(matches!(store.new_capture("st-1", "senate"), Err(Error::UnknownContest(_))));

    let id = store.new_capture("st-1", "pres").unwrap();
    store.set_count(id, "opt-1", Some(7)).unwrap();
    assert!(matches!(store.set_count(id, "opt-77", Some(1)), Err(Error::UnknownField(_))));
    assert!(matches!(store.set_count(id, "opt-2", Some(u32::MAX)), Err(Error::CountTooLarge { .. })));
    // All or nothing: one bad value keeps the good ones out too.
    let batch = BTreeMap::from([("opt-2".to_string(), Some(5)), ("opt-3".to_string(), Some(2_000_000))]);
    assert!(matches!(store.set_counts(id, &batch), Err(Error::CountTooLarge { .. })));
    assert!(matches!(store.set_notes(id, &"é".repeat(3000)), Err(Error::NotesTooLong { .. })));
    let capture = store.capture(id).unwrap();
    assert_eq!(capture.counts, BTreeMap::from([("opt-1".to_string(), 7)]));
    assert_eq!(capture.notes, "");
    assert!(matches!(store.capture(testigo_core::Uuid::now_v7()), Err(Error::NoSuchCapture)));
    store.set_count(id, "opt-1", None).unwrap();
    assert!(store.capture(id).unwrap().counts.is_empty());
}

#[test]
fn a_sealed_capture_never_changes() {
    let dir = tempfile::tempdir().unwrap();
    let id;
    let signed;
    {
        let store = store_with_package(dir.path());
        id = store.new_capture("st-1", "pres").unwrap();
        store.set_counts(id, &good_counts()).unwrap();
        store.attach_photo(id, &jpeg(800, 600, 3, 100)).unwrap();
        signed = store.seal(id).unwrap();
        assert!(matches!(store.set_count(id, "opt-1", Some(1)), Err(Error::NotDraft)));
        assert!(matches!(store.set_notes(id, "x"), Err(Error::NotDraft)));
        assert!(matches!(store.attach_photo(id, &jpeg(800, 600, 4, 100)), Err(Error::NotDraft)));
        assert!(matches!(store.remove_photo(id, 1), Err(Error::NotDraft)));
        assert!(matches!(store.discard(id), Err(Error::NotDraft)));
        assert!(matches!(store.seal(id), Err(Error::NotDraft)));
    }
    // Even raw SQL cannot change or delete it: triggers guard the rows.
    let conn = testigo_core::testing::raw_connection(dir.path(), &KEY).unwrap();
    for sql in [
        "UPDATE captures SET counts_json = '{}' WHERE id = ?1",
        "DELETE FROM captures WHERE id = ?1",
        "DELETE FROM capture_photos WHERE capture_id = ?1",
        "UPDATE capture_photos SET page = 9 WHERE capture_id = ?1",
        "DELETE FROM outbox WHERE capture_id = ?1",
    ] {
        let err = conn.execute(sql, [id.to_string()]).unwrap_err();
        assert!(err.to_string().contains("never") || err.to_string().contains("immutable"), "{sql}: {err}");
    }
    drop(conn);
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert_eq!(store.capture(id).unwrap().signed, Some(signed));
}

#[test]
fn a_correction_supersedes_once_and_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let first = store.new_capture("st-2", "pres").unwrap();
    store.set_counts(first, &good_counts()).unwrap();
    let photo = store.attach_photo(first, &jpeg(1600, 1200, 5, 300)).unwrap();
    store.seal(first).unwrap();

    let draft = store.new_capture("st-2", "pres").unwrap();
    assert!(matches!(store.supersede(draft), Err(Error::CannotSupersede(_))));

    let fix = store.supersede(first).unwrap();
    let fix_capture = store.capture(fix).unwrap();
    assert_eq!(fix_capture.supersedes, Some(first));
    assert_eq!(fix_capture.photos, vec![photo.clone()], "the correction starts from the same photos");
    assert_eq!(fix_capture.counts, store.capture(first).unwrap().counts);
    store.set_count(fix, "opt-1", Some(11)).unwrap();
    let second = store.supersede(first).unwrap(); // a competing correction draft
    let signed = store.seal(fix).unwrap();
    assert_eq!(signed.record.supersedes, Some(first));
    assert!(matches!(store.seal(second), Err(Error::AlreadySuperseded)));
    assert!(matches!(store.supersede(first), Err(Error::AlreadySuperseded)));

    let old = store.capture(first).unwrap();
    assert_eq!(old.superseded_by, Some(fix));
    assert_eq!(old.counts["opt-1"], 10, "the original is kept as it was");
    // The shared photo is stored once and enqueued for each capture that references it.
    let photo_items =
        store.outbox().unwrap().into_iter().filter(|i| i.kind == OutboxKind::Photo(photo.sha256)).count();
    assert_eq!(photo_items, 2);
    // A correction of the correction chains on.
    let third = store.supersede(fix).unwrap();
    store.seal(third).unwrap();
    // Discarding the competing draft keeps the shared photo for the sealed ones.
    store.discard(second).unwrap();
    assert_eq!(
        testigo_core::protocol::Sha256::digest(&store.read_photo(&photo.sha256).unwrap()),
        photo.sha256
    );
}

#[test]
fn station_status_follows_its_captures() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let status =
        |s: &Store, id: &str| s.stations().unwrap().into_iter().find(|x| x.station_id == id).unwrap();
    let st = status(&store, "st-3");
    assert_eq!((st.status, st.number, st.registered_voters), (ReportingStatus::NotStarted, 1, 300));
    assert_eq!(
        (st.center_name.as_str(), st.region.clone()),
        ("Liceo B", vec!["Lara".to_string(), "Iribarren".to_string()])
    );
    let id = store.new_capture("st-3", "pres").unwrap();
    assert_eq!(status(&store, "st-3").status, ReportingStatus::Draft);
    store.seal(id).unwrap();
    assert_eq!(status(&store, "st-3").status, ReportingStatus::Queued);
    // A new correction draft does not hide the sealed capture's status.
    store.supersede(id).unwrap();
    assert_eq!(status(&store, "st-3").status, ReportingStatus::Queued);
    assert_eq!(status(&store, "st-1").status, ReportingStatus::NotStarted);
}

#[test]
fn discarding_a_draft_removes_it_and_its_photo_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    store.attach_photo(id, &jpeg(640, 480, 9, 1000)).unwrap();
    let files = || {
        std::fs::read_dir(dir.path().join("photos"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_file())
            .count()
    };
    assert_eq!(files(), 1);
    store.discard(id).unwrap();
    assert_eq!(files(), 0);
    assert!(matches!(store.capture(id), Err(Error::NoSuchCapture)));
    assert!(store.captures().unwrap().is_empty());
}

#[test]
fn the_acta_qr_prefills_and_flags_every_differing_number() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    assert_eq!(store.qr_counts(id).unwrap(), None, "no QR read yet: the form works the same");
    for bad in ["not a qr", "110601011.04.1.0001!1,2,3!0!0", "x!1,2,3,4,5,6!0!0"] {
        assert!(matches!(store.set_qr_payload(id, Some(bad)), Err(Error::QrUnreadable(_))), "{bad}");
    }
    store.set_qr_payload(id, Some("110601011.04.1.0001!10,20,30,40,50,60!3!2")).unwrap();
    let qr = store.qr_counts(id).unwrap().unwrap();
    assert_eq!(qr.acta_id, "110601011.04.1.0001");
    assert_eq!(qr.counts["opt-3"], 30);
    assert_eq!(qr.extra_counts, BTreeMap::from([("null".to_string(), 3), ("blank".to_string(), 2)]));

    // The watcher types what the paper says; two numbers differ from the QR.
    let mut typed = good_counts();
    typed.insert("opt-2".into(), Some(21));
    typed.insert("blank".into(), Some(0));
    typed.insert("voted".into(), Some(214));
    store.set_counts(id, &typed).unwrap();
    let signed = store.seal(id).unwrap();
    let qr_warnings: Vec<_> = signed
        .record
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::QrMismatch)
        .map(|w| w.field.clone().unwrap())
        .collect();
    assert_eq!(qr_warnings, ["blank", "opt-2"]);
    assert_eq!(signed.record.qr_payload.as_deref(), Some("110601011.04.1.0001!10,20,30,40,50,60!3!2"));
    assert!(matches!(store.set_qr_payload(id, None), Err(Error::NotDraft)));
}
