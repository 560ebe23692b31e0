//! The coordinators' JSON API under `/v1/admin` (what the dashboard shows, for scripts and other
//! tools): sign in, a region's numbers, the tally, reviews. Authenticated with the session token
//! as a bearer token; every answer is limited to the coordinator's region subtree.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use testigo_protocol::api::ReviewStatus;
use uuid::Uuid;

use super::{parse_json, read_body};
use crate::auth::{ClientIp, bearer_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::repo::coord::{Coordinator, RegionRow, within_scope};
use crate::repo::{ReviewOutcome, ReviewTarget};
use crate::review::Verdict;
use crate::{AppState, now_ms};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/login", post(login))
        .route("/v1/admin/regions/{id}", get(region))
        .route("/v1/admin/tally", get(tally))
        .route("/v1/admin/reviews", post(review))
}

/// A coordinator authenticated by their session token.
pub(crate) struct Admin(Coordinator);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)?;
        let (user, _) =
            state.coord.session(token_hash(token), now_ms()).await?.ok_or(AppError::Unauthorized)?;
        Ok(Admin(user))
    }
}

#[derive(Deserialize)]
struct LoginBody {
    name: String,
    password: String,
}

async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, body: Body) -> AppResult<Json<Value>> {
    let key = format!("login:{ip}");
    let l = &state.limits;
    // As on the dashboard: every attempt takes a token as it starts; a right password gives it back.
    state
        .rate
        .take(&key, l.enroll_fail_burst, l.enroll_fail_per_s)
        .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
    let body: LoginBody = parse_json(&read_body(body, 8 * 1024).await?)?;
    let Some((user, session)) =
        crate::accounts::login(state.coord.as_ref(), &body.name, &body.password, now_ms()).await?
    else {
        return Err(AppError::Unauthorized);
    };
    state.rate.give_back(&key, l.enroll_fail_burst);
    Ok(Json(json!({
        "token": session.token,
        "expires_in_s": crate::accounts::SESSION_MS / 1000,
        "coordinator": { "name": user.name, "scope": user.scope_path, "can_review": user.can_review },
    })))
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

async fn contest_id(state: &AppState, wanted: Option<String>) -> AppResult<crate::repo::ElectionInfo> {
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    if let Some(w) = wanted
        && election.contest(&w).is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok((*election).clone())
}

async fn region(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<i64>,
    q: Result<Query<Params>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(p) = q.map_err(|_| AppError::BadRequest("contest must be text".into()))?;
    let election = contest_id(&state, p.contest.clone()).await?;
    let contest =
        p.contest.or_else(|| election.contests.first().map(|c| c.id.clone())).ok_or(AppError::NoElection)?;
    let view = state.coord.region_view(id, contest.clone()).await?.ok_or(AppError::NotFound)?;
    if !within_scope(&view.region.node.path, &user.scope_path) {
        return Err(AppError::NotFound);
    }
    Ok(Json(json!({
        "contest": contest,
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
    Admin(user): Admin,
    q: Result<Query<Params>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(p) = q.map_err(|_| AppError::BadRequest("region must be a number".into()))?;
    let election = contest_id(&state, p.contest.clone()).await?;
    let contest = match &p.contest {
        Some(c) => election.contest(c),
        None => election.contests.first(),
    }
    .cloned()
    .ok_or(AppError::NoElection)?;
    let region_id = match p.region {
        Some(id) => id,
        None => state.coord.region_by_path(user.scope_path.clone()).await?.ok_or(AppError::NotFound)?.id,
    };
    let view = state.coord.region_view(region_id, contest.id.clone()).await?.ok_or(AppError::NotFound)?;
    if !within_scope(&view.region.node.path, &user.scope_path) {
        return Err(AppError::NotFound);
    }
    let votes = state.coord.tally(region_id, contest.id.clone()).await?;
    let candidates: Vec<Value> = super::dash::candidate_totals(&contest, &votes)
        .into_iter()
        .map(|(id, v)| {
            let name =
                contest.candidates.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
            json!({ "id": id, "name": name, "votes": v })
        })
        .collect();
    Ok(Json(json!({
        "contest": contest.id,
        "region": row_json(&view.region),
        "candidates": candidates,
        "votes": votes,
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

async fn review(State(state): State<AppState>, Admin(user): Admin, body: Body) -> AppResult<Json<Value>> {
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
    // Scope first: a capture outside the coordinator's region is "not found", and is not touched.
    let pk = match state.coord.find_capture(target).await? {
        Ok(pk) => pk,
        Err(ReviewOutcome::Ambiguous) => {
            return Err(AppError::BadRequest("several devices used this capture id: give device_id".into()));
        }
        Err(_) => return Err(AppError::NotFound),
    };
    let d = state.coord.capture_detail(pk).await?.ok_or(AppError::NotFound)?;
    if !within_scope(&d.row.region_path, &user.scope_path) {
        return Err(AppError::NotFound);
    }
    let outcome = state
        .repo
        .review(ReviewTarget::Pk(pk), verdict.status, verdict.comment, user.name.clone(), now_ms())
        .await?;
    match outcome {
        ReviewOutcome::Done { pk, device, capture_id, from } => Ok(Json(json!({
            "capture_pk": pk, "device_id": device, "capture_id": capture_id,
            "from": from.as_str(), "to": verdict.status.as_str(),
        }))),
        ReviewOutcome::NotFound => Err(AppError::NotFound),
        ReviewOutcome::Ambiguous => {
            Err(AppError::BadRequest("several devices used this capture id: give device_id".into()))
        }
    }
}
