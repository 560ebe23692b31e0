use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode};
use base64::Engine as _;
use testigo_protocol::api::{BatchResult, PhotoReceipt, RecordOutcome};
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{Sha256, SignedReceipt};
use testigo_server::Limits;
use uuid::Uuid;

use crate::common::*;

/// A body fed by a channel: the test decides when bytes arrive and when the body ends.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(http_body::Frame::data(b))))
    }
}

struct Setup {
    s: TestServer,
    d: TestDevice,
    capture: Uuid,
    photo: Vec<u8>,
}

async fn setup_with(limits: Limits) -> Setup {
    let s = TestServer::with_limits(limits).await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(7, 50_000);
    let signed = d.sign(d.record("st-1", &[&photo]));
    let capture = signed.record.id;
    let r: BatchResult = json_body(s.send(d.batch(vec![signed])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Stored { .. }));
    Setup { s, d, capture, photo }
}

async fn setup() -> Setup {
    setup_with(Limits::default()).await
}

impl Setup {
    fn create_request(&self, length: usize, sha: &Sha256) -> axum::http::request::Builder {
        Request::post("/v1/uploads")
            .header("authorization", self.d.bearer())
            .header("tus-resumable", "1.0.0")
            .header("upload-length", length.to_string())
            .header("upload-metadata", upload_metadata(self.capture, sha))
    }

    async fn create(&self) -> String {
        let r = self
            .s
            .send(
                self.create_request(self.photo.len(), &Sha256::digest(&self.photo))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert!(r.headers().contains_key("upload-expires"));
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    fn patch(&self, location: &str, offset: usize, bytes: &[u8], checksum: Option<String>) -> Request<Body> {
        let mut b = Request::patch(location)
            .header("authorization", self.d.bearer())
            .header("tus-resumable", "1.0.0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string());
        if let Some(c) = checksum {
            b = b.header("upload-checksum", c);
        }
        b.body(Body::from(bytes.to_vec())).unwrap()
    }

    /// A PATCH from offset 0 whose body the test feeds through the returned sender, running on
    /// its own task.
    fn open_patch(
        &self,
        location: &str,
    ) -> (tokio::sync::mpsc::Sender<Bytes>, tokio::task::JoinHandle<Response<Body>>) {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let request = Request::patch(location)
            .header("authorization", self.d.bearer())
            .header("tus-resumable", "1.0.0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .body(Body::new(ChannelBody(rx)))
            .unwrap();
        let app = testigo_server::app(self.s.state.clone());
        (tx, tokio::spawn(async move { tower::ServiceExt::oneshot(app, request).await.unwrap() }))
    }

    async fn head(&self, location: &str) -> Response<Body> {
        self.s
            .send(
                Request::head(location)
                    .header("authorization", self.d.bearer())
                    .header("tus-resumable", "1.0.0")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
    }

    async fn offset(&self, location: &str) -> u64 {
        let r = self.head(location).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["cache-control"], "no-store");
        r.headers()["upload-offset"].to_str().unwrap().parse().unwrap()
    }
}

fn receipt_from(r: &Response<Body>) -> SignedReceipt {
    let v = r.headers()["testigo-receipt"].to_str().unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v).unwrap()).unwrap()
}

fn sha_header(bytes: &[u8]) -> String {
    format!("sha256 {}", base64_sha256(bytes))
}

#[tokio::test]
async fn options_announce_the_protocol() {
    let s = TestServer::new().await;
    let r = s.send(Request::options("/v1/uploads").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert_eq!(r.headers()["tus-checksum-algorithm"], "sha256");
    let ext = r.headers()["tus-extension"].to_str().unwrap();
    for e in ["creation", "creation-with-upload", "termination", "expiration", "checksum"] {
        assert!(ext.split(',').any(|x| x == e), "{e}");
    }
    assert_eq!(r.headers()["tus-max-size"], (32 * 1024 * 1024).to_string().as_str());
}

#[tokio::test]
async fn chunks_with_checksums_resume_and_complete_with_a_receipt() {
    let t = setup().await;
    let loc = t.create().await;
    assert!(loc.starts_with("/v1/uploads/"));
    let (a, b) = t.photo.split_at(20_000);

    let r = t.s.send(t.patch(&loc, 0, a, Some(sha_header(a)))).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["upload-offset"], "20000");
    assert_eq!(t.offset(&loc).await, 20_000);

    // A corrupted chunk: 460, nothing kept.
    let mut bad = b.to_vec();
    bad[10] ^= 1;
    let r = t.s.send(t.patch(&loc, 20_000, &bad, Some(sha_header(b)))).await;
    assert_problem(r, 460, "checksum_mismatch").await;
    assert_eq!(t.offset(&loc).await, 20_000);

    // The wrong offset: 409 naming the right one.
    let r = t.s.send(t.patch(&loc, 0, b, None)).await;
    assert_eq!(r.headers()["upload-offset"], "20000");
    assert_problem(r, 409, "offset_mismatch").await;

    let r = t.s.send(t.patch(&loc, 20_000, b, Some(sha_header(b)))).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let receipt = receipt_from(&r);
    receipt.verify(&t.d.server_key).unwrap();
    assert_eq!(
        receipt.receipt.subject,
        ReceiptSubject::Photo {
            capture_id: t.capture,
            sha256: Sha256::digest(&t.photo),
            size: t.photo.len() as u64
        }
    );
    // HEAD after completion and the receipt endpoint give the same receipt.
    let h = t.head(&loc).await;
    assert_eq!(h.headers()["upload-offset"], t.photo.len().to_string().as_str());
    assert_eq!(receipt_from(&h), receipt);
    let path = format!("/v1/captures/{}/photos/{}", t.capture, Sha256::digest(&t.photo));
    let pr: PhotoReceipt = json_body(t.s.send(get(&path, &t.d.bearer())).await).await;
    assert_eq!(pr.receipt, receipt);
    // The last chunk's answer was lost: sending it again gets the receipt again.
    let r = t.s.send(t.patch(&loc, t.photo.len(), &[], None)).await;
    assert_eq!(receipt_from(&r), receipt);
    // Stored byte-exact.
    let stored = t.s.state.blobs.get(&Sha256::digest(&t.photo)).await.unwrap().unwrap();
    assert_eq!(stored, t.photo);
}

#[tokio::test]
async fn creation_with_upload_takes_the_whole_photo_in_one_request() {
    let t = setup().await;
    let sha = Sha256::digest(&t.photo);
    let r =
        t.s.send(
            t.create_request(t.photo.len(), &sha)
                .header("content-type", "application/offset+octet-stream")
                .header("upload-checksum", sha_header(&t.photo))
                .body(Body::from(t.photo.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["upload-offset"], t.photo.len().to_string().as_str());
    receipt_from(&r).verify(&t.d.server_key).unwrap();
}

#[tokio::test]
async fn creation_checks_the_record_the_metadata_and_the_length() {
    let t = setup().await;
    let sha = Sha256::digest(&t.photo);
    let send = |b: axum::http::request::Builder| t.s.send(b.body(Body::empty()).unwrap());
    let no_version = Request::post("/v1/uploads")
        .header("authorization", t.d.bearer())
        .header("upload-length", "5")
        .header("upload-metadata", upload_metadata(t.capture, &sha));
    let r = send(no_version).await;
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert_problem(r, 412, "tus_version").await;
    assert_problem(send(t.create_request(t.photo.len() - 1, &sha)).await, 400, "length_mismatch").await;
    assert_problem(
        send(t.create_request(t.photo.len(), &Sha256::digest(b"other"))).await,
        422,
        "photo_not_in_record",
    )
    .await;
    let unknown = Request::post("/v1/uploads")
        .header("authorization", t.d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("upload-length", t.photo.len().to_string())
        .header("upload-metadata", upload_metadata(Uuid::now_v7(), &sha));
    assert_problem(send(unknown).await, 409, "record_not_received").await;
    let no_meta = Request::post("/v1/uploads")
        .header("authorization", t.d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "5");
    assert_problem(send(no_meta).await, 400, "bad_request").await;
    let huge = t.create_request(64 * 1024 * 1024, &sha);
    assert_problem(send(huge).await, 413, "payload_too_large").await;
    let deferred = t.create_request(5, &sha).header("upload-defer-length", "1");
    assert_problem(send(deferred).await, 400, "bad_request").await;
    let unauthenticated = Request::post("/v1/uploads").header("tus-resumable", "1.0.0");
    assert_problem(send(unauthenticated).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn bytes_that_do_not_hash_to_the_declared_photo_end_the_upload() {
    let t = setup().await;
    let loc = t.create().await;
    let mut wrong = t.photo.clone();
    wrong[0] ^= 0xff;
    let r = t.s.send(t.patch(&loc, 0, &wrong, None)).await;
    assert_problem(r, 422, "hash_mismatch").await;
    assert_eq!(t.head(&loc).await.status(), StatusCode::GONE);
    assert!(t.s.state.blobs.get(&Sha256::digest(&wrong)).await.unwrap().is_none());
    // A new upload of the right bytes still works.
    let loc = t.create().await;
    assert_eq!(t.s.send(t.patch(&loc, 0, &t.photo, None)).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn terminated_and_expired_uploads_are_gone() {
    let t = setup().await;
    let loc = t.create().await;
    let del = Request::delete(&loc)
        .header("authorization", t.d.bearer())
        .header("tus-resumable", "1.0.0")
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.s.send(del).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(t.head(&loc).await.status(), StatusCode::GONE);
    assert_problem(t.s.send(t.patch(&loc, 0, b"x", None)).await, 410, "upload_gone").await;

    let t = setup_with(Limits { upload_ttl: Duration::from_millis(1), ..Limits::default() }).await;
    let loc = t.create().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(t.head(&loc).await.status(), StatusCode::GONE);
    assert_eq!(testigo_server::sweep_expired(&t.s.state).await.unwrap(), 1);
    let partials = std::fs::read_dir(t.s.dir.path().join("photos/partials")).unwrap().count();
    assert_eq!(partials, 0);
    assert_eq!(testigo_server::sweep_expired(&t.s.state).await.unwrap(), 0);
}

#[tokio::test]
async fn uploads_belong_to_their_device() {
    let t = setup().await;
    let loc = t.create().await;
    let other = t.s.device(&["st-1"]).await;
    let r =
        t.s.send(
            Request::head(&loc)
                .header("authorization", other.bearer())
                .header("tus-resumable", "1.0.0")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stalled_body_keeps_what_arrived_and_a_second_writer_is_locked_out() {
    let t = setup_with(Limits { body_idle_timeout: Duration::from_millis(300), ..Limits::default() }).await;
    let loc = t.create().await;
    let (tx, first) = t.open_patch(&loc);
    tx.send(Bytes::copy_from_slice(&t.photo[..12_345])).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // While the first PATCH is open, a second one is refused with 423.
    let r = t.s.send(t.patch(&loc, 0, &t.photo, None)).await;
    assert_problem(r, 423, "upload_locked").await;
    // The first falls silent; the server keeps the bytes that arrived.
    let r = first.await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    drop(tx);
    assert_eq!(t.offset(&loc).await, 12_345);
    let r = t.s.send(t.patch(&loc, 12_345, &t.photo[12_345..], None)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    receipt_from(&r).verify(&t.d.server_key).unwrap();
}

#[tokio::test]
async fn a_chunk_trickling_in_is_ended_by_its_deadline_and_frees_the_lock() {
    let limits = Limits {
        body_idle_timeout: Duration::from_secs(30),
        chunk_timeout: Duration::from_millis(800),
        ..Limits::default()
    };
    let t = setup_with(limits).await;
    let loc = t.create().await;
    let (tx, first) = t.open_patch(&loc);
    // One byte every 100 ms: never silent for the idle timeout, so only the deadline ends it.
    let photo = t.photo.clone();
    let trickle = tokio::spawn(async move {
        for b in photo.iter().take(100) {
            if tx.send(Bytes::copy_from_slice(&[*b])).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let r = tokio::time::timeout(Duration::from_secs(5), first).await.expect("the deadline ends it").unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    trickle.abort();
    // The lock is free and the bytes that arrived are kept: the client resumes from them.
    let kept = t.offset(&loc).await as usize;
    // Ended while the trickle (100 bytes over 10 s) still had bytes to send.
    assert!((1..100).contains(&kept), "{kept} bytes kept");
    let r = t.s.send(t.patch(&loc, kept, &t.photo[kept..], None)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_same_photo_is_stored_once_and_a_correction_reusing_it_is_received_at_once() {
    let t = setup().await;
    let loc = t.create().await;
    assert_eq!(t.s.send(t.patch(&loc, 0, &t.photo, None)).await.status(), StatusCode::NO_CONTENT);
    // A correction declares the same photo: the server already has it.
    let mut correction = t.d.record("st-1", &[&t.photo]);
    correction.supersedes = Some(t.capture);
    let correction = t.d.sign(correction);
    let r: BatchResult = json_body(t.s.send(t.d.batch(vec![correction.clone()])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Stored { .. }));
    let path = format!("/v1/captures/{}/photos/{}", correction.record.id, Sha256::digest(&t.photo));
    let pr: PhotoReceipt = json_body(t.s.send(get(&path, &t.d.bearer())).await).await;
    pr.receipt.verify(&t.d.server_key).unwrap();
    // Uploading it again anyway (a client that did not ask) stores no second copy.
    let second = Setup { s: t.s, d: t.d.clone(), capture: correction.record.id, photo: t.photo.clone() };
    let loc = second.create().await;
    let r = second.s.send(second.patch(&loc, 0, &second.photo, None)).await;
    assert_eq!(receipt_from(&r), pr.receipt);
    let blobs: usize = std::fs::read_dir(second.s.dir.path().join("photos/blobs"))
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(blobs, 1);
}

#[tokio::test]
async fn method_override_reaches_patch() {
    let t = setup().await;
    let loc = t.create().await;
    let r =
        t.s.send(
            Request::post(&loc)
                .header("x-http-method-override", "PATCH")
                .header("authorization", t.d.bearer())
                .header("tus-resumable", "1.0.0")
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", "0")
                .body(Body::from(t.photo.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r =
        t.s.send(Request::post(&loc).header("authorization", t.d.bearer()).body(Body::empty()).unwrap())
            .await;
    assert_problem(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn patch_refuses_wrong_media_types_overlong_chunks_and_bad_checksum_headers() {
    let t = setup().await;
    let loc = t.create().await;
    let wrong_type = Request::patch(&loc)
        .header("authorization", t.d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/json")
        .header("upload-offset", "0")
        .body(Body::from("{}"))
        .unwrap();
    assert_problem(t.s.send(wrong_type).await, 415, "unsupported_media_type").await;
    let mut long = t.photo.clone();
    long.push(0);
    assert_problem(t.s.send(t.patch(&loc, 0, &long, None)).await, 400, "length_mismatch").await;
    assert_problem(t.s.send(t.patch(&loc, 0, b"x", Some("md5 AAAA".into()))).await, 400, "bad_request").await;
    assert_problem(t.s.send(t.patch(&loc, 0, b"x", Some("sha256 !!".into()))).await, 400, "bad_request")
        .await;
    assert_eq!(t.offset(&loc).await, 0);
}
