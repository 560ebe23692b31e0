//! The acta view (the photo beside the numbers, with the QR code's and other watchers' numbers
//! side by side), its review, and the photos themselves.

use std::collections::BTreeMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::election::Contest;
use testigo_protocol::qr;
use testigo_protocol::{Sha256, Warning};

use super::format::{num, short, time};
use super::pages::{contest, station_crumbs};
use super::{DashError, DashPath, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::repo::ReviewTarget;
use crate::repo::coord::{AuditEntry, CaptureDetail, CaptureRow, PhotoDetail};
use crate::services::review::{self, InvalidReview, ReviewError, Reviewer, Verdict};

/// One warning the phone raised, in Spanish, with its stable code.
fn warning_item(w: &Warning) -> Markup {
    let code = w.code.as_str();
    let what = match code {
        "count_missing" => "falta un número",
        "sum_mismatch" => "la suma de votos no cuadra con los votantes",
        "voted_exceeds_registered" => "más votantes que inscritos",
        "photo_missing" => "sin foto",
        "qr_mismatch" => "difiere del código QR",
        other => other,
    };
    html! {
        li {
            code { (code) }
            " "
            (what)
            @if let Some(field) = &w.field { (format!(" ({field})")) }
        }
    }
}

pub(crate) async fn view(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
) -> DashResult<Response> {
    let d = state.coord.capture_detail(pk).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&d.row.region_path) {
        return Err(DashError::NotFound);
    }
    let (_, contest) = contest(&state, Some(&d.row.contest_id)).await?;
    let record = &d.signed.record;
    let qr_counts = record
        .qr_payload
        .as_deref()
        .and_then(|text| contest.acta_qr.as_ref().and_then(|f| qr::parse(f, &contest, text).ok()))
        .map(|q| q.all());
    let body = html! {
        p {
            @if d.counted {
                span.tag.verified { "cuenta en los totales" }
            } @else {
                span.tag { "no cuenta en los totales" }
            }
        }
        div.acta {
            section { (photo_pages(&d.photos)) }
            section {
                (numbers(&d, &contest, qr_counts.as_ref()))
                @if !record.warnings.is_empty() {
                    h2 { "Advertencias del teléfono" }
                    ul { @for w in &record.warnings { (warning_item(w)) } }
                }
                @if !record.notes.is_empty() {
                    h2 { "Notas del testigo" }
                    p { (record.notes) }
                }
                (review_section(&session, pk, d.row.review_status))
                (audit_log(&d.audit))
                (provenance(&d))
                (history(&d.history, pk))
            }
        }
    };
    Ok(session.page(
        format!("Acta — mesa {} — {}", d.station.number, d.station.center_name),
        station_crumbs(&d.station),
        body,
    ))
}

/// The acta's photos, one per page, each zoomed by a click (a CSS checkbox, no script).
fn photo_pages(photos: &[PhotoDetail]) -> Markup {
    html! {
        @if photos.is_empty() {
            p.muted { "Esta captura no trae foto." }
        }
        @for photo in photos {
            @let (page, size) = (photo.page, num(photo.size));
            @if photo.receipt.is_some() {
                div.photo {
                    input type="checkbox" id={ "z" (page) };
                    label for={ "z" (page) } {
                        img
                            src={ "/dash/photos/" (photo.sha256.to_hex()) }
                            alt=(format!("Acta, página {page}"))
                            loading="lazy";
                    }
                }
                p.muted { (format!("Página {page} · toque la foto para ampliar · {size} bytes")) }
            } @else {
                p.muted { (format!("Página {page}: la foto aún no llega ({size} bytes esperados).")) }
            }
        }
    }
}

/// The numbers the watcher typed, beside those of the acta's QR code and of other watchers'
/// captures of the same table; a cell that differs from the typed number is marked.
fn numbers(d: &CaptureDetail, contest: &Contest, qr_counts: Option<&BTreeMap<String, u32>>) -> Markup {
    let record = &d.signed.record;
    let typed: BTreeMap<&str, u32> =
        record.counts.iter().chain(&record.extra_counts).map(|(k, v)| (k.as_str(), *v)).collect();
    // A correction the same device sent already stands in for what it corrects.
    let others: Vec<_> = d
        .others
        .iter()
        .filter(|(o, _)| o.device_id != d.row.device_id || o.superseded_by.is_none())
        .collect();
    let fields = contest
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.party.as_str()))
        .chain(contest.count_fields.iter().map(|f| (f.id.as_str(), f.label.as_str())));
    let show = |v: Option<u32>| v.map_or("—".to_owned(), |v| num(u64::from(v)));
    html! {
        div.table-wrap {
            table #numbers {
                thead {
                    tr {
                        th { "Campo" }
                        th.n { "Escrito" }
                        @if qr_counts.is_some() { th.n { "QR" } }
                        @for (o, _) in &others {
                            th.n {
                                a href={ "/dash/captures/" (o.pk) } {
                                    (format!("otra {}", short(&o.device_id)))
                                }
                            }
                        }
                    }
                }
                tbody {
                    @for (id, label) in fields {
                        @let mine = typed.get(id).copied();
                        tr {
                            td { (label) }
                            td.n { (show(mine)) }
                            @if let Some(q) = qr_counts {
                                @let theirs = q.get(id).copied();
                                td.n.diff[theirs.is_some() && theirs != mine] { (show(theirs)) }
                            }
                            @for (_, counts) in &others {
                                @let theirs = counts.get(id).copied();
                                td.n.diff[theirs != mine] { (show(theirs)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The review state, and the form to change it for coordinators who may review.
fn review_section(session: &Session, pk: i64, status: ReviewStatus) -> Markup {
    let option = |s: ReviewStatus, label: &str| {
        html! {
            label { input type="radio" name="status" value=(s.as_str()) checked[s == status]; " " (label) }
        }
    };
    html! {
        h2 { "Revisión" }
        p { "Estado: " b #review-status { (status.as_str()) } }
        @if session.user.can_review {
            form.review method="post" action={ "/dash/captures/" (pk) "/review" } {
                input type="hidden" name="csrf" value=(session.csrf);
                div {
                    (option(ReviewStatus::Verified, "Verificada"))
                    " "
                    (option(ReviewStatus::Disputed, "En disputa"))
                    " "
                    (option(ReviewStatus::Rejected, "Rechazada"))
                }
                label { "Comentario para el testigo" textarea name="comment" maxlength="1000" {} }
                button { "Guardar revisión" }
            }
        }
    }
}

/// Who reviewed this capture, when, from what to what, with their comment.
fn audit_log(audit: &[AuditEntry]) -> Markup {
    let text = |a: &AuditEntry, key: &str| a.detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    html! {
        @if !audit.is_empty() {
            h2 { "Registro de revisiones" }
            ul #audit {
                @for a in audit {
                    li {
                        (time(a.at_ms)) " · " (a.actor) " · "
                        (text(a, "from").unwrap_or_default()) " → " (text(a, "to").unwrap_or_default())
                        @if let Some(comment) = text(a, "comment") { (format!(" — «{comment}»")) }
                    }
                }
            }
        }
    }
}

/// Where the record and its photos came from: ids, times, hashes and the receipt's key.
fn provenance(d: &CaptureDetail) -> Markup {
    let record = &d.signed.record;
    let receipt = &d.receipt.receipt;
    html! {
        h2 { "Procedencia" }
        table.mono {
            tbody {
                tr { td { "Captura" } td { (d.row.capture_id) } }
                tr { td { "Dispositivo" } td { (d.row.device_id) } }
                @if let Some((at, reason)) = &d.device_revoked {
                    tr.revoked {
                        td { "Dispositivo revocado" }
                        td { span.tag.warn { (time(*at)) } " " span.prose { (reason) } }
                    }
                }
                tr { td { "Hora del teléfono" } td { (time(record.device_time_ms)) } }
                tr { td { "Recibida (servidor)" } td { (time(receipt.received_at_ms)) } }
                tr { td { "SHA-256 del registro" } td { (record.record_sha256().to_hex()) } }
                tr { td { "Recibo firmado por" } td { (receipt.server_key_id.as_str()) } }
                @for photo in &d.photos {
                    @let original = record
                        .photos
                        .iter()
                        .find(|x| x.page == photo.page)
                        .map(|x| x.original_sha256.to_hex())
                        .unwrap_or_default();
                    @let received = photo
                        .receipt
                        .as_ref()
                        .map_or("no recibida".to_owned(), |r| time(r.receipt.received_at_ms));
                    tr { td { (format!("Foto {}: SHA-256", photo.page)) } td { (photo.sha256.to_hex()) } }
                    tr { td { (format!("Foto {}: original de la cámara", photo.page)) } td { (original) } }
                    tr { td { (format!("Foto {}: recibida", photo.page)) } td { (received) } }
                }
            }
        }
    }
}

/// The device's chain of corrections of this acta, when there is one.
fn history(history: &[CaptureRow], pk: i64) -> Markup {
    html! {
        @if history.len() > 1 {
            h2 { "Correcciones (mismo dispositivo)" }
            ol {
                @for h in history {
                    li {
                        a href={ "/dash/captures/" (h.pk) } { (time(h.received_at_ms)) }
                        @if h.pk == pk { " " b { "(esta)" } }
                    }
                }
            }
        }
    }
}

/// The refusal for an account that may look but not review.
const VIEW_ONLY: &str = "Su cuenta puede ver pero no revisar.";
/// The refusal for a review form without a state.
const NO_VERDICT: &str = "elija un estado";

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    csrf: String,
    status: Option<String>,
    #[serde(default)]
    comment: String,
}

pub(crate) async fn review(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM.into())) };
    session.check_csrf(&form.csrf)?;
    if !session.user.can_review {
        return Err(DashError::Forbidden(VIEW_ONLY));
    }
    let status: ReviewStatus = form
        .status
        .as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| DashError::BadRequest(NO_VERDICT.into()))?;
    let verdict = Verdict::new(status, Some(&form.comment)).map_err(|e| {
        DashError::BadRequest(
            match e {
                InvalidReview::NoVerdict => NO_VERDICT,
                InvalidReview::CommentTooLong => "el comentario es demasiado largo",
            }
            .into(),
        )
    })?;
    match review::review(&state, &Reviewer::from(&session.user), ReviewTarget::Pk(pk), verdict).await {
        Ok(_) => Ok(Redirect::to(&format!("/dash/captures/{pk}")).into_response()),
        Err(ReviewError::NotAllowed) => Err(DashError::Forbidden(VIEW_ONLY)),
        Err(ReviewError::NotFound | ReviewError::Ambiguous) => Err(DashError::NotFound),
        Err(ReviewError::Repo(e)) => Err(e.into()),
    }
}

pub(crate) async fn photo(
    State(state): State<AppState>,
    session: Session,
    DashPath(sha): DashPath<String>,
) -> DashResult<Response> {
    let sha: Sha256 = sha.parse().map_err(|_| DashError::NotFound)?;
    if !state.coord.photo_in_scope(sha, session.user.scope_path.clone()).await? {
        return Err(DashError::NotFound);
    }
    let bytes = state.blobs.get(&sha).await?.ok_or(DashError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=86400, immutable")],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_read_in_spanish_with_their_code() {
        let w = Warning::on(testigo_protocol::WarningCode::QrMismatch, "o01");
        let t = warning_item(&w).into_string();
        assert!(t.contains("qr_mismatch") && t.contains("QR") && t.contains("o01"));
    }
}
