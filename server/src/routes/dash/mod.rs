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
//! go into a URL are percent-encoded first (`format::url`), then escaped like the rest.
//!
//! Languages: every text a coordinator reads is a message of `server/locales/dash-{es,en,pt,fr}.ftl`
//! (ids `dash-…`, in the same bundles as the portal's, see [`crate::i18n`]); a sentence with
//! values is one message with arguments. The language is the best match for the request's
//! `Accept-Language`, else Spanish ([`request_lang`]); the session carries it to the pages, and
//! each page says it (`<html lang>`, `Content-Language`) and that it depends on the header
//! (`Vary: Accept-Language`). A failure ([`DashError`]) is language-free where it happens; the
//! [`localise`] layer writes its page in the request's language.
//!
//! Files: `actions.rs` (the forms posted from the pages: choices, contacts, revoking, what
//! counts), `layout.rs` (the frame of every page and its response), `login.rs` (signing in and
//! out), `pages.rs` (overview, drill-down, tally, batches, devices), `acta.rs` (the acta view,
//! its review, photos), `charts.rs` (bars and the arrivals sparkline), `format.rs` (numbers,
//! times, URL parts), `channels.rs` (what came by SMS and bundles).

mod accounts;
mod acta;
mod actions;
mod analysis;
mod assign;
mod audit;
mod channels;
pub(crate) mod charts;
mod desk;
mod devices;
mod enrollment;
pub(crate) mod format;
mod layout;
mod live;
mod login;
mod operations;
mod pages;

use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use testigo_protocol::Sha256;

use self::layout::{Page, home_crumb, html_page, layout};
use crate::auth::token_hash;
use crate::i18n::Lang;
use crate::repo::coord::{Coordinator, SessionKind};
use crate::{AppState, now_ms};

const COOKIE_NAME: &str = "testigo_session";

/// The answer to a form that lacks a field (the logout and the review form).
const INCOMPLETE_FORM: &str = "dash-error-incomplete-form";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/dash", get(pages::home))
        .route("/dash/login", get(login::login_form).post(login::login))
        .route("/dash/logout", post(login::logout))
        .route("/dash/static/app.css", get(css))
        .route("/dash/static/dash.js", get(live::js))
        .route("/dash/events", get(live::events))
        .route("/dash/regions/{id}", get(pages::region))
        .route("/dash/tally", get(pages::tally))
        .route("/dash/tally/verified-only", post(actions::set_verified_only))
        .route("/dash/contrast", get(analysis::contrast))
        .route("/dash/contrast.csv", get(analysis::contrast_csv))
        .route("/dash/contrast/report", get(analysis::report))
        .route("/dash/quickcount", get(analysis::quickcount))
        .route("/dash/centers/{id}", get(pages::center))
        .route("/dash/stations/{id}", get(pages::station))
        .route("/dash/stations/{id}/choose", post(actions::choose))
        .route("/dash/stations/{id}/devices", post(assign::post))
        .route("/dash/batches", get(pages::batches))
        .route("/dash/devices", get(devices::devices))
        .route("/dash/devices/{id}/contact", post(actions::device_contact))
        .route("/dash/devices/{id}/revoke", post(actions::device_revoke))
        .route("/dash/captures/{pk}", get(acta::view))
        .route("/dash/captures/{pk}/review", post(acta::review))
        .route("/dash/photos/{sha}", get(acta::photo))
        .route("/dash/missing", get(operations::missing))
        .route("/dash/search", get(operations::search))
        .route("/dash/refused", get(operations::refused))
        .route("/dash/channels", get(channels::page))
        .route("/dash/audit", get(audit::audit))
        .route("/dash/enrollment", get(enrollment::page).post(enrollment::make))
        .route("/dash/accounts", get(accounts::page).post(accounts::create))
        .route("/dash/accounts/{id}", post(accounts::change))
        .route("/dash/audit.csv", get(audit::audit_csv))
        .route("/dash/transcribe", get(desk::transcribe))
        .route("/dash/transcribe/{pk}", post(desk::submit_entry))
        .route("/dash/verify", get(desk::verify_list))
        .route("/dash/verify/{pk}", get(desk::verify_one).post(desk::decide))
        .layer(middleware::from_fn(localise))
}

/// The language of a dashboard request: the best match for its `Accept-Language`, else Spanish.
pub(crate) fn request_lang(headers: &HeaderMap) -> Lang {
    Lang::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The language of a page that has no session (the login page).
pub(crate) struct DashLang(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for DashLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(DashLang(request_lang(&parts.headers)))
    }
}

/// Writes the page of a failure in the request's language: a [`DashError`] becomes a response
/// wherever it happens (in a handler, an extractor), without knowing the request; it leaves a
/// [`Failure`] in the response for this layer, which every dashboard route goes through.
async fn localise(request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<Failure>() {
        Some(failure) => failure.page(lang),
        None => response,
    }
}

/// A failed page: shown as a page, never as JSON.
#[derive(Debug)]
pub(crate) enum DashError {
    /// Not signed in (or the session expired): to the login page.
    Login,
    /// Nothing here, or not in the coordinator's scope (the same answer for both).
    NotFound,
    /// The coordinator may not do this: the id of the message that says why.
    Forbidden(&'static str),
    /// The form or query is wrong: the id of the message that says how.
    BadRequest(&'static str),
    /// Storage failed (logged, not shown).
    Internal(String),
}

/// What a failed page says, before its language is known: its status and its message's id.
#[derive(Debug, Clone, Copy)]
struct Failure {
    status: StatusCode,
    message: &'static str,
}

impl Failure {
    /// The failure's page in `lang`.
    fn page(self, lang: Lang) -> Response {
        let page = layout(Page {
            lang,
            title: lang.t_args("dash-error-title", &[("status", self.status.as_str())]),
            crumbs: vec![home_crumb(lang)],
            body: html! { p.error { (lang.t(self.message)) } },
            user: None,
            csrf: None,
            live: None,
        });
        (self.status, html_page(lang, page)).into_response()
    }
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
            .map_err(|_| DashError::BadRequest("dash-error-bad-address"))
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
            // The services' details are English words for the API; the page says it in its own.
            AppError::Forbidden(why) => {
                tracing::debug!(why, "dashboard action refused");
                DashError::Forbidden("dash-error-forbidden")
            }
            AppError::BadRequest(why) => {
                tracing::debug!(%why, "dashboard request refused");
                DashError::BadRequest("dash-error-bad-request")
            }
            e => DashError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for DashError {
    /// The redirect to the login page, or the status with a [`Failure`] for [`localise`] to
    /// write as a page.
    fn into_response(self) -> Response {
        let (status, message) = match self {
            DashError::Login => return Redirect::to("/dash/login").into_response(),
            DashError::NotFound => (StatusCode::NOT_FOUND, "dash-error-not-found"),
            DashError::Forbidden(why) => (StatusCode::FORBIDDEN, why),
            DashError::BadRequest(why) => (StatusCode::BAD_REQUEST, why),
            DashError::Internal(cause) => {
                tracing::error!(%cause, "dashboard page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "dash-error-internal")
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(Failure { status, message });
        response
    }
}

/// Result of a page.
pub(crate) type DashResult<T> = Result<T, DashError>;

/// The signed-in coordinator, and the language of the request.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: Coordinator,
    pub(crate) csrf: String,
    pub(crate) token_hash: Sha256,
    /// The language the pages are written in ([`request_lang`]).
    pub(crate) lang: Lang,
    /// The last tally pass when the request came (what a live page shows is at least this new).
    pub(crate) seq: u64,
}

impl Session {
    /// A page of the dashboard for this coordinator: the layout with their navigation, in the
    /// session's language (`title`, `crumbs` and `body` are written in it too).
    pub(crate) fn page(&self, title: String, crumbs: Vec<(String, String)>, body: Markup) -> Response {
        self.render(title, crumbs, body, None)
    }

    /// [`Session::page`] for a page that keeps itself current as batches arrive (it says when
    /// it was made, and `dash.js` refreshes it).
    pub(crate) fn live_page(&self, title: String, crumbs: Vec<(String, String)>, body: Markup) -> Response {
        self.render(title, crumbs, body, Some(self.seq))
    }

    fn render(
        &self,
        title: String,
        crumbs: Vec<(String, String)>,
        body: Markup,
        live: Option<u64>,
    ) -> Response {
        let lang = self.lang;
        html_page(
            lang,
            layout(Page { lang, title, crumbs, body, user: Some(&self.user), csrf: Some(&self.csrf), live }),
        )
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
            return Err(DashError::Forbidden("dash-error-form-expired"));
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
        Ok(Session {
            user,
            csrf,
            token_hash: hash,
            lang: request_lang(&parts.headers),
            seq: state.live.current().seq,
        })
    }
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], layout::CSS)
        .into_response()
}
