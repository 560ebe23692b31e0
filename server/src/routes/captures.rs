//! `POST /v1/captures` (a batch of signed records) and `GET /v1/captures/{id}/photos/{sha256}`
//! (a photo's receipt).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use testigo_protocol::Sha256;
use testigo_protocol::api::{BatchResult, CaptureBatch, MAX_BATCH, PhotoReceipt, RecordOutcome, RefusalCode};
use testigo_protocol::receipt::ReceiptSubject;
use uuid::Uuid;

use super::{parse_json, read_body};
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::intake;
use crate::repo::{PhotoLookup, StoreOutcome};
use crate::{AppState, now_ms};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/captures", post(submit))
        .route("/v1/captures/{capture_id}/photos/{sha256}", get(photo_receipt))
}

async fn submit(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Body,
) -> AppResult<Json<BatchResult>> {
    let batch: CaptureBatch = parse_json(&read_body(body, state.limits.max_batch_bytes).await?)?;
    if batch.captures.len() > MAX_BATCH {
        return Err(AppError::BadRequest(format!("a batch holds at most {MAX_BATCH} records")));
    }
    if batch.captures.is_empty() {
        return Ok(Json(BatchResult { results: Vec::new() }));
    }
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let now = now_ms();
    // Signature checks and receipt signing are CPU work: off the async workers.
    let (key, dev) = (state.key.clone(), device.clone());
    let checked = tokio::task::spawn_blocking(move || {
        batch.captures.into_iter().map(|s| intake::check(&dev, &election, s, &key, now)).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| AppError::Internal(format!("intake task: {e}")))?;

    let mut results: Vec<Option<RecordOutcome>> = Vec::with_capacity(checked.len());
    let mut fresh = Vec::new();
    let mut slots = Vec::new();
    for (i, c) in checked.into_iter().enumerate() {
        match c {
            Ok(record) => {
                slots.push((i, record.signed.record.id, record.signed.record.photos.clone()));
                fresh.push(record);
                results.push(None);
            }
            Err((capture_id, code, detail)) => {
                results.push(Some(RecordOutcome::Refused { capture_id, code, detail }));
            }
        }
    }
    let outcomes = if fresh.is_empty() {
        Vec::new()
    } else {
        state.repo.store_records(device.id.clone(), fresh, now).await?
    };
    for ((i, capture_id, photos), outcome) in slots.into_iter().zip(outcomes) {
        let out = match outcome {
            StoreOutcome::Stored(receipt) => {
                // Photos the server already holds (a correction reuses its predecessor's) count
                // as received at once.
                for p in photos {
                    if state.blobs.blob_size(&p.sha256).await? == Some(p.size) {
                        mark_photo_received(&state, &device.id, capture_id, p.sha256, p.size).await?;
                    }
                }
                RecordOutcome::Stored { receipt }
            }
            StoreOutcome::Duplicate(receipt) => RecordOutcome::Duplicate { receipt },
            StoreOutcome::Conflict => RecordOutcome::Refused {
                capture_id,
                code: RefusalCode::Conflict,
                detail: "a different record with this id was received before; the first one stands".into(),
            },
        };
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(out);
        }
    }
    let results = results
        .into_iter()
        .map(|r| r.ok_or_else(|| AppError::Internal("a record got no outcome".into())))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(BatchResult { results }))
}

/// Signs and keeps the receipt of a photo whose bytes are stored; returns the first receipt if
/// there was one already.
pub(crate) async fn mark_photo_received(
    state: &AppState,
    device: &testigo_protocol::KeyId,
    capture_id: Uuid,
    sha256: Sha256,
    size: u64,
) -> AppResult<testigo_protocol::SignedReceipt> {
    let PhotoLookup::Declared(expected) = state.repo.expected_photo(device, capture_id, sha256).await? else {
        return Err(AppError::PhotoNotInRecord);
    };
    if let Some(receipt) = expected.receipt {
        return Ok(receipt);
    }
    let receipt = state
        .key
        .receipt(ReceiptSubject::Photo { capture_id, sha256, size }, device, now_ms())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(state.repo.photo_received(expected.capture_pk, sha256, receipt).await?)
}

async fn photo_receipt(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path((capture_id, sha256)): Path<(String, String)>,
) -> AppResult<Json<PhotoReceipt>> {
    let capture_id =
        Uuid::parse_str(&capture_id).map_err(|_| AppError::BadRequest("capture id is not a UUID".into()))?;
    let sha256: Sha256 = sha256.parse().map_err(|_| AppError::BadRequest("not a SHA-256 in hex".into()))?;
    match state.repo.expected_photo(&device.id, capture_id, sha256).await? {
        PhotoLookup::Declared(p) => {
            p.receipt.map(|receipt| Json(PhotoReceipt { receipt })).ok_or(AppError::NotFound)
        }
        PhotoLookup::NoCapture | PhotoLookup::NotDeclared => Err(AppError::NotFound),
    }
}
