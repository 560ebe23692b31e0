//! The forms coordinators post from the dashboard's pages, each calling one service: which
//! capture stands for a table, who carries a phone, revoking a phone, counting only verified
//! actas. Each answers with a redirect back to its page, or the dashboard's error page.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::format::url;
use super::pages::contest;
use super::{DashError, DashPath, DashResult, Session};
use crate::AppState;
use crate::services::tally;

#[derive(Deserialize)]
pub(crate) struct ChoiceForm {
    csrf: String,
    capture: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Keeps a coordinator's choice of the capture that stands for a table.
pub(crate) async fn choose(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    form: Result<axum::extract::Form<ChoiceForm>, FormRejection>,
) -> DashResult<Response> {
    use crate::services::review::{self, ChoiceError, Reviewer};
    let Ok(axum::extract::Form(form)) = form else {
        return Err(DashError::BadRequest(super::INCOMPLETE_FORM));
    };
    session.check_csrf(&form.csrf)?;
    let capture = match form.capture.as_deref() {
        Some("latest") => None,
        Some(pk) => Some(pk.parse::<i64>().map_err(|_| DashError::BadRequest("dash-error-bad-params"))?),
        None => return Err(DashError::BadRequest(super::INCOMPLETE_FORM)),
    };
    let (_, contest) = contest(&state, None).await?;
    match review::choose(&state, &Reviewer::from(&session.user), &id, &contest.id, capture, &form.reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dash/stations/{}", url(&id))).into_response()),
        Err(ChoiceError::NotAllowed) => Err(DashError::Forbidden("dash-error-view-only")),
        Err(ChoiceError::NotFound) => Err(DashError::NotFound),
        Err(ChoiceError::Reason) => Err(DashError::BadRequest("dash-choice-needs-reason")),
        Err(ChoiceError::NotStanding) => Err(DashError::BadRequest("dash-choice-not-standing")),
        Err(ChoiceError::Repo(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct ContactForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

/// Notes who carries a device.
pub(crate) async fn device_contact(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    form: Result<axum::extract::Form<ContactForm>, FormRejection>,
) -> DashResult<Response> {
    use crate::services::devices::{self, ContactError};
    let Ok(axum::extract::Form(form)) = form else {
        return Err(DashError::BadRequest(super::INCOMPLETE_FORM));
    };
    session.check_csrf(&form.csrf)?;
    let device: testigo_protocol::KeyId = id.parse().map_err(|_| DashError::NotFound)?;
    let by = crate::services::review::Reviewer::from(&session.user);
    match devices::set_contact(&state, &by, &device, &form.name, &form.phone).await {
        Ok(()) => Ok(Redirect::to("/dash/devices").into_response()),
        Err(ContactError::NotAllowed) => Err(DashError::Forbidden("dash-error-view-only")),
        Err(ContactError::NotFound) => Err(DashError::NotFound),
        Err(ContactError::Invalid) => Err(DashError::BadRequest("dash-contact-invalid")),
        Err(ContactError::Repo(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Revokes a device: its token stops at once; what it sent stays.
pub(crate) async fn device_revoke(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    form: Result<axum::extract::Form<RevokeForm>, FormRejection>,
) -> DashResult<Response> {
    use crate::services::devices::{self, RevokeError};
    let Ok(axum::extract::Form(form)) = form else {
        return Err(DashError::BadRequest(super::INCOMPLETE_FORM));
    };
    session.check_csrf(&form.csrf)?;
    let device: testigo_protocol::KeyId = id.parse().map_err(|_| DashError::NotFound)?;
    let by = crate::services::review::Reviewer::from(&session.user);
    match devices::revoke(&state, &by, &device, &form.reason).await {
        Ok(_) => Ok(Redirect::to("/dash/devices").into_response()),
        Err(RevokeError::NotAllowed) => Err(DashError::Forbidden("dash-error-view-only")),
        Err(RevokeError::NotFound) => Err(DashError::NotFound),
        Err(RevokeError::BadReason) => Err(DashError::BadRequest("dash-revoke-needs-reason")),
        Err(RevokeError::Repo(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct VerifiedOnlyForm {
    csrf: String,
    on: String,
}

/// Counts only verified actas, or the latest standing ones again.
pub(crate) async fn set_verified_only(
    State(state): State<AppState>,
    session: Session,
    form: Result<axum::extract::Form<VerifiedOnlyForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(axum::extract::Form(form)) = form else {
        return Err(DashError::BadRequest(super::INCOMPLETE_FORM));
    };
    session.check_csrf(&form.csrf)?;
    let on = match form.on.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(DashError::BadRequest("dash-error-bad-params")),
    };
    tally::set_verified_only(&state, &crate::services::review::Reviewer::from(&session.user), on).await?;
    Ok(Redirect::to("/dash/tally").into_response())
}
