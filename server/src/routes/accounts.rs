//! The administrators' accounts API under `/v1/admin`: the accounts (made, changed, reset,
//! disabled, enabled) and which phone holds a table, through the same services as the
//! dashboard's pages. Accounts are named by their login name.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::Admin;
use super::{ApiPath, parse_json, read_body};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::coord::{AccountError, Role};
use crate::services::accounts::{self, AccountAction, AccountRef, UserError};
use crate::services::devices::{self, AssignError};
use crate::services::review::Reviewer;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/accounts", get(list).post(create))
        .route("/v1/admin/accounts/{name}", post(change))
        .route("/v1/admin/stations/{id}/devices", post(assign))
}

fn user_error(e: UserError) -> AppError {
    match e {
        UserError::NotAllowed => AppError::Forbidden("only an administrator manages accounts"),
        UserError::Account(AccountError::NoAccount) => AppError::NotFound,
        UserError::Hash | UserError::NoRandomness => AppError::Internal(e.to_string()),
        UserError::Repo(e) => e.into(),
        e => AppError::BadRequest(e.to_string()),
    }
}

fn role(name: &str) -> AppResult<Role> {
    Role::parse(name).ok_or_else(|| AppError::BadRequest("role must be observer, reviewer or admin".into()))
}

async fn list(State(state): State<AppState>, Admin(user, _): Admin) -> AppResult<Json<Value>> {
    let all = accounts::list(&state, &user).await.map_err(user_error)?;
    Ok(Json(json!({
        "accounts": all.iter().map(|a| json!({
            "name": a.coordinator.name, "role": a.coordinator.role.as_str(), "scope": a.coordinator.scope_path,
            "created_at_ms": a.created_at_ms, "disabled_at_ms": a.disabled_at_ms, "last_login_ms": a.last_login_ms,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    name: String,
    role: String,
    #[serde(default)]
    scope: String,
}

/// Makes an account; its password is in the answer, once.
async fn create(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    body: Body,
) -> AppResult<(StatusCode, Json<Value>)> {
    let body: NewAccount = parse_json(&read_body(body, 4 * 1024).await?)?;
    let role = role(&body.role)?;
    let (_, password) =
        accounts::create_by_admin(&state, &user, &body.name, &body.scope, role).await.map_err(user_error)?;
    Ok((StatusCode::CREATED, Json(json!({ "name": body.name.trim(), "password": password }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

/// Disables, enables, resets or changes the access of the account with this name.
async fn change(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    ApiPath(name): ApiPath<String>,
    body: Body,
) -> AppResult<Json<Value>> {
    let body: Change = parse_json(&read_body(body, 4 * 1024).await?)?;
    let action = match body.action.as_str() {
        "disable" => AccountAction::Disable,
        "enable" => AccountAction::Enable,
        "reset" => AccountAction::ResetPassword,
        "access" => {
            AccountAction::Access { scope_path: body.scope.trim().to_owned(), role: role(&body.role)? }
        }
        _ => return Err(AppError::BadRequest("action must be disable, enable, reset or access".into())),
    };
    let done = accounts::change(&state, &user, AccountRef::Name(name), action).await.map_err(user_error)?;
    Ok(Json(json!({ "name": done.name, "password": done.password })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assignment {
    device: String,
    assigned: bool,
}

/// Assigns a table to a phone (its id or first characters), or takes it away.
async fn assign(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    ApiPath(station): ApiPath<String>,
    body: Body,
) -> AppResult<Json<Value>> {
    let body: Assignment = parse_json(&read_body(body, 4 * 1024).await?)?;
    let (device, changed) =
        devices::assign(&state, &Reviewer::from(&user), &station, &body.device, body.assigned)
            .await
            .map_err(|e| match e {
                AssignError::NotAllowed => {
                    AppError::Forbidden("only an administrator assigns tables to phones")
                }
                AssignError::NoStation => AppError::NotFound,
                AssignError::Repo(e) => e.into(),
                e => AppError::BadRequest(e.to_string()),
            })?;
    Ok(Json(json!({ "station": station, "device": device, "assigned": body.assigned, "changed": changed })))
}
