//! The acta view (the photo beside the numbers), its review, and photos.

use std::collections::BTreeMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::qr;
use testigo_protocol::{Sha256, Warning};

use super::html::{esc, num, short, time, url};
use super::pages::contest;
use super::{DashError, DashResult, Session};
use crate::AppState;
use crate::repo::ReviewTarget;
use crate::services::review::{self, InvalidReview, ReviewError, Reviewer, Verdict};

fn warning_text(w: &Warning) -> String {
    let field = w.field.as_deref().map(|f| format!(" ({})", esc(f))).unwrap_or_default();
    let what = match w.code.as_str() {
        "count_missing" => "falta un número",
        "sum_mismatch" => "la suma de votos no cuadra con los votantes",
        "voted_exceeds_registered" => "más votantes que inscritos",
        "photo_missing" => "sin foto",
        "qr_mismatch" => "difiere del código QR",
        other => other,
    };
    format!("<li><code>{}</code> {what}{field}</li>", w.code.as_str())
}

pub(crate) async fn view(
    State(state): State<AppState>,
    session: Session,
    Path(pk): Path<i64>,
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
    let typed: BTreeMap<String, u32> =
        record.counts.iter().chain(&record.extra_counts).map(|(k, v)| (k.clone(), *v)).collect();

    let mut left = String::new();
    if d.photos.is_empty() {
        left.push_str("<p class=\"muted\">Esta captura no trae foto.</p>");
    }
    for p in &d.photos {
        if p.receipt.is_some() {
            put!(
                left,
                "<div class=\"photo\"><input type=\"checkbox\" id=\"z{page}\"><label for=\"z{page}\">\
                 <img src=\"/dash/photos/{sha}\" alt=\"Acta, página {page}\" loading=\"lazy\"></label></div>\
                 <p class=\"muted\">Página {page} · toque la foto para ampliar · {size} bytes</p>",
                page = p.page,
                sha = p.sha256,
                size = num(p.size)
            );
        } else {
            put!(
                left,
                "<p class=\"muted\">Página {}: la foto aún no llega ({} bytes esperados).</p>",
                p.page,
                num(p.size)
            );
        }
    }

    let mut right = String::new();
    let others: Vec<_> = d
        .others
        .iter()
        .filter(|(o, _)| o.device_id != d.row.device_id || o.superseded_by.is_none())
        .collect();
    put!(
        right,
        "<div class=\"table-wrap\"><table id=\"numbers\"><thead><tr><th>Campo</th><th class=\"n\">Escrito</th>{}",
        if qr_counts.is_some() { "<th class=\"n\">QR</th>" } else { "" }
    );
    for (o, _) in &others {
        put!(
            right,
            "<th class=\"n\"><a href=\"/dash/captures/{}\">otra {}</a></th>",
            o.pk,
            short(&o.device_id)
        );
    }
    right.push_str("</tr></thead><tbody>");
    let fields: Vec<(String, String)> = contest
        .options
        .iter()
        .map(|o| (o.id.clone(), o.party.clone()))
        .chain(contest.count_fields.iter().map(|f| (f.id.clone(), f.label.clone())))
        .collect();
    for (id, label) in &fields {
        let mine = typed.get(id).copied();
        let show = |v: Option<u32>| v.map_or("—".to_owned(), |v| num(u64::from(v)));
        put!(right, "<tr><td>{}</td><td class=\"n\">{}</td>", esc(label), show(mine));
        if let Some(q) = &qr_counts {
            let theirs = q.get(id).copied();
            let class = if theirs.is_some() && theirs != mine { " diff" } else { "" };
            put!(right, "<td class=\"n{class}\">{}</td>", show(theirs));
        }
        for (_, counts) in &others {
            let theirs = counts.get(id).copied();
            let class = if theirs != mine { " diff" } else { "" };
            put!(right, "<td class=\"n{class}\">{}</td>", show(theirs));
        }
        right.push_str("</tr>");
    }
    right.push_str("</tbody></table></div>");
    if !record.warnings.is_empty() {
        right.push_str("<h2>Advertencias del teléfono</h2><ul>");
        for w in &record.warnings {
            right.push_str(&warning_text(w));
        }
        right.push_str("</ul>");
    }
    if !record.notes.is_empty() {
        put!(right, "<h2>Notas del testigo</h2><p>{}</p>", esc(&record.notes));
    }

    // Review.
    let status = d.row.review_status;
    put!(right, "<h2>Revisión</h2><p>Estado: <b id=\"review-status\">{}</b></p>", status.as_str());
    if session.user.can_review {
        let option = |s: ReviewStatus, label: &str| {
            let checked = if s == status { " checked" } else { "" };
            format!(
                "<label><input type=\"radio\" name=\"status\" value=\"{}\"{checked}> {label}</label>",
                s.as_str()
            )
        };
        put!(
            right,
            "<form class=\"review\" method=\"post\" action=\"/dash/captures/{pk}/review\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <div>{} {} {}</div><label>Comentario para el testigo<textarea name=\"comment\" maxlength=\"1000\"></textarea></label>\
             <button>Guardar revisión</button></form>",
            esc(&session.csrf),
            option(ReviewStatus::Verified, "Verificada"),
            option(ReviewStatus::Disputed, "En disputa"),
            option(ReviewStatus::Rejected, "Rechazada"),
        );
    }
    if !d.audit.is_empty() {
        right.push_str("<h2>Registro de revisiones</h2><ul id=\"audit\">");
        for a in &d.audit {
            let comment = a
                .detail
                .get("comment")
                .and_then(|c| c.as_str())
                .map(|c| format!(" — «{}»", esc(c)))
                .unwrap_or_default();
            put!(
                right,
                "<li>{} · {} · {} → {}{comment}</li>",
                time(a.at_ms),
                esc(&a.actor),
                esc(a.detail.get("from").and_then(|v| v.as_str()).unwrap_or("")),
                esc(a.detail.get("to").and_then(|v| v.as_str()).unwrap_or(""))
            );
        }
        right.push_str("</ul>");
    }

    // Provenance.
    let r = &d.receipt.receipt;
    put!(
        right,
        "<h2>Procedencia</h2><table class=\"mono\"><tbody>\
         <tr><td>Captura</td><td>{}</td></tr><tr><td>Dispositivo</td><td>{}</td></tr>\
         <tr><td>Hora del teléfono</td><td>{}</td></tr><tr><td>Recibida (servidor)</td><td>{}</td></tr>\
         <tr><td>SHA-256 del registro</td><td>{}</td></tr><tr><td>Recibo firmado por</td><td>{}</td></tr>",
        esc(&d.row.capture_id),
        esc(&d.row.device_id),
        time(record.device_time_ms),
        time(r.received_at_ms),
        record.record_sha256(),
        esc(r.server_key_id.as_str())
    );
    for p in &d.photos {
        let original = record
            .photos
            .iter()
            .find(|x| x.page == p.page)
            .map(|x| x.original_sha256.to_hex())
            .unwrap_or_default();
        let received =
            p.receipt.as_ref().map_or("no recibida".to_owned(), |r| time(r.receipt.received_at_ms));
        put!(
            right,
            "<tr><td>Foto {}: SHA-256</td><td>{}</td></tr><tr><td>Foto {}: original de la cámara</td><td>{}</td></tr>\
             <tr><td>Foto {}: recibida</td><td>{}</td></tr>",
            p.page,
            p.sha256,
            p.page,
            original,
            p.page,
            received
        );
    }
    right.push_str("</tbody></table>");
    if d.history.len() > 1 {
        right.push_str("<h2>Correcciones (mismo dispositivo)</h2><ol>");
        for h in &d.history {
            let me = if h.pk == pk { " <b>(esta)</b>" } else { "" };
            put!(right, "<li><a href=\"/dash/captures/{}\">{}</a>{me}</li>", h.pk, time(h.received_at_ms));
        }
        right.push_str("</ol>");
    }
    let counted = if d.counted {
        "<span class=\"tag verified\">cuenta en los totales</span>"
    } else {
        "<span class=\"tag\">no cuenta en los totales</span>"
    };
    let body = format!(
        "<p>{counted}</p><div class=\"acta\"><section>{left}</section><section>{right}</section></div>"
    );
    let crumbs = vec![
        ("Inicio".into(), "/dash".into()),
        (d.station.center_name.clone(), format!("/dash/centers/{}", url(&d.station.center_id))),
        (format!("Mesa {}", d.station.number), format!("/dash/stations/{}", url(&d.station.id))),
    ];
    Ok(session.page(format!("Acta — mesa {} — {}", d.station.number, d.station.center_name), crumbs, body))
}

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
    Path(pk): Path<i64>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> DashResult<Response> {
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest("formulario incompleto".into())) };
    session.check_csrf(&form.csrf)?;
    if !session.user.can_review {
        return Err(DashError::Forbidden("Su cuenta puede ver pero no revisar."));
    }
    let status: ReviewStatus = form
        .status
        .as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| DashError::BadRequest("elija un estado".into()))?;
    let verdict = Verdict::new(status, Some(&form.comment)).map_err(|e| {
        DashError::BadRequest(
            match e {
                InvalidReview::NoVerdict => "elija un estado",
                InvalidReview::CommentTooLong => "el comentario es demasiado largo",
            }
            .into(),
        )
    })?;
    match review::review(&state, &Reviewer::from(&session.user), ReviewTarget::Pk(pk), verdict).await {
        Ok(_) => Ok(Redirect::to(&format!("/dash/captures/{pk}")).into_response()),
        Err(ReviewError::NotAllowed) => Err(DashError::Forbidden("Su cuenta puede ver pero no revisar.")),
        Err(ReviewError::NotFound | ReviewError::Ambiguous) => Err(DashError::NotFound),
        Err(ReviewError::Repo(e)) => Err(e.into()),
    }
}

pub(crate) async fn photo(
    State(state): State<AppState>,
    session: Session,
    Path(sha): Path<String>,
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
        let t = warning_text(&w);
        assert!(t.contains("qr_mismatch") && t.contains("QR") && t.contains("o01"));
    }
}
