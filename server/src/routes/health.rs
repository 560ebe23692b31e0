//! `GET /healthz` (storage answers; free space, `degraded` below the reserve) and
//! `GET /openapi.json`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::error::AppResult;
use crate::services::storage;
use crate::{AppState, OPENAPI};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health)).route("/openapi.json", get(openapi))
}

async fn health(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    state.repo.ping().await?;
    let election = state.repo.election().await?;
    let space = storage::space(&state).await?;
    Ok(Json(serde_json::json!({
        // Degraded: reads work, new records and photos are refused until space returns.
        "status": if space.low() { "degraded" } else { "ok" },
        "free_bytes": space.available,
        "free_space_reserve": space.reserve,
        "election": election.as_ref().map(|e| &e.election.id),
        "package_version": election.as_ref().map(|e| e.version),
        "server_key_id": state.key.public_key().key_id(),
    })))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
