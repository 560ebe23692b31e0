//! Publication and the public portal: what verification publishes, what coordinators publish and
//! withdraw, that the history only grows, what the public sees (and does not), in four
//! languages, with validators and immutable photos.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use testigo_protocol::api::{BatchResult, RecordOutcome, ReviewStatus};
use testigo_protocol::publication::{
    CheckFailure, PublicAction, PublicationKeys, PublishedHow, PublishedTable,
};
use testigo_server::i18n::Lang;
use testigo_server::repo::ReviewTarget;
use testigo_server::repo::coord::Role;
use testigo_server::services::accounts::create_user;
use testigo_server::services::publication::{self, Publish, PublishError};
use testigo_server::services::review::{self, Reviewer, Verdict};
use uuid::Uuid;

use crate::common::*;

async fn refresh(s: &TestServer) {
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
}

/// Sends one record for `station` with `o1` votes (and `photos`); returns its id.
async fn send(
    s: &TestServer,
    d: &TestDevice,
    station: &str,
    o1: u32,
    supersedes: Option<Uuid>,
    photos: &[&[u8]],
) -> Uuid {
    let mut r = d.record(station, photos);
    r.counts.insert("o1".into(), o1);
    r.supersedes = supersedes;
    r.notes = "mesa abierta tarde".into();
    let id = r.id;
    let res: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert!(matches!(res.results[0], RecordOutcome::Stored { .. }), "{res:?}");
    id
}

async fn verify(s: &TestServer, id: Uuid) {
    let verdict = Verdict::new(ReviewStatus::Verified, Some("coincide")).unwrap();
    review::review(&s.state, &Reviewer::operator("coordinadora-ana"), ReviewTarget::CaptureId(id), verdict)
        .await
        .unwrap();
}

async fn get_page(s: &TestServer, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let r = s.send(Request::get(path).body(Body::empty()).unwrap()).await;
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, String::from_utf8_lossy(&body_bytes(r).await).into_owned())
}

async fn table(s: &TestServer, station: &str) -> PublishedTable {
    let r = s.send(Request::get(format!("/data/tables/{station}.json")).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    json_body(r).await
}

async fn national_o1(s: &TestServer) -> (u64, i64) {
    let region = s.state.public.public_region(None, "pres".into()).await.unwrap().unwrap();
    (region.region.stats.stations, region.votes.get("o1").copied().unwrap_or(0))
}

#[tokio::test]
async fn verifying_publishes_and_the_public_can_check_every_signature() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-3"]).await;
    let photo = photo_bytes(7, 40_000);
    let id = send(&s, &d, "st-1", 111, None, &[&photo]).await;
    assert_eq!(upload(&s, &d, id, &photo).await, StatusCode::NO_CONTENT);
    send(&s, &d, "st-3", 5, None, &[]).await;
    refresh(&s).await;
    // Nothing is public before a verdict; the photo neither.
    assert_eq!(table(&s, "st-1").await.captures.len(), 0);
    let sha = testigo_protocol::Sha256::digest(&photo);
    let (status, _, _) = get_page(&s, &format!("/photos/{sha}.jpg")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    verify(&s, id).await;
    let t = table(&s, "st-1").await;
    assert_eq!(t.captures.len(), 1);
    let c = &t.captures[0];
    assert_eq!(c.published.how, Some(PublishedHow::OnVerification));
    assert_eq!(t.standing, Some(c.published.seq));
    assert_eq!(c.review, ReviewStatus::Verified);
    let keys: PublicationKeys =
        json_body(s.send(Request::get("/data/keys.json").body(Body::empty()).unwrap()).await).await;
    assert_eq!(c.check(&keys.server_key, &[Some(&photo)]), vec![]);
    // What the checks catch: a changed number, a swapped photo, a forged receipt.
    let mut changed = c.clone();
    changed.signed.record.counts.insert("o1".into(), 112);
    assert!(changed.check(&keys.server_key, &[]).contains(&CheckFailure::DeviceSignature));
    assert!(
        c.check(&keys.server_key, &[Some(b"another photo".as_slice())]).contains(&CheckFailure::PhotoHash(1))
    );
    let mut forged = c.clone();
    forged.receipt.receipt.received_at_ms += 1;
    assert_eq!(forged.check(&keys.server_key, &[]), vec![CheckFailure::ReceiptSignature]);
    // The photo is public now, immutable by its hash.
    let (status, headers, _) = get_page(&s, &format!("/photos/{sha}.jpg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(headers["content-type"], "image/jpeg");
    // The national sums count it; the unreviewed table is not public.
    assert_eq!(national_o1(&s).await, (1, 111));
    assert_eq!(table(&s, "st-3").await.captures.len(), 0);

    // The table page shows the numbers, hashes, device key and signature; nothing of the
    // coordinators (their name, the review comment).
    let (status, headers, html) = get_page(&s, "/en/tables/st-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-language"], "en");
    for needle in [
        sha.to_string(),
        testigo_protocol::Sha256::digest(b"original").to_string(),
        d.public_key().key_id().as_str().to_owned(),
        c.signed.signature.to_text(),
        c.receipt.signature.to_text(),
        "Verified against the photo".to_owned(),
        "111".to_owned(),
    ] {
        assert!(html.contains(&needle), "the table page lacks {needle}");
    }
    assert!(
        !html.contains("coordinadora-ana") && !html.contains("coincide"),
        "a coordinator's name or comment is public"
    );
    assert!(html.contains("/static/verify.js") && html.contains("data-verify"));
}

#[tokio::test]
async fn the_setting_turns_publishing_on_verification_off() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    publication::set_on_verification(&s.state, &Reviewer::operator("op"), false).await.unwrap();
    let id = send(&s, &d, "st-1", 7, None, &[]).await;
    refresh(&s).await;
    verify(&s, id).await;
    assert_eq!(table(&s, "st-1").await.captures.len(), 0);
    // By hand, then.
    let done =
        publication::publish(&s.state, &Reviewer::operator("op"), Publish::Station("st-1".into()), None)
            .await
            .unwrap();
    assert_eq!((done.published, done.already, done.nothing), (1, 0, 0));
    assert_eq!(table(&s, "st-1").await.captures[0].published.how, Some(PublishedHow::ByHand));
    // A region scope that does not cover the table cannot touch it.
    let lara = Reviewer { name: "luis".into(), scope_path: "Lara".into(), role: Role::Reviewer };
    let outside = publication::publish(&s.state, &lara, Publish::Station("st-1".into()), None).await;
    assert!(matches!(outside, Err(PublishError::NotFound)), "{outside:?}");
    assert!(matches!(
        publication::set_on_verification(&s.state, &lara, true).await,
        Err(PublishError::NotAllowed)
    ));
    let viewer = Reviewer { name: "vera".into(), scope_path: String::new(), role: Role::Observer };
    let looked = publication::publish(&s.state, &viewer, Publish::Region(String::new()), None).await;
    assert!(matches!(looked, Err(PublishError::NotAllowed)));
}

#[tokio::test]
async fn corrections_stand_beside_what_they_replace_and_withdrawals_stay_on_view() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2", "st-3", "st-5"]).await;
    let first = send(&s, &d, "st-1", 10, None, &[]).await;
    for station in ["st-2", "st-3"] {
        send(&s, &d, station, 1, None, &[]).await;
    }
    refresh(&s).await;
    // A whole region: Zulia has st-1, st-3, st-5 (st-5 has nothing yet).
    let op = Reviewer::operator("op");
    let done = publication::publish(&s.state, &op, Publish::Region("Zulia".into()), None).await.unwrap();
    assert_eq!((done.published, done.already, done.nothing), (2, 0, 2), "{done:?}");
    let again = publication::publish(&s.state, &op, Publish::Region("Zulia".into()), None).await.unwrap();
    assert_eq!((again.published, again.already), (0, 2));
    assert_eq!(national_o1(&s).await, (2, 11));

    // The watcher corrects st-1; once verified, the correction is published beside the first.
    let second = send(&s, &d, "st-1", 12, Some(first), &[]).await;
    refresh(&s).await;
    verify(&s, second).await;
    let t = table(&s, "st-1").await;
    assert_eq!(t.captures.len(), 2);
    let (newer, older) = (&t.captures[0], &t.captures[1]);
    assert_eq!(newer.signed.record.id, second);
    assert_eq!(newer.published.replaces, Some(older.published.seq));
    assert_eq!(t.standing, Some(newer.published.seq));
    assert_eq!(national_o1(&s).await, (2, 13));

    // Withdrawn: the table stands on the earlier publication again; the withdrawal is public.
    let entry = publication::withdraw(&s.state, &op, ReviewTarget::CaptureId(second), "foto de otra mesa")
        .await
        .unwrap();
    assert_eq!(entry.action, PublicAction::Withdraw);
    let t = table(&s, "st-1").await;
    assert_eq!(t.captures.len(), 2, "a withdrawn capture stays on view");
    assert_eq!(t.captures[0].withdrawn.as_ref().and_then(|w| w.reason.as_deref()), Some("foto de otra mesa"));
    assert_eq!(t.standing, Some(t.captures[1].published.seq));
    assert_eq!(national_o1(&s).await, (2, 11));
    let (_, _, html) = get_page(&s, "/es/tables/st-1").await;
    assert!(html.contains("foto de otra mesa") && html.contains("Publicaciones anteriores"));
    assert!(matches!(
        publication::withdraw(&s.state, &op, ReviewTarget::CaptureId(second), "otra vez").await,
        Err(PublishError::AlreadyWithdrawn)
    ));
    assert!(matches!(
        publication::withdraw(&s.state, &op, ReviewTarget::CaptureId(first), "  ").await,
        Err(PublishError::BadReason)
    ));
    // The history only grows, whatever touches the database.
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    assert!(db.execute("UPDATE publications SET reason = 'nada'", []).is_err());
    assert!(db.execute("DELETE FROM publications", []).is_err());
    let history = s.state.public.publications(0, 100).await.unwrap();
    assert_eq!(history.len(), 4);
    assert!(history.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
}

#[tokio::test]
async fn pages_speak_four_languages_and_revalidate() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2"]).await;
    let id = send(&s, &d, "st-1", 1_234_567 % 100_000, None, &[]).await;
    refresh(&s).await;
    verify(&s, id).await;
    // `/` goes to the visitor's language.
    let r = s
        .send(Request::get("/").header("accept-language", "pt-BR,pt;q=0.9").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/pt/");
    let root = s.state.public.public_region(None, "pres".into()).await.unwrap().unwrap();
    let zulia = root.children.iter().find(|c| c.node.name == "Zulia").unwrap().node.id;
    for lang in Lang::ALL {
        let code = lang.code();
        for path in [
            format!("/{code}/"),
            format!("/{code}/regions/{zulia}/"),
            format!("/{code}/centers/ctr-1/"),
            format!("/{code}/tables/st-1/"),
            format!("/{code}/tables/st-2"),
            format!("/{code}/search/?q=Escuela"),
        ] {
            let (status, headers, html) = get_page(&s, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(!html.contains('⟦'), "{path} lacks a message: {html}");
            assert!(html.contains(&format!("<html lang=\"{code}\"")), "{path}");
            assert!(!html.contains("http://") && !html.contains("https://"), "{path} loads from elsewhere");
            assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
        }
    }
    // Numbers per locale: the first candidate has 34,567 + 30 votes.
    let (_, _, es) = get_page(&s, "/es/").await;
    let (_, _, en) = get_page(&s, "/en/").await;
    assert!(es.contains("34.597") && en.contains("34,597"));
    // A validator, and 304 when it matches; a new act of publication changes it.
    let (_, headers, _) = get_page(&s, "/es/tables/st-1").await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = |etag: String| {
        s.send(Request::get("/es/tables/st-1").header("if-none-match", etag).body(Body::empty()).unwrap())
    };
    let r = again(etag.clone()).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert!(body_bytes(r).await.is_empty());
    let other = send(&s, &d, "st-2", 3, None, &[]).await;
    refresh(&s).await;
    verify(&s, other).await;
    assert_eq!(again(etag).await.status(), StatusCode::OK);
    // A review of a published capture shows on its page: the validator changes with it.
    let (_, headers, _) = get_page(&s, "/es/tables/st-1").await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let verdict = Verdict::new(ReviewStatus::Disputed, None).unwrap();
    review::review(&s.state, &Reviewer::operator("op"), ReviewTarget::CaptureId(id), verdict).await.unwrap();
    let r = again(etag).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(String::from_utf8_lossy(&body_bytes(r).await).contains("En disputa"));
    // An exact table code goes straight to its page; an unknown language or table is not found.
    let r = s.send(Request::get("/fr/search?q=st-2").body(Body::empty()).unwrap()).await;
    assert_eq!(r.headers()["location"], "/fr/tables/st-2/");
    assert_eq!(get_page(&s, "/de/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get_page(&s, "/es/tables/st-99").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get_page(&s, "/es/regions/x").await.0, StatusCode::NOT_FOUND);
    let (status, _, html) = get_page(&s, "/fr/centers/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Cette page n’existe pas."));
}

async fn token(s: &TestServer, name: &str, password: &str) -> String {
    let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
    let r: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    format!("Bearer {}", r["token"].as_str().unwrap())
}

#[tokio::test]
async fn the_admin_api_publishes_and_withdraws() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send(&s, &d, "st-1", 9, None, &[]).await;
    refresh(&s).await;
    create_user(s.state.coord.as_ref(), "ana", "clave de prueba 1", "", Role::Admin, "test", 1)
        .await
        .unwrap();
    create_user(s.state.coord.as_ref(), "luis", "clave de prueba 2", "Lara", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let ana = token(&s, "ana", "clave de prueba 1").await;
    let luis = token(&s, "luis", "clave de prueba 2").await;
    let body = |v: serde_json::Value| v.to_string().into_bytes();
    let r = s
        .send(post_json(
            "/v1/admin/publications",
            Some(&luis),
            body(serde_json::json!({"station_id": "st-1"})),
        ))
        .await;
    assert_problem(r, 404, "not_found").await;
    let r = s
        .send(post_json(
            "/v1/admin/publications",
            Some(&ana),
            body(serde_json::json!({"station_id": "st-1"})),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = json_body(r).await;
    assert_eq!(v["published"], 1);
    let r = s
        .send(post_json(
            "/v1/admin/publications",
            Some(&ana),
            body(serde_json::json!({"station_id": "st-1", "region": ""})),
        ))
        .await;
    assert_problem(r, 400, "bad_request").await;
    let r = s
        .send(post_json(
            "/v1/admin/withdrawals",
            Some(&ana),
            body(serde_json::json!({"capture_id": id, "reason": "acta ilegible"})),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = json_body(r).await;
    assert_eq!(v["action"], "withdraw");
    assert_eq!(v["reason"], "acta ilegible");
    let put = Request::put("/v1/admin/publication-settings")
        .header("authorization", &luis)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"publish_on_verification":false}"#))
        .unwrap();
    assert_problem(s.send(put).await, 403, "forbidden").await;
    let r = s.send(get("/v1/admin/publication-settings", &ana)).await;
    let v: serde_json::Value = json_body(r).await;
    assert_eq!(v["publish_on_verification"], true);
}

async fn post_voter(s: &TestServer, id: &str) -> (StatusCode, Option<String>, String) {
    let body = format!("voter={}", id.replace(' ', "+"));
    let r = s
        .send(
            Request::post("/es/search/")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let status = r.status();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    (status, location, String::from_utf8_lossy(&body_bytes(r).await).into_owned())
}

#[tokio::test]
async fn a_voter_finds_their_table_by_id_number_once_an_operator_imports_the_file() {
    let s = TestServer::new().await;
    // Off by default: no form, and a posted number finds nothing.
    let (_, _, page) = get_page(&s, "/es/search/").await;
    assert!(!page.contains("name=\"voter\""), "{page}");
    let (status, location, _) = post_voter(&s, "V-12.345.678").await;
    assert_eq!((status, location), (StatusCode::OK, None));

    // A bad file changes nothing, and says why.
    let bad = publication::import_voters(&s.state, "cedula,mesa\nV1,st-1\n").await.unwrap_err();
    assert!(matches!(bad, publication::VoterFileError::Header), "{bad}");
    let bad =
        publication::import_voters(&s.state, "voter_id,station_id\nV1,st-1\n--,st-2\n").await.unwrap_err();
    assert!(matches!(bad, publication::VoterFileError::Line { line: 3, .. }), "{bad}");
    let bad =
        publication::import_voters(&s.state, "voter_id,station_id\nV1,st-1\nV2,nowhere\n").await.unwrap_err();
    assert!(bad.to_string().contains("nowhere"), "{bad}");
    assert!(!s.state.public.voter_lookup_on().await.unwrap());

    let n = publication::import_voters(
        &s.state,
        "voter_id,station_id\nV-12.345.678,st-2\n\"E 87 654 321\",st-3\nv12345679,st-2\n",
    )
    .await
    .unwrap();
    assert_eq!(n, 3);
    let (_, _, page) = get_page(&s, "/es/search/").await;
    assert!(page.contains("name=\"voter\"") && page.contains("method=\"post\""), "{page}");
    // Dots, dashes, spaces and case do not matter.
    let (status, location, _) = post_voter(&s, " v 12345678 ").await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/es/tables/st-2/")));
    let (_, location, _) = post_voter(&s, "E-87654321").await;
    assert_eq!(location.as_deref(), Some("/es/tables/st-3/"));
    let (status, location, page) = post_voter(&s, "V-99").await;
    assert_eq!((status, location), (StatusCode::OK, None));
    assert!(page.contains("Ese número no está en el registro"), "{page}");
    assert!(!page.contains("V-99"), "the number is not echoed");

    // The database holds no ID number, only keyed hashes.
    let db = std::fs::read(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    let wal = std::fs::read(s.dir.path().join(format!("{}-wal", testigo_server::DATABASE_FILE)))
        .unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(9).any(|w| w == b"V12345678"), "an ID number is stored in clear");
        assert!(!bytes.windows(9).any(|w| w == b"E87654321"), "an ID number is stored in clear");
    }

    // One address cannot walk the register: after a burst it waits.
    let mut limited = false;
    for i in 0..30 {
        let (status, _, _) = post_voter(&s, &format!("V{i}")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "voter look-ups are not rate-limited");

    // A new file replaces the old; clearing turns the look-up off.
    assert_eq!(publication::import_voters(&s.state, "voter_id,station_id\nV1,st-1\n").await.unwrap(), 1);
    let hash = s.state.key.voter_hash("V12345678");
    assert_eq!(s.state.public.voter_table(hash).await.unwrap(), None);
    assert_eq!(publication::import_voters(&s.state, "voter_id,station_id\n").await.unwrap(), 0);
    assert!(!s.state.public.voter_lookup_on().await.unwrap());
}

#[tokio::test]
async fn pages_are_kept_while_nothing_is_published() {
    let ttl = std::time::Duration::from_secs(3);
    let s = TestServer::with_limits(testigo_server::Limits { public_context_ttl: ttl, ..Default::default() })
        .await;
    let d = s.device(&["st-1", "st-2"]).await;
    let first = send(&s, &d, "st-1", 11, None, &[]).await;
    refresh(&s).await;
    verify(&s, first).await;
    let (_, headers, before) = get_page(&s, "/es/").await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    // The same page again is the same bytes and validator (from memory).
    let (_, headers2, again) = get_page(&s, "/es/").await;
    assert_eq!((headers2["etag"].to_str().unwrap(), again.as_str()), (etag.as_str(), before.as_str()));

    // A publication shows once the context is read again, not before and not later.
    let second = send(&s, &d, "st-2", 22, None, &[]).await;
    refresh(&s).await;
    verify(&s, second).await;
    let (_, headers2, kept) = get_page(&s, "/es/").await;
    assert_eq!((headers2["etag"].to_str().unwrap(), kept.as_str()), (etag.as_str(), before.as_str()));
    tokio::time::sleep(ttl + std::time::Duration::from_millis(100)).await;
    let (_, headers3, after) = get_page(&s, "/es/").await;
    assert_ne!(headers3["etag"].to_str().unwrap(), etag);
    assert_ne!(after, before);
    let (_, _, table) = get_page(&s, "/es/tables/st-2/").await;
    assert!(table.contains("22"), "{table}");
}
