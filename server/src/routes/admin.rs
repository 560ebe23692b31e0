//! The coordinators' JSON API under `/v1/admin` (what the dashboard shows, for scripts and other
//! tools): sign in, a region's numbers, the tally, reviews, revocation, publication. Authenticated with the session token
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
use crate::services::publication::{self, Publish, PublishError};
use crate::services::review::{self, ReviewError, Reviewer, Verdict};
use crate::services::{sms, tally};
use crate::{AppState, now_ms};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/login", post(login))
        .route("/v1/admin/logout", post(logout))
        .route("/v1/admin/regions/{id}", get(region))
        .route("/v1/admin/tally", get(tally))
        .route("/v1/admin/reviews", post(review))
        .route("/v1/admin/devices/{id}/revoke", post(revoke))
        .route("/v1/admin/publications", post(publish))
        .route("/v1/admin/withdrawals", post(withdraw))
        .route("/v1/admin/publication-settings", get(publication_settings).put(set_publication_settings))
        .route("/v1/admin/channels", get(channels))
}

/// A coordinator authenticated by their API session token (and that token's hash).
pub(crate) struct Admin(pub(crate) Coordinator, pub(crate) testigo_protocol::Sha256);

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
        "coordinator": {
            "name": user.name, "scope": user.scope_path, "role": user.role.as_str(),
            "can_review": user.can_review(), "is_admin": user.is_admin(),
        },
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
    if !user.can_review() {
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

/// A capture named by its row id, or by its capture id (and device, when two devices used it).
fn capture_target(
    pk: Option<i64>,
    capture_id: Option<Uuid>,
    device: Option<String>,
) -> AppResult<ReviewTarget> {
    match (pk, capture_id, device) {
        (Some(pk), None, None) => Ok(ReviewTarget::Pk(pk)),
        (None, Some(capture_id), Some(device)) => Ok(ReviewTarget::Device {
            device: device.parse().map_err(|_| AppError::BadRequest("device_id is not a key id".into()))?,
            capture_id,
        }),
        (None, Some(capture_id), None) => Ok(ReviewTarget::CaptureId(capture_id)),
        _ => {
            Err(AppError::BadRequest("name the capture by capture_pk, or capture_id (and device_id)".into()))
        }
    }
}

fn publish_error(e: PublishError) -> AppError {
    match e {
        PublishError::NotAllowed => AppError::Forbidden("this account may not publish"),
        PublishError::NotFound => AppError::NotFound,
        PublishError::App(e) => e,
        e => AppError::BadRequest(e.to_string()),
    }
}

/// An optional field that, when present, must hold a value: `null` is refused like any other
/// value of the wrong type (the API's schema says so).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default, deserialize_with = "present")]
    station_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    region: Option<String>,
    #[serde(default, deserialize_with = "present")]
    capture_pk: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    capture_id: Option<Uuid>,
    #[serde(default, deserialize_with = "present")]
    device_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    contest_id: Option<String>,
}

/// Publishes one table's standing capture, every table's in a region, or one capture.
async fn publish(State(state): State<AppState>, Admin(user, _): Admin, body: Body) -> AppResult<Json<Value>> {
    let body: PublishBody = parse_json(&read_body(body, 16 * 1024).await?)?;
    let what = match (body.station_id, body.region, body.capture_pk.is_some() || body.capture_id.is_some()) {
        (Some(id), None, false) => Publish::Station(id),
        (None, Some(path), false) => Publish::Region(path),
        (None, None, true) => {
            Publish::Capture(capture_target(body.capture_pk, body.capture_id, body.device_id)?)
        }
        _ => return Err(AppError::BadRequest("name one of station_id, region or a capture".into())),
    };
    let done = publication::publish(&state, &Reviewer::from(&user), what, body.contest_id.as_deref())
        .await
        .map_err(publish_error)?;
    Ok(Json(json!({
        "published": done.published, "already_published": done.already, "nothing_to_publish": done.nothing,
        "seq": done.seq,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    #[serde(default, deserialize_with = "present")]
    capture_pk: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    capture_id: Option<Uuid>,
    #[serde(default, deserialize_with = "present")]
    device_id: Option<String>,
    reason: String,
}

/// Withdraws a published capture, publicly, with a reason.
async fn withdraw(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    body: Body,
) -> AppResult<Json<Value>> {
    let body: WithdrawBody = parse_json(&read_body(body, 16 * 1024).await?)?;
    let target = capture_target(body.capture_pk, body.capture_id, body.device_id)?;
    let entry = publication::withdraw(&state, &Reviewer::from(&user), target, &body.reason)
        .await
        .map_err(publish_error)?;
    Ok(Json(serde_json::to_value(entry).map_err(|e| AppError::Internal(e.to_string()))?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicationSettings {
    publish_on_verification: bool,
}

/// Whether verifying a capture publishes it.
async fn publication_settings(State(state): State<AppState>, Admin(_, _): Admin) -> AppResult<Json<Value>> {
    let on = state.public.publish_on_verification().await?;
    Ok(Json(json!({ "publish_on_verification": on })))
}

/// Sets whether verifying a capture publishes it (coordinators of the whole election only).
async fn set_publication_settings(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    body: Body,
) -> AppResult<Json<Value>> {
    let body: PublicationSettings = parse_json(&read_body(body, 4 * 1024).await?)?;
    publication::set_on_verification(&state, &Reviewer::from(&user), body.publish_on_verification)
        .await
        .map_err(|e| match e {
            PublishError::NotAllowed => AppError::Forbidden("only an administrator may change this"),
            e => publish_error(e),
        })?;
    Ok(Json(json!({ "publish_on_verification": body.publish_on_verification })))
}

fn not_taken_json(why: &crate::repo::NotTaken) -> Value {
    json!({ "code": why.code, "detail": why.detail })
}

/// What came without a data link (administrators): totals, the newest SMS set aside and the
/// newest bundle imports.
async fn channels(State(state): State<AppState>, Admin(user, _): Admin) -> AppResult<Json<Value>> {
    let log = sms::channels(&state, &user).await?;
    Ok(Json(json!({
        "sms_records": log.sms_records,
        "sms_aside": log.sms_aside,
        "bundles": log.bundles,
        "bundles_refused": log.bundles_refused,
        "recent_aside": log.recent_aside.iter().map(|m| json!({
            "sender": m.sender, "gateway": m.gateway, "text": m.text,
            "why": not_taken_json(&m.why), "received_at_ms": m.received_at_ms,
        })).collect::<Vec<_>>(),
        "recent_bundles": log.recent_bundles.iter().map(|b| json!({
            "sha256": b.sha256, "size": b.size, "maker_key_id": b.device, "carrier_key_id": b.carrier,
            "refused": b.refused.as_ref().map(not_taken_json),
            "records_stored": b.imported.records_stored, "records_known": b.imported.records_known,
            "records_refused": b.imported.records_refused, "photos_stored": b.imported.photos_stored,
            "photos_known": b.imported.photos_known, "photos_refused": b.imported.photos_refused,
            "at_ms": b.at_ms,
        })).collect::<Vec<_>>(),
    })))
}
