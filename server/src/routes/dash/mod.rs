//! The coordinators' dashboard under `/dash`: server-rendered pages, a session cookie, a scope.
//!
//! Pages: the overview of a region with its children (drill down region → center → table), the
//! tally, the acta view (photo beside the numbers, with review), batches, devices. Every page
//! checks that what it shows lies in the signed-in coordinator's region subtree: a coordinator
//! of one state cannot see another's tables, actas or photos, whatever URL they type.
//!
//! Sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie (only its hash is stored);
//! every form carries the session's CSRF value too.
//!
//! Markup: every page is a `maud::html!` template, checked when the crate compiles (ADR 8). maud
//! escapes every value it interpolates, so names from the election file, watchers' notes and
//! review comments can never become markup. Nothing here escapes by hand and nothing uses
//! `PreEscaped`; if constant markup ever needs it, say at that place why it is safe. Values that
//! go into a URL are percent-encoded first (`format::url`), then escaped like the rest. Each human
//! text is one literal (a sentence with values is one `format!`), so moving the texts to
//! localisation files is mechanical.
//!
//! Files: `layout.rs` (the frame of every page and its response), `login.rs` (signing in and
//! out), `pages.rs` (overview, drill-down, tally, batches, devices), `acta.rs` (the acta view,
//! its review, photos), `charts.rs` (bars and the arrivals sparkline), `format.rs` (numbers,
//! times, URL parts).

mod acta;
pub(crate) mod charts;
pub(crate) mod format;
mod layout;
mod login;
mod pages;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use testigo_protocol::Sha256;

use self::layout::{Page, home_crumb, html_page, layout};
use crate::auth::token_hash;
use crate::repo::coord::{Coordinator, SessionKind};
use crate::{AppState, now_ms};

const COOKIE_NAME: &str = "testigo_session";

/// The answer to a form that lacks a field (the logout and the review form).
const INCOMPLETE_FORM: &str = "formulario incompleto";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/dash", get(pages::home))
        .route("/dash/login", get(login::login_form).post(login::login))
        .route("/dash/logout", post(login::logout))
        .route("/dash/static/app.css", get(css))
        .route("/dash/regions/{id}", get(pages::region))
        .route("/dash/tally", get(pages::tally))
        .route("/dash/centers/{id}", get(pages::center))
        .route("/dash/stations/{id}", get(pages::station))
        .route("/dash/batches", get(pages::batches))
        .route("/dash/devices", get(pages::devices))
        .route("/dash/captures/{pk}", get(acta::view))
        .route("/dash/captures/{pk}/review", post(acta::review))
        .route("/dash/photos/{sha}", get(acta::photo))
}

/// A failed page: shown as a page, never as JSON.
#[derive(Debug)]
pub(crate) enum DashError {
    /// Not signed in (or the session expired): to the login page.
    Login,
    /// Nothing here, or not in the coordinator's scope (the same answer for both).
    NotFound,
    /// The coordinator may not do this.
    Forbidden(&'static str),
    /// The form or query is wrong.
    BadRequest(String),
    /// Storage failed (logged, not shown).
    Internal(String),
}

/// A path's parameters for the dashboard: one that does not parse is the dashboard's own "bad
/// request" page, not axum's plain text.
pub(crate) struct DashPath<T>(pub(crate) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for DashPath<T> {
    type Rejection = DashError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, DashError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| DashPath(t))
            .map_err(|_| DashError::BadRequest("dirección mal formada".into()))
    }
}

impl From<crate::repo::RepoError> for DashError {
    fn from(e: crate::repo::RepoError) -> Self {
        DashError::Internal(e.to_string())
    }
}

impl From<crate::blobs::BlobError> for DashError {
    fn from(e: crate::blobs::BlobError) -> Self {
        DashError::Internal(e.to_string())
    }
}

impl From<crate::error::AppError> for DashError {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError;
        match e {
            // No election yet and a contest it lacks read as "nothing here", like a stray URL.
            AppError::NotFound | AppError::NoElection => DashError::NotFound,
            AppError::Unauthorized => DashError::Login,
            AppError::Forbidden(why) => DashError::Forbidden(why),
            AppError::BadRequest(why) => DashError::BadRequest(why),
            e => DashError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            DashError::Login => return Redirect::to("/dash/login").into_response(),
            DashError::NotFound => (StatusCode::NOT_FOUND, "No existe, o no está en su región.".to_owned()),
            DashError::Forbidden(why) => (StatusCode::FORBIDDEN, (*why).to_owned()),
            DashError::BadRequest(why) => (StatusCode::BAD_REQUEST, why.clone()),
            DashError::Internal(cause) => {
                tracing::error!(%cause, "dashboard page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Error interno. Inténtelo de nuevo.".to_owned())
            }
        };
        let page = layout(Page {
            title: format!("Error {}", status.as_u16()),
            crumbs: vec![home_crumb()],
            body: html! { p.error { (message) } },
            user: None,
            csrf: None,
        });
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page.into_string()).into_response()
    }
}

/// Result of a page.
pub(crate) type DashResult<T> = Result<T, DashError>;

/// The signed-in coordinator.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: Coordinator,
    pub(crate) csrf: String,
    pub(crate) token_hash: Sha256,
}

impl Session {
    /// A page of the dashboard for this coordinator: the layout with their navigation.
    pub(crate) fn page(&self, title: String, crumbs: Vec<(String, String)>, body: Markup) -> Response {
        html_page(layout(Page { title, crumbs, body, user: Some(&self.user), csrf: Some(&self.csrf) }))
    }

    /// Whether `path` lies in this coordinator's scope.
    pub(crate) fn sees(&self, path: &str) -> bool {
        crate::repo::coord::within_scope(path, &self.user.scope_path)
    }

    /// Refuses a form whose CSRF value is not this session's.
    pub(crate) fn check_csrf(&self, value: &str) -> DashResult<()> {
        // Constant time: the comparison does not tell how much of a guess was right.
        let (a, b) = (value.as_bytes(), self.csrf.as_bytes());
        let differ = a.len() != b.len() || a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0;
        if differ {
            return Err(DashError::Forbidden("El formulario caducó. Recargue la página."));
        }
        Ok(())
    }
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for Session {
    type Rejection = DashError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DashError> {
        let token =
            cookie_token(parts).filter(|t| !t.is_empty() && t.len() <= 128).ok_or(DashError::Login)?;
        let hash = token_hash(&token);
        let (user, csrf) =
            state.coord.session(hash, SessionKind::Dashboard, now_ms()).await?.ok_or(DashError::Login)?;
        Ok(Session { user, csrf, token_hash: hash })
    }
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], layout::CSS)
        .into_response()
}
