//! `POST /v1/captures` (a batch of signed records) and `GET /v1/captures/{id}/photos/{sha256}`
//! (a photo's receipt).

use axum::body::Body;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use testigo_protocol::Sha256;
use testigo_protocol::api::{BatchResult, CaptureBatch, PhotoReceipt};
use uuid::Uuid;

use super::{ApiPath, parse_json, read_body};
use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::services::{intake, photos};

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
    Ok(Json(intake::submit(&state, &device, batch).await?))
}

async fn photo_receipt(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiPath((capture_id, sha256)): ApiPath<(String, String)>,
) -> AppResult<Json<PhotoReceipt>> {
    let capture_id =
        Uuid::parse_str(&capture_id).map_err(|_| AppError::BadRequest("capture id is not a UUID".into()))?;
    let sha256: Sha256 = sha256.parse().map_err(|_| AppError::BadRequest("not a SHA-256 in hex".into()))?;
    Ok(Json(photos::receipt(&state, &device.id, capture_id, sha256).await?))
}
