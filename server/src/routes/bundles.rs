//! `POST /v1/bundles`: a sealed bundle a runner's phone carried (body: the bundle's bytes), with
//! the runner's own device token. Outside the request deadline, like photo uploads: a bundle of
//! photos takes its time on a slow link.

use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use testigo_protocol::api::BundleResult;
use testigo_protocol::bundle::MAX_BUNDLE_BYTES;

use super::read_body;
use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::services::bundles;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/bundles", post(carried))
}

async fn carried(
    State(state): State<AppState>,
    AuthDevice(carrier): AuthDevice,
    body: Body,
) -> AppResult<Json<BundleResult>> {
    let bytes = read_body(body, MAX_BUNDLE_BYTES).await?;
    if bytes.is_empty() {
        return Err(AppError::BadRequest("the body holds no bundle".into()));
    }
    Ok(Json(bundles::carried(&state, &carrier.id, bytes.to_vec()).await?))
}
