//! The coordinators' side: the tally counts each table once, scopes hold in pages and API,
//! sessions and CSRF, reviews reach the feed and the audit log.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use testigo_protocol::api::{BatchResult, Change, FeedPage, ReviewStatus};
use testigo_server::repo::coord::Role;
use testigo_server::services::accounts::create_user;

use crate::common::*;

async fn refresh(s: &TestServer) {
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
}

/// Sends one record with these counts for `station`; returns its id.
async fn send(
    s: &TestServer,
    d: &TestDevice,
    station: &str,
    o1: u32,
    supersedes: Option<uuid::Uuid>,
) -> uuid::Uuid {
    let mut r = d.record(station, &[]);
    r.counts.insert("o1".into(), o1);
    r.supersedes = supersedes;
    let id = r.id;
    let res: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert!(matches!(res.results[0], testigo_protocol::api::RecordOutcome::Stored { .. }), "{res:?}");
    id
}

async fn api_token(s: &TestServer, name: &str, password: &str) -> String {
    let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
    let r: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    r["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_tally_counts_each_table_once_with_its_latest_standing_capture() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1", "st-2", "st-3"]).await;
    let b = s.device(&["st-1"]).await;
    // st-1: a sends 10, then b sends 20 (the latest counts). st-2: a sends 30, then corrects to 35.
    // st-3: a sends 40, then it is rejected (it stops counting).
    send(&s, &a, "st-1", 10, None).await;
    send(&s, &b, "st-1", 20, None).await;
    let first = send(&s, &a, "st-2", 30, None).await;
    send(&s, &a, "st-2", 35, Some(first)).await;
    let rejected = send(&s, &a, "st-3", 40, None).await;
    refresh(&s).await;
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    let votes = s.state.coord.tally(root.id, "pres".into()).await.unwrap();
    assert_eq!(votes["o1"], 20 + 35 + 40);
    assert_eq!(votes["o3"], 3 * 200);
    let target = testigo_server::repo::ReviewTarget::CaptureId(rejected);
    s.state.repo.review(target, ReviewStatus::Rejected, None, "ana".into(), 1).await.unwrap();
    refresh(&s).await;
    let votes = s.state.coord.tally(root.id, "pres".into()).await.unwrap();
    assert_eq!((votes["o1"], votes["o3"], votes["voted"]), (55, 400, 2 * 354));
    let view = s.state.coord.region_view(root.id, "pres".into()).await.unwrap().unwrap();
    let st = view.region.stats;
    assert_eq!((st.stations_reported, st.registered_reported, st.records), (2, 1000, 5));
    assert_eq!((view.region.node.stations, view.region.node.registered), (8, 4000));
    // By region: st-1 and st-3 are in Zulia, st-2 in Lara.
    let zulia = view.children.iter().find(|c| c.node.name == "Zulia").unwrap();
    let lara = view.children.iter().find(|c| c.node.name == "Lara").unwrap();
    assert_eq!(s.state.coord.tally(zulia.node.id, "pres".into()).await.unwrap()["o1"], 20);
    assert_eq!(s.state.coord.tally(lara.node.id, "pres".into()).await.unwrap()["o1"], 35);
    assert_eq!((zulia.stats.records, lara.stats.records), (3, 2));
    // The same through the API and the page.
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let token = api_token(&s, "ana", "una clave larga").await;
    let t: serde_json::Value =
        json_body(s.send(get("/v1/admin/tally", &format!("Bearer {token}"))).await).await;
    assert_eq!(t["votes"]["o1"], 55);
    let c1: i64 = t["candidates"].as_array().unwrap().iter().find(|c| c["id"] == "c1").unwrap()["votes"]
        .as_i64()
        .unwrap();
    assert_eq!(c1, 55 + 2 * 30, "a candidate sums their party lines");
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (status, html) = page(&s, &cookie, "/dash/tally").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Candidata Uno") && html.contains("115"), "{html}");
}

#[tokio::test]
async fn a_coordinator_sees_only_their_region_in_pages_and_api() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2"]).await;
    let photo = photo_bytes(5, 3000);
    let mut r = d.record("st-2", &[&photo]);
    r.counts.insert("o1".into(), 7);
    let lara_capture = r.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    send(&s, &d, "st-1", 9, None).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "zulia", "clave de zulia", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let err = create_user(s.state.coord.as_ref(), "x", "clave larga xx", "Narnia", Role::Reviewer, "test", 1)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Narnia"));
    let cookie = login_cookie(&s, "zulia", "clave%20de%20zulia").await;
    // Home goes to the scope's root.
    let r = s.send(Request::get("/dash").header("cookie", &cookie).body(Body::empty()).unwrap()).await;
    let home = r.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = page(&s, &cookie, &home).await;
    assert!(html.contains("Maracaibo") && !html.contains("Lara"), "{html}");
    let lara = s.state.coord.region_by_path("Lara".into()).await.unwrap().unwrap();
    assert_eq!(page(&s, &cookie, &format!("/dash/regions/{}", lara.id)).await.0, StatusCode::NOT_FOUND);
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    assert_eq!(page(&s, &cookie, &format!("/dash/regions/{}", root.id)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&s, &cookie, "/dash/stations/st-2").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&s, &cookie, "/dash/centers/ctr-2").await.0, StatusCode::NOT_FOUND);
    let lara_pk = s
        .state
        .coord
        .find_capture(testigo_server::repo::ReviewTarget::CaptureId(lara_capture))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page(&s, &cookie, &format!("/dash/captures/{lara_pk}")).await.0, StatusCode::NOT_FOUND);
    let sha = testigo_protocol::Sha256::digest(&photo);
    assert_eq!(page(&s, &cookie, &format!("/dash/photos/{sha}")).await.0, StatusCode::NOT_FOUND);
    let (_, batches) = page(&s, &cookie, "/dash/batches").await;
    assert!(batches.contains("st-1") && !batches.contains("st-2"));
    // The device works in both states: in Zulia's list it shows its Zulia table and records only.
    let (_, devices) = page(&s, &cookie, "/dash/devices").await;
    assert!(devices.contains("st-1") && !devices.contains("st-2"), "{devices}");
    let (_, rows) = s.state.coord.devices("Zulia".into(), 1, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].stations.clone(), rows[0].station_count, rows[0].records),
        (vec!["st-1".to_owned()], 1, 1)
    );
    let (_, rows) = s.state.coord.devices(String::new(), 1, 10).await.unwrap();
    assert_eq!((rows[0].station_count, rows[0].records), (2, 2), "the whole election sees all of it");
    let (_, tally) = page(&s, &cookie, "/dash/tally").await;
    assert!(tally.contains(">9<") || tally.contains(">9 "), "the scope's tally: {tally}");
    // The API enforces the same scope, and a review outside it changes nothing.
    let token = format!("Bearer {}", api_token(&s, "zulia", "clave de zulia").await);
    assert_problem(s.send(get(&format!("/v1/admin/regions/{}", lara.id), &token)).await, 404, "not_found")
        .await;
    let body =
        serde_json::json!({ "capture_id": lara_capture, "status": "rejected" }).to_string().into_bytes();
    assert_problem(s.send(post_json("/v1/admin/reviews", Some(&token), body)).await, 404, "not_found").await;
    let feed: FeedPage = json_body(s.send(get("/v1/feed", &d.bearer())).await).await;
    assert!(feed.events.is_empty());
    // A viewer may look but not review.
    create_user(s.state.coord.as_ref(), "ver", "solo mirar mucho", "", Role::Observer, "test", 1)
        .await
        .unwrap();
    let token = format!("Bearer {}", api_token(&s, "ver", "solo mirar mucho").await);
    let body =
        serde_json::json!({ "capture_id": lara_capture, "status": "verified" }).to_string().into_bytes();
    assert_problem(s.send(post_json("/v1/admin/reviews", Some(&token), body)).await, 403, "forbidden").await;
}

#[tokio::test]
async fn a_review_from_the_page_reaches_the_phone_and_the_audit_log_which_never_changes() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send(&s, &d, "st-1", 12, None).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let pk =
        s.state.coord.find_capture(testigo_server::repo::ReviewTarget::CaptureId(id)).await.unwrap().unwrap();
    let (status, html) = page(&s, &cookie, &format!("/dash/captures/{pk}")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let post = |csrf: &str| {
        Request::post(format!("/dash/captures/{pk}/review"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&status=disputed&comment=Revise+la+fila+3")))
            .unwrap()
    };
    // Without the session's CSRF value: refused.
    assert_eq!(s.send(post("forged")).await.status(), StatusCode::FORBIDDEN);
    let r = s.send(post(&csrf)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Back on the acta, the review is confirmed, with the way to the next one (none is left).
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/dash/captures/{pk}?saved=1"));
    let (_, html) = page(&s, &cookie, &back).await;
    assert!(html.contains("id=\"review-saved\"") && html.contains("No queda ningún acta"), "{html}");
    let feed: FeedPage = json_body(s.send(get("/v1/feed", &d.bearer())).await).await;
    let Change::Review { capture_id, status, comment } = &feed.events[0].change else { panic!() };
    assert_eq!(
        (*capture_id, *status, comment.as_deref()),
        (id, ReviewStatus::Disputed, Some("Revise la fila 3"))
    );
    let (_, html) = page(&s, &cookie, &format!("/dash/captures/{pk}")).await;
    assert!(html.contains("disputed") && html.contains("ana") && html.contains("Revise la fila 3"), "{html}");
    // The audit log refuses changes, whoever asks.
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    assert!(db.execute("UPDATE audit_log SET actor = 'nadie'", []).is_err());
    assert!(db.execute("DELETE FROM audit_log", []).is_err());
    let n: i64 =
        db.query_row("SELECT count(*) FROM audit_log WHERE action = 'review'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    let logins: i64 =
        db.query_row("SELECT count(*) FROM audit_log WHERE action = 'login'", [], |r| r.get(0)).unwrap();
    assert_eq!(logins, 1, "the sign-in is in the log too");
    // Logout ends the session.
    let r = s
        .send(
            Request::post("/dash/logout")
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}")))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r =
        s.send(Request::get("/dash/devices").header("cookie", &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(r.headers()["location"], "/dash/login");
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_guessing_is_slowed() {
    let s = TestServer::with_limits(testigo_server::Limits { login_free_per_pair: 2, ..Default::default() })
        .await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    assert!(
        create_user(s.state.coord.as_ref(), "ana", "otra clave larga", "", Role::Admin, "test", 1)
            .await
            .is_err()
    );
    assert!(create_user(s.state.coord.as_ref(), "corto", "corta", "", Role::Admin, "test", 1).await.is_err());
    let try_login = |pw: &'static str| {
        Request::post("/dash/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("name=ana&password={pw}")))
            .unwrap()
    };
    assert_eq!(s.send(try_login("mala")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.send(try_login("mala")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.send(try_login("una%20clave%20larga")).await.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = s.send(Request::get("/dash").body(Body::empty()).unwrap()).await;
    assert_eq!(r.headers()["location"], "/dash/login");
}

/// Guesses sent all at once are counted as they come in, not after their (slow, memory-hard)
/// password checks: beyond the burst they are refused without a check.
#[tokio::test]
async fn simultaneous_guesses_are_limited_before_their_password_checks() {
    let s = TestServer::with_limits(testigo_server::Limits { login_free_per_pair: 2, ..Default::default() })
        .await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let guess = |pw: &str| {
        Request::post("/dash/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("name=ana&password={pw}")))
            .unwrap()
    };
    let (a, b, c, d) = tokio::join!(
        s.send(guess("mala1")),
        s.send(guess("mala2")),
        s.send(guess("mala3")),
        s.send(guess("mala4"))
    );
    let mut statuses: Vec<u16> = [a, b, c, d].iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [401, 401, 429, 429]);
    // A right password gives its token back: signing in does not use up the limit.
    let s = TestServer::with_limits(testigo_server::Limits { login_free_per_pair: 1, ..Default::default() })
        .await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    for _ in 0..3 {
        assert_eq!(s.send(guess("una%20clave%20larga")).await.status(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn drill_down_acta_view_batches_and_devices_render() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1"]).await;
    let b = s.device(&["st-1"]).await;
    let photo = photo_bytes(9, 5000);
    let mut r = a.record("st-1", &[&photo]);
    r.warnings = vec![testigo_protocol::Warning::new(testigo_protocol::WarningCode::SumMismatch)];
    let _: BatchResult = json_body(s.send(a.batch(vec![a.sign(r)])).await).await;
    send(&s, &b, "st-1", 121, None).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let zulia = s.state.coord.region_by_path("Zulia".into()).await.unwrap().unwrap();
    let (_, html) = page(&s, &cookie, &format!("/dash/regions/{}", zulia.id)).await;
    assert!(html.contains("Maracaibo"));
    let maracaibo = s.state.coord.region_by_path("Zulia/Maracaibo".into()).await.unwrap().unwrap();
    let (_, html) = page(&s, &cookie, &format!("/dash/regions/{}", maracaibo.id)).await;
    assert!(html.contains("/dash/centers/ctr-1") && html.contains("Escuela 1"), "{html}");
    let (_, html) = page(&s, &cookie, "/dash/centers/ctr-1").await;
    assert!(html.contains("/dash/stations/st-1"));
    let (_, html) = page(&s, &cookie, "/dash/stations/st-1").await;
    let pks: Vec<i64> = html
        .split("/dash/captures/")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(pks.len(), 2);
    // The first watcher's acta: its photo, its numbers; its typed 120 marked because the other
    // watcher's 121 differs (itself underlined).
    let first = *pks.iter().min().unwrap();
    let (_, html) = page(&s, &cookie, &format!("/dash/captures/{first}")).await;
    let sha = testigo_protocol::Sha256::digest(&photo).to_hex();
    assert!(!html.contains(&format!("/dash/photos/{sha}")), "the photo has not arrived yet");
    assert!(html.contains("sum_mismatch"));
    assert!(html.contains("class=\"n diff\">120<") && html.contains("class=\"n differs\">121<"), "{html}");
    let (_, html) = page(&s, &cookie, "/dash/batches?filter=warnings").await;
    assert_eq!(html.matches("/dash/captures/").count(), 1);
    let (_, html) = page(&s, &cookie, "/dash/batches?filter=missing_photo").await;
    assert_eq!(html.matches("/dash/captures/").count(), 1);
    // Both watchers' captures of st-1, which disagree, and nothing else.
    let (_, html) = page(&s, &cookie, "/dash/batches?filter=disagree").await;
    assert_eq!(html.matches("/dash/captures/").count(), 2, "{html}");
    let (_, html) = page(&s, &cookie, "/dash/devices").await;
    assert!(
        html.contains(a.public_key().key_id().as_str()) && html.contains(b.public_key().key_id().as_str())
    );
    let (status, _) = page(&s, &cookie, "/dash/batches?filter=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let _: BTreeMap<String, i64> = s.state.coord.tally(zulia.id, "pres".into()).await.unwrap();
}

#[tokio::test]
async fn photos_received_count_in_their_region() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(3, 4000);
    let r = d.record("st-1", &[&photo]);
    let capture = r.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    refresh(&s).await;
    let sha = testigo_protocol::Sha256::digest(&photo);
    let create = Request::post("/v1/uploads")
        .header("authorization", d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("upload-length", photo.len().to_string())
        .header("upload-metadata", upload_metadata(capture, &sha))
        .header("content-type", "application/offset+octet-stream")
        .body(Body::from(photo.clone()))
        .unwrap();
    assert_eq!(s.send(create).await.status(), StatusCode::CREATED);
    refresh(&s).await;
    let zulia = s.state.coord.region_by_path("Zulia".into()).await.unwrap().unwrap();
    let view = s.state.coord.region_view(zulia.id, "pres".into()).await.unwrap().unwrap();
    assert_eq!((view.region.stats.photos_declared, view.region.stats.photos_received), (1, 1));
    let minute = testigo_server::now_ms().div_euclid(60_000);
    let activity = s.state.coord.activity(zulia.id, minute - 5).await.unwrap();
    assert_eq!(
        activity.iter().map(|a| (a.records, a.photos)).fold((0, 0), |t, a| (t.0 + a.0, t.1 + a.1)),
        (1, 1)
    );
}

/// A correction can reach the server before the capture it corrects (the first record waited to
/// be retried): the late original must not become the table's counted capture.
#[tokio::test]
async fn a_correction_that_arrives_first_still_replaces_the_capture_it_corrects() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1"]).await;
    let mut original = a.record("st-1", &[]);
    original.counts.insert("o1".into(), 30);
    let mut correction = a.record("st-1", &[]);
    correction.counts.insert("o1".into(), 35);
    correction.supersedes = Some(original.id);
    for (r, batch) in [(&correction, 1), (&original, 2)] {
        let res: BatchResult = json_body(s.send(a.batch(vec![a.sign(r.clone())])).await).await;
        assert!(
            matches!(res.results[0], testigo_protocol::api::RecordOutcome::Stored { .. }),
            "{batch}: {res:?}"
        );
        // The tally worker runs between the two arrivals, as it does every half second.
        refresh(&s).await;
    }
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    let votes = s.state.coord.tally(root.id, "pres".into()).await.unwrap();
    assert_eq!(votes.get("o1"), Some(&35), "the correction counts, once: {votes:?}");
    let (_, captures) = s.state.coord.station("st-1".into(), "pres".into()).await.unwrap().unwrap();
    let old = captures.iter().find(|c| c.capture_id == original.id.to_string()).unwrap();
    let new = captures.iter().find(|c| c.capture_id == correction.id.to_string()).unwrap();
    assert_eq!(old.superseded_by, Some(new.pk), "{captures:?}");
}

/// A guesser slows down only what they guess at: the same account from another address, and
/// another account from the same address (a proxy's, say), still sign in; and a forwarded address
/// counts only from a trusted proxy.
#[tokio::test]
async fn a_guesser_locks_out_neither_other_accounts_nor_other_addresses() {
    use axum::extract::ConnectInfo;
    let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let limits = testigo_server::Limits { trusted_proxies: vec![proxy], ..Default::default() };
    let s = TestServer::with_limits(limits).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "beto", "otra clave larga", "", Role::Admin, "test", 1)
        .await
        .unwrap();
    let attempt = |peer: &str, forwarded: Option<&str>, name: &str, pw: &str| {
        let mut b = Request::post("/dash/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .extension(ConnectInfo(std::net::SocketAddr::new(peer.parse().unwrap(), 5000)));
        if let Some(f) = forwarded {
            b = b.header("x-forwarded-for", f);
        }
        b.body(Body::from(format!("name={name}&password={pw}"))).unwrap()
    };
    // Ten wrong guesses at ana from 198.51.100.7, through the trusted proxy.
    let mut statuses = Vec::new();
    for i in 0..10 {
        let r = s.send(attempt("10.0.0.1", Some("198.51.100.7"), "ana", &format!("mala{i}"))).await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The right password from there waits too (else guessing would go on)...
    let r = s.send(attempt("10.0.0.1", Some("198.51.100.7"), "ana", "una%20clave%20larga")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // ...but ana from her own address, and beto behind the same proxy, sign in.
    let r = s.send(attempt("10.0.0.1", Some("203.0.113.5"), "ana", "una%20clave%20larga")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = s.send(attempt("10.0.0.1", Some("198.51.100.7"), "beto", "otra%20clave%20larga")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // An untrusted peer cannot pick its address with the header: its guesses count as its own.
    for i in 0..5 {
        let r = s.send(attempt("192.0.2.44", Some(&format!("203.0.113.{i}")), "beto", "mala")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = s.send(attempt("192.0.2.44", Some("203.0.113.99"), "beto", "mala")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A token works only where it was issued, and the API has a logout.
#[tokio::test]
async fn api_tokens_are_not_cookies_and_end_at_logout() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let token = api_token(&s, "ana", "una clave larga").await;
    let bearer = format!("Bearer {token}");
    assert_eq!(s.send(get("/v1/admin/tally", &bearer)).await.status(), StatusCode::OK);
    // The API's token set as the dashboard's cookie is no session there.
    let r = s
        .send(
            Request::get("/dash/tally")
                .header("cookie", format!("testigo_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/dash/login");
    // Nor is the dashboard's cookie a bearer token.
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let value = cookie.split_once('=').unwrap().1;
    assert_problem(s.send(get("/v1/admin/tally", &format!("Bearer {value}"))).await, 401, "unauthorized")
        .await;
    // Logout ends the token at once.
    let r = s.send(post_json("/v1/admin/logout", Some(&bearer), Vec::new())).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(s.send(get("/v1/admin/tally", &bearer)).await, 401, "unauthorized").await;
    assert_problem(
        s.send(post_json("/v1/admin/logout", Some(&bearer), Vec::new())).await,
        401,
        "unauthorized",
    )
    .await;
    // The dashboard's session was not touched.
    assert_eq!(page(&s, &cookie, "/dash/tally").await.0, StatusCode::OK);
}

/// Every answer tells browsers to load nothing from elsewhere, run no script, allow no framing
/// and guess no types; over https the cookie is Secure and HSTS is on.
#[tokio::test]
async fn answers_carry_the_browser_protections_and_https_adds_secure_cookies() {
    for https in [false, true] {
        let s = TestServer::with_limits(testigo_server::Limits { https, ..Default::default() }).await;
        create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1)
            .await
            .unwrap();
        for path in ["/dash/login", "/healthz", "/v1/nothing"] {
            let r = s.send(Request::get(path).body(Body::empty()).unwrap()).await;
            let h = r.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
                "{path}: {csp}"
            );
            // Only the dashboard's own script, from its own origin; none at all for the API.
            if path.starts_with("/dash") {
                assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-eval"), "{path}: {csp}");
                assert!(!csp.contains("script-src 'self' "), "{path}: one source only: {csp}");
            } else {
                assert!(!csp.contains("script-src"), "{path}: no script is allowed: {csp}");
            }
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["referrer-policy"], "no-referrer");
            assert_eq!(h.contains_key("strict-transport-security"), https, "{path}");
        }
        let r = s
            .send(
                Request::post("/dash/login")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from("name=ana&password=una%20clave%20larga"))
                    .unwrap(),
            )
            .await;
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert_eq!(cookie.ends_with("; Secure"), https, "{cookie}");
    }
}

/// A page as a browser asking for `accept_language` gets it: status, headers, text.
async fn page_in(
    s: &TestServer,
    cookie: Option<&str>,
    path: &str,
    accept_language: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(accept) = accept_language {
        request = request.header("accept-language", accept);
    }
    let r = s.send(request.body(Body::empty()).unwrap()).await;
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, String::from_utf8(body_bytes(r).await).unwrap())
}

/// The dashboard speaks the language the browser asks for (Spanish when it asks for none the
/// dashboard has), says so, and says that its pages depend on the asking.
#[tokio::test]
async fn pages_speak_the_language_the_browser_asks_for() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    send(&s, &d, "st-1", 12, None).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    let region = format!("/dash/regions/{}", root.id);
    // Spanish, as it always was, without a header or for a language the dashboard lacks; the
    // whole election has 4000 registered voters.
    for accept in [None, Some("de-DE,de;q=0.9")] {
        let (status, headers, html) = page_in(&s, Some(&cookie), &region, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<html lang=\"es\">") && html.contains("Mesas con acta"), "{html}");
        assert!(html.contains(">Salir</button>") && html.contains("de 4\u{202f}000 inscritos"), "{html}");
        assert_eq!(headers["content-language"], "es");
    }
    let (status, headers, html) = page_in(&s, Some(&cookie), &region, Some("en-US,en;q=0.9")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Tables with a tally sheet") && html.contains(">Sign out</button>"), "{html}");
    assert!(html.contains("of 4,000 registered voters") && html.contains("Arrivals per minute"), "{html}");
    assert!(!html.contains("Mesas con acta") && !html.contains("Salir"), "{html}");
    assert!(headers["vary"].to_str().unwrap().contains("Accept-Language"), "{headers:?}");
    assert_eq!(headers["content-language"], "en");
    let (status, headers, html) =
        page_in(&s, Some(&cookie), "/dash/tally", Some("fr-CA,fr;q=0.9,en;q=0.5")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"fr\">") && html.contains("Par candidat"), "{html}");
    assert!(
        html.contains("Bureaux avec procès-verbal") && html.contains(">Se déconnecter</button>"),
        "{html}"
    );
    assert!(html.contains("Candidata Uno"), "names from the election file stay as they are: {html}");
    assert!(headers["vary"].to_str().unwrap().contains("Accept-Language"), "{headers:?}");
    assert_eq!(headers["content-language"], "fr");
    // Pages without a session speak it too: the login page and failures.
    let (_, headers, html) = page_in(&s, None, "/dash/login", Some("en")).await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Password") && html.contains("Sign in"));
    assert!(headers["vary"].to_str().unwrap().contains("Accept-Language"), "{headers:?}");
    let (_, _, html) = page_in(&s, None, "/dash/login", Some("fr")).await;
    assert!(html.contains("<html lang=\"fr\">") && html.contains("Mot de passe"), "{html}");
    let (status, headers, html) = page_in(&s, Some(&cookie), "/dash/regions/999999", Some("en")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<html lang=\"en\">") && html.contains("Error 404"), "{html}");
    assert!(html.contains("It does not exist, or it is not in your region."), "{html}");
    assert!(headers["vary"].to_str().unwrap().contains("Accept-Language"), "{headers:?}");
    let (status, _, html) = page_in(&s, Some(&cookie), "/dash/regions/999999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("No existe, o no está en su región."), "{html}");
    let (status, _, html) = page_in(&s, Some(&cookie), "/dash/regions/abc", Some("fr")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("<html lang=\"fr\">") && html.contains("adresse mal formée"), "{html}");
    let wrong = Request::post("/dash/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "pt-BR,pt;q=0.9")
        .body(Body::from("name=ana&password=mala"))
        .unwrap();
    let r = s.send(wrong).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let html = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(html.contains("<html lang=\"pt\">") && html.contains("Usuário ou senha incorretos."), "{html}");
}

/// Every main page, with everything it can show (warnings, photos received and awaited, other
/// watchers' numbers, a correction, a review with its comment, a revoked device, failures),
/// finds every message it asks for in each of the four languages.
#[tokio::test]
async fn no_page_misses_a_message_in_any_language() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1", "st-3"]).await;
    let b = s.device(&["st-1"]).await;
    let (page1, page2) = (photo_bytes(7, 4000), photo_bytes(8, 4000));
    let mut r = a.record("st-1", &[&page1, &page2]);
    r.warnings = vec![
        testigo_protocol::Warning::new(testigo_protocol::WarningCode::SumMismatch),
        testigo_protocol::Warning::on(testigo_protocol::WarningCode::CountMissing, "o2"),
    ];
    r.notes = "La mesa cerró tarde".into();
    let with_photos = r.id;
    let _: BatchResult = json_body(s.send(a.batch(vec![a.sign(r)])).await).await;
    assert_eq!(upload(&s, &a, with_photos, &page1).await, StatusCode::NO_CONTENT);
    send(&s, &b, "st-1", 121, None).await;
    let first = send(&s, &a, "st-3", 30, None).await;
    send(&s, &a, "st-3", 35, Some(first)).await;
    let target = testigo_server::repo::ReviewTarget::CaptureId(with_photos);
    s.state
        .repo
        .review(target, ReviewStatus::Disputed, Some("Revise la fila 3".into()), "ana".into(), 1)
        .await
        .unwrap();
    s.state.repo.revoke_device(b.public_key().key_id(), "perdido".into(), "ana".into(), 2).await.unwrap();
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let mut paths = vec![
        "/dash/tally".to_owned(),
        "/dash/centers/ctr-1".to_owned(),
        "/dash/stations/st-1".to_owned(),
        "/dash/stations/st-3".to_owned(),
        "/dash/stations/st-5".to_owned(),
        "/dash/devices".to_owned(),
        "/dash/batches".to_owned(),
        "/dash/regions/999999".to_owned(),
        "/dash/batches?filter=nonsense".to_owned(),
        "/dash/transcribe?done=verify".to_owned(),
        "/dash/verify".to_owned(),
        "/dash/missing".to_owned(),
        "/dash/missing?filter=no_photo".to_owned(),
        "/dash/missing?filter=disagree".to_owned(),
        "/dash/missing?filter=warned".to_owned(),
        "/dash/search?q=st".to_owned(),
        "/dash/search".to_owned(),
        "/dash/audit".to_owned(),
        "/dash/audit?q=nothing-matches".to_owned(),
        "/dash/enrollment".to_owned(),
        "/dash/refused".to_owned(),
    ];
    for filter in ["all", "warnings", "unreviewed", "disputed", "missing_photo"] {
        paths.push(format!("/dash/batches?filter={filter}"));
    }
    for region in ["", "Zulia", "Zulia/Maracaibo"] {
        let node = s.state.coord.region_by_path(region.into()).await.unwrap().unwrap();
        paths.push(format!("/dash/regions/{}", node.id));
        paths.push(format!("/dash/tally?region={}", node.id));
    }
    let (_, captures) = s.state.coord.station("st-1".into(), "pres".into()).await.unwrap().unwrap();
    let (_, corrections) = s.state.coord.station("st-3".into(), "pres".into()).await.unwrap().unwrap();
    assert_eq!((captures.len(), corrections.len()), (2, 2));
    for c in captures.iter().chain(&corrections) {
        paths.push(format!("/dash/captures/{}", c.pk));
    }
    for lang in ["es", "en", "pt", "fr"] {
        let (_, _, html) = page_in(&s, None, "/dash/login", Some(lang)).await;
        assert!(html.contains(&format!("<html lang=\"{lang}\">")) && !html.contains('⟦'), "{lang}: {html}");
        for path in &paths {
            let (status, _, html) = page_in(&s, Some(&cookie), path, Some(lang)).await;
            assert!(status.is_success() || status.is_client_error(), "{lang} {path}: {status}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang} {path}: {html}");
            assert!(!html.contains('⟦'), "{lang} {path}: a message is missing: {html}");
        }
    }
    // What the acta view showed is what the test meant to cover.
    let pk = captures.iter().find(|c| c.capture_id == with_photos.to_string()).unwrap().pk;
    let (_, _, html) = page_in(&s, Some(&cookie), &format!("/dash/captures/{pk}"), Some("en")).await;
    for shown in [
        "the votes do not add up to the voters who voted",
        "a number is missing",
        "Watcher's notes",
        "tap the photo to zoom in",
        "the photo has not arrived yet",
        "other ",
        "Review log",
        "“Revise la fila 3”",
        "Photo 2: received",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    let (_, _, html) = page_in(&s, Some(&cookie), "/dash/devices", Some("en")).await;
    assert!(html.contains("revoked ") && html.contains("min ago"), "{html}");
}

#[tokio::test]
async fn pages_are_gzipped_for_browsers_that_take_it_and_photos_are_not() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(3, 5000);
    let r = d.record("st-1", &[&photo]);
    let id = r.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert_eq!(upload(&s, &d, id, &photo).await, StatusCode::NO_CONTENT);
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let fetch = |path: String, gzip: bool| {
        let s = &s;
        let cookie = cookie.clone();
        async move {
            let mut req = Request::get(path).header("cookie", cookie);
            if gzip {
                req = req.header("accept-encoding", "gzip, deflate, br");
            }
            let r = s.send(req.body(Body::empty()).unwrap()).await;
            let encoding = r.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            (encoding, body_bytes(r).await.len())
        }
    };
    let (plain_encoding, plain) = fetch("/dash/tally".into(), false).await;
    let (encoding, gzipped) = fetch("/dash/tally".into(), true).await;
    assert_eq!((plain_encoding, encoding.as_deref()), (None, Some("gzip")));
    assert!(gzipped * 2 < plain, "{gzipped} of {plain} bytes");
    let sha = testigo_protocol::Sha256::digest(&photo).to_hex();
    let (encoding, len) = fetch(format!("/dash/photos/{sha}"), true).await;
    assert_eq!((encoding, len), (None, photo.len()), "a photo goes as it is");
    let (encoding, _) = fetch("/es/".into(), true).await;
    assert_eq!(encoding.as_deref(), Some("gzip"), "the portal too");
}

#[tokio::test]
async fn late_tables_name_their_devices_and_search_finds_within_the_scope() {
    let s = TestServer::new().await;
    // st-1 reports with its photo, st-3 reports without its photo; st-5 and st-7 (Zulia) and every
    // Lara table have nothing. One device for st-1/st-3/st-5, none for st-7.
    let d = s.device(&["st-1", "st-3", "st-5"]).await;
    let photo = photo_bytes(4, 3000);
    let r = d.record("st-1", &[&photo]);
    let with_photo = r.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert_eq!(upload(&s, &d, with_photo, &photo).await, StatusCode::NO_CONTENT);
    let r = d.record("st-3", &[&photo_bytes(5, 3000)]);
    let no_photo = r.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "lara", "una clave larga", "Lara", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let zulia = s.state.coord.region_by_path("Zulia".into()).await.unwrap().unwrap();
    let (status, html) = page(&s, &cookie, &format!("/dash/missing?region={}", zulia.id)).await;
    assert_eq!(status, StatusCode::OK);
    let listed = |html: &str| -> Vec<String> {
        html.split("href=\"/dash/stations/")
            .skip(1)
            .map(|p| p.split('"').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&html), ["st-5", "st-7"], "{html}");
    assert!(html.contains("2 of 4 tables") || html.contains("2 de 4"), "{html}");
    assert!(html.contains(&d.public_key().key_id().as_str()[..8]), "the device that should report st-5");
    let (_, html) = page(&s, &cookie, &format!("/dash/missing?region={}&filter=no_photo", zulia.id)).await;
    assert_eq!(listed(&html), ["st-3"], "{html}");
    // Paging: one table per page through the repository, in order, nothing twice.
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = s
            .state
            .coord
            .late_tables(
                String::new(),
                "pres".into(),
                testigo_server::repo::coord::LateFilter::NoActa,
                after,
                1,
            )
            .await
            .unwrap();
        let Some(t) = page.first() else { break };
        seen.push(t.station_id.clone());
        after = Some(t.cursor);
    }
    seen.sort();
    assert_eq!(seen, ["st-2", "st-4", "st-5", "st-6", "st-7", "st-8"]);
    // Lara's coordinator: the Zulia region is not theirs; their own late tables are.
    let lara = login_cookie(&s, "lara", "una%20clave%20larga").await;
    assert_eq!(page(&s, &lara, &format!("/dash/missing?region={}", zulia.id)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(listed(&page(&s, &lara, "/dash/missing").await.1), ["st-2", "st-4", "st-6", "st-8"]);
    assert_eq!(page(&s, &cookie, "/dash/missing?after=garbage").await.0, StatusCode::BAD_REQUEST);

    // Search: a capture id opens its acta; a center by name; nothing outside the scope.
    let r = s
        .send(
            Request::get(format!("/dash/search?q={no_photo}"))
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/dash/captures/"));
    let (status, html) = page(&s, &cookie, "/dash/search?q=st-").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("href=\"/dash/stations/").count(), 8, "{html}");
    let (_, html) = page(&s, &lara, "/dash/search?q=st-").await;
    assert_eq!(html.matches("href=\"/dash/stations/").count(), 4, "{html}");
    let (_, html) = page(&s, &lara, &format!("/dash/search?q={no_photo}")).await;
    assert!(html.contains("id=\"search-none\""), "a capture outside the scope is not found: {html}");
    let r = s
        .send(Request::get("/dash/search?q=Escuela").header("cookie", &cookie).body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.headers()["location"], "/dash/centers/ctr-1");
}

#[tokio::test]
async fn open_pages_hear_each_tally_pass_through_server_sent_events() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    // Without a session: to the login page, like every dashboard page.
    let r = s.send(Request::get("/dash/events").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = s.send(Request::get("/dash/events").header("cookie", &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    assert_eq!(s.state.live.listeners(), 1);
    let mut body = r.into_body();
    // At once: the latest pass (none yet), so a page made before the stream opened can tell.
    let first = next_frame(&mut body).await;
    assert!(first.contains("event: change") && first.contains("id: 0"), "{first}");
    // A batch arrives and the tally worker's pass is announced: one event.
    let d = s.device(&["st-1"]).await;
    send(&s, &d, "st-1", 10, None).await;
    let progress = s.state.repo.refresh_tally(testigo_server::TALLY_BATCH).await.unwrap();
    s.state.live.pulse(&progress, 1_700_000_000_000);
    let text = next_frame(&mut body).await;
    assert!(
        text.contains("event: change") && text.contains("\"captures\":1") && text.contains("id: 1"),
        "{text}"
    );
    drop(body);
    assert_eq!(s.state.live.listeners(), 0, "a closed page stops listening");
    // Live pages load the script that listens, say when they were made, and allow the script.
    let r = s.send(Request::get("/dash/tally").header("cookie", &cookie).body(Body::empty()).unwrap()).await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
    let html = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(html.contains("<main data-live data-seq=\"1\"") && html.contains("id=\"as-of\""), "{html}");
    let (status, js) = page(&s, &cookie, "/dash/static/dash.js").await;
    assert!(status.is_success() && js.contains("EventSource"));
}

#[tokio::test]
async fn the_overview_counts_what_needs_attention_and_each_count_lists_its_tables() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1", "st-3"]).await;
    let b = s.device(&["st-1"]).await;
    // st-1: two phones, different numbers. st-3: a photo still on its way, and a warning.
    send(&s, &a, "st-1", 10, None).await;
    let b_first = send(&s, &b, "st-1", 12, None).await;
    let photo = photo_bytes(6, 3000);
    let mut r = a.record("st-3", &[&photo]);
    r.warnings = vec![testigo_protocol::Warning::new(testigo_protocol::WarningCode::SumMismatch)];
    let st3 = r.id;
    let _: BatchResult = json_body(s.send(a.batch(vec![a.sign(r)])).await).await;
    refresh(&s).await;
    let zulia = s.state.coord.region_by_path("Zulia".into()).await.unwrap().unwrap();
    let stats = |s: &TestServer| {
        let s = s.state.clone();
        let id = zulia.id;
        async move { s.coord.region_view(id, "pres".into()).await.unwrap().unwrap().region.stats.attention }
    };
    let at = stats(&s).await;
    assert_eq!((at.disagree, at.unreviewed, at.no_photo, at.warned, at.disputed), (1, 2, 1, 1, 0), "{at:?}");
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (_, _, html) = page_in(&s, Some(&cookie), &format!("/dash/regions/{}", zulia.id), Some("en")).await;
    assert!(html.contains("where watchers disagree") && html.contains("waiting for their photo"), "{html}");
    let listed = |html: &str| -> Vec<String> {
        html.split("href=\"/dash/stations/")
            .skip(1)
            .map(|p| p.split('"').next().unwrap().to_owned())
            .collect()
    };
    for (filter, tables) in [
        ("disagree", vec!["st-1"]),
        ("no_photo", vec!["st-3"]),
        ("warned", vec!["st-3"]),
        ("unreviewed", vec!["st-1", "st-3"]),
    ] {
        let (status, html) =
            page(&s, &cookie, &format!("/dash/missing?region={}&filter={filter}", zulia.id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed(&html), tables, "{filter}: {html}");
    }
    let (_, html) = page(&s, &cookie, "/dash/centers/ctr-1").await;
    assert_eq!(html.matches("flag-disagree").count(), 1, "the center marks st-1: {html}");
    // The second phone corrects to the first's numbers, st-3's photo arrives, st-1 is disputed.
    send(&s, &b, "st-1", 10, Some(b_first)).await;
    assert_eq!(upload(&s, &a, st3, &photo).await, StatusCode::NO_CONTENT);
    refresh(&s).await;
    let (_, captures) = s.state.coord.station("st-1".into(), "pres".into()).await.unwrap().unwrap();
    let target = testigo_server::repo::ReviewTarget::Pk(captures[0].pk);
    s.state.repo.review(target, ReviewStatus::Disputed, None, "ana".into(), 2).await.unwrap();
    refresh(&s).await;
    let at = stats(&s).await;
    assert_eq!((at.disagree, at.unreviewed, at.no_photo, at.warned, at.disputed), (0, 1, 0, 1, 1), "{at:?}");
}

#[tokio::test]
async fn a_coordinator_chooses_which_capture_stands_and_the_tally_follows() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1"]).await;
    let b = s.device(&["st-1"]).await;
    let first = send(&s, &a, "st-1", 10, None).await;
    send(&s, &b, "st-1", 12, None).await;
    refresh(&s).await;
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    let o1 = |s: &TestServer| {
        let s = s.state.clone();
        async move { s.coord.tally(root.id, "pres".into()).await.unwrap()["o1"] }
    };
    assert_eq!(o1(&s).await, 12, "the latest counts");
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "lara", "una clave larga", "Lara", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (_, html) = page(&s, &cookie, "/dash/stations/st-1").await;
    let csrf = {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let pk_a = s
        .state
        .coord
        .find_capture(testigo_server::repo::ReviewTarget::CaptureId(first))
        .await
        .unwrap()
        .unwrap();
    let post = |cookie: String, body: String| {
        let s = &s;
        async move {
            s.send(
                Request::post("/dash/stations/st-1/choose")
                    .header("cookie", cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .status()
        }
    };
    // A reason is required; another region's coordinator cannot; the first phone's capture stands.
    assert_eq!(
        post(cookie.clone(), format!("csrf={csrf}&capture={pk_a}&reason=")).await,
        StatusCode::BAD_REQUEST
    );
    let lara = login_cookie(&s, "lara", "una%20clave%20larga").await;
    let (_, lara_html) = page(&s, &lara, "/dash/tally").await;
    let lara_csrf = {
        let at = lara_html.find("name=\"csrf\" value=\"").unwrap() + 19;
        lara_html[at..at + lara_html[at..].find('"').unwrap()].to_owned()
    };
    assert_eq!(post(lara, format!("csrf={lara_csrf}&capture={pk_a}&reason=x")).await, StatusCode::NOT_FOUND);
    let reason = "El%20acta%20f%C3%ADsica%20dice%2010";
    assert_eq!(
        post(cookie.clone(), format!("csrf={csrf}&capture={pk_a}&reason={reason}")).await,
        StatusCode::SEE_OTHER
    );
    refresh(&s).await;
    assert_eq!(o1(&s).await, 10, "the tally follows the choice");
    let zulia = s.state.coord.region_by_path("Zulia".into()).await.unwrap().unwrap();
    let view = s.state.coord.region_view(zulia.id, "pres".into()).await.unwrap().unwrap();
    assert_eq!(view.region.stats.attention.disagree, 0, "a choice settles the disagreement");
    let (_, html) = page(&s, &cookie, "/dash/stations/st-1").await;
    assert!(html.contains("El acta física dice 10") && html.contains("ana"), "{html}");
    let detail = s.state.coord.capture_detail(pk_a).await.unwrap().unwrap();
    assert!(detail.counted);
    assert!(
        detail.audit.iter().any(|a| a.action == "choose" && a.detail["reason"] == "El acta física dice 10")
    );
    // Back to the latest.
    assert_eq!(
        post(cookie.clone(), format!("csrf={csrf}&capture=latest&reason=revisado")).await,
        StatusCode::SEE_OTHER
    );
    refresh(&s).await;
    assert_eq!(o1(&s).await, 12);
    // A capture of another table cannot stand for this one.
    let c = s.device(&["st-3"]).await;
    let other = send(&s, &c, "st-3", 1, None).await;
    let pk_other = s
        .state
        .coord
        .find_capture(testigo_server::repo::ReviewTarget::CaptureId(other))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        post(cookie, format!("csrf={csrf}&capture={pk_other}&reason=x")).await,
        StatusCode::BAD_REQUEST
    );
}

/// The next frame of a streamed body, as text (within five seconds).
async fn next_frame(body: &mut Body) -> String {
    use http_body_util::BodyExt as _;
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn silent_phones_come_first_carry_their_watchers_name_and_a_revoked_one_is_refused() {
    let s = TestServer::new().await;
    let heard = s.device(&["st-1"]).await;
    let silent = s.device(&["st-3"]).await;
    let lara = s.device(&["st-2"]).await;
    send(&s, &heard, "st-1", 10, None).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "zulia", "una clave larga", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (_, html) = page(&s, &cookie, "/dash/devices").await;
    let csrf = {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let key = |d: &TestDevice| d.public_key().key_id().as_str().to_owned();
    let at = |html: &str, d: &TestDevice| html.find(&format!("title=\"{}\"", key(d))).unwrap();
    assert!(at(&html, &silent) < at(&html, &heard), "the phone never heard from comes first");
    let post = |cookie: String, path: String, body: String| {
        let s = &s;
        async move {
            s.send(
                Request::post(path)
                    .header("cookie", cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .status()
        }
    };
    let contact = format!("/dash/devices/{}/contact", key(&silent));
    let body = format!("csrf={csrf}&name=Mar%C3%ADa%20P%C3%A9rez&phone=%2B58%20412%20555%200101");
    assert_eq!(post(cookie.clone(), contact.clone(), body).await, StatusCode::SEE_OTHER);
    assert_eq!(
        post(cookie.clone(), contact.clone(), format!("csrf={csrf}&name=x&phone=call%20me")).await,
        StatusCode::BAD_REQUEST
    );
    let (_, html) = page(&s, &cookie, "/dash/devices").await;
    assert!(html.contains("María Pérez") && html.contains("+58 412 555 0101"), "{html}");
    let (_, html) = page(&s, &cookie, "/dash/missing").await;
    assert!(html.contains("María Pérez"), "the late table names its watcher: {html}");
    // Never public: not on the portal, not in its open data.
    for path in ["/es/", "/data/tables.csv", "/es/search?q=st"] {
        let r = s.send(Request::get(path).body(Body::empty()).unwrap()).await;
        let text = String::from_utf8(body_bytes(r).await).unwrap();
        assert!(!text.contains("María") && !text.contains("555 0101"), "{path}");
    }
    // Zulia's coordinator cannot note Lara's phone.
    let zulia = login_cookie(&s, "zulia", "una%20clave%20larga").await;
    let (_, zhtml) = page(&s, &zulia, "/dash/devices").await;
    let zcsrf = {
        let at = zhtml.find("name=\"csrf\" value=\"").unwrap() + 19;
        zhtml[at..at + zhtml[at..].find('"').unwrap()].to_owned()
    };
    let lara_contact = format!("/dash/devices/{}/contact", key(&lara));
    assert_eq!(
        post(zulia, lara_contact, format!("csrf={zcsrf}&name=x&phone=1")).await,
        StatusCode::NOT_FOUND
    );
    // Revoked from the page: its next request is refused; what it sent stays.
    let revoke = format!("/dash/devices/{}/revoke", key(&heard));
    assert_eq!(
        post(cookie.clone(), revoke, format!("csrf={csrf}&reason=perdido")).await,
        StatusCode::SEE_OTHER
    );
    let r = s.send(get("/v1/feed?after=0", &heard.bearer())).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    assert_eq!(s.state.coord.tally(root.id, "pres".into()).await.unwrap()["o1"], 10);
}

#[tokio::test]
async fn counting_only_verified_actas_follows_reviews_and_can_be_undone() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2"]).await;
    let first = send(&s, &d, "st-1", 10, None).await;
    send(&s, &d, "st-2", 20, None).await;
    refresh(&s).await;
    let root = s.state.coord.region_by_path(String::new()).await.unwrap().unwrap();
    let counted = |s: &TestServer| {
        let s = s.state.clone();
        async move {
            let view = s.coord.region_view(root.id, "pres".into()).await.unwrap().unwrap();
            let o1 = s.coord.tally(root.id, "pres".into()).await.unwrap().get("o1").copied().unwrap_or(0);
            (view.region.stats.stations_reported, o1)
        }
    };
    assert_eq!(counted(&s).await, (2, 30));
    let ana = testigo_server::services::review::Reviewer::operator("ana");
    let zulia = testigo_server::services::review::Reviewer {
        name: "z".into(),
        scope_path: "Zulia".into(),
        role: Role::Reviewer,
    };
    assert!(
        testigo_server::services::tally::set_verified_only(&s.state, &zulia, true).await.is_err(),
        "national only"
    );
    testigo_server::services::tally::set_verified_only(&s.state, &ana, true).await.unwrap();
    refresh(&s).await;
    assert_eq!(counted(&s).await, (0, 0), "nothing is verified yet");
    s.state
        .repo
        .review(
            testigo_server::repo::ReviewTarget::CaptureId(first),
            ReviewStatus::Verified,
            None,
            "ana".into(),
            3,
        )
        .await
        .unwrap();
    refresh(&s).await;
    assert_eq!(counted(&s).await, (1, 10), "the verified acta counts");
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (_, _, html) = page_in(&s, Some(&cookie), "/dash/tally", Some("en")).await;
    assert!(html.contains("Only verified sheets count"), "{html}");
    testigo_server::services::tally::set_verified_only(&s.state, &ana, false).await.unwrap();
    refresh(&s).await;
    assert_eq!(counted(&s).await, (2, 30));
}

#[tokio::test]
async fn the_audit_log_names_every_action_is_searchable_and_exports_for_national_reviewers_only() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send(&s, &d, "st-1", 10, None).await;
    refresh(&s).await;
    let target = testigo_server::repo::ReviewTarget::CaptureId(id);
    s.state
        .repo
        .review(target, ReviewStatus::Disputed, Some("fila 3".into()), "ana".into(), 5)
        .await
        .unwrap();
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "zulia", "una clave larga", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (status, html) = page(&s, &cookie, "/dash/audit").await;
    assert_eq!(status, StatusCode::OK);
    // In words, in the reader's language: what was done, to what, with the comment.
    assert!(html.contains("<td>Revisión</td>") && html.contains("<td>Ingreso</td>"), "{html}");
    assert!(html.contains("sin revisar → en disputa — «fila 3»"), "{html}");
    assert!(html.contains("<b>zulia</b> · Revisor · Zulia"), "the account made: {html}");
    assert!(!html.contains("\"from\""), "no raw details: {html}");
    let (_, html) = page(&s, &cookie, "/dash/audit?q=FILA%203").await;
    assert!(html.contains("<td>Revisión</td>") && !html.contains("<td>Ingreso</td>"), "{html}");
    let (status, csv) = page(&s, &cookie, "/dash/audit.csv?q=").await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("seq,at_ms,actor,action,capture_pk,detail"));
    assert!(csv.contains(",review,") && csv.contains(",login,"), "{csv}");
    // A regional coordinator does not read it.
    let zulia = login_cookie(&s, "zulia", "una%20clave%20larga").await;
    assert_eq!(page(&s, &zulia, "/dash/audit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&s, &zulia, "/dash/audit.csv").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn enrollment_sheets_give_one_working_code_per_table_of_a_center() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "zulia", "una clave larga", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (status, html) = page(&s, &cookie, "/dash/enrollment").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let make = |cookie: String, body: String| {
        let s = &s;
        async move {
            let r = s
                .send(
                    Request::post("/dash/enrollment")
                        .header("cookie", cookie)
                        .header("host", "testigo.example:8443")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            (r.status(), String::from_utf8(body_bytes(r).await).unwrap())
        }
    };
    let (status, sheet) = make(cookie.clone(), format!("csrf={csrf}&center=ctr-1")).await;
    assert_eq!(status, StatusCode::OK);
    // ctr-1 holds the odd tables of eight: four codes, four QR drawings.
    let codes: Vec<String> = sheet
        .split("<code class=\"enroll-code\">")
        .skip(1)
        .map(|p| p.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 4, "{sheet}");
    assert_eq!(sheet.matches("<svg class=\"qr\"").count(), 4);
    let (made, used, unused) = s.state.coord.enrollment_codes(10).await.unwrap();
    assert_eq!((made, used, unused.len()), (4, 0, 4));
    assert_eq!(s.enroll_with(codes[0].clone()).await, StatusCode::OK, "a printed code enrolls a phone");
    assert_eq!(s.enroll_with(codes[0].clone()).await, StatusCode::CONFLICT, "once");
    let (_, html) = page(&s, &cookie, "/dash/enrollment").await;
    assert!(html.contains("4 códigos creados, 1 usados"), "{html}");
    // A center that does not exist; a regional coordinator.
    let (status, _) = make(cookie.clone(), format!("csrf={csrf}&center=nowhere")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let zulia = login_cookie(&s, "zulia", "una%20clave%20larga").await;
    assert_eq!(page(&s, &zulia, "/dash/enrollment").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refused_and_conflicting_records_are_kept_and_shown_within_the_scope() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    // Not assigned to st-3 (Zulia) nor st-2 (Lara): refused, kept once however often it comes.
    let r = d.record("st-3", &[]);
    let refused_id = r.id;
    let signed = d.sign(r);
    for _ in 0..2 {
        let _: BatchResult = json_body(s.send(d.batch(vec![signed.clone()])).await).await;
    }
    let r2 = d.record("st-2", &[]);
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(r2)])).await).await;
    // A conflict: the same id with other numbers.
    let mut first = d.record("st-1", &[]);
    let conflict_id = first.id;
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(first.clone())])).await).await;
    first.counts.insert("o1".into(), 999);
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(first)])).await).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "zulia", "una clave larga", "Zulia", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let cookie = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (status, html) = page(&s, &cookie, "/dash/refused").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches(&refused_id.to_string()).count(), 1, "kept once: {html}");
    assert!(html.contains("station_not_assigned") && html.contains(&conflict_id.to_string()), "{html}");
    assert!(html.contains("<code class=\"muted\">conflict</code>"), "{html}");
    let zulia = login_cookie(&s, "zulia", "una%20clave%20larga").await;
    let (_, html) = page(&s, &zulia, "/dash/refused").await;
    let rows = html.matches("<tr><td>").count();
    assert_eq!(rows, 2, "st-3's refusal and st-1's conflict, not Lara's st-2: {html}");
}
