//! What a hostile or seized phone can do, and what it cannot: claim another phone's photo, fill
//! the disk, keep using a revoked token, declare impossible photo sizes.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use p256::ecdsa::SigningKey;
use rand_core::OsRng;
use testigo_protocol::api::{BatchResult, EnrollRequest, RecordOutcome, RefusalCode};
use testigo_protocol::capture::{MAX_CAPTURE_PHOTO_BYTES, MAX_PHOTO_BYTES};
use testigo_protocol::{PhotoRef, PublicKey, Sha256};
use testigo_server::Limits;
use testigo_server::repo::coord::Role;
use testigo_server::services::accounts::create_user;

use crate::common::*;

/// Sends one signed record; returns its outcome.
async fn submit(s: &TestServer, d: &TestDevice, record: testigo_protocol::CaptureRecord) -> RecordOutcome {
    let r: BatchResult = json_body(s.send(d.batch(vec![d.sign(record)])).await).await;
    r.results.into_iter().next().unwrap()
}

async fn api_token(s: &TestServer, name: &str, password: &str) -> String {
    let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
    let r: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    r["token"].as_str().unwrap().to_owned()
}

async fn dash_cookie(s: &TestServer, name: &str, password: &str) -> String {
    let r = s
        .send(
            Request::post("/dash/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("name={name}&password={}", password.replace(' ', "%20"))))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn listing_another_phones_photo_gets_no_receipt_and_shows_it_to_nobody() {
    let s = TestServer::new().await;
    // A reports from Lara (st-2) and uploads its photo; B, in Zulia (st-1), lists the same hash
    // and size in its own record without sending a byte.
    let a = s.device(&["st-2"]).await;
    let b = s.device(&["st-1"]).await;
    let photo = photo_bytes(3, 20_000);
    let ra = a.record("st-2", &[&photo]);
    let a_capture = ra.id;
    assert!(matches!(submit(&s, &a, ra).await, RecordOutcome::Stored { .. }));
    assert_eq!(upload(&s, &a, a_capture, &photo).await, StatusCode::NO_CONTENT);
    let rb = b.record("st-1", &[&photo]);
    let b_capture = rb.id;
    assert!(matches!(submit(&s, &b, rb).await, RecordOutcome::Stored { .. }));
    let sha = Sha256::digest(&photo);
    let path = format!("/v1/captures/{b_capture}/photos/{sha}");
    assert_problem(s.send(get(&path, &b.bearer())).await, 404, "not_found").await;
    // Zulia's coordinator cannot open Lara's photo through B's record.
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
    create_user(s.state.coord.as_ref(), "zulia", "clave de zulia", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = dash_cookie(&s, "zulia", "clave de zulia").await;
    let photo_page = |cookie: String| {
        s.send(
            Request::get(format!("/dash/photos/{sha}")).header("cookie", cookie).body(Body::empty()).unwrap(),
        )
    };
    assert_eq!(photo_page(cookie.clone()).await.status(), StatusCode::NOT_FOUND);
    // Bytes that hash to it, sent for B's capture, do count (storage keeps one copy).
    assert_eq!(upload(&s, &b, b_capture, &photo).await, StatusCode::NO_CONTENT);
    assert_eq!(s.send(get(&path, &b.bearer())).await.status(), StatusCode::OK);
    assert_eq!(photo_page(cookie).await.status(), StatusCode::OK);
    // A correction of B's reusing the photo it uploaded is received at once.
    let mut correction = b.record("st-1", &[&photo]);
    correction.supersedes = Some(b_capture);
    let corrected = correction.id;
    assert!(matches!(submit(&s, &b, correction).await, RecordOutcome::Stored { .. }));
    let path = format!("/v1/captures/{corrected}/photos/{sha}");
    assert_eq!(s.send(get(&path, &b.bearer())).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn impossible_photo_sizes_are_refused_not_clamped() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let page = |n: u32, size: u64| PhotoRef {
        page: n,
        sha256: Sha256::digest(&n.to_le_bytes()),
        original_sha256: Sha256::digest(b"original"),
        size,
        width: 2000,
        height: 1500,
    };
    let mut huge = d.record("st-1", &[]);
    huge.photos = vec![page(1, u64::MAX)];
    let mut many = d.record("st-1", &[]);
    many.photos = (1..=12).map(|n| page(n, 32 * 1024 * 1024)).collect();
    let mut just_over = d.record("st-1", &[]);
    just_over.photos = (1..=3).map(|n| page(n, MAX_CAPTURE_PHOTO_BYTES / 3)).chain([page(4, 1)]).collect();
    let mut largest = d.record("st-1", &[]);
    largest.photos = vec![page(1, MAX_PHOTO_BYTES), page(2, MAX_PHOTO_BYTES)];
    for record in [huge, many, just_over] {
        match submit(&s, &d, record).await {
            RecordOutcome::Refused(r) => {
                r.verify(&d.server_key).unwrap();
                assert_eq!(r.refusal.code, RefusalCode::InvalidRecord.as_str());
            }
            other => panic!("stored: {other:?}"),
        }
    }
    assert!(matches!(submit(&s, &d, largest).await, RecordOutcome::Stored { .. }));
}

#[tokio::test]
async fn a_device_holds_one_upload_per_photo_and_a_bounded_number_and_size_of_uploads() {
    let limits = Limits { max_device_uploads: 2, max_device_bytes: 80_000, ..Limits::default() };
    let s = TestServer::with_limits(limits).await;
    let d = s.device(&["st-1"]).await;
    let photos: Vec<Vec<u8>> = (0..5).map(|i| photo_bytes(i, 30_000)).collect();
    let refs: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
    let record = d.record("st-1", &refs);
    let capture = record.id;
    assert!(matches!(submit(&s, &d, record).await, RecordOutcome::Stored { .. }));
    // Forty uploads of the same photo: each ends the one before; one stays.
    let mut locations = Vec::new();
    for _ in 0..40 {
        let r = create_upload(&s, &d, capture, &photos[0]).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        locations.push(r.headers()["location"].to_str().unwrap().to_owned());
    }
    let usage = s.state.repo.device_usage(&d.public_key().key_id()).await.unwrap();
    assert_eq!(usage.active_uploads, 1);
    let head = |loc: String| {
        s.send(
            Request::head(loc)
                .header("authorization", d.bearer())
                .header("tus-resumable", "1.0.0")
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(head(locations[0].clone()).await.status(), StatusCode::GONE);
    assert_eq!(head(locations[39].clone()).await.status(), StatusCode::OK);
    let partials = std::fs::read_dir(s.dir.path().join("photos/partials")).unwrap().count();
    assert_eq!(partials, 1, "the ended uploads' files are gone");
    // Two in flight at most: a third ends the oldest that nothing is writing to (a phone killed
    // before it kept an upload's address never returns to it).
    let r = create_upload(&s, &d, capture, &photos[1]).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let second = r.headers()["location"].to_str().unwrap().to_owned();
    let r = create_upload(&s, &d, capture, &photos[2]).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(s.state.repo.device_usage(&d.public_key().key_id()).await.unwrap().active_uploads, 2);
    assert_eq!(head(locations[39].clone()).await.status(), StatusCode::GONE);
    assert_eq!(head(second.clone()).await.status(), StatusCode::OK);
    // Once one completes, 30,000 bytes active and 30,000 complete leave no room for 30,000 more
    // under 80,000.
    let r = s.send(patch(&d, &second, &photos[1])).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(create_upload(&s, &d, capture, &photos[3]).await, 507, "device_quota").await;
}

#[tokio::test]
async fn a_device_sends_a_bounded_number_of_records() {
    let s = TestServer::with_limits(Limits { max_device_records: 2, ..Limits::default() }).await;
    let d = s.device(&["st-1"]).await;
    for _ in 0..2 {
        assert!(matches!(submit(&s, &d, d.record("st-1", &[])).await, RecordOutcome::Stored { .. }));
    }
    let r = s.send(d.batch(vec![d.sign(d.record("st-1", &[]))])).await;
    assert_eq!(r.headers()["retry-after"], "3600");
    assert_problem(r, 507, "device_quota").await;
    // Another device is not affected.
    let other = s.device(&["st-1"]).await;
    assert!(matches!(submit(&s, &other, other.record("st-1", &[])).await, RecordOutcome::Stored { .. }));
}

#[tokio::test]
async fn below_the_free_space_reserve_nothing_new_is_taken_and_the_server_recovers_when_space_returns() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(9, 10_000);
    let stored = d.record("st-1", &[&photo]);
    let stored_id = stored.id;
    assert!(matches!(submit(&s, &d, stored).await, RecordOutcome::Stored { .. }));
    // The disk "fills": the reserve is more than what is free.
    let full = TestServer {
        state: s.state.with_limits(Limits { free_space_reserve: u64::MAX, ..Limits::default() }),
        dir: tempfile::tempdir().unwrap(),
    };
    let health: serde_json::Value =
        json_body(full.send(Request::get("/healthz").body(Body::empty()).unwrap()).await).await;
    assert_eq!(health["status"], "degraded");
    assert!(health["free_bytes"].as_u64().unwrap() > 0);
    let record = d.sign(d.record("st-1", &[]));
    let r = full.send(d.batch(vec![record.clone()])).await;
    assert_eq!(r.headers()["retry-after"], "60");
    assert_problem(r, 507, "insufficient_storage").await;
    assert_problem(create_upload(&full, &d, stored_id, &photo).await, 507, "insufficient_storage").await;
    // Reads still work.
    assert_eq!(full.send(get("/v1/feed?after=0", &d.bearer())).await.status(), StatusCode::OK);
    // Space returns: the same requests go through, and nothing of the refused ones was kept.
    let health: serde_json::Value =
        json_body(s.send(Request::get("/healthz").body(Body::empty()).unwrap()).await).await;
    assert_eq!(health["status"], "ok");
    let r: BatchResult = json_body(s.send(d.batch(vec![record])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Stored { .. }), "{r:?}");
    assert_eq!(upload(&s, &d, stored_id, &photo).await, StatusCode::NO_CONTENT);
}

/// A server where one device has sent a record and opened the upload of its photo.
async fn server_with_an_open_upload() -> TestServer {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(4, 5_000);
    let record = d.record("st-1", &[&photo]);
    let capture = record.id;
    assert!(matches!(submit(&s, &d, record).await, RecordOutcome::Stored { .. }));
    assert_eq!(create_upload(&s, &d, capture, &photo).await.status(), StatusCode::CREATED);
    s
}

#[tokio::test]
async fn the_sweeper_removes_partial_files_no_upload_refers_to() {
    let s = server_with_an_open_upload().await;
    let partials = s.dir.path().join("photos/partials");
    let orphan = partials.join("0123456789abcdef0123456789abcdef");
    std::fs::write(&orphan, b"left by a crash").unwrap();
    assert_eq!(testigo_server::sweep_expired(&s.state).await.unwrap(), 1);
    assert!(!orphan.exists());
    assert_eq!(std::fs::read_dir(&partials).unwrap().count(), 1, "the active upload's file stays");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_readable_by_the_server_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = server_with_an_open_upload().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = s.dir.path();
    for dir in
        [root.to_path_buf(), root.join("photos"), root.join("photos/partials"), root.join("photos/blobs")]
    {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    assert_eq!(mode(&root.join(testigo_server::DATABASE_FILE)), 0o600);
    assert_eq!(mode(&root.join("server.key")), 0o600);
    for entry in std::fs::read_dir(root.join("photos/partials")).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600);
    }
}

#[tokio::test]
async fn a_revoked_device_is_shut_out_at_once_and_what_it_sent_stays() {
    let s = TestServer::new().await;
    let code = s.codes(&["st-2"], 1).await.remove(0);
    let key = SigningKey::random(&mut OsRng);
    let enroll = |code: String| {
        let body =
            serde_json::to_vec(&EnrollRequest { code, public_key: PublicKey::from(*key.verifying_key()) })
                .unwrap();
        s.send(post_json("/v1/enroll", None, body))
    };
    let enrolled: testigo_protocol::api::EnrollResponse = json_body(enroll(code.clone()).await).await;
    let d = TestDevice {
        key: std::sync::Arc::new(key.clone()),
        token: enrolled.token,
        server_key: enrolled.server_key,
    };
    let record = d.record("st-2", &[]);
    let capture = record.id;
    assert!(matches!(submit(&s, &d, record).await, RecordOutcome::Stored { .. }));
    let id = d.public_key().key_id();
    create_user(s.state.coord.as_ref(), "zulia", "clave de zulia", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    create_user(s.state.coord.as_ref(), "vera", "clave de vera", "", Role::Observer, "test", 1)
        .await
        .unwrap();
    create_user(s.state.coord.as_ref(), "ana", "clave de ana", "", Role::Admin, "test", 1).await.unwrap();
    let revoke = |token: String, reason: &str| {
        let body = serde_json::json!({ "reason": reason }).to_string().into_bytes();
        s.send(post_json(&format!("/v1/admin/devices/{id}/revoke"), Some(&format!("Bearer {token}")), body))
    };
    // A coordinator of another region does not see it; a viewer may not; a reason is required.
    let zulia = api_token(&s, "zulia", "clave de zulia").await;
    assert_problem(revoke(zulia, "perdido").await, 404, "not_found").await;
    let vera = api_token(&s, "vera", "clave de vera").await;
    assert_problem(revoke(vera, "perdido").await, 403, "forbidden").await;
    let ana = api_token(&s, "ana", "clave de ana").await;
    assert_problem(revoke(ana.clone(), "  ").await, 400, "bad_request").await;
    assert_eq!(s.send(get("/v1/feed?after=0", &d.bearer())).await.status(), StatusCode::OK);
    let r: serde_json::Value = json_body(revoke(ana.clone(), "teléfono incautado").await).await;
    assert_eq!(r["already_revoked"], false);
    // At once: its token is refused, and its key enrolls no more, even with its own code.
    assert_problem(s.send(get("/v1/feed?after=0", &d.bearer())).await, 401, "unauthorized").await;
    assert_problem(s.send(d.batch(vec![d.sign(d.record("st-2", &[]))])).await, 401, "unauthorized").await;
    assert_problem(enroll(code).await, 403, "device_revoked").await;
    let r: serde_json::Value = json_body(revoke(ana, "otra vez").await).await;
    assert_eq!(r["already_revoked"], true);
    // What it sent stays, and the coordinators see the device as revoked.
    let target = testigo_server::repo::ReviewTarget::CaptureId(capture);
    let pk = s.state.coord.find_capture(target).await.unwrap().unwrap();
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
    let cookie = dash_cookie(&s, "ana", "clave de ana").await;
    let r = s
        .send(
            Request::get(format!("/dash/captures/{pk}"))
                .header("cookie", cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(html.contains("Dispositivo revocado") && html.contains("teléfono incautado"), "{html}");
    let (_, devices) = s.state.coord.devices(String::new(), 0, 10).await.unwrap();
    assert!(devices.iter().any(|x| x.id == id.as_str() && x.revoked_at_ms.is_some()));
}

#[tokio::test]
async fn only_jpeg_files_are_stored_as_photos() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    // A page that would run in a coordinator's browser if it were ever served as HTML.
    let page = b"<!doctype html><script>fetch('/dash/batches').then(r => r.text())</script>".to_vec();
    let record = d.record("st-1", &[&page]);
    let capture = record.id;
    assert!(matches!(submit(&s, &d, record).await, RecordOutcome::Stored { .. }));
    let r = create_upload(&s, &d, capture, &page).await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = s.send(patch(&d, &location, &page)).await;
    assert_problem(r, 422, "not_a_jpeg").await;
    let path = format!("/v1/captures/{capture}/photos/{}", Sha256::digest(&page));
    assert_problem(s.send(get(&path, &d.bearer())).await, 404, "not_found").await;
    assert_eq!(s.state.blobs.blob_size(&Sha256::digest(&page)).await.unwrap(), None, "nothing stored");
}

/// Creations sent at once cannot pass the in-flight quota together: it is checked in the same
/// transaction as the insert.
#[tokio::test]
async fn simultaneous_uploads_stay_within_the_quota() {
    let s = TestServer::with_limits(Limits { max_device_uploads: 2, ..Limits::default() }).await;
    let d = s.device(&["st-1"]).await;
    let photos: Vec<Vec<u8>> = (0..6).map(|i| photo_bytes(i, 10_000)).collect();
    let refs: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
    let record = d.record("st-1", &refs);
    let capture = record.id;
    assert!(matches!(submit(&s, &d, record).await, RecordOutcome::Stored { .. }));
    let (a, b, c, e, f, g) = tokio::join!(
        create_upload(&s, &d, capture, &photos[0]),
        create_upload(&s, &d, capture, &photos[1]),
        create_upload(&s, &d, capture, &photos[2]),
        create_upload(&s, &d, capture, &photos[3]),
        create_upload(&s, &d, capture, &photos[4]),
        create_upload(&s, &d, capture, &photos[5]),
    );
    // Each is created (ending an older one nothing writes to) or, if every other one is being
    // written right then, told to wait; never more than two stay active.
    for r in [a, b, c, e, f, g] {
        assert!(matches!(r.status(), StatusCode::CREATED | StatusCode::TOO_MANY_REQUESTS), "{}", r.status());
    }
    assert_eq!(s.state.repo.device_usage(&d.public_key().key_id()).await.unwrap().active_uploads, 2);
}
