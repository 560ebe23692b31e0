use axum::http::StatusCode;
use testigo_protocol::api::{BatchResult, RecordOutcome, RefusalCode};
use testigo_protocol::receipt::ReceiptSubject;

use crate::common::*;

#[tokio::test]
async fn a_record_is_stored_once_with_a_receipt_that_verifies() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let signed = d.sign(d.record("st-1", &[b"photo one"]));
    let r: BatchResult = json_body(s.send(d.batch(vec![signed.clone()])).await).await;
    let RecordOutcome::Stored { receipt } = &r.results[0] else { panic!("{r:?}") };
    receipt.verify(&d.server_key).unwrap();
    assert_eq!(
        receipt.receipt.subject,
        ReceiptSubject::Record { capture_id: signed.record.id, record_sha256: signed.record.record_sha256() }
    );
    assert_eq!(receipt.receipt.device_key_id, d.public_key().key_id());

    // Sent again (the answer was lost): the same receipt, not a second record.
    let again: BatchResult = json_body(s.send(d.batch(vec![signed.clone(), signed.clone()])).await).await;
    for outcome in &again.results {
        assert_eq!(outcome, &RecordOutcome::Duplicate { receipt: receipt.clone() });
    }
}

#[tokio::test]
async fn the_same_id_with_other_content_is_refused_and_kept_aside() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let record = d.record("st-1", &[]);
    let first = d.sign(record.clone());
    let mut changed = record;
    *changed.counts.get_mut("o1").unwrap() += 1;
    let second = d.sign(changed);
    let r: BatchResult = json_body(s.send(d.batch(vec![first.clone(), second])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Stored { .. }));
    match &r.results[1] {
        RecordOutcome::Refused(r) => {
            r.verify(&d.server_key).unwrap();
            assert_eq!(r.refusal.code, RefusalCode::Conflict.as_str());
            assert_eq!(r.refusal.device_key_id, d.public_key().key_id());
        }
        other => panic!("not refused: {other:?}"),
    }
    // The first stands.
    let r: BatchResult = json_body(s.send(d.batch(vec![first])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Duplicate { .. }));
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    let conflicts: i64 = db.query_row("SELECT count(*) FROM conflicts", [], |r| r.get(0)).unwrap();
    let captures: i64 = db.query_row("SELECT count(*) FROM captures", [], |r| r.get(0)).unwrap();
    assert_eq!((conflicts, captures), (1, 1));
}

#[tokio::test]
async fn each_bad_record_is_refused_with_its_code_and_the_rest_are_stored() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2"]).await;
    let other = s.device(&["st-1"]).await;

    let good = d.sign(d.record("st-2", &[]));
    let mut forged = d.sign(d.record("st-1", &[]));
    forged.record.counts.insert("o3".into(), 999);
    let unassigned = d.sign(d.record("st-5", &[]));
    let mut r = d.record("st-1", &[]);
    r.counts.insert("o9".into(), 1);
    let unknown_field = d.sign(r);
    let mut r = d.record("st-1", &[]);
    r.election_id = "other".into();
    let wrong_election = d.sign(r);
    let mut r = d.record("st-1", &[]);
    r.contest_id = "mayor".into();
    let unknown_contest = d.sign(r);
    let someone_elses = other.sign(other.record("st-1", &[]));
    let mut r = d.record("st-1", &[]);
    r.notes = "x".repeat(5000);
    let too_long = d.sign(r);
    let mut r = d.record("st-1", &[]);
    r.format = 2;
    let future = d.sign(r);

    let batch = vec![
        forged,
        good,
        unassigned,
        unknown_field,
        wrong_election,
        unknown_contest,
        someone_elses,
        too_long,
        future,
    ];
    let r: BatchResult = json_body(s.send(d.batch(batch)).await).await;
    let codes: Vec<Option<RefusalCode>> = r
        .results
        .iter()
        .map(|o| match o {
            RecordOutcome::Refused(r) => {
                r.verify(&d.server_key).unwrap();
                assert!(!r.refusal.detail.is_empty());
                Some(r.refusal.code.parse().unwrap())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            Some(RefusalCode::BadSignature),
            None,
            Some(RefusalCode::StationNotAssigned),
            Some(RefusalCode::UnknownField),
            Some(RefusalCode::WrongElection),
            Some(RefusalCode::UnknownContest),
            Some(RefusalCode::WrongDevice),
            Some(RefusalCode::InvalidRecord),
            Some(RefusalCode::UnsupportedFormat),
        ]
    );
}

#[tokio::test]
async fn batches_need_a_token_a_sane_size_and_json() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let r = s.send(post_json("/v1/captures", None, b"{}".to_vec())).await;
    assert_problem(r, 401, "unauthorized").await;
    let r = s.send(post_json("/v1/captures", Some("Bearer nope"), b"{}".to_vec())).await;
    assert_problem(r, 401, "unauthorized").await;
    let r = s.send(post_json("/v1/captures", Some(&d.bearer()), b"{\"captures\": [1]}".to_vec())).await;
    assert_problem(r, 400, "malformed_json").await;
    let r = s.send(post_json("/v1/captures", Some(&d.bearer()), vec![b'['; 3 * 1024 * 1024])).await;
    assert_problem(r, 413, "payload_too_large").await;
    let many = (0..101).map(|_| d.sign(d.record("st-1", &[]))).collect();
    assert_problem(s.send(d.batch(many)).await, 400, "bad_request").await;
    let empty: BatchResult = json_body(s.send(d.batch(vec![])).await).await;
    assert!(empty.results.is_empty());
}

#[tokio::test]
async fn a_device_over_its_rate_is_told_when_to_come_back() {
    let s = TestServer::with_limits(testigo_server::Limits {
        device_burst: 2,
        device_per_s: 0.5,
        ..Default::default()
    })
    .await;
    let d = s.device(&["st-1"]).await;
    assert_eq!(s.send(get("/v1/feed", &d.bearer())).await.status(), StatusCode::OK);
    assert_eq!(s.send(get("/v1/feed", &d.bearer())).await.status(), StatusCode::OK);
    let r = s.send(get("/v1/feed", &d.bearer())).await;
    assert_eq!(r.headers()["retry-after"], "2");
    assert_problem(r, 429, "rate_limited").await;
}
