//! The coordinators' dashboard under `/dash`: server-rendered pages, a session cookie, a scope.
//!
//! Pages: the overview of a region with its children (drill down region → center → table), the
//! tally, the acta view (photo beside the numbers, with review), batches, devices. Every page
//! checks that what it shows lies in the signed-in coordinator's region subtree: a coordinator
//! of one state cannot see another's tables, actas or photos, whatever URL they type.
//!
//! Sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie (only its hash is stored);
//! every form carries the session's CSRF value too.

/// Appends formatted text to a page being built (`push_str` of `format!`: writing to a `String`
/// cannot fail, so there is no error to handle).
macro_rules! put {
    ($buf:expr, $($arg:tt)*) => {
        $buf.push_str(&format!($($arg)*))
    };
}

mod acta;
pub(crate) mod html;
mod pages;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use testigo_protocol::Sha256;

use self::html::{Page, esc, layout};
use crate::auth::{ClientIp, token_hash};
use crate::repo::coord::Coordinator;
use crate::services::accounts::{self, SignInError};
use crate::{AppState, now_ms};

const COOKIE_NAME: &str = "testigo_session";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/dash", get(pages::home))
        .route("/dash/login", get(login_form).post(login))
        .route("/dash/logout", post(logout))
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
            crumbs: vec![("Inicio".into(), "/dash".into())],
            body: format!("<p class=\"error\">{}</p>", esc(&message)),
            user: None,
            csrf: None,
        });
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
    }
}

/// Result of a page.
pub(crate) type DashResult<T> = Result<T, DashError>;

/// An HTML page response.
pub(crate) fn html_page(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// The signed-in coordinator.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: Coordinator,
    pub(crate) csrf: String,
    pub(crate) token_hash: Sha256,
}

impl Session {
    /// A page of the dashboard for this coordinator: the layout with their navigation.
    pub(crate) fn page(&self, title: String, crumbs: Vec<(String, String)>, body: String) -> Response {
        html_page(layout(Page { title, crumbs, body, user: Some(&self.user), csrf: Some(&self.csrf) }))
    }
}

impl Session {
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
        let (user, csrf) = state.coord.session(hash, now_ms()).await?.ok_or(DashError::Login)?;
        Ok(Session { user, csrf, token_hash: hash })
    }
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, "max-age=3600")], html::CSS).into_response()
}

fn login_page(error: Option<&str>) -> Response {
    let error = error.map(|e| format!("<p class=\"error\">{}</p>", esc(e))).unwrap_or_default();
    html_page(layout(Page {
        title: "Entrar".into(),
        crumbs: vec![],
        body: format!(
            "{error}<form class=\"login\" method=\"post\" action=\"/dash/login\">\
             <label>Usuario <input name=\"name\" autocomplete=\"username\" required></label>\
             <label>Contraseña <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button>Entrar</button></form>"
        ),
        user: None,
        csrf: None,
    }))
}

async fn login_form() -> Response {
    login_page(None)
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

fn throttled() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, login_page(Some("Demasiados intentos. Espere unos minutos.")))
        .into_response()
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: Result<Form<LoginForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else {
        // An unreadable form still counts as an attempt against the address.
        return Ok(match accounts::sign_in(&state, &ip, "", "").await {
            Err(SignInError::Throttled { .. }) => throttled(),
            _ => login_page(Some("Escriba usuario y contraseña.")),
        });
    };
    let session = match accounts::sign_in(&state, &ip, &form.name, &form.password).await {
        Ok((_, session)) => session,
        Err(SignInError::Throttled { .. }) => return Ok(throttled()),
        Err(SignInError::WrongCredentials) => {
            return Ok((StatusCode::UNAUTHORIZED, login_page(Some("Usuario o contraseña incorrectos.")))
                .into_response());
        }
        Err(SignInError::Repo(e)) => return Err(e.into()),
    };
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        session.token,
        accounts::SESSION_MS / 1000
    );
    let mut response = Redirect::to("/dash").into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| DashError::Internal(e.to_string()))?);
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest("formulario incompleto".into())) };
    session.check_csrf(&form.csrf)?;
    state.coord.end_session(session.token_hash).await?;
    let mut response = Redirect::to("/dash/login").into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("testigo_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}
