use axum::http::StatusCode;
use p256::ecdsa::SigningKey;
use rand_core::OsRng;
use testigo_protocol::PublicKey;
use testigo_protocol::api::{EnrollRequest, EnrollResponse};
use testigo_server::Limits;

use crate::common::*;

fn enroll_body(code: &str, key: &SigningKey) -> Vec<u8> {
    serde_json::to_vec(&EnrollRequest {
        code: code.into(),
        public_key: PublicKey::from(*key.verifying_key()),
    })
    .unwrap()
}

#[tokio::test]
async fn a_code_enrolls_one_device_once_and_a_lost_answer_can_be_asked_again() {
    let s = TestServer::new().await;
    let code = s.codes(&["st-1", "st-2"], 1).await.remove(0);
    let key = SigningKey::random(&mut OsRng);
    let first: EnrollResponse =
        json_body(s.send(post_json("/v1/enroll", None, enroll_body(&code, &key))).await).await;
    assert_eq!(first.station_ids, vec!["st-1", "st-2"]);
    assert_eq!(first.election_id, "test-2026");
    assert_eq!(first.device_id, PublicKey::from(*key.verifying_key()).key_id());
    assert_eq!(&first.server_key, s.state.key.public_key());

    // The same key and code again (the first answer was lost): a new token replaces the old one.
    let lowercase = code.to_lowercase().replace('-', " ");
    let again: EnrollResponse =
        json_body(s.send(post_json("/v1/enroll", None, enroll_body(&lowercase, &key))).await).await;
    assert_ne!(again.token, first.token);
    let old = s.send(get("/v1/package", &format!("Bearer {}", first.token))).await;
    assert_problem(old, 401, "unauthorized").await;
    let new = s.send(get("/v1/package", &format!("Bearer {}", again.token))).await;
    assert_eq!(new.status(), StatusCode::OK);

    // Another key with the used code: refused.
    let other = SigningKey::random(&mut OsRng);
    assert_problem(s.send(post_json("/v1/enroll", None, enroll_body(&code, &other))).await, 409, "code_used")
        .await;
    // The enrolled key with a fresh code: refused (one key, one enrollment).
    let code2 = s.codes(&["st-3"], 1).await.remove(0);
    assert_problem(
        s.send(post_json("/v1/enroll", None, enroll_body(&code2, &key))).await,
        409,
        "device_exists",
    )
    .await;
}

#[tokio::test]
async fn unknown_codes_are_refused_and_guessing_is_rate_limited() {
    let s = TestServer::with_limits(Limits {
        enroll_fail_burst: 3,
        enroll_fail_per_s: 0.01,
        ..Limits::default()
    })
    .await;
    let key = SigningKey::random(&mut OsRng);
    for _ in 0..3 {
        let r = s.send(post_json("/v1/enroll", None, enroll_body("AAAA-BBBB-CCCC", &key))).await;
        assert_problem(r, 404, "code_invalid").await;
    }
    let r = s.send(post_json("/v1/enroll", None, enroll_body("AAAA-BBBB-CCCC", &key))).await;
    assert!(r.headers().contains_key("retry-after"));
    assert_problem(r, 429, "rate_limited").await;
    assert_problem(
        s.send(post_json("/v1/enroll", None, enroll_body("not a code", &key))).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn codes_for_unknown_stations_are_not_made() {
    let s = TestServer::new().await;
    let err = testigo_server::services::enrollment::create_codes(
        &s.state,
        &["st-1".into(), "st-99".into()],
        1,
        "test",
        0,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("st-99"));
}

#[tokio::test]
async fn the_package_is_tailored_cached_by_etag_and_updated_through_the_feed() {
    let s = TestServer::new().await;
    let d = s.device(&["st-2", "st-3"]).await;
    let r = s.send(get("/v1/package", &d.bearer())).await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let p: testigo_protocol::ElectionPackage = json_body(r).await;
    p.validate().unwrap();
    assert_eq!(p.assignment.unwrap().station_ids, vec!["st-2", "st-3"]);
    assert_eq!(p.stations.len(), 2);
    assert_eq!(p.centers.len(), 2);

    let cached = axum::http::Request::get("/v1/package")
        .header("authorization", d.bearer())
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(s.send(cached).await.status(), StatusCode::NOT_MODIFIED);

    // Version 2 adds stations; the device sees a new ETag and a feed event.
    let outcome =
        s.state.repo.import_election(package(2, 12), testigo_server::now_ms()).await.unwrap().unwrap();
    assert_eq!(outcome, testigo_server::repo::ImportOutcome::Updated { from: 1 });
    let r = s.send(get("/v1/package", &d.bearer())).await;
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    let p: testigo_protocol::ElectionPackage = json_body(r).await;
    assert_eq!(p.version, 2);
    let feed: testigo_protocol::api::FeedPage = json_body(s.send(get("/v1/feed", &d.bearer())).await).await;
    assert!(matches!(
        feed.events.last().unwrap().change,
        testigo_protocol::api::Change::Package { version: 2 }
    ));

    // Going back, or dropping a station a device reports, is refused.
    let back = s.state.repo.import_election(package(1, 8), 0).await.unwrap();
    assert!(matches!(back, Err(testigo_server::repo::ImportError::Version { .. })));
    let shrink = s.state.repo.import_election(package(3, 2), 0).await.unwrap();
    assert!(matches!(shrink, Err(testigo_server::repo::ImportError::AssignedStationRemoved(_))));
}

/// Codes are stored keyed by the server's key file: the database alone does not reveal them,
/// even to someone who hashes every possible code; codes stored as plain SHA-256 before still
/// enroll.
#[tokio::test]
async fn codes_are_stored_under_a_key_the_database_does_not_hold() {
    use testigo_protocol::Sha256;
    let s = TestServer::new().await;
    let code = s.codes(&["st-1"], 1).await.remove(0);
    let normalized = testigo_server::services::enrollment::normalize(&code).unwrap();
    let stored: Vec<Vec<u8>> = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE))
        .unwrap()
        .prepare("SELECT code_hash FROM enrollment_codes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored, vec![s.state.key.code_hash(&normalized).0.to_vec()]);
    assert_ne!(stored[0], Sha256::digest(normalized.as_bytes()).0.to_vec());
    // Another server's key file gives other hashes.
    let other = TestServer::new().await;
    assert_ne!(other.state.key.code_hash(&normalized), s.state.key.code_hash(&normalized));
    let key = SigningKey::random(&mut OsRng);
    assert_eq!(
        s.send(post_json("/v1/enroll", None, enroll_body(&code, &key))).await.status(),
        StatusCode::OK
    );
    // A code stored the old way.
    let old = "ABCD-EFGH-JKMN";
    let old_hash = Sha256::digest(testigo_server::services::enrollment::normalize(old).unwrap().as_bytes());
    s.state.repo.create_codes(vec![old_hash], vec!["st-2".into()], "test".into(), 1).await.unwrap();
    let key = SigningKey::random(&mut OsRng);
    let r: EnrollResponse =
        json_body(s.send(post_json("/v1/enroll", None, enroll_body(old, &key))).await).await;
    assert_eq!(r.station_ids, vec!["st-2"]);
}
