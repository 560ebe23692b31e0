//! Photo uploads by tus 1.0.0 (<https://tus.io/protocols/resumable-upload>), at `/v1/uploads`.
//!
//! Extensions: `creation`, `creation-with-upload`, `termination`, `expiration`, `checksum`
//! (`sha256`). `X-HTTP-Method-Override` is honoured on `POST /v1/uploads/{id}`.
//!
//! The rules that make uploads survive bad links:
//! - An upload is tied at creation to one photo of one received record of the uploading device
//!   (`Upload-Metadata`: `capture_id`, `sha256`); its `Upload-Length` must be the declared size.
//! - A `PATCH` streams its body to the partial file. Without `Upload-Checksum`, every byte that
//!   arrived is kept when the connection dies or falls silent for [`crate::Limits::body_idle_timeout`]:
//!   the client's `HEAD` then resumes from there. With `Upload-Checksum`, a chunk counts only
//!   whole and matching: a mismatch is answered `460` and nothing of the chunk is kept.
//! - One request at a time per upload: a second one meanwhile gets `423 Locked` (retry later).
//! - The offset moves only after the bytes are on disk (`fsync`), so a crash never confirms bytes
//!   the server does not have.
//! - When the last byte arrives the whole file is checked against the declared SHA-256 and stored
//!   content-addressed; the answer carries the photo's signed receipt ([`RECEIPT_HEADER`]).
//!   A mismatch ends the upload (`422 hash_mismatch`): the client must start a new one.
//! - Unfinished uploads expire after [`crate::Limits::upload_ttl`] (`Upload-Expires`); expired and
//!   terminated ones answer `410 Gone`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::options;
use base64::Engine as _;
use http_body_util::BodyExt as _;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Digest as _;
use testigo_protocol::api::tus::{
    CHECKSUM_ALGORITHM, ENDPOINT, EXTENSIONS, META_CAPTURE_ID, META_SHA256, OFFSET_OCTET_STREAM,
    RECEIPT_HEADER, VERSION,
};
use testigo_protocol::{Sha256, SignedReceipt};
use uuid::Uuid;

use super::captures::mark_photo_received;
use crate::auth::AuthDevice;
use crate::blobs::Completion;
use crate::error::{AppError, AppResult};
use crate::repo::{PhotoLookup, Upload, UploadState};
use crate::{AppState, now_ms};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(ENDPOINT, options(discover).post(create)).route(
        "/v1/uploads/{id}",
        options(discover).head(head).patch(patch).delete(terminate).post(method_override),
    )
}

/// Upload ids currently being written to.
#[derive(Debug, Default)]
pub(crate) struct UploadLocks(Mutex<HashSet<String>>);

struct LockGuard {
    locks: Arc<UploadLocks>,
    id: String,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.locks.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

fn lock(state: &AppState, id: &str) -> AppResult<LockGuard> {
    let mut set = state.uploads.0.lock().unwrap_or_else(|e| e.into_inner());
    if !set.insert(id.to_owned()) {
        return Err(AppError::UploadLocked);
    }
    Ok(LockGuard { locks: state.uploads.clone(), id: id.to_owned() })
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn expires_header(ms: i64) -> HeaderValue {
    let t = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    hv(&httpdate::fmt_http_date(t))
}

fn receipt_header(receipt: &SignedReceipt) -> AppResult<HeaderValue> {
    let json = serde_json::to_vec(receipt).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hv(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)))
}

/// A response with the headers every tus answer carries.
fn tus_response(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert("tus-resumable", HeaderValue::from_static(VERSION));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn check_version(headers: &HeaderMap) -> AppResult<()> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(VERSION) => Ok(()),
        _ => Err(AppError::TusVersion),
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> AppResult<Option<u64>> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("{name} must be a non-negative integer"))),
    }
}

/// Parses `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
fn parse_metadata(raw: &str) -> AppResult<Vec<(String, Option<Vec<u8>>)>> {
    let bad = || AppError::BadRequest("Upload-Metadata is malformed".into());
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ').filter(|p| !p.is_empty());
        let key = parts.next().ok_or_else(bad)?;
        let value = parts
            .next()
            .map(|v| base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| bad()))
            .transpose()?;
        if parts.next().is_some() || out.iter().any(|(k, _)| k == key) {
            return Err(bad());
        }
        out.push((key.to_owned(), value));
    }
    Ok(out)
}

fn parse_checksum(headers: &HeaderMap) -> AppResult<Option<[u8; 32]>> {
    let Some(v) = headers.get("upload-checksum") else { return Ok(None) };
    let bad = || AppError::BadRequest("Upload-Checksum must be `sha256 <base64 digest>`".into());
    let v = v.to_str().map_err(|_| bad())?;
    let (algo, digest) = v.trim().split_once(' ').ok_or_else(bad)?;
    if algo != CHECKSUM_ALGORITHM {
        return Err(AppError::BadRequest(format!("checksum algorithm must be {CHECKSUM_ALGORITHM}")));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(digest.trim()).map_err(|_| bad())?;
    bytes.try_into().map(Some).map_err(|_| bad())
}

fn upload_id(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    let Path(id) = path.map_err(|_| AppError::NotFound)?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

/// The device's upload, or why not. Another device's upload is "not found".
async fn load(state: &AppState, device: &testigo_protocol::KeyId, id: &str) -> AppResult<Upload> {
    let upload = state.repo.upload(id).await?.ok_or(AppError::NotFound)?;
    if &upload.device_id != device {
        return Err(AppError::NotFound);
    }
    Ok(upload)
}

fn is_gone(upload: &Upload) -> bool {
    matches!(upload.state, UploadState::Terminated | UploadState::Expired)
        || (upload.state == UploadState::Active && upload.expires_at_ms < now_ms())
}

async fn discover(State(state): State<AppState>) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(VERSION));
    h.insert("tus-version", HeaderValue::from_static(VERSION));
    h.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    h.insert("tus-checksum-algorithm", HeaderValue::from_static(CHECKSUM_ALGORITHM));
    h.insert("tus-max-size", HeaderValue::from(state.limits.max_upload_bytes));
    r
}

async fn create(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    check_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(AppError::BadRequest("Upload-Defer-Length is not supported: send Upload-Length".into()));
    }
    let length = header_u64(&headers, "upload-length")?
        .ok_or_else(|| AppError::BadRequest("Upload-Length is required".into()))?;
    if length > state.limits.max_upload_bytes {
        return Err(AppError::PayloadTooLarge);
    }
    let raw_meta = headers
        .get("upload-metadata")
        .map(|v| v.to_str().map_err(|_| AppError::BadRequest("Upload-Metadata is malformed".into())))
        .transpose()?
        .unwrap_or("")
        .to_owned();
    let meta = parse_metadata(&raw_meta)?;
    let value = |key: &str| -> AppResult<String> {
        meta.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.clone())
            .and_then(|v| String::from_utf8(v).ok())
            .ok_or_else(|| AppError::BadRequest(format!("Upload-Metadata must carry {key}")))
    };
    let capture_id = Uuid::parse_str(value(META_CAPTURE_ID)?.trim())
        .map_err(|_| AppError::BadRequest("capture_id is not a UUID".into()))?;
    let sha256: Sha256 = value(META_SHA256)?
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("sha256 is not a SHA-256 in hex".into()))?;
    let expected = match state.repo.expected_photo(&device.id, capture_id, sha256).await? {
        PhotoLookup::NoCapture => return Err(AppError::RecordNotReceived),
        PhotoLookup::NotDeclared => return Err(AppError::PhotoNotInRecord),
        PhotoLookup::Declared(p) => p,
    };
    if expected.size != length {
        return Err(AppError::LengthMismatch("Upload-Length is not the size the record declares"));
    }
    let mut raw = [0u8; 16];
    SystemRandom::new().fill(&mut raw).map_err(|_| AppError::Internal("no randomness".into()))?;
    let id = hex::encode(raw);
    let now = now_ms();
    let expires_at_ms =
        now.saturating_add(i64::try_from(state.limits.upload_ttl.as_millis()).unwrap_or(i64::MAX));
    state.blobs.create_partial(&id).await?;
    let upload = Upload {
        id: id.clone(),
        device_id: device.id.clone(),
        capture_id,
        capture_pk: expected.capture_pk,
        sha256,
        length,
        offset: 0,
        metadata: raw_meta,
        expires_at_ms,
        state: UploadState::Active,
        receipt: None,
    };
    state.repo.create_upload(upload.clone(), now).await?;

    let mut response = tus_response(StatusCode::CREATED);
    // creation-with-upload: the body, if any, is the first chunk.
    let has_body = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
        == Some(OFFSET_OCTET_STREAM)
        && header_u64(&headers, "content-length")?.is_none_or(|n| n > 0);
    if has_body {
        let _guard = lock(&state, &id)?;
        let (offset, receipt) = write_chunk(&state, &device.id, upload, &headers, body).await?;
        response.headers_mut().insert("upload-offset", HeaderValue::from(offset));
        if let Some(r) = receipt {
            response.headers_mut().insert(HeaderName::from_static(RECEIPT_HEADER), receipt_header(&r)?);
        }
    }
    let h = response.headers_mut();
    h.insert(header::LOCATION, hv(&format!("{ENDPOINT}/{id}")));
    h.insert("upload-expires", expires_header(expires_at_ms));
    Ok(response)
}

async fn head(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    let upload = load(&state, &device.id, &upload_id(path)?).await?;
    if is_gone(&upload) {
        return Err(AppError::UploadGone);
    }
    let mut r = tus_response(StatusCode::OK);
    let h = r.headers_mut();
    h.insert("upload-offset", HeaderValue::from(upload.offset));
    h.insert("upload-length", HeaderValue::from(upload.length));
    if !upload.metadata.is_empty() {
        h.insert("upload-metadata", hv(&upload.metadata));
    }
    match &upload.receipt {
        Some(receipt) => {
            h.insert(HeaderName::from_static(RECEIPT_HEADER), receipt_header(receipt)?);
        }
        None => {
            h.insert("upload-expires", expires_header(upload.expires_at_ms));
        }
    }
    Ok(r)
}

async fn patch(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    check_version(&headers)?;
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some(OFFSET_OCTET_STREAM) {
        return Err(AppError::UnsupportedMediaType);
    }
    let claimed = header_u64(&headers, "upload-offset")?
        .ok_or_else(|| AppError::BadRequest("Upload-Offset is required".into()))?;
    // Malformed checksum headers are refused before any byte is read.
    parse_checksum(&headers)?;
    let id = upload_id(path)?;
    let _guard = lock(&state, &id)?;
    let upload = load(&state, &device.id, &id).await?;
    if is_gone(&upload) {
        return Err(AppError::UploadGone);
    }
    if claimed != upload.offset {
        return Err(AppError::OffsetMismatch { offset: upload.offset });
    }
    if upload.state == UploadState::Complete {
        // Nothing left to send (the answer to the last chunk was lost): the receipt again.
        let mut r = tus_response(StatusCode::NO_CONTENT);
        r.headers_mut().insert("upload-offset", HeaderValue::from(upload.offset));
        if let Some(receipt) = &upload.receipt {
            r.headers_mut().insert(HeaderName::from_static(RECEIPT_HEADER), receipt_header(receipt)?);
        }
        return Ok(r);
    }
    let expires = upload.expires_at_ms;
    let (offset, receipt) = write_chunk(&state, &device.id, upload, &headers, body).await?;
    let mut r = tus_response(StatusCode::NO_CONTENT);
    r.headers_mut().insert("upload-offset", HeaderValue::from(offset));
    match receipt {
        Some(receipt) => {
            r.headers_mut().insert(HeaderName::from_static(RECEIPT_HEADER), receipt_header(&receipt)?);
        }
        None => {
            r.headers_mut().insert("upload-expires", expires_header(expires));
        }
    }
    Ok(r)
}

/// Appends the body to the upload (see the module doc for what is kept when), completes the
/// upload when its last byte arrived, and returns the new offset and, if complete, the receipt.
async fn write_chunk(
    state: &AppState,
    device: &testigo_protocol::KeyId,
    upload: Upload,
    headers: &HeaderMap,
    body: Body,
) -> AppResult<(u64, Option<SignedReceipt>)> {
    let checksum = parse_checksum(headers)?;
    let remaining = upload.length.saturating_sub(upload.offset);
    if header_u64(headers, "content-length")?.is_some_and(|n| n > remaining) {
        return Err(AppError::LengthMismatch("the chunk runs past Upload-Length"));
    }
    let mut writer = state.blobs.open_partial(&upload.id, upload.offset).await?;
    let mut hasher = checksum.map(|_| sha2::Sha256::new());
    let mut body = body;
    let mut written = 0u64;
    let mut broke_off = false;
    loop {
        match tokio::time::timeout(state.limits.body_idle_timeout, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else { continue };
                if written + data.len() as u64 > remaining {
                    writer.rollback().await?;
                    return Err(AppError::LengthMismatch("the chunk runs past Upload-Length"));
                }
                writer.write(&data).await?;
                if let Some(h) = hasher.as_mut() {
                    h.update(&data);
                }
                written += data.len() as u64;
            }
            Ok(None) => break,
            // The connection died or fell silent.
            Ok(Some(Err(_))) | Err(_) => {
                broke_off = true;
                break;
            }
        }
    }
    if let (Some(expected), Some(h)) = (checksum, hasher) {
        if broke_off {
            // A chunk that cannot be checked is not kept.
            writer.rollback().await?;
            return Err(AppError::BadRequest("the chunk broke off before its end".into()));
        }
        if <[u8; 32]>::from(h.finalize()) != expected {
            writer.rollback().await?;
            return Err(AppError::ChecksumMismatch);
        }
    }
    let offset = writer.sync().await?;
    drop(writer);
    if offset != upload.offset {
        state.repo.set_upload_offset(&upload.id, offset).await?;
    }
    if broke_off {
        tracing::debug!(upload = %upload.id, kept = written, "upload chunk broke off; bytes kept");
        return Err(AppError::BadRequest("the chunk broke off; the bytes that arrived are kept".into()));
    }
    if offset < upload.length {
        return Ok((offset, None));
    }
    match state.blobs.complete(&upload.id, &upload.sha256).await? {
        Completion::Mismatch => {
            state.repo.end_upload(&upload.id, UploadState::Terminated, None).await?;
            Err(AppError::HashMismatch)
        }
        Completion::Stored { size } => {
            let receipt = mark_photo_received(state, device, upload.capture_id, upload.sha256, size).await?;
            state.repo.end_upload(&upload.id, UploadState::Complete, Some(receipt.clone())).await?;
            tracing::info!(upload = %upload.id, bytes = size, "photo received");
            Ok((offset, Some(receipt)))
        }
    }
}

async fn terminate(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    let id = upload_id(path)?;
    let _guard = lock(&state, &id)?;
    let upload = load(&state, &device.id, &id).await?;
    if is_gone(&upload) {
        return Err(AppError::UploadGone);
    }
    if upload.state == UploadState::Active {
        state.blobs.delete_partial(&id).await?;
        state.repo.end_upload(&id, UploadState::Terminated, None).await?;
    }
    // A complete upload's photo is evidence and stays; terminating it only ends the upload.
    Ok(tus_response(StatusCode::NO_CONTENT))
}

/// tus: `X-HTTP-Method-Override` for clients behind proxies that only pass GET and POST.
async fn method_override(
    state: State<AppState>,
    device: AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    match headers.get("x-http-method-override").and_then(|v| v.to_str().ok()) {
        Some("PATCH") => patch(state, device, path, headers, body).await,
        Some("DELETE") => terminate(state, device, path, headers).await,
        Some("HEAD") => head(state, device, path, headers).await,
        _ => Err(AppError::MethodNotAllowed),
    }
}

/// Ends uploads past their expiry, forever (spawned by [`crate::serve`]).
pub(crate) async fn sweep_forever(state: AppState) {
    let mut tick = tokio::time::interval(state.limits.sweep_interval);
    loop {
        tick.tick().await;
        if let Err(e) = sweep_expired(&state).await {
            tracing::warn!(error = %e, "sweeping expired uploads failed");
        }
    }
}

/// Ends every upload past its expiry now; returns how many.
pub async fn sweep_expired(state: &AppState) -> AppResult<usize> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let ids = state.repo.expired_uploads(now).await?;
    for id in &ids {
        let Ok(_guard) = lock(state, id) else { continue };
        state.blobs.delete_partial(id).await?;
        state.repo.end_upload(id, UploadState::Expired, None).await?;
    }
    Ok(ids.len())
}
