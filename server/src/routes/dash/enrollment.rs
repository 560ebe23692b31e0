//! `/dash/enrollment`: enrollment codes from the browser, for training day. A coordinator who
//! sees the whole election names a center and gets one code per table, printed as QR codes on
//! one page per center (a print stylesheet: the page prints as it reads). Codes are kept only as
//! hashes, so a sheet is shown once, when it is made; the page lists the codes still unused by
//! their tables and dates. The rules are in [`crate::services::enrollment`].

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::enrollment::EnrollmentUri;

use super::format::num;
use super::layout::home_crumb;
use super::pages::contest;
use super::{DashError, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::services::enrollment::{self, SheetError};
use crate::services::review::Reviewer;

/// Unused codes listed.
const UNUSED_SHOWN: usize = 200;

/// A QR code as an SVG drawing: one path of dark modules inside a quiet zone of four.
fn qr_svg(text: &str) -> Option<Markup> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % w + 4, i / w + 4));
        }
    }
    let side = w + 8;
    Some(html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (side) " " (side) } role="img"
            shape-rendering="crispEdges" {
            rect width=(side) height=(side) fill="#fff" {}
            path d=(d) fill="#000" {}
        }
    })
}

/// The server's address as the coordinator reached it (for the codes' QR).
fn server_url(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let ok = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("{}://{host}", if state.limits.https { "https" } else { "http" }))
}

pub(crate) async fn page(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let lang = session.lang;
    if !session.user.is_admin() {
        return Err(DashError::Forbidden("dash-error-forbidden"));
    }
    let (made, used, unused) = state.coord.enrollment_codes(UNUSED_SHOWN).await?;
    let body = html! {
        form.review method="post" action="/dash/enrollment" {
            input type="hidden" name="csrf" value=(session.csrf);
            label { (lang.t("dash-enrollment-center")) input name="center" required maxlength="64"; }
            button { (lang.t("dash-enrollment-make")) }
        }
        p.muted { (lang.t("dash-enrollment-once")) }
        p #codes-count { (lang.t_args("dash-enrollment-count", &[("made", &num(lang, made)), ("used", &num(lang, used))])) }
        @if !unused.is_empty() {
            h2 { (lang.t("dash-enrollment-unused")) }
            div.table-wrap {
                table #unused {
                    thead { tr { th { (lang.t("dash-col-when")) } th { (lang.t("dash-col-stations")) } } }
                    tbody {
                        @for c in &unused {
                            tr { td { (lang.datetime(c.created_at_ms)) } td { (c.stations.join(" ")) } }
                        }
                    }
                }
            }
        }
    };
    Ok(session.page(lang.t("dash-enrollment"), vec![home_crumb(lang)], body))
}

#[derive(Deserialize)]
pub(crate) struct SheetForm {
    csrf: String,
    #[serde(default)]
    center: String,
}

/// Makes one code per table of a center and shows them as a printable sheet.
pub(crate) async fn make(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    form: Result<Form<SheetForm>, FormRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    let (_, contest) = contest(&state, None).await?;
    let (center, codes) =
        match enrollment::codes_for_center(&state, &Reviewer::from(&session.user), &form.center, &contest.id)
            .await
        {
            Ok(made) => made,
            Err(SheetError::NotAllowed) => return Err(DashError::Forbidden("dash-error-forbidden")),
            Err(SheetError::NotFound) => return Err(DashError::BadRequest("dash-enrollment-no-center")),
            Err(SheetError::Code(e)) => return Err(DashError::Internal(e.to_string())),
            Err(SheetError::Repo(e)) => return Err(e.into()),
        };
    let url = server_url(&state, &headers);
    let body = html! {
        p.muted.no-print { (lang.t("dash-enrollment-print")) }
        section.sheet {
            h2 { (center.name) " · " (center.id) }
            p { (center.region_path) }
            div.codes {
                @for (station, code) in &codes {
                    @let uri = EnrollmentUri { code: code.clone(), server_url: url.clone(), tls_pins: vec![] }.to_uri();
                    figure.code {
                        (qr_svg(&uri).unwrap_or(html! {}))
                        figcaption {
                            b { (lang.t_args("dash-station", &[("number", &station.number.to_string())])) }
                            " · " (station.id) br;
                            code.enroll-code { (code) }
                        }
                    }
                }
            }
        }
    };
    Ok(session.page(
        lang.t_args("dash-enrollment-sheet", &[("center", &center.name)]),
        vec![home_crumb(lang)],
        body,
    ))
}
