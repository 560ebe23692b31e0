//! `GET /v1/package`: the device's election package, with `ETag` and `If-None-Match`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/package", get(package))
}

async fn package(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
) -> AppResult<Response> {
    let doc = state.repo.device_package(&device).await?.ok_or(AppError::NoElection)?;
    let etag = HeaderValue::from_str(&doc.etag).map_err(|_| AppError::Internal("etag".into()))?;
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == doc.etag
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        doc.json.as_ref().clone(),
    )
        .into_response())
}
