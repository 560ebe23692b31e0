//! `GET /v1/package`: the device's election package, with `ETag`, `If-None-Match` and the
//! server's signature (`testigo-signature`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use testigo_protocol::statement::PACKAGE_SIGNATURE_HEADER;

use crate::auth::AuthDevice;
use crate::error::{AppError, AppResult};
use crate::services::package::PackageAnswer;
use crate::{AppState, services};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/package", get(package))
}

async fn package(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
) -> AppResult<Response> {
    let tags = headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok());
    let etag = |tag: &str| HeaderValue::from_str(tag).map_err(|_| AppError::Internal("etag".into()));
    Ok(match services::package::for_device(&state, &device, tags).await? {
        PackageAnswer::NotModified { etag: tag } => {
            (StatusCode::NOT_MODIFIED, [(header::ETAG, etag(&tag)?)]).into_response()
        }
        PackageAnswer::Package { doc, signature } => {
            let sig = HeaderValue::from_str(&signature.to_text())
                .map_err(|_| AppError::Internal("signature header".into()))?;
            (
                [
                    (header::ETAG, etag(&doc.etag)?),
                    (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                    (HeaderName::from_static(PACKAGE_SIGNATURE_HEADER), sig),
                ],
                doc.json.as_ref().clone(),
            )
                .into_response()
        }
    })
}
