//! No input produces a 5xx or a panic, and every refusal is problem+json.

use axum::body::Body;
use axum::http::{Method, Request};
use testigo_protocol::api::PROBLEM_CONTENT_TYPE;

use crate::common::*;

/// xorshift64*: a seeded, dependency-free generator so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test]
async fn random_requests_never_get_a_5xx() {
    let s = TestServer::with_limits(testigo_server::Limits {
        device_burst: 10_000,
        login_free_per_ip: 3,
        ..Default::default()
    })
    .await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(1, 4000);
    let signed = d.sign(d.record("st-1", &[&photo]));
    let capture = signed.record.id;
    let _ = s.send(d.batch(vec![signed.clone()])).await;
    let upload = {
        let r = s
            .send(
                Request::post("/v1/uploads")
                    .header("authorization", d.bearer())
                    .header("tus-resumable", "1.0.0")
                    .header("upload-length", "4000")
                    .header(
                        "upload-metadata",
                        upload_metadata(capture, &testigo_protocol::Sha256::digest(&photo)),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        r.headers()["location"].to_str().unwrap().to_owned()
    };
    let valid_batch =
        serde_json::to_vec(&testigo_protocol::api::CaptureBatch { captures: vec![signed] }).unwrap();
    let paths = [
        "/healthz".to_owned(),
        "/openapi.json".into(),
        "/v1/enroll".into(),
        "/v1/package".into(),
        "/v1/captures".into(),
        format!("/v1/captures/{capture}/photos/{}", testigo_protocol::Sha256::digest(&photo)),
        "/v1/captures/x/photos/y".into(),
        "/v1/captures/%ff%fe/photos/%c3%28".into(),
        "/v1/feed".into(),
        "/v1/feed?after=abc&limit=-3".into(),
        "/v1/feed?after=18446744073709551616".into(),
        "/v1/uploads".into(),
        upload.clone(),
        format!("{upload}/../../etc/passwd"),
        "/v1/uploads/..%2F..%2Fetc".into(),
        "/v1/uploads/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz".into(),
        "/%ff%fe".into(),
        "/v1/".into(),
        format!("/v1/feed?{}", "a=1&".repeat(2000)),
        "/dash".into(),
        "/dash/login".into(),
        "/dash/regions/1".into(),
        "/dash/regions/abc".into(),
        "/dash/captures/99999".into(),
        "/dash/captures/1/review".into(),
        "/dash/photos/zz".into(),
        "/dash/tally?region=x".into(),
        "/dash/batches?filter=%00&before=-1".into(),
        "/v1/admin/login".into(),
        "/v1/admin/logout".into(),
        "/v1/admin/tally?region=abc".into(),
        "/v1/admin/regions/1".into(),
        "/v1/admin/reviews".into(),
        "/v1/admin/devices/zz/revoke".into(),
        "/v1/admin/devices/0123456789abcdef0123456789abcdef/revoke".into(),
    ];
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    let auths = [
        Some(d.bearer()),
        None,
        Some("Bearer ".into()),
        Some("Basic abc".into()),
        Some(format!("Bearer {}", "x".repeat(5000))),
    ];
    let types =
        ["application/json", "application/offset+octet-stream", "text/plain", "", "application/problem+json"];
    let numbers = ["0", "1", "4000", "-1", "99999999999999999999999", "abc", " 12", "3999", "4001"];
    let mut rng = Rng(0x7E57_1600);
    let mut seen = std::collections::BTreeMap::new();
    for i in 0..1500 {
        let path = rng.pick(&paths).clone();
        // Mostly a method the path serves, so that requests get past routing.
        let method = if rng.below(4) == 0 {
            rng.pick(&methods).clone()
        } else if path.starts_with("/v1/uploads/") {
            rng.pick(&[Method::HEAD, Method::PATCH, Method::DELETE, Method::POST]).clone()
        } else if path == "/v1/uploads" || path == "/v1/enroll" || path == "/v1/captures" {
            Method::POST
        } else {
            Method::GET
        };
        let mut b = Request::builder().method(method.clone()).uri(path.as_str());
        // Mostly well-formed envelopes, so that the fuzzing reaches the checks behind them.
        let auth = if rng.below(4) == 0 { rng.pick(&auths).clone() } else { Some(d.bearer()) };
        if let Some(a) = auth {
            b = b.header("authorization", a.as_str());
        }
        let version = if rng.below(5) == 0 { *rng.pick(&["0.2.2", ""]) } else { "1.0.0" };
        b = b.header("tus-resumable", version);
        let content_type = if rng.below(4) == 0 {
            *rng.pick(&types)
        } else if path.starts_with("/v1/uploads") {
            "application/offset+octet-stream"
        } else {
            "application/json"
        };
        b = b.header("content-type", content_type);
        for h in ["upload-offset", "upload-length", "content-length"] {
            if rng.below(2) == 0 {
                b = b.header(h, *rng.pick(&numbers));
            }
        }
        if rng.below(3) == 0 {
            let meta = rng.pick(&["", "capture_id", "capture_id !!!,sha256 ???", "a b c", "x YQ==,x YQ=="]);
            b = b.header("upload-metadata", *meta);
        }
        if rng.below(4) == 0 {
            b = b.header("upload-checksum", *rng.pick(&["sha256", "sha256 AAAA", "crc32 abc", "sha256 !!"]));
        }
        if rng.below(5) == 0 {
            b = b.header("x-http-method-override", *rng.pick(&["PATCH", "DELETE", "HEAD", "GET", "TRACE"]));
        }
        let body = match rng.below(4) {
            0 => Vec::new(),
            1 => rng.bytes(5000),
            2 => {
                let mut v = valid_batch.clone();
                let n = v.len();
                for _ in 0..rng.below(8) {
                    let at = rng.below(n);
                    v[at] = rng.next() as u8;
                }
                v
            }
            _ => photo[..rng.below(photo.len())].to_vec(),
        };
        let Ok(request) = b.body(Body::from(body)) else { continue };
        let r = s.send(request).await;
        let status = r.status().as_u16();
        assert!(status < 500, "request {i}: {method} {path} gave {status}");
        *seen.entry(status).or_insert(0) += 1;
        // Dashboard pages answer browsers with HTML pages; the API with problem+json.
        if status >= 400 && method != Method::HEAD && !path.starts_with("/dash") {
            assert_eq!(r.headers()["content-type"], PROBLEM_CONTENT_TYPE, "request {i}: {method} {path}");
        }
    }
    // The run exercised refusals of many kinds, not one path over and over.
    assert!(seen.len() >= 10, "{seen:?}");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let s = TestServer::new().await;
    let doc: serde_json::Value =
        json_body(s.send(Request::get("/openapi.json").body(Body::empty()).unwrap()).await).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/healthz", &["get"][..]),
        ("/openapi.json", &["get"]),
        ("/v1/enroll", &["post"]),
        ("/v1/package", &["get"]),
        ("/v1/captures", &["post"]),
        ("/v1/captures/{capture_id}/photos/{sha256}", &["get"]),
        ("/v1/feed", &["get"]),
        ("/v1/uploads", &["options", "post"]),
        ("/v1/uploads/{id}", &["options", "head", "patch", "delete", "post"]),
        ("/v1/admin/login", &["post"]),
        ("/v1/admin/logout", &["post"]),
        ("/v1/admin/regions/{id}", &["get"]),
        ("/v1/admin/tally", &["get"]),
        ("/v1/admin/reviews", &["post"]),
        ("/v1/admin/devices/{id}/revoke", &["post"]),
        ("/v1/admin/publications", &["post"]),
        ("/v1/admin/withdrawals", &["post"]),
        ("/v1/admin/publication-settings", &["get", "put"]),
        ("/v1/admin/channels", &["get"]),
        ("/v1/admin/official-imports", &["get", "post"]),
        ("/v1/admin/contrast", &["get"]),
        ("/v1/admin/discrepancies", &["get"]),
        ("/v1/admin/discrepancies.csv", &["get"]),
        ("/v1/admin/quickcount", &["get"]),
        ("/v1/admin/quickcount/draw", &["post"]),
        ("/v1/admin/accounts", &["get", "post"]),
        ("/v1/admin/accounts/{name}", &["post"]),
        ("/v1/admin/stations/{id}/devices", &["post"]),
        ("/v1/sms", &["post"]),
        ("/v1/bundles", &["post"]),
        ("/data/keys.json", &["get"]),
        ("/data/tables/{file}", &["get"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is not documented");
        }
    }
    assert_eq!(paths.len(), 32, "a documented path the server does not serve");
    // Every $ref resolves.
    let text = serde_json::to_string(&doc).unwrap();
    for r in text.split("\"$ref\":\"#/components/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        let (kind, item) = name.split_once('/').unwrap();
        assert!(doc["components"][kind][item].is_object(), "dangling $ref {name}");
    }
}

#[tokio::test]
async fn health_reports_the_election_and_the_key() {
    let s = TestServer::new().await;
    let h: serde_json::Value =
        json_body(s.send(Request::get("/healthz").body(Body::empty()).unwrap()).await).await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["election"], "test-2026");
    assert_eq!(h["server_key_id"], s.state.key.public_key().key_id().as_str());
    assert_problem(s.send(Request::get("/nowhere").body(Body::empty()).unwrap()).await, 404, "not_found")
        .await;
    assert_problem(
        s.send(Request::delete("/healthz").body(Body::empty()).unwrap()).await,
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn path_parts_that_do_not_parse_are_problems_in_the_api_and_pages_in_the_dashboard() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let r = s.send(get("/v1/captures/%ff%fe/photos/%c3%28", &d.bearer())).await;
    assert_problem(r, 400, "bad_request").await;
    testigo_server::services::accounts::create_user(
        s.state.coord.as_ref(),
        "ana",
        "una clave larga",
        "",
        testigo_server::repo::coord::Role::Admin,
        "test",
        1,
    )
    .await
    .unwrap();
    let body = serde_json::json!({ "name": "ana", "password": "una clave larga" }).to_string().into_bytes();
    let r: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    let bearer = format!("Bearer {}", r["token"].as_str().unwrap());
    assert_problem(s.send(get("/v1/admin/regions/abc", &bearer)).await, 400, "bad_request").await;
    assert_problem(s.send(get("/v1/admin/regions/99999999999999999999", &bearer)).await, 400, "bad_request")
        .await;
}
