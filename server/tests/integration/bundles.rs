//! `POST /v1/bundles` through the router: who may carry, an empty body, and a refusal that is
//! still a signed answer (the whole path of a real bundle is in the end-to-end suite).

use axum::body::Body;
use axum::http::Request;
use testigo_protocol::api::BundleResult;

use crate::common::*;

fn carry(bearer: Option<&str>, body: &[u8]) -> Request<Body> {
    let mut b = Request::post("/v1/bundles").header("content-type", "application/octet-stream");
    if let Some(t) = bearer {
        b = b.header("authorization", t);
    }
    b.body(Body::from(body.to_vec())).unwrap()
}

#[tokio::test]
async fn only_a_device_carries_an_empty_body_is_refused_and_a_broken_bundle_gets_a_signed_refusal() {
    let s = TestServer::new().await;
    let runner = s.device(&["st-1"]).await;

    assert_problem(s.send(carry(None, b"TGB1 anything")).await, 401, "unauthorized").await;
    assert_problem(s.send(carry(Some("Bearer not-a-token"), b"x")).await, 401, "unauthorized").await;
    assert_problem(s.send(carry(Some(&runner.bearer()), b"")).await, 400, "bad_request").await;

    let r = s.send(carry(Some(&runner.bearer()), b"not a bundle at all")).await;
    assert_eq!(r.status(), 200);
    let result: BundleResult = json_body(r).await;
    assert!(result.ack.ack.refused.is_some(), "a broken bundle is refused whole");
    assert_eq!(result.ack.ack.carrier_key_id, runner.public_key().key_id());
    assert_eq!(result.ack.ack.size, 19);
    result.ack.verify(&runner.server_key).unwrap();
    assert_eq!(result.counts.records_stored + result.counts.photos_stored, 0);

    // The refusal is logged against the runner who brought it; the empty body left no trace.
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    let logged: (i64, i64) = db
        .query_row(
            "SELECT count(*), count(carrier_id) FROM bundle_imports WHERE refused IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(logged, (1, 1));
}
