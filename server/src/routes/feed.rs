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

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/feed", get(feed))
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

async fn feed(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> AppResult<Json<FeedPage>> {
    let Query(q) = query.map_err(|_| AppError::BadRequest("after and limit must be whole numbers".into()))?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    // One more than asked tells whether more wait.
    let mut events = state.repo.feed(&device.id, q.after, limit + 1).await?;
    let more = events.len() > limit;
    events.truncate(limit);
    let cursor = events.last().map_or(q.after, |e| e.seq);
    Ok(Json(FeedPage { events, cursor, more }))
}
