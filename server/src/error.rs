//! [`AppError`]: every way a request can fail, each with a status and a stable code.
//!
//! Handlers return `Result<_, AppError>`; [`IntoResponse`] turns an error into an RFC 9457
//! `application/problem+json` body ([`Problem`]). Bad input is answered, not logged as an error;
//! an internal failure (storage) is logged with its cause and answered with a 500 whose body says
//! nothing about the cause. No input can reach the internal case: each check on input has a
//! variant of its own.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use testigo_protocol::api::{PROBLEM_CONTENT_TYPE, Problem};

/// Result with [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body or a parameter is malformed (`detail` says what, without echoing input).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The JSON body could not be read as the expected type.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// No bearer token, or one the server does not know.
    #[error("unauthorized")]
    Unauthorized,
    /// The device may not do this (e.g. another device's capture).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Nothing here.
    #[error("not found")]
    NotFound,
    /// The method is not allowed on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is larger than this endpoint takes.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The enrollment code does not exist.
    #[error("unknown enrollment code")]
    CodeInvalid,
    /// The enrollment code was used by another device.
    #[error("enrollment code already used")]
    CodeUsed,
    /// This device key is already enrolled with another code.
    #[error("device already enrolled")]
    DeviceExists,
    /// No election has been imported yet.
    #[error("no election")]
    NoElection,
    /// Too many requests from this device or address.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_s: u64,
    },
    /// tus: a request without the protocol version this server speaks.
    #[error("unsupported tus version")]
    TusVersion,
    /// The body's media type is not the one this endpoint takes.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// tus: `Upload-Offset` differs from the upload's offset.
    #[error("offset mismatch")]
    OffsetMismatch {
        /// The server's offset.
        offset: u64,
    },
    /// tus: the chunk's checksum does not match its bytes.
    #[error("checksum mismatch")]
    ChecksumMismatch,
    /// tus: another request is writing to this upload right now.
    #[error("upload locked")]
    UploadLocked,
    /// tus: the upload expired or was terminated.
    #[error("upload gone")]
    UploadGone,
    /// tus: the bytes would run past `Upload-Length`, or the length is wrong for the photo.
    #[error("length mismatch: {0}")]
    LengthMismatch(&'static str),
    /// The finished upload's SHA-256 is not the one the signed record declares.
    #[error("hash mismatch")]
    HashMismatch,
    /// The finished upload is not a JPEG (phones send only JPEG photos).
    #[error("not a JPEG")]
    NotAJpeg,
    /// The upload names a capture the server has not received from this device.
    #[error("record not received")]
    RecordNotReceived,
    /// The upload's photo is not one the capture's record declares.
    #[error("photo not in record")]
    PhotoNotInRecord,
    /// The request took longer than the server allows.
    #[error("request timed out")]
    Timeout,
    /// The device's token was revoked, or it tries to enroll again after its revocation.
    #[error("device revoked")]
    DeviceRevoked,
    /// The device has as many uploads in flight as it may.
    #[error("too many uploads")]
    TooManyUploads,
    /// The device has sent as many records or photo bytes as one device may.
    #[error("device quota exceeded: {0}")]
    DeviceQuota(&'static str),
    /// The server's disk is (nearly) full: nothing was written. Retry later.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// Storage failed. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// `error`, with the server's signed refusal of the photo or record it is about: the phone
    /// parks an item only on such an answer (see `testigo_protocol::statement`).
    #[error("{error}")]
    Refused {
        /// What went wrong.
        error: Box<AppError>,
        /// The signed refusal sent with it.
        refusal: Box<testigo_protocol::SignedRefusal>,
    },
}

impl AppError {
    /// The status, stable code and fixed title of this error.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use AppError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", "The request is malformed"),
            MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json", "The JSON body cannot be read"),
            Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "A valid device token is required"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed for this device"),
            NotFound => (StatusCode::NOT_FOUND, "not_found", "Nothing here"),
            MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed on this path")
            }
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is too large"),
            CodeInvalid => (StatusCode::NOT_FOUND, "code_invalid", "Unknown enrollment code"),
            CodeUsed => (StatusCode::CONFLICT, "code_used", "The enrollment code was already used"),
            DeviceExists => (StatusCode::CONFLICT, "device_exists", "This device key is already enrolled"),
            NoElection => (StatusCode::SERVICE_UNAVAILABLE, "no_election", "No election is set up yet"),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests"),
            TusVersion => (StatusCode::PRECONDITION_FAILED, "tus_version", "Unsupported tus version"),
            UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type")
            }
            OffsetMismatch { .. } => {
                (StatusCode::CONFLICT, "offset_mismatch", "Upload-Offset does not match")
            }
            ChecksumMismatch => (checksum_mismatch_status(), "checksum_mismatch", "Checksum mismatch"),
            UploadLocked => (StatusCode::LOCKED, "upload_locked", "The upload is busy"),
            UploadGone => (StatusCode::GONE, "upload_gone", "The upload expired or was terminated"),
            LengthMismatch(_) => (StatusCode::BAD_REQUEST, "length_mismatch", "Length does not match"),
            HashMismatch => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "hash_mismatch",
                "The photo does not match its declared hash",
            ),
            NotAJpeg => (StatusCode::UNPROCESSABLE_ENTITY, "not_a_jpeg", "The photo is not a JPEG file"),
            RecordNotReceived => {
                (StatusCode::CONFLICT, "record_not_received", "The capture's record has not been received")
            }
            PhotoNotInRecord => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "photo_not_in_record",
                "The record does not declare this photo",
            ),
            Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout", "The request took too long"),
            DeviceRevoked => (StatusCode::FORBIDDEN, "device_revoked", "This device was revoked"),
            TooManyUploads => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_uploads", "Too many uploads in flight")
            }
            DeviceQuota(_) => {
                (StatusCode::INSUFFICIENT_STORAGE, "device_quota", "This device has sent all it may")
            }
            InsufficientStorage => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage", "The server is out of space")
            }
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error"),
            Refused { error, .. } => error.parts(),
        }
    }

    /// The problem body sent for this error.
    pub fn problem(&self) -> Problem {
        if let AppError::Refused { error, refusal } = self {
            return Problem { refusal: Some(refusal.as_ref().clone()), ..error.problem() };
        }
        let (status, code, title) = self.parts();
        let detail = match self {
            AppError::BadRequest(d) | AppError::MalformedJson(d) => Some(d.clone()),
            AppError::Forbidden(d) | AppError::LengthMismatch(d) | AppError::DeviceQuota(d) => {
                Some((*d).to_owned())
            }
            AppError::OffsetMismatch { offset } => Some(format!("the upload is at offset {offset}")),
            AppError::RateLimited { retry_after_s } => Some(format!("retry after {retry_after_s} s")),
            _ => None,
        };
        Problem::new(code, status.as_u16(), title, detail)
    }
}

/// tus's checksum extension answers a mismatching chunk with 460, a status outside the IANA
/// registry.
fn checksum_mismatch_status() -> StatusCode {
    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
}

impl From<crate::repo::RepoError> for AppError {
    fn from(e: crate::repo::RepoError) -> Self {
        match e {
            crate::repo::RepoError::Full => AppError::InsufficientStorage,
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crate::keys::KeyError> for AppError {
    fn from(e: crate::keys::KeyError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<crate::blobs::BlobError> for AppError {
    fn from(e: crate::blobs::BlobError) -> Self {
        match e {
            crate::blobs::BlobError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                AppError::InsufficientStorage
            }
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        } else {
            tracing::debug!(code = %problem.code, "request refused");
        }
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        // tus: every answer on the upload endpoints carries the version; harmless elsewhere.
        headers.insert("tus-resumable", HeaderValue::from_static(testigo_protocol::api::tus::VERSION));
        match &self {
            AppError::RateLimited { retry_after_s } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
            }
            // Conditions that pass with time (space freed, uploads finished or expired): the
            // phone keeps its items and tries again.
            AppError::InsufficientStorage | AppError::TooManyUploads => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            AppError::DeviceQuota(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            }
            AppError::TusVersion => {
                headers.insert("tus-version", HeaderValue::from_static(testigo_protocol::api::tus::VERSION));
            }
            AppError::OffsetMismatch { offset } => {
                headers.insert("upload-offset", HeaderValue::from(*offset));
            }
            _ => {}
        }
        response
    }
}
