//! `POST /v1/enroll`: a one-time code and a device key in, device credentials out.

use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use testigo_protocol::api::{EnrollRequest, EnrollResponse};

use super::{parse_json, read_body};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::AppResult;
use crate::services::enrollment;

const MAX_BODY: usize = 16 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/enroll", post(enroll))
}

async fn enroll(
    State(state): State<AppState>,
    ClientIp(addr): ClientIp,
    body: Body,
) -> AppResult<Json<EnrollResponse>> {
    let request: EnrollRequest = parse_json(&read_body(body, MAX_BODY).await?)?;
    Ok(Json(enrollment::enroll(&state, &addr, request).await?))
}
