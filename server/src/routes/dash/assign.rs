//! A table's phones, on the table's page: who carries each and when each was last heard from;
//! an administrator hands the table to another watcher's phone (the first cannot go) or takes
//! it from a phone (which must stop sending for it). The rules are in
//! [`crate::services::devices::assign`].

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::format::{short, url};
use super::layout::device_line;
use super::{DashError, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::repo::coord::AssignedDevice;
use crate::services::devices::{self, AssignError};
use crate::services::review::Reviewer;

/// The phones section of a table's page.
pub(crate) fn section(session: &Session, station: &str, devices: &[AssignedDevice]) -> Markup {
    let lang = session.lang;
    let now = crate::now_ms();
    let admin = session.user.is_admin();
    let action = format!("/dash/stations/{}/devices", url(station));
    html! {
        h2 { (lang.t("dash-phones")) }
        @if devices.is_empty() {
            p.muted #phones { (lang.t("dash-phones-none")) }
        } @else {
            ul.plain #phones {
                @for d in devices {
                    li {
                        (device_line(lang, d, now))
                        @if admin {
                            details.actions {
                                summary { (lang.t_args("dash-unassign", &[("device", short(&d.id))])) }
                                form.fields method="post" action=(action) {
                                    input type="hidden" name="csrf" value=(session.csrf);
                                    input type="hidden" name="device" value=(d.id);
                                    input type="hidden" name="assigned" value="0";
                                    p.muted { (lang.t("dash-unassign-note")) }
                                    button.secondary.danger { (lang.t_args("dash-unassign", &[("device", short(&d.id))])) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            form.review.fields #assign-phone method="post" action=(action) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="assigned" value="1";
                label {
                    (lang.t("dash-assign-device"))
                    input name="device" required minlength="6" maxlength="64" autocomplete="off"
                        spellcheck="false" pattern="[0-9a-fA-F]{6,64}";
                }
                button { (lang.t("dash-assign")) }
                p.muted { (lang.t("dash-assign-note")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct AssignForm {
    csrf: String,
    #[serde(default)]
    device: String,
    assigned: String,
}

/// Assigns the table to a phone, or takes it away.
pub(crate) async fn post(
    State(state): State<AppState>,
    session: Session,
    super::DashPath(id): super::DashPath<String>,
    form: Result<Form<AssignForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    let assigned = match form.assigned.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(DashError::BadRequest("dash-error-bad-params")),
    };
    match devices::assign(&state, &Reviewer::from(&session.user), &id, &form.device, assigned).await {
        Ok(_) => Ok(Redirect::to(&format!("/dash/stations/{}", url(&id))).into_response()),
        Err(AssignError::NotAllowed) => Err(DashError::Forbidden("dash-error-forbidden")),
        Err(AssignError::NoStation) => Err(DashError::NotFound),
        Err(AssignError::NoDevice) => Err(DashError::BadRequest("dash-assign-no-device")),
        Err(AssignError::Revoked) => Err(DashError::BadRequest("dash-assign-revoked")),
        Err(AssignError::Repo(e)) => Err(e.into()),
    }
}
