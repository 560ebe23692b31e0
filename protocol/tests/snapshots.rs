//! Snapshot tests: every serialized wire type and every canonical layout is pinned to a file in
//! `tests/snapshots/`, so that a wire change is a deliberate, reviewed decision.
//!
//! To accept a deliberate change: `TESTIGO_UPDATE_SNAPSHOTS=1 cargo test -p testigo-protocol`,
//! then review the diff of `tests/snapshots/`.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::election::*;
use testigo_protocol::receipt::RECEIPT_FORMAT;
use testigo_protocol::statement::{REFUSAL_FORMAT, feed_page_bytes, package_bytes};
use testigo_protocol::*;
use uuid::Uuid;

fn check_text(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("TESTIGO_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {name}; run with TESTIGO_UPDATE_SNAPSHOTS=1"));
    assert_eq!(actual, expected, "snapshot {name} changed; if deliberate, update it (see module doc)");
}

/// Pins the JSON form and checks that it reads back to the same value.
fn check_json<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    let json = serde_json::to_string_pretty(value).unwrap() + "\n";
    check_text(&format!("{name}.json"), &json);
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value);
}

fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[0x11; 32].into()).unwrap()
}

fn server_key() -> SigningKey {
    SigningKey::from_bytes(&[0x22; 32].into()).unwrap()
}

fn sign(key: &SigningKey, bytes: &[u8]) -> Signature {
    let sig: p256::ecdsa::Signature = key.sign(bytes);
    Signature(sig.to_der().as_bytes().to_vec())
}

fn package() -> ElectionPackage {
    let candidates = vec![
        Candidate { id: "c1".into(), name: "Candidata Uno".into() },
        Candidate { id: "c2".into(), name: "Candidato Dos".into() },
    ];
    let options = vec![
        BallotOption { id: "o1".into(), candidate_id: "c1".into(), party: "Partido A".into() },
        BallotOption { id: "o2".into(), candidate_id: "c1".into(), party: "Partido B".into() },
        BallotOption { id: "o3".into(), candidate_id: "c2".into(), party: "Partido C".into() },
    ];
    let count_fields = vec![
        CountField { id: "null".into(), kind: CountFieldKind::Null, label: "Votos nulos".into() },
        CountField { id: "blank".into(), kind: CountFieldKind::Blank, label: "Votos en blanco".into() },
        CountField { id: "voted".into(), kind: CountFieldKind::VotersWhoVoted, label: "Votantes".into() },
        CountField {
            id: "unused".into(),
            kind: CountFieldKind::BallotsUnused,
            label: "Boletas sobrantes".into(),
        },
    ];
    ElectionPackage {
        format: PACKAGE_FORMAT,
        version: 3,
        election: Election {
            id: "demo-2026".into(),
            name: "Elección de prueba".into(),
            date: "2026-07-28".into(),
            time_zone: None,
        },
        contests: vec![Contest {
            id: "presidential".into(),
            name: "Presidencial".into(),
            candidates,
            options,
            count_fields,
            acta_qr: Some(QrFormat::Venezuela2024),
        }],
        centers: vec![PollingCenter {
            id: "ctr-1".into(),
            name: "Escuela Básica Nacional".into(),
            region: vec!["Zulia".into(), "Maracaibo".into(), "Chiquinquirá".into()],
        }],
        stations: vec![
            Station { id: "st-1".into(), center_id: "ctr-1".into(), number: 1, registered_voters: 520 },
            Station { id: "st-2".into(), center_id: "ctr-1".into(), number: 2, registered_voters: 498 },
        ],
        assignment: Some(Assignment { station_ids: vec!["st-2".into()] }),
        bundle_key: None,
        sms_numbers: Vec::new(),
    }
}

fn record() -> CaptureRecord {
    let device = PublicKey::from(*device_key().verifying_key());
    CaptureRecord {
        format: CAPTURE_FORMAT,
        id: Uuid::parse_str("01936f6e-7c00-7a3b-8c1d-2e3f4a5b6c7d").unwrap(),
        election_id: "demo-2026".into(),
        package_version: 3,
        contest_id: "presidential".into(),
        station_id: "st-2".into(),
        counts: BTreeMap::from([("o1".into(), 120), ("o2".into(), 31), ("o3".into(), 200)]),
        extra_counts: BTreeMap::from([("null".into(), 4), ("blank".into(), 2), ("voted".into(), 358)]),
        photos: vec![PhotoRef {
            page: 1,
            sha256: Sha256::digest(b"processed"),
            original_sha256: Sha256::digest(b"original"),
            size: 184_233,
            width: 1600,
            height: 1200,
        }],
        qr_payload: Some("0000000201!120,31,200!4!2".into()),
        device_time_ms: 1_785_270_000_000,
        supersedes: None,
        notes: "Acta con tachaduras en la fila 2".into(),
        warnings: vec![
            Warning::new(WarningCode::SumMismatch),
            Warning::on(WarningCode::CountMissing, "unused"),
        ],
        device_key_id: device.key_id(),
    }
}

fn signed_capture() -> SignedCapture {
    let record = record();
    let signature = sign(&device_key(), &record.canonical_bytes());
    SignedCapture { record, signature }
}

fn receipts() -> Vec<SignedReceipt> {
    let server = PublicKey::from(*server_key().verifying_key());
    let rec = record();
    let subjects = [
        ReceiptSubject::Record { capture_id: rec.id, record_sha256: rec.record_sha256() },
        ReceiptSubject::Photo { capture_id: rec.id, sha256: Sha256::digest(b"processed"), size: 184_233 },
    ];
    subjects
        .into_iter()
        .map(|subject| {
            let receipt = Receipt {
                format: RECEIPT_FORMAT,
                subject,
                device_key_id: rec.device_key_id.clone(),
                received_at_ms: 1_785_270_004_321,
                server_key_id: server.key_id(),
            };
            let signature = sign(&server_key(), &receipt.canonical_bytes());
            SignedReceipt { receipt, signature }
        })
        .collect()
}

#[test]
fn election_package_snapshot() {
    let p = package();
    p.validate().unwrap();
    check_json("election_package", &p);
}

#[test]
fn capture_record_snapshot_and_canonical_bytes() {
    check_json("signed_capture", &signed_capture());
    check_text("capture_canonical.hex", &(hex::encode(record().canonical_bytes()) + "\n"));
}

#[test]
fn receipt_snapshots_and_canonical_bytes() {
    let receipts = receipts();
    check_json("signed_receipts", &receipts);
    let hexes: Vec<String> = receipts.iter().map(|r| hex::encode(r.receipt.canonical_bytes())).collect();
    check_text("receipt_canonical.hex", &(hexes.join("\n") + "\n"));
}

#[test]
fn signed_capture_verifies_and_detects_tampering() {
    let device = PublicKey::from(*device_key().verifying_key());
    let signed = signed_capture();
    signed.verify(&device).unwrap();

    let mut tampered = signed.clone();
    *tampered.record.counts.get_mut("o3").unwrap() += 1;
    assert_eq!(tampered.verify(&device), Err(VerifyError::Mismatch));

    let mut moved = signed.clone();
    moved.record.station_id = "st-1".into();
    assert_eq!(moved.verify(&device), Err(VerifyError::Mismatch));

    let server = PublicKey::from(*server_key().verifying_key());
    assert_eq!(signed.verify(&server), Err(VerifyError::WrongKey));
}

#[test]
fn canonical_bytes_do_not_depend_on_json_field_order() {
    let signed = signed_capture();
    let device = PublicKey::from(*device_key().verifying_key());
    // Re-serialize with the record's keys in reverse order; the signature still verifies.
    let value = serde_json::to_value(&signed).unwrap();
    let record = value["record"].as_object().unwrap();
    let mut reversed = String::from("{");
    for (i, (k, v)) in record.iter().rev().enumerate() {
        if i > 0 {
            reversed.push(',');
        }
        reversed.push_str(&format!("{}:{}", serde_json::to_string(k).unwrap(), v));
    }
    reversed.push('}');
    let json = format!("{{\"signature\":{},\"record\":{reversed}}}", value["signature"]);
    let back: SignedCapture = serde_json::from_str(&json).unwrap();
    back.verify(&device).unwrap();
    assert_eq!(back.record.canonical_bytes(), signed.record.canonical_bytes());
}

#[test]
fn receipts_verify_only_with_the_server_key() {
    let server = PublicKey::from(*server_key().verifying_key());
    let device = PublicKey::from(*device_key().verifying_key());
    for r in receipts() {
        r.verify(&server).unwrap();
        assert_eq!(r.verify(&device), Err(VerifyError::WrongKey));
        let mut later = r.clone();
        later.receipt.received_at_ms += 1;
        assert_eq!(later.verify(&server), Err(VerifyError::Mismatch));
    }
}

#[test]
fn package_validation_refuses_inconsistent_packages() {
    let mut p = package();
    p.stations.push(p.stations[0].clone());
    assert!(matches!(p.validate(), Err(PackageError::DuplicateId { kind: "station", .. })));

    let mut p = package();
    p.contests[0].options[0].candidate_id = "nobody".into();
    assert!(matches!(p.validate(), Err(PackageError::DanglingReference { kind: "ballot option", .. })));

    let mut p = package();
    p.assignment = Some(Assignment { station_ids: vec!["st-9".into()] });
    assert!(matches!(p.validate(), Err(PackageError::DanglingReference { kind: "assignment", .. })));

    let mut p = package();
    p.contests[0].count_fields[0].id = "o1".into();
    assert!(matches!(p.validate(), Err(PackageError::DuplicateId { kind: "count field", .. })));

    let mut p = package();
    p.contests[0].count_fields[1].kind = CountFieldKind::Null;
    assert!(matches!(p.validate(), Err(PackageError::BadContest(..))));

    let mut p = package();
    p.format = 99;
    assert_eq!(p.validate(), Err(PackageError::UnsupportedFormat(99)));

    let mut p = package();
    for bad in ["", "America/Caracas\n", "<script>", &"A".repeat(65)] {
        p.election.time_zone = Some(bad.into());
        assert_eq!(p.validate(), Err(PackageError::BadTimeZone(bad.into())), "{bad:?}");
    }
    for good in ["America/Caracas", "America/Argentina/Buenos_Aires", "Etc/GMT+4", "UTC"] {
        p.election.time_zone = Some(good.into());
        assert_eq!(p.validate(), Ok(()), "{good}");
    }
}

fn refusal() -> SignedRefusal {
    let rec = record();
    let refusal = Refusal {
        format: REFUSAL_FORMAT,
        subject: ReceiptSubject::Record { capture_id: rec.id, record_sha256: rec.record_sha256() },
        code: testigo_protocol::api::RefusalCode::StationNotAssigned.as_str().into(),
        detail: "the device is not assigned to this station".into(),
        device_key_id: rec.device_key_id.clone(),
        refused_at_ms: 1_785_270_000_500,
        server_key_id: PublicKey::from(*server_key().verifying_key()).key_id(),
    };
    let signature = sign(&server_key(), &refusal.canonical_bytes());
    SignedRefusal { refusal, signature }
}

fn feed_page() -> testigo_protocol::api::FeedPage {
    use testigo_protocol::api::*;
    let events = vec![
        FeedEvent {
            seq: 41,
            at_ms: 1_785_270_100_000,
            change: Change::Review {
                capture_id: record().id,
                status: ReviewStatus::Disputed,
                comment: Some("El total no coincide con la foto".into()),
            },
        },
        FeedEvent { seq: 42, at_ms: 1_785_270_200_000, change: Change::Package { version: 4 } },
    ];
    let device = record().device_key_id;
    let bytes = feed_page_bytes(&device, 40, &events, 42, false);
    FeedPage {
        events,
        cursor: 42,
        more: false,
        server_key_id: PublicKey::from(*server_key().verifying_key()).key_id(),
        signature: sign(&server_key(), &bytes),
    }
}

#[test]
fn refusals_feed_pages_and_packages_verify_only_as_signed() {
    let server = PublicKey::from(*server_key().verifying_key());
    let device = PublicKey::from(*device_key().verifying_key());
    let r = refusal();
    r.verify(&server).unwrap();
    assert_eq!(r.verify(&device), Err(VerifyError::WrongKey));
    let mut forged = r.clone();
    forged.refusal.code = "bad_signature".into();
    assert_eq!(forged.verify(&server), Err(VerifyError::Mismatch));

    let page = feed_page();
    let me = record().device_key_id;
    page.verify(&server, &me, 40).unwrap();
    assert_eq!(page.verify(&server, &me, 39), Err(VerifyError::Mismatch), "another cursor's answer");
    assert_eq!(page.verify(&server, &server.key_id(), 40), Err(VerifyError::Mismatch), "another device's");
    let mut more = page.clone();
    more.cursor = 1_000;
    assert_eq!(more.verify(&server, &me, 40), Err(VerifyError::Mismatch), "a moved cursor");
    check_text("canonical_refusal.hex", &(hex::encode(r.refusal.canonical_bytes()) + "\n"));
    check_text(
        "canonical_feed_page.hex",
        &(hex::encode(feed_page_bytes(&me, 40, &page.events, page.cursor, page.more)) + "\n"),
    );
    check_text("canonical_package.hex", &(hex::encode(package_bytes(&me, b"{\"format\":1}")) + "\n"));
}

#[test]
fn api_snapshots() {
    use testigo_protocol::api::*;
    let device = PublicKey::from(*device_key().verifying_key());
    let server = PublicKey::from(*server_key().verifying_key());
    let receipts = receipts();
    let enroll = EnrollRequest { code: "K7QF-2M9D-XW4P".into(), public_key: device.clone() };
    check_json("api_enroll_request", &enroll);
    check_json(
        "api_enroll_response",
        &EnrollResponse {
            device_id: device.key_id(),
            token: "c2VjcmV0LXRva2VuLWZvci10aGUtdGVzdA".into(),
            server_key: server,
            election_id: "demo-2026".into(),
            station_ids: vec!["st-2".into()],
        },
    );
    check_json("api_capture_batch", &CaptureBatch { captures: vec![signed_capture()] });
    check_json(
        "api_batch_result",
        &BatchResult {
            results: vec![
                RecordOutcome::Stored { receipt: receipts[0].clone() },
                RecordOutcome::Duplicate { receipt: receipts[0].clone() },
                RecordOutcome::Refused(refusal()),
            ],
        },
    );
    check_json("api_photo_receipt", &PhotoReceipt { receipt: receipts[1].clone() });
    check_json("api_feed_page", &feed_page());
    check_json(
        "api_problem",
        &Problem::new(
            "offset_mismatch",
            409,
            "Upload-Offset does not match",
            Some("the upload is at 4096".into()),
        ),
    );
}

#[test]
fn a_raw_batch_body_reads_back_as_the_records_it_carries() {
    use testigo_protocol::api::CaptureBatch;
    let one = signed_capture();
    let mut two = signed_capture();
    two.record.id = uuid::Uuid::from_u128(7);
    // Pretty-printed JSON on purpose: the body keeps each record's bytes exactly.
    let jsons = [serde_json::to_string_pretty(&one).unwrap(), serde_json::to_string(&two).unwrap()];
    let body = CaptureBatch::body_from_json(&jsons);
    let back: CaptureBatch = serde_json::from_slice(&body).unwrap();
    assert_eq!(back, CaptureBatch { captures: vec![one, two] });
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains(&jsons[0]) && text.contains(&jsons[1]));
    let empty: CaptureBatch = serde_json::from_slice(&CaptureBatch::body_from_json::<&str>(&[])).unwrap();
    assert!(empty.captures.is_empty());
}

#[test]
fn a_receipt_header_reads_back_as_the_receipt() {
    use testigo_protocol::api::tus::{parse_receipt_header, receipt_header};
    for receipt in receipts() {
        let header = receipt_header(&receipt).unwrap();
        assert!(header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "base64url");
        assert_eq!(parse_receipt_header(&header), Some(receipt));
    }
    assert_eq!(parse_receipt_header("not a receipt"), None);
    assert_eq!(parse_receipt_header(""), None);
}
