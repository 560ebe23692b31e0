//! `/dash/accounts`: coordinators' accounts, run from the browser by an administrator: make
//! one (its password is made by the server and shown once), change its role or region, reset
//! its password (shown once; its sessions end), disable it (it cannot sign in; its sessions end)
//! or enable it again. Every change is audited. The rules are in [`crate::services::accounts`].

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::home_crumb;
use super::{DashError, DashPath, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::i18n::{Lang, role_label};
use crate::repo::coord::{AccountError, Role};
use crate::services::accounts::{self, AccountAction, AccountRef, UserError};

fn role_select(lang: Lang, selected: Role) -> Markup {
    html! {
        select name="role" {
            @for role in Role::ALL {
                option value=(role.as_str()) selected[role == selected] { (lang.t(role_label(role))) }
            }
        }
    }
}

/// The page, with a notice on top (a password shown once).
async fn render(state: &AppState, session: &Session, notice: Option<Markup>) -> DashResult<Response> {
    let lang = session.lang;
    let list = accounts::list(state, &session.user).await.map_err(user_error)?;
    let body = html! {
        @if let Some(notice) = notice { (notice) }
        p.muted { (lang.t("dash-accounts-roles")) }
        div.table-wrap {
            table #accounts {
                thead { tr {
                    th { (lang.t("dash-col-account")) }
                    th { (lang.t("dash-col-role")) }
                    th { (lang.t("dash-col-scope")) }
                    th { (lang.t("dash-col-last-login")) }
                    th { (lang.t("dash-col-actions")) }
                } }
                tbody {
                    @for a in &list {
                        @let k = &a.coordinator;
                        @let action = format!("/dash/accounts/{}", k.id);
                        tr.disabled[a.disabled_at_ms.is_some()] {
                            td {
                                b { (k.name) }
                                @if let Some(at) = a.disabled_at_ms {
                                    " " span.tag.warn { (lang.t_args("dash-account-disabled", &[("at", &lang.datetime(at))])) }
                                }
                            }
                            td data-label=(lang.t("dash-col-role")) { (lang.t(role_label(k.role))) }
                            td data-label=(lang.t("dash-col-scope")) {
                                @if k.scope_path.is_empty() { (lang.t("dash-scope-all")) } @else { (k.scope_path) }
                            }
                            td data-label=(lang.t("dash-col-last-login")) {
                                @match a.last_login_ms { Some(at) => (lang.datetime(at)), None => span.muted { (lang.t("dash-never")) } }
                            }
                            td {
                                // Nobody changes their own account: no form that would only be refused.
                                @if k.id != session.user.id { details.actions {
                                    summary { (lang.t("dash-account-change")) }
                                    form.review.fields method="post" action=(action) {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="do" value="access";
                                        label { (lang.t("dash-col-role")) (role_select(lang, k.role)) }
                                        label {
                                            (lang.t("dash-account-scope"))
                                            input name="scope" value=(k.scope_path) maxlength="200" placeholder=(lang.t("dash-scope-all"));
                                        }
                                        button { (lang.t("dash-account-save")) }
                                    }
                                    form.inline method="post" action=(action) {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="do" value="reset";
                                        button.secondary { (lang.t("dash-account-reset")) }
                                    }
                                    " "
                                    form.inline method="post" action=(action) {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        @if a.disabled_at_ms.is_some() {
                                            input type="hidden" name="do" value="enable";
                                            button.secondary { (lang.t("dash-account-enable")) }
                                        } @else {
                                            input type="hidden" name="do" value="disable";
                                            button.secondary.danger { (lang.t("dash-account-disable")) }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("dash-account-new")) }
        form.review.fields #new-account method="post" action="/dash/accounts" {
            input type="hidden" name="csrf" value=(session.csrf);
            label { (lang.t("dash-col-account")) input name="name" required maxlength="64" autocomplete="off" pattern="[\\p{L}\\p{N}._\\-]{1,64}"; }
            label { (lang.t("dash-col-role")) (role_select(lang, Role::Reviewer)) }
            label {
                (lang.t("dash-account-scope"))
                input name="scope" maxlength="200" placeholder=(lang.t("dash-scope-all"));
            }
            button { (lang.t("dash-account-make")) }
        }
    };
    Ok(session.page(lang.t("dash-accounts"), vec![home_crumb(lang)], body))
}

/// A password shown once, to hand to its coordinator (`reset`: it replaced another, whose
/// sessions ended).
fn password_notice(lang: Lang, name: &str, password: &str, reset: bool) -> Markup {
    html! {
        div.notice #password role="status" {
            p { (lang.t_args("dash-account-password", &[("name", name)])) }
            p { code.enroll-code { (password) } }
            p.muted { (lang.t("dash-account-password-once")) }
            @if reset { p.muted { (lang.t("dash-account-sessions-ended")) } }
        }
    }
}

fn user_error(e: UserError) -> DashError {
    match e {
        UserError::NotAllowed => DashError::Forbidden("dash-error-forbidden"),
        UserError::BadName => DashError::BadRequest("dash-account-bad-name"),
        UserError::WeakPassword => DashError::BadRequest("dash-account-bad-name"),
        UserError::Account(AccountError::NameTaken(_)) => DashError::BadRequest("dash-account-name-taken"),
        UserError::Account(AccountError::UnknownScope(_)) => {
            DashError::BadRequest("dash-account-unknown-scope")
        }
        UserError::Account(AccountError::AdminScope) => DashError::BadRequest("dash-account-admin-scope"),
        UserError::Account(AccountError::OwnAccount) => DashError::BadRequest("dash-account-own"),
        UserError::Account(AccountError::NoAccount) => DashError::NotFound,
        UserError::Hash | UserError::NoRandomness => DashError::Internal(e.to_string()),
        UserError::Repo(e) => e.into(),
    }
}

pub(crate) async fn page(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    render(&state, &session, None).await
}

#[derive(Deserialize)]
pub(crate) struct NewForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

/// Makes an account and shows its password once.
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<NewForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    let role = Role::parse(&form.role).ok_or(DashError::BadRequest("dash-error-bad-params"))?;
    let name = form.name.trim();
    let (_, password) = accounts::create_by_admin(&state, &session.user, name, form.scope.trim(), role)
        .await
        .map_err(user_error)?;
    render(&state, &session, Some(password_notice(session.lang, name, &password, false))).await
}

#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    csrf: String,
    r#do: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

/// Changes an account: access, password, disabled or not.
pub(crate) async fn change(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<i64>,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    let action = match form.r#do.as_str() {
        "disable" => AccountAction::Disable,
        "enable" => AccountAction::Enable,
        "reset" => AccountAction::ResetPassword,
        "access" => AccountAction::Access {
            scope_path: form.scope.trim().to_owned(),
            role: Role::parse(&form.role).ok_or(DashError::BadRequest("dash-error-bad-params"))?,
        },
        _ => return Err(DashError::BadRequest("dash-error-bad-params")),
    };
    let done =
        accounts::change(&state, &session.user, AccountRef::Id(id), action).await.map_err(user_error)?;
    match done.password {
        Some(password) => {
            render(&state, &session, Some(password_notice(session.lang, &done.name, &password, true))).await
        }
        None => Ok(Redirect::to("/dash/accounts").into_response()),
    }
}
