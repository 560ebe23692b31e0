//! The photo upload state machine behind tus 1.0 (the wire side is `routes/uploads.rs`).
//!
//! The rules that make uploads survive bad links:
//! - An upload is tied at creation to one photo of one received record of the uploading device
//!   ([`UploadMetadata`]: `capture_id`, `sha256`); its length must be the declared size.
//! - A chunk streams to the partial file. Without a checksum, every byte that arrived is kept
//!   when the connection dies, falls silent for [`crate::Limits::body_idle_timeout`], or the
//!   request outlasts [`crate::Limits::chunk_timeout`] (bytes trickling in to hold the lock):
//!   the client's `HEAD` then resumes from there. With a checksum, a chunk counts only whole and
//!   matching: a mismatch is refused and nothing of the chunk is kept.
//! - One request at a time per upload (`UploadLocks`): a second one meanwhile is refused as
//!   locked (retry later).
//! - The offset moves only after the bytes are on disk (`fsync`), so a crash never confirms bytes
//!   the server does not have.
//! - When the last byte arrives the whole file is checked against the declared SHA-256 and its
//!   structure must be a JPEG's (`photos::is_jpeg`: photos are served as `image/jpeg`, so
//!   nothing else may be stored as one); then it is stored content-addressed and the photo's
//!   receipt is signed (`photos::mark_received`). A mismatch ends the upload: the client must
//!   start a new one.
//! - An answer that refuses a photo for good (too large, not declared, the wrong length, a hash
//!   mismatch, not a JPEG) carries the server's signed refusal, the only kind the phone parks a
//!   photo on.
//! - Unfinished uploads expire after [`crate::Limits::upload_ttl`]; expired and terminated ones
//!   are gone. [`sweep_expired`] ends them and removes their partial files, and any partial file
//!   no active upload refers to (left by a crash between the two).
//!
//! What one device may hold, so that no phone fills the disk for everyone:
//! - One active upload per photo: a client that lost its upload's URL creates another, and the
//!   older one ends (its partial file goes).
//! - At most [`crate::Limits::max_device_uploads`] active uploads (`429 too_many_uploads`, retry
//!   later) and [`crate::Limits::max_device_bytes`] bytes in active and complete uploads
//!   (`507 device_quota`).
//! - No upload starts, and no chunk is written, while the disk is below its free-space reserve
//!   (`507 insufficient_storage`, see `services::storage`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use http_body_util::BodyExt as _;
use sha2::Digest as _;
use testigo_protocol::api::tus::UploadMetadata;
use testigo_protocol::{KeyId, ReceiptSubject, Sha256, SignedReceipt};

use super::{photos, storage};
use crate::blobs::Completion;
use crate::error::{AppError, AppResult};
use crate::repo::{PhotoLookup, QuotaExceeded, Upload, UploadQuota, UploadState};
use crate::{AppState, now_ms};

/// Upload ids currently being written to.
#[derive(Debug, Default)]
pub(crate) struct UploadLocks(Mutex<HashSet<String>>);

/// Holds an upload's lock until dropped.
pub(crate) struct LockGuard {
    locks: Arc<UploadLocks>,
    id: String,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.locks.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

/// Takes the upload's lock, or [`AppError::UploadLocked`] if another request holds it.
fn lock(state: &AppState, id: &str) -> AppResult<LockGuard> {
    let mut set = state.uploads.0.lock().unwrap_or_else(|e| e.into_inner());
    if !set.insert(id.to_owned()) {
        return Err(AppError::UploadLocked);
    }
    Ok(LockGuard { locks: state.uploads.clone(), id: id.to_owned() })
}

/// A new upload id: 128 random bits in hex (the form `routes/uploads.rs` accepts in paths).
pub(crate) fn new_upload_id() -> AppResult<String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut raw = [0u8; 16];
    SystemRandom::new().fill(&mut raw).map_err(|_| AppError::Internal("no randomness".into()))?;
    Ok(hex::encode(raw))
}

/// One chunk of an upload, as the request brought it.
pub(crate) struct Chunk {
    /// The digest the whole chunk must have, if the client sent one.
    pub(crate) checksum: Option<Sha256>,
    /// The length the client declared for the chunk, if it did.
    pub(crate) declared_len: Option<u64>,
    /// The bytes, streamed.
    pub(crate) body: Body,
}

/// Where an upload stands after a request.
#[derive(Debug)]
pub(crate) struct Progress {
    /// Bytes the server holds (on disk).
    pub(crate) offset: u64,
    /// The photo's receipt once the upload is complete.
    pub(crate) receipt: Option<SignedReceipt>,
    /// When an unfinished upload expires.
    pub(crate) expires_at_ms: i64,
}

/// Creates an upload for one declared photo of one of the device's received records, and writes
/// the first chunk if the request carries one (`creation-with-upload`).
pub(crate) async fn create(
    state: &AppState,
    device: &KeyId,
    length: u64,
    metadata: UploadMetadata,
    raw_metadata: String,
    first_chunk: Option<Chunk>,
) -> AppResult<(Upload, Progress)> {
    let UploadMetadata { capture_id, sha256 } = metadata;
    let photo = ReceiptSubject::Photo { capture_id, sha256, size: length };
    if length > state.limits.max_upload_bytes {
        return Err(refused(state, device, photo, AppError::PayloadTooLarge));
    }
    let expected = match state.repo.expected_photo(device, capture_id, sha256).await? {
        PhotoLookup::NoCapture => return Err(AppError::RecordNotReceived),
        PhotoLookup::NotDeclared => return Err(refused(state, device, photo, AppError::PhotoNotInRecord)),
        PhotoLookup::Declared(p) => p,
    };
    if expected.size != length {
        let e = AppError::LengthMismatch("Upload-Length is not the size the record declares");
        return Err(refused(state, device, photo, e));
    }
    // One active upload per photo: the newest wins.
    for old in state.repo.active_uploads_of(device, capture_id, sha256).await? {
        // One being written to right now stays (this request is then likely a duplicate).
        let Ok(_guard) = lock(state, &old) else { continue };
        state.blobs.delete_partial(&old).await?;
        state.repo.end_upload(&old, UploadState::Terminated, None).await?;
    }
    // In flight means being written. A phone killed after the server created an upload but
    // before it kept the address never comes back to that upload; at the quota, the device's
    // uploads that no request is writing give way, the oldest first, so such orphans
    // cannot hold its photos back until they expire. Uploads being written are never ended.
    let active = state.repo.active_uploads_of_device(device).await?;
    let mut excess = (active.len() as u64 + 1).saturating_sub(state.limits.max_device_uploads);
    for old in active {
        if excess == 0 {
            break;
        }
        let Ok(_guard) = lock(state, &old) else { continue };
        state.blobs.delete_partial(&old).await?;
        state.repo.end_upload(&old, UploadState::Terminated, None).await?;
        excess -= 1;
    }
    storage::ensure_room(state, length).await?;
    let id = new_upload_id()?;
    let now = now_ms();
    let expires_at_ms =
        now.saturating_add(i64::try_from(state.limits.upload_ttl.as_millis()).unwrap_or(i64::MAX));
    let upload = Upload {
        id: id.clone(),
        device_id: device.clone(),
        capture_id,
        capture_pk: expected.capture_pk,
        sha256,
        length,
        offset: 0,
        metadata: raw_metadata,
        expires_at_ms,
        state: UploadState::Active,
        receipt: None,
    };
    // The row before the file: a crash between them leaves a row the sweeper expires, never a
    // file nobody knows of (and the sweeper removes such files too).
    let quota =
        UploadQuota { max_active: state.limits.max_device_uploads, max_bytes: state.limits.max_device_bytes };
    match state.repo.create_upload(upload.clone(), quota, now).await? {
        Ok(()) => {}
        Err(QuotaExceeded::Active) => return Err(AppError::TooManyUploads),
        Err(QuotaExceeded::Bytes) => {
            return Err(AppError::DeviceQuota(
                "this device has uploaded as many photo bytes as one device may",
            ));
        }
    }
    if let Err(e) = state.blobs.create_partial(&id).await {
        state.repo.end_upload(&id, UploadState::Terminated, None).await?;
        return Err(e.into());
    }
    let progress = match first_chunk {
        Some(chunk) => {
            let _guard = lock(state, &id)?;
            write_chunk(state, device, upload.clone(), chunk).await?
        }
        None => Progress { offset: 0, receipt: None, expires_at_ms },
    };
    Ok((upload, progress))
}

/// The device's upload as it stands; another device's upload is "not found", an expired or
/// terminated one is gone.
pub(crate) async fn status(state: &AppState, device: &KeyId, id: &str) -> AppResult<Upload> {
    let upload = state.repo.upload(id).await?.ok_or(AppError::NotFound)?;
    if &upload.device_id != device {
        return Err(AppError::NotFound);
    }
    let expired = upload.state == UploadState::Active && upload.expires_at_ms < now_ms();
    if matches!(upload.state, UploadState::Terminated | UploadState::Expired) || expired {
        return Err(AppError::UploadGone);
    }
    Ok(upload)
}

/// Appends a chunk that claims to start at `claimed_offset`.
pub(crate) async fn append(
    state: &AppState,
    device: &KeyId,
    id: &str,
    claimed_offset: u64,
    chunk: Chunk,
) -> AppResult<Progress> {
    let _guard = lock(state, id)?;
    let upload = status(state, device, id).await?;
    if claimed_offset != upload.offset {
        return Err(AppError::OffsetMismatch { offset: upload.offset });
    }
    if upload.state == UploadState::Complete {
        // Nothing left to send (the answer to the last chunk was lost): the receipt again.
        return Ok(Progress {
            offset: upload.offset,
            receipt: upload.receipt,
            expires_at_ms: upload.expires_at_ms,
        });
    }
    write_chunk(state, device, upload, chunk).await
}

/// Ends an upload at the client's request. A complete upload's photo is evidence and stays:
/// terminating it only ends the upload.
pub(crate) async fn terminate(state: &AppState, device: &KeyId, id: &str) -> AppResult<()> {
    let _guard = lock(state, id)?;
    let upload = status(state, device, id).await?;
    if upload.state == UploadState::Active {
        state.blobs.delete_partial(id).await?;
        state.repo.end_upload(id, UploadState::Terminated, None).await?;
    }
    Ok(())
}

/// Appends the chunk to the upload (see the module doc for what is kept when), completes the
/// upload when its last byte arrived, and says where it stands.
async fn write_chunk(state: &AppState, device: &KeyId, upload: Upload, chunk: Chunk) -> AppResult<Progress> {
    let Chunk { checksum, declared_len, mut body } = chunk;
    let remaining = upload.length.saturating_sub(upload.offset);
    if declared_len.is_some_and(|n| n > remaining) {
        return Err(AppError::LengthMismatch("the chunk runs past Upload-Length"));
    }
    storage::ensure_room(state, declared_len.unwrap_or(remaining)).await?;
    let mut writer = state.blobs.open_partial(&upload.id, upload.offset).await?;
    let mut hasher = checksum.map(|_| sha2::Sha256::new());
    let mut written = 0u64;
    let mut broke_off = false;
    // However the bytes trickle in, the request ends by this deadline and frees the lock.
    let deadline = tokio::time::Instant::now() + state.limits.chunk_timeout;
    loop {
        let wait = state
            .limits
            .body_idle_timeout
            .min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, body.frame()).await {
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
        if <[u8; 32]>::from(h.finalize()) != expected.0 {
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
    let expires_at_ms = upload.expires_at_ms;
    if offset < upload.length {
        return Ok(Progress { offset, receipt: None, expires_at_ms });
    }
    let photo =
        ReceiptSubject::Photo { capture_id: upload.capture_id, sha256: upload.sha256, size: upload.length };
    match state.blobs.complete(&upload.id, &upload.sha256, photos::is_jpeg).await? {
        Completion::Mismatch => {
            state.repo.end_upload(&upload.id, UploadState::Terminated, None).await?;
            Err(refused(state, device, photo, AppError::HashMismatch))
        }
        Completion::NotMedia => {
            state.repo.end_upload(&upload.id, UploadState::Terminated, None).await?;
            Err(refused(state, device, photo, AppError::NotAJpeg))
        }
        Completion::Stored { size } => {
            let receipt =
                photos::mark_received(state, device, upload.capture_id, upload.sha256, size).await?;
            state.repo.end_upload(&upload.id, UploadState::Complete, Some(receipt.clone())).await?;
            tracing::info!(upload = %upload.id, bytes = size, "photo received");
            Ok(Progress { offset, receipt: Some(receipt), expires_at_ms })
        }
    }
}

/// `error` with the server's signed refusal of `photo` from `device`, so that the phone may park
/// it. If the refusal cannot be signed the error goes out alone (the phone then tries again).
fn refused(state: &AppState, device: &KeyId, photo: ReceiptSubject, error: AppError) -> AppError {
    let (_, code, _) = error.parts();
    let detail = error.problem().detail.unwrap_or_else(|| error.to_string());
    match state.key.refusal(photo, code, &detail, device, now_ms()) {
        Ok(r) => AppError::Refused { error: Box::new(error), refusal: Box::new(r) },
        Err(e) => {
            tracing::error!(error = %e, "a photo refusal could not be signed");
            error
        }
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

/// Ends every upload past its expiry now and removes its partial file, and removes every partial
/// file no active upload refers to; returns how many uploads and files went.
pub async fn sweep_expired(state: &AppState) -> AppResult<usize> {
    let ids = state.repo.expired_uploads(now_ms()).await?;
    let mut swept = 0;
    for id in &ids {
        // An upload being written to right now is swept next time.
        let Ok(_guard) = lock(state, id) else { continue };
        state.blobs.delete_partial(id).await?;
        state.repo.end_upload(id, UploadState::Expired, None).await?;
        swept += 1;
    }
    for id in state.blobs.partial_ids().await? {
        let Ok(_guard) = lock(state, &id) else { continue };
        // Read after the lock: an upload created meanwhile has its row before its file.
        let active = state.repo.upload(&id).await?.is_some_and(|u| u.state == UploadState::Active);
        if !active {
            state.blobs.delete_partial(&id).await?;
            swept += 1;
        }
    }
    Ok(swept)
}
