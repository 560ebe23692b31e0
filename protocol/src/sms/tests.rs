use std::collections::{BTreeMap, HashSet};

use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;

use super::*;
use crate::election::{BallotOption, Candidate, CountField, CountFieldKind, QrFormat};
use crate::keys::PublicKey;

/// The GSM 03.38 default alphabet, 0x00 to 0x7F (0x1B, the escape, as a placeholder).
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32].into()).unwrap()
}

fn contest(id: &str, options: usize) -> Contest {
    let kinds = [
        ("nulos", CountFieldKind::Null),
        ("blancos", CountFieldKind::Blank),
        ("votantes", CountFieldKind::VotersWhoVoted),
        ("sobrantes", CountFieldKind::BallotsUnused),
    ];
    Contest {
        id: id.into(),
        name: id.into(),
        candidates: vec![Candidate { id: "c".into(), name: "C".into() }],
        options: (0..options)
            .map(|i| BallotOption { id: format!("o{i}"), candidate_id: "c".into(), party: format!("P{i}") })
            .collect(),
        count_fields: kinds
            .iter()
            .map(|(id, kind)| CountField { id: (*id).into(), kind: *kind, label: (*id).into() })
            .collect(),
        acta_qr: Some(QrFormat::Venezuela2024),
    }
}

fn contests() -> Vec<Contest> {
    vec![contest("alcaldia", 5), contest("presidencial", 38)]
}

fn sign(record: CaptureRecord) -> SignedCapture {
    let sig: p256::ecdsa::Signature = key().sign(&record.canonical_bytes());
    SignedCapture { record, signature: Signature(sig.to_der().as_bytes().to_vec()) }
}

fn record(contest: &Contest) -> CaptureRecord {
    let pk = PublicKey::from(*key().verifying_key());
    let counts: BTreeMap<String, u32> =
        contest.options.iter().enumerate().map(|(i, o)| (o.id.clone(), (i as u32 * 37) % 260)).collect();
    let extra_counts = BTreeMap::from([
        ("nulos".into(), 3),
        ("blancos".into(), 1),
        ("votantes".into(), 512),
        ("sobrantes".into(), 88),
    ]);
    let qr = crate::qr::render(
        contest.acta_qr.as_ref().unwrap(),
        contest,
        "110601011.04.1.0001",
        &counts,
        &extra_counts,
    );
    CaptureRecord {
        format: CAPTURE_FORMAT,
        id: Uuid::now_v7(),
        election_id: "ve-2024".into(),
        package_version: 3,
        contest_id: contest.id.clone(),
        station_id: "110601011-04".into(),
        counts,
        extra_counts,
        photos: vec![PhotoRef {
            page: 1,
            sha256: Sha256::digest(b"stored"),
            original_sha256: Sha256::digest(b"camera"),
            size: 231_407,
            width: 2000,
            height: 1500,
        }],
        qr_payload: qr,
        device_time_ms: 1_722_211_200_000,
        supersedes: None,
        notes: String::new(),
        warnings: Vec::new(),
        device_key_id: pk.key_id(),
    }
}

fn parts_of(texts: &[String]) -> Vec<Part> {
    texts.iter().map(|t| parse_part(t).unwrap()).collect()
}

#[test]
fn the_alphabet_is_123_single_septets_without_the_ones_gateways_lose() {
    let chars: Vec<char> = ALPHABET.chars().collect();
    assert_eq!(chars.len() as u64, BASE);
    assert_eq!(chars.iter().collect::<HashSet<_>>().len(), chars.len(), "no character twice");
    for c in &chars {
        assert!(GSM7.contains(*c), "{c:?} is not in the GSM 03.38 default alphabet");
        assert!(!['@', ' ', '\n', '\r', '\u{1b}'].contains(c), "{c:?} is left out on purpose");
    }
    assert_eq!(GSM7.chars().count(), 128);
}

#[test]
fn a_38_option_acta_travels_whole_in_two_sms_and_verifies() {
    let contests = contests();
    let signed = sign(record(&contests[1]));
    let texts = encode_capture(&signed, &contests).unwrap();
    assert_eq!(texts.len(), 2, "{texts:?}");
    for t in &texts {
        assert!(t.chars().count() <= SMS_CHARS);
        assert!(t.chars().all(|c| GSM7.contains(c)));
    }
    // Out of order and each part twice: the server keeps one per index.
    let mut parts = parts_of(&texts);
    parts.reverse();
    let back = decode_capture(&parts, "ve-2024", &contests).unwrap();
    assert_eq!(back.record, signed.record);
    assert!(back.record.qr_payload.is_some(), "the QR text is rebuilt from the counts");
    let pk = PublicKey::from(*key().verifying_key());
    assert_eq!(back.verify(&pk), Ok(()));
    assert_eq!(record_tag(&signed, &contests).unwrap(), parts[0].tag);
}

#[test]
fn a_5_option_acta_takes_two_sms_too() {
    // The fixed part (ids 32 bytes, two photo hashes 64, the signature 64) is already one SMS.
    let contests = contests();
    let texts = encode_capture(&sign(record(&contests[0])), &contests).unwrap();
    assert_eq!(texts.len(), 2);
}

#[test]
fn everything_a_record_may_hold_reads_back_exactly() {
    let contests = contests();
    let mut r = record(&contests[1]);
    r.counts.remove("o7");
    r.extra_counts.remove("sobrantes");
    r.qr_payload = Some("110601011.04.1.0001!1,2,3!0!0 ".into()); // not what was typed: whole
    r.supersedes = Some(Uuid::now_v7());
    r.notes = "Acta con tachaduras en la casilla 7; el testigo de mesa no firmó.".into();
    r.warnings = vec![
        Warning::on(WarningCode::CountMissing, "o7"),
        Warning::new(WarningCode::SumMismatch),
        Warning::on(WarningCode::QrMismatch, "a field the acta lacks"),
    ];
    r.photos.push(PhotoRef { page: 2, ..r.photos[0].clone() });
    r.photos[1].sha256 = Sha256::digest(b"page two");
    r.device_time_ms = -5;
    let signed = sign(r);
    let texts = encode_capture(&signed, &contests).unwrap();
    assert!(texts.len() > 2);
    let back = decode_capture(&parts_of(&texts), "ve-2024", &contests).unwrap();
    assert_eq!(back.record, signed.record);
}

#[test]
fn mixed_up_or_altered_parts_are_refused() {
    let contests = contests();
    let a = encode_capture(&sign(record(&contests[1])), &contests).unwrap();
    let b = encode_capture(&sign(record(&contests[1])), &contests).unwrap();
    // A part of another record under this record's header: the tag does not match.
    let mut forged = parse_part(&a[0]).unwrap();
    forged.body = parse_part(&b[0]).unwrap().body;
    let parts = vec![forged, parse_part(&a[1]).unwrap()];
    assert!(matches!(
        decode_capture(&parts, "ve-2024", &contests),
        Err(SmsError::TagMismatch | SmsError::Malformed(_))
    ));
    // One character changed.
    let mut altered: Vec<char> = a[1].chars().collect();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == 'x' { 'y' } else { 'x' };
    let parts = parts_of(&[a[0].clone(), altered.into_iter().collect()]);
    assert!(decode_capture(&parts, "ve-2024", &contests).is_err());
    // A part missing, parts of two records.
    assert!(decode_capture(&parts_of(&a[..1]), "ve-2024", &contests).is_err());
    assert!(decode_capture(&parts_of(&[a[0].clone(), b[1].clone()]), "ve-2024", &contests).is_err());
}

#[test]
fn other_texts_are_not_parts() {
    assert_eq!(parse_part("Hola, ¿llegaste?"), Err(SmsError::NotTestigo));
    assert_eq!(parse_part(""), Err(SmsError::NotTestigo));
    assert!(matches!(parse_part("Tab"), Err(SmsError::Malformed(_))));
    assert!(matches!(parse_part("Tabcd12xyz"), Err(SmsError::Malformed(_))), "index beyond count");
    assert!(matches!(parse_part("Tabcd10 x"), Err(SmsError::Malformed(_))));
    assert!(parse_part("  Tabcd20xyz\n").is_ok(), "a gateway's whitespace is ignored");
}

#[test]
fn a_receipt_fits_one_sms_and_verifies_against_what_was_sent() {
    let contests = contests();
    let signed = sign(record(&contests[1]));
    let server = SigningKey::from_bytes(&[4; 32].into()).unwrap();
    let server_pk = PublicKey::from(*server.verifying_key());
    let receipt = Receipt {
        format: RECEIPT_FORMAT,
        subject: ReceiptSubject::Record {
            capture_id: signed.record.id,
            record_sha256: signed.record.record_sha256(),
        },
        device_key_id: signed.record.device_key_id.clone(),
        received_at_ms: 1_722_211_260_123,
        server_key_id: server_pk.key_id(),
    };
    let sig: p256::ecdsa::Signature = server.sign(&receipt.canonical_bytes());
    let full = SignedReceipt { receipt, signature: Signature(sig.to_der().as_bytes().to_vec()) };
    let tag = record_tag(&signed, &contests).unwrap();
    let text = encode_receipt(&tag, &full).unwrap();
    assert!(text.chars().count() <= SMS_CHARS, "{}", text.chars().count());
    let read = parse_receipt(&text).unwrap();
    assert_eq!(read.tag, tag);
    let rebuilt = read.receipt_for(&signed, &server_pk.key_id());
    assert_eq!(rebuilt.verify(&server_pk), Ok(()));
    // For another record the same SMS proves nothing.
    let other = sign(record(&contests[1]));
    assert!(read.receipt_for(&other, &server_pk.key_id()).verify(&server_pk).is_err());
    assert_eq!(parse_receipt("Hola"), Err(SmsError::NotTestigo));
    assert!(parse_receipt(&text.replace(RECEIPT_MARK, "RR")).is_err());
}

#[test]
fn a_record_the_package_cannot_carry_is_refused_before_sending() {
    let contests = contests();
    let mut r = record(&contests[1]);
    r.counts.insert("not-an-option".into(), 4);
    assert!(matches!(encode_capture(&sign(r), &contests), Err(SmsError::NotRepresentable(_))));
    let mut r = record(&contests[1]);
    r.contest_id = "senado".into();
    assert_eq!(encode_capture(&sign(r), &contests), Err(SmsError::UnknownContest));
}

#[test]
fn decoding_random_bytes_never_panics() {
    let contests = contests();
    let mut seed = 0x1234_5678_u64;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (seed >> 33) as u8
            })
            .collect();
        let _ = unpack(&bytes, "e", &contests);
        let mut with_layout = bytes.clone();
        with_layout.insert(0, LAYOUT);
        let _ = unpack(&with_layout, "e", &contests);
    }
}
