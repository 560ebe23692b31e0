//! `POST /v1/sms`: both gateway shapes, the secret, and what is set aside.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use testigo_protocol::sms;
use testigo_server::Limits;

use crate::common::*;

const SECRET: &str = "the-gateway-secret";

async fn server() -> TestServer {
    TestServer::with_limits(Limits { sms_secret: Some(SECRET.into()), ..Limits::default() }).await
}

fn form(query: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = fields
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&");
    Request::post(format!("/v1/sms{query}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

async fn text_of(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn aside(s: &TestServer) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    let mut stmt = db.prepare("SELECT text, reason || ': ' || detail FROM sms_aside ORDER BY pk").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[tokio::test]
async fn a_hosted_gateway_gets_the_receipt_as_twiml() {
    let s = server().await;
    let device = s.device(&["st-1"]).await;
    let signed = device.sign(device.record("st-1", &[b"photo"]));
    let election = s.state.repo.election().await.unwrap().unwrap();
    let texts = sms::encode_capture(&signed, &election.contests).unwrap();
    let mut last = String::new();
    for t in &texts {
        let r =
            s.send(form(&format!("?gateway=twilio&key={SECRET}"), &[("From", "+58 412"), ("Body", t)])).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
        last = text_of(r).await;
    }
    assert!(last.starts_with("<?xml"), "{last}");
    let message = last.split("<Message>").nth(1).unwrap().split("</Message>").next().unwrap();
    // The receipt's characters may include &, < and >: escaped in XML, read back whole.
    let unescaped =
        message.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    let read = sms::parse_receipt(&unescaped).unwrap();
    assert!(read.receipt_for(&signed, &device.server_key.key_id()).verify(&device.server_key).is_ok());
    // Nothing became a record twice, nothing was set aside.
    assert!(aside(&s).is_empty());
}

#[tokio::test]
async fn without_the_secret_nothing_is_taken_and_without_a_secret_there_is_no_endpoint() {
    let s = server().await;
    let r = s.send(form("", &[("from", "+1"), ("message", "T"), ("secret", "guess")])).await;
    assert_problem(r, 401, "unauthorized").await;
    let r = s.send(form("", &[("from", "+1"), ("message", "T")])).await;
    assert_problem(r, 401, "unauthorized").await;
    let r = s.send(form("?gateway=carrier-pigeon", &[("secret", SECRET), ("message", "T")])).await;
    assert_problem(r, 400, "bad_request").await;
    let r = s.send(form("?gateway=phone&gateway=twilio", &[("secret", SECRET), ("message", "T")])).await;
    assert_problem(r, 400, "bad_request").await;
    let r = s.send(form("", &[("secret", SECRET), ("from", "+1")])).await;
    assert_problem(r, 400, "bad_request").await;
    let r = s
        .send(
            Request::post("/v1/sms")
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_problem(r, 400, "bad_request").await;
    assert!(aside(&s).is_empty());

    let closed = TestServer::new().await;
    let r = closed.send(form("", &[("from", "+1"), ("message", "T"), ("secret", "")])).await;
    assert_problem(r, 404, "not_found").await;
}

#[tokio::test]
async fn what_does_not_become_a_record_is_answered_without_a_receipt_and_kept_aside() {
    let s = server().await;
    let device = s.device(&["st-1"]).await;
    let election = s.state.repo.election().await.unwrap().unwrap();
    let send = |text: String| {
        let s = &s;
        async move {
            let r = s.send(form("", &[("from", "+58 414"), ("message", &text), ("secret", SECRET)])).await;
            assert_eq!(r.status(), StatusCode::OK);
            let answer: serde_json::Value = serde_json::from_str(&text_of(r).await).unwrap();
            assert_eq!(answer["payload"]["success"], true);
            answer["payload"]["messages"][0]["message"].as_str().map(str::to_owned)
        }
    };
    // Another text, a broken part.
    assert_eq!(send("Buenas noches, ¿ya cerraron?".into()).await, None);
    assert_eq!(send("Tabcd".into()).await, None);
    // A record for a table the phone does not cover: refused as over HTTP.
    let foreign = device.sign(device.record("st-2", &[b"photo"]));
    for t in sms::encode_capture(&foreign, &election.contests).unwrap() {
        assert_eq!(send(t).await, None);
    }
    // A record signed by a key that is not the device's.
    let other = s.device(&["st-1"]).await;
    let mut forged = other.sign(device.record("st-1", &[b"photo"]));
    forged.record.device_key_id = device.public_key().key_id();
    for t in sms::encode_capture(&forged, &election.contests).unwrap() {
        assert_eq!(send(t).await, None);
    }
    let reasons: Vec<String> = aside(&s).into_iter().map(|(_, why)| why).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0], "not_testigo: not a Testigo message");
    assert!(reasons[1].starts_with("malformed: malformed message"), "{reasons:?}");
    assert!(reasons[2].starts_with("refused: station_not_assigned"), "{reasons:?}");
    assert!(reasons[3].starts_with("refused: bad_signature"), "{reasons:?}");
    let n: i64 = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE))
        .unwrap()
        .query_row("SELECT count(*) FROM captures", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    // The device, revoked, is no longer heard by SMS either.
    let good = device.sign(device.record("st-1", &[b"photo"]));
    s.state.repo.revoke_device(device.public_key().key_id(), "lost".into(), "ana".into(), 1).await.unwrap();
    for t in sms::encode_capture(&good, &election.contests).unwrap() {
        assert_eq!(send(t).await, None);
    }
    assert_eq!(aside(&s).last().unwrap().1, "unknown_device: the record names no enrolled device");
}

#[tokio::test]
async fn phones_learn_the_gateway_numbers_from_their_package_only_when_sms_is_taken() {
    let numbers = vec!["+584121234567".to_owned(), "+584241234567".to_owned()];
    let s = TestServer::with_limits(Limits {
        sms_secret: Some(SECRET.into()),
        sms_numbers: numbers.clone(),
        ..Limits::default()
    })
    .await;
    let device = s.device(&["st-1"]).await;
    let package: testigo_protocol::election::ElectionPackage =
        json_body(s.send(get("/v1/package", &device.bearer())).await).await;
    assert_eq!(package.sms_numbers, numbers);
    assert!(package.bundle_key.is_some());

    // Numbers without a secret: the server takes no SMS, so no phone is told to send any.
    let closed = TestServer::with_limits(Limits { sms_numbers: numbers, ..Limits::default() }).await;
    let device = closed.device(&["st-1"]).await;
    let package: testigo_protocol::election::ElectionPackage =
        json_body(closed.send(get("/v1/package", &device.bearer())).await).await;
    assert!(package.sms_numbers.is_empty());
}

#[tokio::test]
async fn administrators_see_what_came_by_sms_and_bundles_and_no_one_else_does() {
    use testigo_server::repo::coord::Role;
    use testigo_server::services::accounts::create_user;

    let s = server().await;
    let device = s.device(&["st-1"]).await;
    // One record by SMS, one stranger's text, one broken bundle carried by the device.
    let signed = device.sign(device.record("st-1", &[]));
    let election = s.state.repo.election().await.unwrap().unwrap();
    for t in sms::encode_capture(&signed, &election.contests).unwrap() {
        let r = s.send(form("", &[("secret", SECRET), ("from", "+58 412 555"), ("message", &t)])).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let stranger = "<b>¿A qué hora cierran?</b>";
    let r = s.send(form("", &[("secret", SECRET), ("from", "+58 414 777"), ("message", stranger)])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let broken = Request::post("/v1/bundles")
        .header("authorization", device.bearer())
        .body(Body::from(b"not a bundle".to_vec()))
        .unwrap();
    assert_eq!(s.send(broken).await.status(), StatusCode::OK);

    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "cli", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "rita", "otra clave larga", "", Role::Reviewer, "cli", 1)
        .await
        .unwrap();

    // The dashboard, in the reader's language, the stranger's text escaped.
    let cookie = login_cookie(&s, "ana", "una clave larga").await;
    let (status, html) = page(&s, &cookie, "/dash/channels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"aside\"") && html.contains("id=\"bundles\""), "{html}");
    assert!(html.contains("&lt;b&gt;¿A qué hora cierran?&lt;/b&gt;") && !html.contains(stranger));
    assert!(html.contains("no es un mensaje de Testigo") && html.contains("not_testigo"));
    assert!(html.contains("no es un paquete que este servidor lea") && html.contains("not_a_bundle"));
    assert!(html.contains(&device.public_key().key_id().as_str()[..8]), "the carrier is named");
    let rita = login_cookie(&s, "rita", "otra clave larga").await;
    assert_eq!(page(&s, &rita, "/dash/channels").await.0, StatusCode::FORBIDDEN);

    // The admin API: the same service, in JSON.
    let token = |name: &'static str, password: &'static str| {
        let s = &s;
        async move {
            let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
            let r: serde_json::Value =
                json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
            format!("Bearer {}", r["token"].as_str().unwrap())
        }
    };
    let log: serde_json::Value =
        json_body(s.send(get("/v1/admin/channels", &token("ana", "una clave larga").await)).await).await;
    assert_eq!(log["sms_records"], 1);
    assert_eq!(log["sms_aside"], 1);
    assert_eq!(log["bundles"], 1);
    assert_eq!(log["bundles_refused"], 1);
    assert_eq!(log["recent_aside"][0]["sender"], "+58 414 777");
    assert_eq!(log["recent_aside"][0]["why"]["code"], "not_testigo");
    assert_eq!(log["recent_bundles"][0]["refused"]["code"], "not_a_bundle");
    assert_eq!(log["recent_bundles"][0]["carrier_key_id"], device.public_key().key_id().as_str());
    let r = s.send(get("/v1/admin/channels", &token("rita", "otra clave larga").await)).await;
    assert_problem(r, 403, "forbidden").await;
}
