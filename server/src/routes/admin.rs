//! The coordinators' JSON API under `/v1/admin` (what the dashboard shows, for scripts and other
//! tools): sign in, a region's numbers, the tally, reviews. Authenticated with the session token
//! as a bearer token; every answer is limited to the coordinator's region subtree.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use testigo_protocol::api::ReviewStatus;
use uuid::Uuid;

use super::{ApiPath, parse_json, read_body};
use crate::auth::{ClientIp, bearer_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::repo::ReviewTarget;
use crate::repo::coord::{Coordinator, RegionRow, SessionKind};
use crate::services::accounts::{self, SignInError};
use crate::services::devices::{self, RevokeError};
use crate::services::review::{self, ReviewError, Reviewer, Verdict};
use crate::services::tally;
use crate::{AppState, now_ms};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/login", post(login))
        .route("/v1/admin/logout", post(logout))
        .route("/v1/admin/regions/{id}", get(region))
        .route("/v1/admin/tally", get(tally))
        .route("/v1/admin/reviews", post(review))
        .route("/v1/admin/devices/{id}/revoke", post(revoke))
}

/// A coordinator authenticated by their API session token (and that token's hash).
pub(crate) struct Admin(Coordinator, testigo_protocol::Sha256);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let hash = token_hash(bearer_token(parts)?);
        let (user, _) =
            state.coord.session(hash, SessionKind::Api, now_ms()).await?.ok_or(AppError::Unauthorized)?;
        Ok(Admin(user, hash))
    }
}

#[derive(Deserialize)]
struct LoginBody {
    name: String,
    password: String,
}

async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, body: Body) -> AppResult<Json<Value>> {
    let body: LoginBody = parse_json(&read_body(body, 8 * 1024).await?)?;
    let (user, session) = accounts::sign_in(&state, &ip, &body.name, &body.password, SessionKind::Api)
        .await
        .map_err(|e| match e {
            SignInError::Throttled { retry_after_s } => AppError::RateLimited { retry_after_s },
            SignInError::WrongCredentials => AppError::Unauthorized,
            SignInError::Repo(e) => e.into(),
        })?;
    Ok(Json(json!({
        "token": session.token,
        "expires_in_s": accounts::SESSION_MS / 1000,
        "coordinator": { "name": user.name, "scope": user.scope_path, "can_review": user.can_review },
    })))
}

/// Ends the session whose token authenticates the request (a token already ended or unknown is
/// `401`, like any other).
async fn logout(State(state): State<AppState>, Admin(_, hash): Admin) -> AppResult<axum::http::StatusCode> {
    state.coord.end_session(hash, SessionKind::Api).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Params {
    contest: Option<String>,
    region: Option<i64>,
}

fn row_json(r: &RegionRow) -> Value {
    json!({
        "id": r.node.id, "name": r.node.name, "path": r.node.path,
        "stations": r.node.stations, "registered": r.node.registered,
        "stations_reported": r.stats.stations_reported, "registered_reported": r.stats.registered_reported,
        "records": r.stats.records, "photos_declared": r.stats.photos_declared,
        "photos_received": r.stats.photos_received, "with_warnings": r.stats.with_warnings,
    })
}

async fn region(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    ApiPath(id): ApiPath<i64>,
    q: Result<Query<Params>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(p) = q.map_err(|_| AppError::BadRequest("contest must be text".into()))?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    let view = tally::region_in_scope(&state, &user.scope_path, Some(id), &contest).await?;
    Ok(Json(json!({
        "contest": contest.id,
        "region": row_json(&view.region),
        "children": view.children.iter().map(row_json).collect::<Vec<_>>(),
        "centers": view.centers.iter().map(|c| json!({
            "id": c.id, "name": c.name, "stations": c.stations, "registered": c.registered,
            "reported": c.reported, "records": c.records,
        })).collect::<Vec<_>>(),
    })))
}

async fn tally(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    q: Result<Query<Params>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(p) = q.map_err(|_| AppError::BadRequest("region must be a number".into()))?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    let t = tally::tally(&state, &user.scope_path, p.region, &contest).await?;
    let candidates: Vec<Value> =
        t.candidates.iter().map(|c| json!({ "id": c.id, "name": c.name, "votes": c.votes })).collect();
    Ok(Json(json!({
        "contest": contest.id,
        "region": row_json(&t.view.region),
        "candidates": candidates,
        "votes": t.votes,
    })))
}

#[derive(Deserialize)]
struct ReviewBody {
    capture_pk: Option<i64>,
    capture_id: Option<Uuid>,
    device_id: Option<String>,
    status: ReviewStatus,
    comment: Option<String>,
}

async fn review(State(state): State<AppState>, Admin(user, _): Admin, body: Body) -> AppResult<Json<Value>> {
    if !user.can_review {
        return Err(AppError::Forbidden("this account may not review"));
    }
    let body: ReviewBody = parse_json(&read_body(body, 16 * 1024).await?)?;
    let verdict = Verdict::new(body.status, body.comment.as_deref())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let target = match (body.capture_pk, body.capture_id, body.device_id) {
        (Some(pk), None, None) => ReviewTarget::Pk(pk),
        (None, Some(capture_id), Some(device)) => ReviewTarget::Device {
            device: device.parse().map_err(|_| AppError::BadRequest("device_id is not a key id".into()))?,
            capture_id,
        },
        (None, Some(capture_id), None) => ReviewTarget::CaptureId(capture_id),
        _ => {
            return Err(AppError::BadRequest(
                "name the capture by capture_pk, or capture_id (and device_id)".into(),
            ));
        }
    };
    let to = verdict.status;
    let done =
        review::review(&state, &Reviewer::from(&user), target, verdict).await.map_err(|e| match e {
            ReviewError::NotAllowed => AppError::Forbidden("this account may not review"),
            ReviewError::NotFound => AppError::NotFound,
            ReviewError::Ambiguous => {
                AppError::BadRequest("several devices used this capture id: give device_id".into())
            }
            ReviewError::Repo(e) => e.into(),
        })?;
    Ok(Json(json!({
        "capture_pk": done.pk, "device_id": done.device, "capture_id": done.capture_id,
        "from": done.from.as_str(), "to": to.as_str(),
    })))
}

#[derive(Deserialize)]
struct RevokeBody {
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    ApiPath(id): ApiPath<String>,
    body: Body,
) -> AppResult<Json<Value>> {
    let device = id.parse().map_err(|_| AppError::BadRequest("not a device key id".into()))?;
    let body: RevokeBody = parse_json(&read_body(body, 8 * 1024).await?)?;
    let done =
        devices::revoke(&state, &Reviewer::from(&user), &device, &body.reason).await.map_err(
            |e| match e {
                RevokeError::NotAllowed => AppError::Forbidden("this account may not revoke devices"),
                RevokeError::NotFound => AppError::NotFound,
                RevokeError::BadReason => AppError::BadRequest(e.to_string()),
                RevokeError::Repo(e) => e.into(),
            },
        )?;
    Ok(Json(
        json!({ "device_id": done.device, "revoked_at_ms": done.at_ms, "already_revoked": done.already }),
    ))
}
