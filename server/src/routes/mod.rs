//! The router: one module per resource, handlers beside their paths.

mod accounts;
mod admin;
mod bundles;
mod captures;
pub(crate) mod dash;
mod enroll;
mod feed;
mod health;
mod official;
mod package;
pub mod portal;
mod sms;
pub(crate) mod uploads;

use std::any::Any;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{AppError, AppResult};

/// A path's parameters for the JSON API: a part that does not parse (not a number, bytes that
/// are not UTF-8) is a `400` problem like every other refusal, not axum's plain-text one.
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| ApiPath(t))
            .map_err(|_| AppError::BadRequest("a part of the path is malformed".into()))
    }
}

/// The portal alone, with the same deadline, security headers and panic guard as the whole.
pub(crate) fn public_router(state: AppState) -> Router {
    Router::new()
        .merge(
            portal::routes()
                .layer(middleware::from_fn_with_state(state.clone(), election_zone))
                .layer(middleware::from_fn_with_state(state.clone(), deadline))
                .layer(pages_compressed()),
        )
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

pub(crate) fn router(state: AppState) -> Router {
    // Uploads stream for as long as a slow link needs; everything else has a deadline.
    let timed = Router::new()
        .merge(health::routes())
        .merge(enroll::routes())
        .merge(package::routes())
        .merge(captures::routes())
        .merge(feed::routes())
        .merge(sms::routes())
        .merge(admin::routes())
        .merge(accounts::routes())
        .merge(official::routes())
        .merge(
            dash::routes()
                .layer(middleware::from_fn_with_state(state.clone(), election_zone))
                .layer(pages_compressed()),
        )
        .merge(
            portal::routes()
                .layer(middleware::from_fn_with_state(state.clone(), election_zone))
                .layer(pages_compressed()),
        )
        .layer(middleware::from_fn_with_state(state.clone(), deadline));
    Router::new()
        .merge(timed)
        .merge(uploads::routes())
        .merge(bundles::routes())
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Pages for people (the dashboard and the portal) gzipped for browsers that take it: a page of
/// tables shrinks five- to tenfold on a slow link. Photos (already compressed) and event streams
/// are left as they are (tower-http's default predicate), and so is everything a phone's sync
/// reads.
fn pages_compressed() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
}

/// Pages for people show times in the election's time zone (UTC when it names none).
async fn election_zone(State(state): State<AppState>, request: Request, next: Next) -> Response {
    crate::i18n::in_zone(election_time_zone(&state).await, next.run(request)).await
}

/// The election's time zone, UTC when there is no election or it names none.
pub(crate) async fn election_time_zone(state: &AppState) -> jiff::tz::TimeZone {
    match state.repo.election().await {
        Ok(Some(e)) => {
            crate::i18n::time_zone(e.election.time_zone.as_deref()).unwrap_or(jiff::tz::TimeZone::UTC)
        }
        _ => jiff::tz::TimeZone::UTC,
    }
}

async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout.into_response(),
    }
}

/// What a browser may do with any answer: load nothing from elsewhere, run no script, be framed
/// by nobody, never guess a type (a photo is served as `image/jpeg` and only as that), send no
/// referrer; and, over https, never come back over http. The dashboard's pages set their own
/// policy (this one plus their own script, `dash.js`, and its event stream); the portal too. The
/// dashboard's bars set their width in a `style` attribute, hence `style-src-attr`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; \
     style-src-elem 'self'; style-src-attr 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header;
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // A page that needs another policy (the portal's, which runs its own script) sets it.
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if state.limits.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, %path, status, ms, "request failed");
    } else {
        tracing::debug!(%method, %path, status, ms, "request");
    }
    response
}

/// A panic is a bug: answer 500 with no detail, and log it.
fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    AppError::Internal(format!("panic: {what}")).into_response()
}

/// Reads a JSON body already limited in size.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &Bytes) -> AppResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde's message names the field and position, never echoes the value.
        AppError::MalformedJson(e.to_string())
    })
}

/// Reads a whole body of at most `limit` bytes.
pub(crate) async fn read_body(body: axum::body::Body, limit: usize) -> AppResult<Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // A length-limit error is the client's doing; anything else means the body broke off.
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("the body could not be read".into())
        }
    })
}
