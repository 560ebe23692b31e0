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
    let mut stmt = db.prepare("SELECT text, reason FROM sms_aside ORDER BY pk").unwrap();
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
    assert_eq!(reasons[0], "not a Testigo message");
    assert!(reasons[1].starts_with("malformed message"), "{reasons:?}");
    assert!(reasons[2].contains("station_not_assigned"), "{reasons:?}");
    assert!(reasons[3].contains("bad_signature"), "{reasons:?}");
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
    assert_eq!(aside(&s).last().unwrap().1, "the record names no enrolled device");
}
