//! The public portal: no login, every published acta, in four languages.
//!
//! Addresses start with the language (`/es/`, `/en/`, `/pt/`, `/fr/`); `/` sends a browser to
//! the best one for its `Accept-Language`. Pages: the national results with the share of tables
//! published (`/{lang}/`), a region (`/{lang}/regions/{id}/`), a center (`/{lang}/centers/{id}/`),
//! a table with its acta (`/{lang}/tables/{id}/`), search (`/{lang}/search/?q=`; with a voter
//! file imported, `POST` a voter's ID number there). Every page address ends in `/`, so a static
//! mirror serves each as a directory's `index.html`. Beside them,
//! language-free: a published photo by its hash (`/photos/{sha256}.jpg`, immutable), a table's
//! publication as data (`/data/tables/{id}.json`, what the page's verify button and
//! `testigo verify` check), the server's keys (`/data/keys.json`), the stylesheet and the script.
//!
//! Pages are server-rendered and work without JavaScript; `verify.js` only adds the in-browser
//! check. No resource comes from elsewhere. Every page carries a validator (`ETag`) made from the
//! election, the publication's progress and the page, and answers `304` when it matches, so a
//! CDN or a mirror can front the portal; photos are cached forever by their hash.
//!
//! Files: `pages.rs` (national, region, center, search), `table.rs` (the table page, its data,
//! photos), `layout.rs` (the frame, the language switch), `portal.css`, `verify.js`.
//! Every text comes from the localisation files ([`crate::i18n`]).

pub(crate) mod cache;
mod contrast;
mod layout;
pub mod mirror;
mod pages;
mod table;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::Markup;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::portal::Context;

/// The portal's own security policy: its own script and its own fetches, nothing else.
const PORTAL_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The same policy for static mirrors, in the pages themselves (a `<meta>` cannot say
/// `frame-ancestors`).
pub(crate) const MIRROR_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'";

/// The portal's routes (mounted at `/` by [`crate::app`], or alone by [`crate::public_app`]).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/{lang}/", get(pages::home))
        .route("/{lang}/regions/{id}/", get(pages::region))
        .route("/{lang}/centers/{id}/", get(pages::center))
        .route("/{lang}/tables/{id}/", get(table::show))
        .route("/{lang}/search/", get(pages::search).post(pages::voter))
        .route("/{lang}/contrast/", get(contrast::show))
        .route("/{lang}/contrast", get(contrast::show))
        // Without the final slash too (typed by hand); the pages link to the form above, which a
        // static mirror serves as a directory's index.html.
        .route("/{lang}/regions/{id}", get(pages::region))
        .route("/{lang}/centers/{id}", get(pages::center))
        .route("/{lang}/tables/{id}", get(table::show))
        .route("/{lang}/search", get(pages::search).post(pages::voter))
        .route("/photos/{file}", get(table::photo))
        .route("/data/tables/{file}", get(table::data))
        .route("/data/keys.json", get(table::keys))
        .route("/static/portal.css", get(css))
        .route("/static/verify.js", get(js))
        .route("/static/icon.svg", get(icon))
        .route("/favicon.ico", get(icon))
}

/// `/`: to the visitor's language.
async fn root(headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(accept);
    let mut r = Redirect::to(&format!("/{}/", lang.code())).into_response();
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

/// The language an address starts with; any other first segment is not a portal address and
/// gets the server's plain "not found" (`/v1/` stays the API's).
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let code = parts.uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
        Lang::from_code(code).map(PageLang).ok_or(AppError::NotFound)
    }
}

/// A failed portal page, in the page's language.
#[derive(Debug)]
pub(crate) struct PortalError {
    lang: Lang,
    error: AppError,
}

impl PortalError {
    pub(crate) fn new(lang: Lang, error: impl Into<AppError>) -> Self {
        PortalError { lang, error: error.into() }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, id) = match &self.error {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "error-rate-limited"),
            AppError::NoElection => (StatusCode::SERVICE_UNAVAILABLE, "error-no-election"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "error-bad-request"),
            e => {
                tracing::error!(error = %e, "portal page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        };
        let lang = self.lang;
        let body = maud::html! { p.notice { (lang.t(id)) } };
        let page = layout::frame(lang, &lang.t("error-title"), None, &[], body, "");
        let mut r = (status, page.into_string()).into_response();
        set_page_headers(r.headers_mut(), lang);
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

/// A page's result.
pub(crate) type PortalResult<T> = Result<T, PortalError>;

fn set_page_headers(h: &mut HeaderMap, lang: Lang) {
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PORTAL_CSP));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
}

/// Whether the request's `If-None-Match` names `etag` (or `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').map(str::trim).any(|tag| {
            tag == "*" || tag == etag || tag.trim_start_matches("W/") == etag.trim_start_matches("W/")
        })
    })
}

/// `304` when the client already holds this page as of `ctx` (checked before any work).
pub(crate) fn fresh(headers: &HeaderMap, ctx: &Context, lang: Lang, key: &str) -> Option<Response> {
    let etag = ctx.etag(&format!("{}:{key}", lang.code()));
    matches(headers, &etag).then(|| page_headers(StatusCode::NOT_MODIFIED.into_response(), lang, &etag))
}

/// The page `key` as already rendered for `ctx`, from the cache, with its validator.
pub(crate) fn cached(state: &AppState, ctx: &Context, lang: Lang, key: &str) -> Option<Response> {
    let key = format!("{}:{key}", lang.code());
    let html = state.portal.page(ctx, &key)?;
    let etag = ctx.etag(&key);
    Some(page_headers(html.into_response(), lang, &etag))
}

/// A page that depends only on `ctx` and its address, with its validator; kept for the next
/// visitor while `ctx` stands. Clients and caches may reuse it for a minute, then ask again.
pub(crate) fn page(state: &AppState, ctx: &Context, lang: Lang, key: &str, markup: Markup) -> Response {
    let key = format!("{}:{key}", lang.code());
    let etag = ctx.etag(&key);
    let html = axum::body::Bytes::from(markup.into_string());
    state.portal.keep_page(ctx, &key, html.clone());
    page_headers(html.into_response(), lang, &etag)
}

fn page_headers(mut r: Response, lang: Lang, etag: &str) -> Response {
    let h = r.headers_mut();
    set_page_headers(h, lang);
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    r
}

/// An asset served with a validator from its content and a day's freshness.
fn asset(headers: &HeaderMap, body: &'static str, content_type: &'static str) -> Response {
    let digest = testigo_protocol::Sha256::digest(body.as_bytes()).to_string();
    let etag = format!("\"{}\"", digest.get(..16).unwrap_or(&digest));
    let mut r =
        if matches(headers, &etag) { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    r
}

/// The stylesheet.
pub(crate) const CSS: &str = include_str!("portal.css");
/// The verify script.
pub(crate) const JS: &str = include_str!("verify.js");

async fn css(headers: HeaderMap) -> Response {
    asset(&headers, CSS, "text/css; charset=utf-8")
}

/// The icon (browsers ask for `/favicon.ico` whatever a page says).
pub(crate) const ICON: &str = include_str!("icon.svg");

async fn icon(headers: HeaderMap) -> Response {
    asset(&headers, ICON, "image/svg+xml")
}

async fn js(headers: HeaderMap) -> Response {
    asset(&headers, JS, "text/javascript; charset=utf-8")
}

/// The context every page needs, or the page's error.
pub(crate) async fn context(state: &AppState, lang: Lang) -> PortalResult<Arc<Context>> {
    let now = std::time::Instant::now();
    if let Some(ctx) = state.portal.context(now, state.limits.public_context_ttl) {
        return Ok(ctx);
    }
    let ctx = Arc::new(crate::services::portal::context(state).await.map_err(|e| PortalError::new(lang, e))?);
    state.portal.keep_context(now, ctx.clone());
    Ok(ctx)
}
