//! Signing in and out: the login page, the session cookie it sets, and its removal.
//!
//! Every attempt goes through `accounts::sign_in`, which throttles per address before it checks
//! the password, so an unreadable form counts as an attempt too.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{Page, html_page, layout};
use super::{COOKIE_NAME, DashError, DashLang, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::auth::ClientIp;
use crate::i18n::Lang;
use crate::repo::coord::SessionKind;
use crate::services::accounts::{self, SignInError};

/// The login page in `lang`, with what went wrong last time (a message id), if anything.
fn login_page(lang: Lang, error: Option<&str>) -> Response {
    let sign_in = lang.t("dash-sign-in");
    html_page(
        lang,
        layout(Page {
            live: None,
            lang,
            title: sign_in.clone(),
            crumbs: vec![],
            body: html! {
                @if let Some(error) = error {
                    p.error { (lang.t(error)) }
                }
                form.login method="post" action="/dash/login" {
                    label {
                        (lang.t("dash-login-user")) " "
                        input name="name" autocomplete="username" required;
                    }
                    label {
                        (lang.t("dash-login-password")) " "
                        input name="password" type="password" autocomplete="current-password" required;
                    }
                    button { (sign_in) }
                }
            },
            user: None,
            csrf: None,
        }),
    )
}

pub(crate) async fn login_form(DashLang(lang): DashLang) -> Response {
    login_page(lang, None)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
}

fn throttled(lang: Lang, retry_after_s: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::RETRY_AFTER, retry_after_s.to_string())],
        login_page(lang, Some("dash-login-throttled")),
    )
        .into_response()
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    DashLang(lang): DashLang,
    form: Result<Form<LoginForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else {
        // An unreadable form still counts as an attempt against the address.
        return Ok(match accounts::sign_in(&state, &ip, "", "", SessionKind::Dashboard).await {
            Err(SignInError::Throttled { retry_after_s }) => throttled(lang, retry_after_s),
            _ => login_page(lang, Some("dash-login-incomplete")),
        });
    };
    let session = match accounts::sign_in(&state, &ip, &form.name, &form.password, SessionKind::Dashboard)
        .await
    {
        Ok((_, session)) => session,
        Err(SignInError::Throttled { retry_after_s }) => return Ok(throttled(lang, retry_after_s)),
        Err(SignInError::WrongCredentials) => {
            return Ok((StatusCode::UNAUTHORIZED, login_page(lang, Some("dash-login-wrong"))).into_response());
        }
        Err(SignInError::Repo(e)) => return Err(e.into()),
    };
    // Secure when the server is reached over https: the cookie then never travels in clear.
    let secure = if state.limits.https { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        session.token,
        accounts::SESSION_MS / 1000
    );
    let mut response = Redirect::to("/dash").into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| DashError::Internal(e.to_string()))?);
    Ok(response)
}

/// A form that carries nothing but the session's CSRF value.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    state.coord.end_session(session.token_hash, SessionKind::Dashboard).await?;
    let mut response = Redirect::to("/dash/login").into_response();
    let secure = if state.limits.https { "; Secure" } else { "" };
    let cookie = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| DashError::Internal(e.to_string()))?);
    Ok(response)
}
