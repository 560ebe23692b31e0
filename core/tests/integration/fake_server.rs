//! A scripted Testigo server behind the core's [`Transport`] trait: enough of the API (enroll,
//! package, feed, record batches, tus uploads, photo receipts) for the sync engine to deliver
//! everything, with signed receipts, and with a hook to answer any request differently. The real
//! server is exercised end to end in `tests/e2e`; here the phone's side is tested alone, fast and
//! deterministic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use testigo_core::protocol::api::tus::{self, UploadMetadata};
use testigo_core::protocol::api::{
    BatchResult, CaptureBatch, Change, EnrollResponse, FeedEvent, FeedPage, Problem, RecordOutcome,
};
use testigo_core::protocol::receipt::{RECEIPT_FORMAT, Receipt, ReceiptSubject};
use testigo_core::protocol::{
    PublicKey, Refusal, Sha256, Signature, SignedReceipt, SignedRefusal, statement,
};
use testigo_core::sync::{CancelToken, Method, Request, Response, Transport, TransportError};
use testigo_core::{Signer, SoftwareSigner};

pub const URL: &str = "https://fake.test";

/// Answers a request before the fake server does; `None` lets the server answer.
pub type Hook = Box<dyn Fn(&Request) -> Option<Result<Response, TransportError>> + Send + Sync>;

/// The fake server. Cheap to clone; every clone is the same server.
#[derive(Clone)]
pub struct FakeServer(Arc<Inner>);

struct Inner {
    key: SoftwareSigner,
    public: PublicKey,
    package: Mutex<Vec<u8>>,
    station_ids: Vec<String>,
    hook: Mutex<Option<Hook>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Capture id → record hash, of every record stored.
    records: HashMap<uuid::Uuid, Sha256>,
    /// Upload number → (metadata, declared length, bytes so far).
    uploads: Vec<(UploadMetadata, u64, Vec<u8>)>,
    /// Photo hashes stored, with their capture.
    photos: Vec<(uuid::Uuid, Sha256)>,
    /// Every request's method and path, in order.
    log: Vec<(Method, String)>,
    /// The change feed.
    events: Vec<FeedEvent>,
    /// The one device enrolled.
    device: Option<testigo_core::protocol::KeyId>,
}

fn json(status: u16, value: &impl serde::Serialize) -> Response {
    Response {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(value).unwrap(),
    }
}

fn problem(status: u16, code: &str) -> Response {
    let mut r = json(status, &Problem::new(code, status, code, None));
    r.headers = vec![("content-type".into(), "application/problem+json".into())];
    r
}

impl FakeServer {
    /// A server that enrolls any code for `station_ids` and serves `package` (JSON).
    pub fn new(package: &[u8], station_ids: &[&str]) -> FakeServer {
        let key = SoftwareSigner::generate();
        let public = PublicKey::from_sec1(&key.public_key().unwrap()).unwrap();
        FakeServer(Arc::new(Inner {
            key,
            public,
            package: Mutex::new(package.to_vec()),
            station_ids: station_ids.iter().map(|s| s.to_string()).collect(),
            hook: Mutex::new(None),
            state: Mutex::new(State::default()),
        }))
    }

    /// Answers requests with `hook` first (replacing any earlier hook).
    pub fn set_hook(
        &self,
        hook: impl Fn(&Request) -> Option<Result<Response, TransportError>> + Send + Sync + 'static,
    ) {
        *self.0.hook.lock().unwrap() = Some(Box::new(hook));
    }

    /// The server answers everything itself again.
    pub fn clear_hook(&self) {
        *self.0.hook.lock().unwrap() = None;
    }

    /// Serves `package` (JSON) from now on.
    pub fn set_package(&self, package: &[u8]) {
        *self.0.package.lock().unwrap() = package.to_vec();
    }

    /// Adds `change` to the device's feed.
    pub fn announce(&self, change: Change) {
        let mut state = self.0.state.lock().unwrap();
        let seq = state.events.len() as u64 + 1;
        state.events.push(FeedEvent { seq, at_ms: 1, change });
    }

    /// The transport to open a store with.
    pub fn transport(&self) -> Arc<dyn Transport> {
        Arc::new(self.clone())
    }

    /// The photos stored, by capture.
    pub fn photos(&self) -> Vec<(uuid::Uuid, Sha256)> {
        self.0.state.lock().unwrap().photos.clone()
    }

    /// How many records are stored.
    pub fn records(&self) -> usize {
        self.0.state.lock().unwrap().records.len()
    }

    /// How many requests went to `path` (without the query).
    pub fn requests_to(&self, path: &str) -> usize {
        self.0.state.lock().unwrap().log.iter().filter(|(_, p)| p == path).count()
    }

    /// A refusal of `subject` signed by this server's key, as the real server sends it.
    pub fn refusal(&self, subject: ReceiptSubject, code: &str, detail: &str) -> SignedRefusal {
        let device = self.0.state.lock().unwrap().device.clone().unwrap();
        let refusal = Refusal {
            format: statement::REFUSAL_FORMAT,
            subject,
            code: code.into(),
            detail: detail.into(),
            device_key_id: device,
            refused_at_ms: 1,
            server_key_id: self.0.public.key_id(),
        };
        let signature = self.sign(&refusal.canonical_bytes());
        SignedRefusal { refusal, signature }
    }

    fn sign(&self, bytes: &[u8]) -> Signature {
        Signature(self.0.key.sign(bytes).unwrap())
    }

    fn receipt(&self, subject: ReceiptSubject, device: testigo_core::protocol::KeyId) -> SignedReceipt {
        let receipt = Receipt {
            format: RECEIPT_FORMAT,
            subject,
            device_key_id: device,
            received_at_ms: 1,
            server_key_id: self.0.public.key_id(),
        };
        let signature = Signature(self.0.key.sign(&receipt.canonical_bytes()).unwrap());
        SignedReceipt { receipt, signature }
    }

    fn answer(&self, request: &Request) -> Response {
        // The same server whichever scheme the phone was told (tests of the https rule use both).
        let path = request
            .url
            .strip_prefix(URL)
            .or_else(|| request.url.strip_prefix(&URL.replace("https://", "http://")))
            .unwrap_or(&request.url);
        let path = path.split('?').next().unwrap_or(path).to_owned();
        self.0.state.lock().unwrap().log.push((request.method, path.clone()));
        let header = |name: &str| {
            request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        };
        match (request.method, path.as_str()) {
            (Method::Post, "/v1/enroll") => {
                let enroll: testigo_core::protocol::api::EnrollRequest =
                    serde_json::from_slice(&request.body).unwrap();
                self.0.state.lock().unwrap().device = Some(enroll.public_key.key_id());
                json(
                    200,
                    &EnrollResponse {
                        device_id: enroll.public_key.key_id(),
                        token: "token".into(),
                        server_key: self.0.public.clone(),
                        election_id: "test-2026".into(),
                        station_ids: self.0.station_ids.clone(),
                    },
                )
            }
            (Method::Get, "/v1/package") => {
                let device = self.0.state.lock().unwrap().device.clone().unwrap();
                let package = self.0.package.lock().unwrap().clone();
                let signature = self.sign(&statement::package_bytes(&device, &package));
                Response {
                    status: 200,
                    headers: vec![
                        ("etag".into(), "\"p1\"".into()),
                        (statement::PACKAGE_SIGNATURE_HEADER.into(), signature.to_text()),
                    ],
                    body: package,
                }
            }
            (Method::Get, "/v1/feed") => {
                let device = self.0.state.lock().unwrap().device.clone().unwrap();
                let after = request
                    .url
                    .split_once("after=")
                    .and_then(|(_, a)| a.split('&').next())
                    .map_or(0, |a| a.parse().unwrap());
                let events: Vec<FeedEvent> =
                    self.0.state.lock().unwrap().events.iter().filter(|e| e.seq > after).cloned().collect();
                let cursor = events.last().map_or(after, |e| e.seq);
                let signature =
                    self.sign(&statement::feed_page_bytes(&device, after, &events, cursor, false));
                json(
                    200,
                    &FeedPage {
                        events,
                        cursor,
                        more: false,
                        server_key_id: self.0.public.key_id(),
                        signature,
                    },
                )
            }
            (Method::Post, "/v1/captures") => {
                let batch: CaptureBatch = serde_json::from_slice(&request.body).unwrap();
                let results = batch
                    .captures
                    .iter()
                    .map(|c| {
                        let sha = c.record.record_sha256();
                        self.0.state.lock().unwrap().records.insert(c.record.id, sha);
                        let subject = ReceiptSubject::Record { capture_id: c.record.id, record_sha256: sha };
                        RecordOutcome::Stored {
                            receipt: self.receipt(subject, c.record.device_key_id.clone()),
                        }
                    })
                    .collect();
                json(200, &BatchResult { results })
            }
            (Method::Post, tus::ENDPOINT) => {
                let metadata = UploadMetadata::parse(header(tus::UPLOAD_METADATA).unwrap()).unwrap();
                let length = header(tus::UPLOAD_LENGTH).unwrap().parse().unwrap();
                let mut state = self.0.state.lock().unwrap();
                state.uploads.push((metadata, length, Vec::new()));
                let location = format!("{}/{}", tus::ENDPOINT, state.uploads.len() - 1);
                Response { status: 201, headers: vec![("location".into(), location)], body: vec![] }
            }
            (Method::Patch, upload) => {
                let n: usize = upload.rsplit('/').next().unwrap().parse().unwrap();
                let mut state = self.0.state.lock().unwrap();
                let (metadata, length, bytes) = state.uploads.get_mut(n).unwrap();
                let (metadata, length) = (*metadata, *length);
                bytes.extend_from_slice(&request.body);
                let offset = bytes.len() as u64;
                let mut headers = vec![(tus::UPLOAD_OFFSET.into(), offset.to_string())];
                if offset == length {
                    assert_eq!(Sha256::digest(bytes), metadata.sha256);
                    state.photos.push((metadata.capture_id, metadata.sha256));
                    let device = state.device.clone().unwrap();
                    drop(state);
                    let subject = ReceiptSubject::Photo {
                        capture_id: metadata.capture_id,
                        sha256: metadata.sha256,
                        size: length,
                    };
                    let receipt = self.receipt(subject, device);
                    headers.push((tus::RECEIPT_HEADER.into(), tus::receipt_header(&receipt).unwrap()));
                }
                Response { status: 204, headers, body: vec![] }
            }
            _ => problem(404, "not_found"),
        }
    }
}

impl Transport for FakeServer {
    fn send(&self, request: Request, cancel: &CancelToken) -> Result<Response, TransportError> {
        if cancel.is_cancelled() {
            return Err(TransportError::Cancelled);
        }
        if let Some(hook) = self.0.hook.lock().unwrap().as_ref()
            && let Some(answer) = hook(&request)
        {
            return answer;
        }
        Ok(self.answer(&request))
    }
}
