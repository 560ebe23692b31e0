//! Photo uploads by tus 1.0.0 (<https://tus.io/protocols/resumable-upload>), at `/v1/uploads`:
//! the wire side. Handlers read tus headers (with the protocol's codecs, [`testigo_protocol::api::tus`]),
//! call one function of [`crate::services::uploads`] (the state machine and its rules), and write
//! tus answers.
//!
//! Extensions: `creation`, `creation-with-upload`, `termination`, `expiration`, `checksum`
//! (`sha256`). `X-HTTP-Method-Override` is honoured on `POST /v1/uploads/{id}`. The photo's
//! signed receipt travels in [`RECEIPT_HEADER`] on the answer that completes an upload and on
//! every later `HEAD`.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::options;
use testigo_protocol::SignedReceipt;
use testigo_protocol::api::tus::{
    CHECKSUM_ALGORITHM, ENDPOINT, EXTENSIONS, OFFSET_OCTET_STREAM, RECEIPT_HEADER, TUS_RESUMABLE,
    UPLOAD_CHECKSUM, UPLOAD_LENGTH, UPLOAD_METADATA, UPLOAD_OFFSET, UploadMetadata, VERSION,
    parse_checksum_header, receipt_header,
};

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::services::uploads::{self, Chunk, Progress};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(ENDPOINT, options(discover).post(create)).route(
        "/v1/uploads/{id}",
        options(discover).head(head).patch(patch).delete(terminate).post(method_override),
    )
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn expires_header(ms: i64) -> HeaderValue {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    hv(&httpdate::fmt_http_date(t))
}

/// A response with the headers every tus answer carries.
fn tus_response(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert(TUS_RESUMABLE, HeaderValue::from_static(VERSION));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Puts where the upload stands into an answer: the offset, then the receipt once complete or
/// the expiry while not.
fn put_progress(r: &mut Response, progress: &Progress) -> AppResult<()> {
    let h = r.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(progress.offset));
    put_receipt_or_expiry(h, progress.receipt.as_ref(), progress.expires_at_ms)
}

fn put_receipt_or_expiry(
    h: &mut HeaderMap,
    receipt: Option<&SignedReceipt>,
    expires_at_ms: i64,
) -> AppResult<()> {
    match receipt {
        Some(receipt) => {
            let value = receipt_header(receipt).map_err(|e| AppError::Internal(e.to_string()))?;
            h.insert(HeaderName::from_static(RECEIPT_HEADER), hv(&value));
        }
        None => {
            h.insert("upload-expires", expires_header(expires_at_ms));
        }
    }
    Ok(())
}

fn check_version(headers: &HeaderMap) -> AppResult<()> {
    match headers.get(TUS_RESUMABLE).and_then(|v| v.to_str().ok()) {
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

/// The request's chunk: its checksum (refused if malformed, before any byte is read), its
/// declared length and its body.
fn chunk(headers: &HeaderMap, body: Body) -> AppResult<Chunk> {
    let checksum = headers
        .get(UPLOAD_CHECKSUM)
        .map(|v| {
            let text = v.to_str().map_err(|_| AppError::BadRequest("Upload-Checksum is malformed".into()))?;
            parse_checksum_header(text).map_err(|e| AppError::BadRequest(e.to_string()))
        })
        .transpose()?;
    Ok(Chunk { checksum, declared_len: header_u64(headers, "content-length")?, body })
}

fn upload_id(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    let Path(id) = path.map_err(|_| AppError::NotFound)?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

fn is_chunk(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) == Some(OFFSET_OCTET_STREAM)
}

async fn discover(State(state): State<AppState>) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(TUS_RESUMABLE, HeaderValue::from_static(VERSION));
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
    let length = header_u64(&headers, UPLOAD_LENGTH)?
        .ok_or_else(|| AppError::BadRequest("Upload-Length is required".into()))?;
    let raw_meta = headers
        .get(UPLOAD_METADATA)
        .map(|v| v.to_str().map_err(|_| AppError::BadRequest("Upload-Metadata is malformed".into())))
        .transpose()?
        .unwrap_or("")
        .to_owned();
    let metadata = UploadMetadata::parse(&raw_meta).map_err(|e| AppError::BadRequest(e.to_string()))?;
    // creation-with-upload: the body, if any, is the first chunk.
    let first_chunk =
        match is_chunk(&headers) && header_u64(&headers, "content-length")?.is_none_or(|n| n > 0) {
            true => Some(chunk(&headers, body)?),
            false => None,
        };
    let has_chunk = first_chunk.is_some();
    let (upload, progress) =
        uploads::create(&state, &device.id, length, metadata, raw_meta, first_chunk).await?;
    let mut response = tus_response(StatusCode::CREATED);
    if has_chunk {
        put_progress(&mut response, &progress)?;
    }
    let h = response.headers_mut();
    h.insert(header::LOCATION, hv(&format!("{ENDPOINT}/{}", upload.id)));
    h.insert("upload-expires", expires_header(upload.expires_at_ms));
    Ok(response)
}

async fn head(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    let upload = uploads::status(&state, &device.id, &upload_id(path)?).await?;
    let mut r = tus_response(StatusCode::OK);
    let h = r.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(upload.offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(upload.length));
    if !upload.metadata.is_empty() {
        h.insert(UPLOAD_METADATA, hv(&upload.metadata));
    }
    put_receipt_or_expiry(h, upload.receipt.as_ref(), upload.expires_at_ms)?;
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
    if !is_chunk(&headers) {
        return Err(AppError::UnsupportedMediaType);
    }
    let claimed = header_u64(&headers, UPLOAD_OFFSET)?
        .ok_or_else(|| AppError::BadRequest("Upload-Offset is required".into()))?;
    let chunk = chunk(&headers, body)?;
    let id = upload_id(path)?;
    let progress = uploads::append(&state, &device.id, &id, claimed, chunk).await?;
    let mut r = tus_response(StatusCode::NO_CONTENT);
    put_progress(&mut r, &progress)?;
    Ok(r)
}

async fn terminate(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    uploads::terminate(&state, &device.id, &upload_id(path)?).await?;
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
