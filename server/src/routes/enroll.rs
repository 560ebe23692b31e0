//! `POST /v1/enroll`: a one-time code and a device key in, device credentials out.

use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use testigo_protocol::api::{EnrollRequest, EnrollResponse};

use super::{parse_json, read_body};
use crate::auth::{ClientIp, random_token, token_hash};
use crate::enrollment::{code_hash, normalize};
use crate::error::{AppError, AppResult};
use crate::repo::EnrollOutcome;
use crate::{AppState, now_ms};

const MAX_BODY: usize = 16 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/enroll", post(enroll))
}

async fn enroll(
    State(state): State<AppState>,
    ClientIp(addr): ClientIp,
    body: Body,
) -> AppResult<Json<EnrollResponse>> {
    // Only failed attempts count against an address: a coordinator enrolling a hundred phones
    // from one office network is fine, guessing codes is not.
    let limits = &state.limits;
    state
        .rate
        .has_token(&addr, limits.enroll_fail_burst, limits.enroll_fail_per_s)
        .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
    let request: EnrollRequest = parse_json(&read_body(body, MAX_BODY).await?)?;
    let fail = |e: AppError| {
        state.rate.charge(&addr, limits.enroll_fail_burst, limits.enroll_fail_per_s);
        e
    };
    let code = normalize(&request.code).ok_or_else(|| fail(AppError::CodeInvalid))?;
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let token = random_token().ok_or_else(|| AppError::Internal("no randomness".into()))?;
    let outcome =
        state.repo.enroll(code_hash(&code), request.public_key, token_hash(&token), now_ms()).await?;
    let device = match outcome {
        EnrollOutcome::Enrolled(d) => d,
        EnrollOutcome::UnknownCode => return Err(fail(AppError::CodeInvalid)),
        EnrollOutcome::CodeUsed => return Err(fail(AppError::CodeUsed)),
        EnrollOutcome::DeviceExists => return Err(AppError::DeviceExists),
    };
    tracing::info!(device = %device.id, stations = device.stations.len(), "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: device.id,
        token,
        server_key: state.key.public_key().clone(),
        election_id: election.election.id.clone(),
        station_ids: device.stations.into_iter().collect(),
    }))
}
