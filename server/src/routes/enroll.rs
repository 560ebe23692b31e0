//! `POST /v1/enroll`: a one-time code and a device key in, device credentials out.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use testigo_protocol::api::{EnrollRequest, EnrollResponse};

use super::{parse_json, read_body};
use crate::auth::token_hash;
use crate::enrollment::{code_hash, normalize};
use crate::error::{AppError, AppResult};
use crate::repo::EnrollOutcome;
use crate::{AppState, now_ms};

const MAX_BODY: usize = 16 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/enroll", post(enroll))
}

/// The client's address when the server runs on a socket (absent in in-process tests).
struct ClientAddr(Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)))
    }
}

async fn enroll(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    body: Body,
) -> AppResult<Json<EnrollResponse>> {
    // Only failed attempts count against an address: a coordinator enrolling a hundred phones
    // from one office network is fine, guessing codes is not.
    let addr = client.map(|c| c.ip().to_string()).unwrap_or_else(|| "local".into());
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
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).map_err(|_| AppError::Internal("no randomness".into()))?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
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
