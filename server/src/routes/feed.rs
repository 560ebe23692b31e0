//! `GET /v1/feed?after=N&limit=M`: what changed for this device since cursor `N`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use testigo_protocol::api::FeedPage;

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::services::feed;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/feed", get(read))
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

async fn read(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> AppResult<Json<FeedPage>> {
    let Query(q) = query.map_err(|_| AppError::BadRequest("after and limit must be whole numbers".into()))?;
    Ok(Json(feed::page(&state, &device.id, q.after, q.limit).await?))
}
