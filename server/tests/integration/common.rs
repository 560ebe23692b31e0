//! Test helpers: a server in a temp directory with a small election, devices with real P-256
//! keys, signed records, and requests through the router (`oneshot`) or a real socket.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use rand_core::OsRng;
use testigo_protocol::api::*;
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::election::*;
use testigo_protocol::*;
use testigo_server::{AppState, Limits, app, now_ms, open_data_dir};
use tower::ServiceExt as _;
use uuid::Uuid;

pub struct TestServer {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

pub fn package(version: u64, stations: usize) -> ElectionPackage {
    let candidates = vec![
        Candidate { id: "c1".into(), name: "Candidata Uno".into() },
        Candidate { id: "c2".into(), name: "Candidato Dos".into() },
    ];
    let options = vec![
        BallotOption { id: "o1".into(), candidate_id: "c1".into(), party: "A".into() },
        BallotOption { id: "o2".into(), candidate_id: "c1".into(), party: "B".into() },
        BallotOption { id: "o3".into(), candidate_id: "c2".into(), party: "C".into() },
    ];
    let count_fields = vec![
        CountField { id: "null".into(), kind: CountFieldKind::Null, label: "Nulos".into() },
        CountField { id: "voted".into(), kind: CountFieldKind::VotersWhoVoted, label: "Votantes".into() },
    ];
    let centers = vec![
        PollingCenter {
            id: "ctr-1".into(),
            name: "Escuela 1".into(),
            region: vec!["Zulia".into(), "Maracaibo".into()],
        },
        PollingCenter {
            id: "ctr-2".into(),
            name: "Liceo 2".into(),
            region: vec!["Lara".into(), "Iribarren".into()],
        },
    ];
    let stations = (1..=stations)
        .map(|i| Station {
            id: format!("st-{i}"),
            center_id: if i % 2 == 0 { "ctr-2".into() } else { "ctr-1".into() },
            number: i as u32,
            registered_voters: 500,
        })
        .collect();
    ElectionPackage {
        format: PACKAGE_FORMAT,
        version,
        election: Election {
            id: "test-2026".into(),
            name: "Prueba".into(),
            date: "2026-07-28".into(),
            time_zone: Some("America/Caracas".into()),
        },
        contests: vec![Contest {
            id: "pres".into(),
            name: "Presidencial".into(),
            candidates,
            options,
            count_fields,
            acta_qr: None,
        }],
        centers,
        stations,
        assignment: None,
        bundle_key: None,
        sms_numbers: Vec::new(),
    }
}

impl TestServer {
    /// A server whose portal reads the publication's progress on every page (tests publish and
    /// look at once; `portal::pages_are_kept_while_nothing_is_published` tests the delay).
    pub async fn new() -> TestServer {
        TestServer::with_limits(Limits { public_context_ttl: std::time::Duration::ZERO, ..Limits::default() })
            .await
    }

    pub async fn with_limits(limits: Limits) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let state = open_data_dir(dir.path(), limits).unwrap();
        state.repo.import_election(package(1, 8), now_ms()).await.unwrap().unwrap();
        TestServer { state, dir }
    }

    pub async fn codes(&self, stations: &[&str], count: usize) -> Vec<String> {
        let stations: Vec<String> = stations.iter().map(|s| s.to_string()).collect();
        testigo_server::services::enrollment::create_codes(&self.state, &stations, count, "test", now_ms())
            .await
            .unwrap()
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        app(self.state.clone()).oneshot(request).await.unwrap()
    }

    /// Enrolls a new device for `stations`.
    pub async fn device(&self, stations: &[&str]) -> TestDevice {
        let code = self.codes(stations, 1).await.remove(0);
        let key = SigningKey::random(&mut OsRng);
        let public_key = PublicKey::from(*key.verifying_key());
        let body = serde_json::to_vec(&EnrollRequest { code, public_key }).unwrap();
        let response = self.send(post_json("/v1/enroll", None, body)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let enrolled: EnrollResponse = json_body(response).await;
        TestDevice { key: Arc::new(key), token: enrolled.token, server_key: enrolled.server_key }
    }

    /// Enrolls a new key with `code`: the answer's status.
    pub async fn enroll_with(&self, code: String) -> StatusCode {
        let public_key = PublicKey::from(*SigningKey::random(&mut OsRng).verifying_key());
        let body = serde_json::to_vec(&EnrollRequest { code, public_key }).unwrap();
        self.send(post_json("/v1/enroll", None, body)).await.status()
    }

    /// Starts the server on a loopback socket; returns its address.
    pub async fn listen(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = self.state.clone();
        tokio::spawn(testigo_server::serve(listener, state, std::future::pending()));
        addr
    }
}

#[derive(Clone)]
pub struct TestDevice {
    pub key: Arc<SigningKey>,
    pub token: String,
    pub server_key: PublicKey,
}

impl TestDevice {
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(*self.key.verifying_key())
    }

    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub fn record(&self, station: &str, photos: &[&[u8]]) -> CaptureRecord {
        CaptureRecord {
            format: CAPTURE_FORMAT,
            id: Uuid::now_v7(),
            election_id: "test-2026".into(),
            package_version: 1,
            contest_id: "pres".into(),
            station_id: station.into(),
            counts: BTreeMap::from([("o1".into(), 120), ("o2".into(), 30), ("o3".into(), 200)]),
            extra_counts: BTreeMap::from([("null".into(), 4), ("voted".into(), 354)]),
            photos: photos
                .iter()
                .enumerate()
                .map(|(i, bytes)| PhotoRef {
                    page: i as u32 + 1,
                    sha256: Sha256::digest(bytes),
                    original_sha256: Sha256::digest(b"original"),
                    size: bytes.len() as u64,
                    width: 2000,
                    height: 1500,
                })
                .collect(),
            qr_payload: None,
            device_time_ms: now_ms(),
            supersedes: None,
            notes: String::new(),
            warnings: vec![],
            device_key_id: self.public_key().key_id(),
        }
    }

    pub fn sign(&self, record: CaptureRecord) -> SignedCapture {
        let sig: p256::ecdsa::Signature = self.key.sign(&record.canonical_bytes());
        SignedCapture { record, signature: Signature(sig.to_der().as_bytes().to_vec()) }
    }

    pub fn batch(&self, records: Vec<SignedCapture>) -> Request<Body> {
        post_json(
            "/v1/captures",
            Some(&self.bearer()),
            serde_json::to_vec(&CaptureBatch { captures: records }).unwrap(),
        )
    }
}

pub fn post_json(path: &str, bearer: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::post(path).header("content-type", "application/json");
    if let Some(t) = bearer {
        b = b.header("authorization", t);
    }
    b.body(Body::from(body)).unwrap()
}

pub fn get(path: &str, bearer: &str) -> Request<Body> {
    Request::get(path).header("authorization", bearer).body(Body::empty()).unwrap()
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response.into_body().collect().await.unwrap().to_bytes().to_vec()
}

pub async fn json_body<T: serde::de::DeserializeOwned>(response: Response<Body>) -> T {
    let bytes = body_bytes(response).await;
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

/// Asserts a problem+json answer with this status and code.
pub async fn assert_problem(response: Response<Body>, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(response.headers()["content-type"], PROBLEM_CONTENT_TYPE);
    let p: Problem = json_body(response).await;
    assert_eq!(p.code, code);
    assert_eq!(p.status, status);
    assert_eq!(p.type_uri, format!("urn:testigo:problem:{code}"));
}

/// base64 of a metadata value.
pub fn b64(v: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(v)
}

/// The metadata the phone sends, plus the `filename` a generic tus client adds (and the server
/// ignores).
pub fn upload_metadata(capture: Uuid, sha: &Sha256) -> String {
    let ours = testigo_protocol::api::tus::UploadMetadata { capture_id: capture, sha256: *sha }.to_header();
    format!("{ours},filename {}", b64("acta.jpg"))
}

pub fn base64_sha256(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes).0)
}

/// Photo-like bytes of exactly `len`, structured as a JPEG (the server accepts nothing else).
pub fn photo_bytes(seed: u8, len: usize) -> Vec<u8> {
    testigo_testkit::jpeg_shaped(seed, len)
}

/// Creates an upload of `photo` (declared by `capture`) for `d`; returns the answer.
pub async fn create_upload(
    s: &TestServer,
    d: &TestDevice,
    capture: Uuid,
    photo: &[u8],
) -> axum::http::Response<Body> {
    s.send(
        Request::post("/v1/uploads")
            .header("authorization", d.bearer())
            .header("tus-resumable", "1.0.0")
            .header("upload-length", photo.len().to_string())
            .header("upload-metadata", upload_metadata(capture, &Sha256::digest(photo)))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A PATCH of `bytes` from offset 0.
pub fn patch(d: &TestDevice, location: &str, bytes: &[u8]) -> Request<Body> {
    Request::patch(location)
        .header("authorization", d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .body(Body::from(bytes.to_vec()))
        .unwrap()
}

/// Uploads `photo` whole; returns the PATCH's status.
pub async fn upload(s: &TestServer, d: &TestDevice, capture: Uuid, photo: &[u8]) -> StatusCode {
    let r = create_upload(s, d, capture, photo).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    s.send(patch(d, &location, photo)).await.status()
}

/// Signs in to the dashboard; the session cookie.
pub async fn login_cookie(s: &TestServer, name: &str, password: &str) -> String {
    let r = s
        .send(
            Request::post("/dash/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("name={name}&password={password}")))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    cookie.split(';').next().unwrap().to_owned()
}

/// A dashboard page with this cookie: its status and text.
pub async fn page(s: &TestServer, cookie: &str, path: &str) -> (StatusCode, String) {
    let r = s.send(Request::get(path).header("cookie", cookie).body(Body::empty()).unwrap()).await;
    let status = r.status();
    (status, String::from_utf8(body_bytes(r).await).unwrap())
}

/// The CSRF value in a dashboard page's forms.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// Posts a dashboard form with this cookie; the response's status and text.
pub async fn post_form(s: &TestServer, cookie: &str, path: &str, body: &str) -> (StatusCode, String) {
    let r = s
        .send(
            Request::post(path)
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await;
    let status = r.status();
    (status, String::from_utf8(body_bytes(r).await).unwrap())
}
