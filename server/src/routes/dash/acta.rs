//! The acta view (the photo beside the numbers, with the QR code's and other watchers' numbers
//! side by side), its review, and the photos themselves; in the session's language.

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
use testigo_protocol::{Sha256, Warning, WarningCode};

use super::format::{num, short};
use super::pages::{contest, station_crumbs};
use super::{DashError, DashPath, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::i18n::Lang;
use crate::repo::ReviewTarget;
use crate::repo::coord::{AuditEntry, CaptureDetail, CaptureRow, PhotoDetail};
use crate::services::review::{self, InvalidReview, ReviewError, Reviewer, Verdict};

/// The message that names a warning (every code has one: a new code does not compile without
/// its message).
fn warning_message(code: WarningCode) -> &'static str {
    match code {
        WarningCode::CountMissing => "dash-warning-count-missing",
        WarningCode::SumMismatch => "dash-warning-sum-mismatch",
        WarningCode::VotedExceedsRegistered => "dash-warning-voted-exceeds-registered",
        WarningCode::PhotoMissing => "dash-warning-photo-missing",
        WarningCode::QrMismatch => "dash-warning-qr-mismatch",
    }
}

/// One warning the phone raised, in words, with its stable code.
fn warning_item(lang: Lang, w: &Warning) -> Markup {
    html! {
        li {
            code { (w.code.as_str()) }
            " "
            (lang.t(warning_message(w.code)))
            @if let Some(field) = &w.field { (format!(" ({field})")) }
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct ViewParams {
    /// Set after a review was saved: the page confirms it and offers the next acta to review.
    saved: Option<String>,
}

pub(crate) async fn view(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
    query: Result<axum::extract::Query<ViewParams>, axum::extract::rejection::QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let saved = query.map(|axum::extract::Query(q)| q.saved.is_some()).unwrap_or(false);
    let d = state.coord.capture_detail(pk).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&d.row.region_path) {
        return Err(DashError::NotFound);
    }
    // After a review: the next acta in the coordinator's region that nobody reviewed yet.
    let next = if saved {
        state
            .coord
            .batches(session.user.scope_path.clone(), crate::repo::coord::BatchFilter::Unreviewed, None, 2)
            .await?
            .into_iter()
            .find(|c| c.pk != pk)
    } else {
        None
    };
    let (_, contest) = contest(&state, Some(&d.row.contest_id)).await?;
    let record = &d.signed.record;
    let qr_counts = record
        .qr_payload
        .as_deref()
        .and_then(|text| contest.acta_qr.as_ref().and_then(|f| qr::parse(f, &contest, text).ok()))
        .map(|q| q.all());
    let official = crate::services::official::table(
        &state,
        crate::repo::analysis::ContrastSide::Current,
        &session.user.scope_path,
        &d.row.station_id,
        &contest,
    )
    .await?
    .and_then(|t| t.official);
    let body = html! {
        @if saved {
            p.notice #review-saved role="status" {
                (lang.t("dash-review-saved"))
                @if let Some(n) = &next {
                    " " a href={ "/dash/captures/" (n.pk) } { (lang.t("dash-review-next")) }
                } @else {
                    " " (lang.t("dash-review-none-left"))
                }
            }
        }
        p {
            @if d.counted {
                span.tag.verified { (lang.t("dash-counted")) }
            } @else {
                span.tag { (lang.t("dash-not-counted")) }
            }
        }
        div.acta {
            section { (photo_pages(lang, &d.photos)) }
            section {
                (numbers(lang, &d, &contest, qr_counts.as_ref(), official.as_ref()))
                @if !record.warnings.is_empty() {
                    h2 { (lang.t("dash-phone-warnings")) }
                    ul { @for w in &record.warnings { (warning_item(lang, w)) } }
                }
                @if !record.notes.is_empty() {
                    h2 { (lang.t("dash-watcher-notes")) }
                    p { (record.notes) }
                }
                (review_section(&session, pk, d.row.review_status))
                (audit_log(lang, &d.audit))
                (provenance(lang, &d))
                (history(lang, &d.history, pk))
            }
        }
    };
    let title = lang.t_args(
        "dash-acta-title",
        &[("number", &d.station.number.to_string()), ("center", &d.station.center_name)],
    );
    Ok(session.page(title, station_crumbs(lang, &d.station), body))
}

/// The acta's photos, one per page, each zoomed by a click (a CSS checkbox, no script).
fn photo_pages(lang: Lang, photos: &[PhotoDetail]) -> Markup {
    html! {
        @if photos.is_empty() {
            p.muted { (lang.t("dash-no-photo")) }
        }
        @for photo in photos {
            @let (page, size) = (photo.page.to_string(), num(lang, photo.size));
            @let args = [("page", page.as_str()), ("size", size.as_str())];
            @if photo.receipt.is_some() {
                div.photo {
                    input type="checkbox" id={ "z" (page) };
                    label for={ "z" (page) } {
                        img
                            src={ "/dash/photos/" (photo.sha256.to_hex()) }
                            alt=(lang.t_args("dash-photo-alt", &args))
                            loading="lazy";
                    }
                }
                p.muted { (lang.t_args("dash-photo-caption", &args)) }
            } @else {
                p.muted { (lang.t_args("dash-photo-pending", &args)) }
            }
        }
    }
}

/// The numbers the watcher typed, beside those of the acta's QR code and of other watchers'
/// captures of the same table and the authority's official numbers; a cell that differs from the
/// typed number is marked.
fn numbers(
    lang: Lang,
    d: &CaptureDetail,
    contest: &Contest,
    qr_counts: Option<&BTreeMap<String, u32>>,
    official: Option<&BTreeMap<String, i64>>,
) -> Markup {
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
    let show = |v: Option<u32>| v.map_or("—".to_owned(), |v| num(lang, u64::from(v)));
    html! {
        div.table-wrap {
            table #numbers {
                thead {
                    tr {
                        th.n { "#" }
                        th { (lang.t("dash-col-field")) }
                        th.n { (lang.t("dash-col-typed")) }
                        @if qr_counts.is_some() { th.n { (lang.t("dash-col-qr")) } }
                        @if official.is_some() { th.n { (lang.t("dash-col-official")) } }
                        @for (o, _) in &others {
                            th.n {
                                a href={ "/dash/captures/" (o.pk) } title=(o.device_id) {
                                    @if o.device_id == d.row.device_id {
                                        (lang.t_args("dash-col-earlier", &[("at", &lang.time(o.received_at_ms))]))
                                    } @else {
                                        (lang.t_args("dash-col-other", &[("device", short(&o.device_id))]))
                                    }
                                }
                            }
                        }
                    }
                }
                tbody {
                    @for (i, (id, label)) in fields.enumerate() {
                        @let mine = typed.get(id).copied();
                        // The typed number is what a reviewer judges: it is marked when any
                        // other source says something else; the others where they differ.
                        @let questioned = qr_counts.is_some_and(|q| q.get(id).is_some_and(|v| Some(*v) != mine))
                            || official.is_some_and(|o| o.get(id).and_then(|v| u32::try_from(*v).ok()).is_some_and(|v| Some(v) != mine))
                            || others.iter().any(|(_, c)| c.get(id).copied() != mine);
                        tr {
                            td.n.muted { (i + 1) }
                            td { (label) }
                            td.n.diff[questioned] { (show(mine)) }
                            @if let Some(q) = qr_counts {
                                @let theirs = q.get(id).copied();
                                td.n.differs[theirs.is_some() && theirs != mine] { (show(theirs)) }
                            }
                            @if let Some(o) = official {
                                @let theirs = o.get(id).and_then(|v| u32::try_from(*v).ok());
                                td.n.differs[theirs.is_some() && theirs != mine] { (show(theirs)) }
                            }
                            @for (_, counts) in &others {
                                @let theirs = counts.get(id).copied();
                                td.n.differs[theirs != mine] { (show(theirs)) }
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
    let lang = session.lang;
    let option = |s: ReviewStatus, label: &str| {
        html! {
            label {
                input type="radio" name="status" value=(s.as_str()) checked[s == status];
                " "
                (lang.t(label))
            }
        }
    };
    html! {
        h2 { (lang.t("dash-review")) }
        // In words; the stable code (as on the wire) for scripts.
        p {
            (lang.t("dash-review-state")) " "
            b #review-status data-code=(status.as_str()) { (lang.t(super::pages::review_label(status.as_str()))) }
        }
        @if session.user.can_review() {
            form.review method="post" action={ "/dash/captures/" (pk) "/review" } {
                input type="hidden" name="csrf" value=(session.csrf);
                div {
                    (option(ReviewStatus::Verified, "dash-review-verified-option"))
                    " "
                    (option(ReviewStatus::Disputed, "dash-review-disputed-option"))
                    " "
                    (option(ReviewStatus::Rejected, "dash-review-rejected-option"))
                }
                label { (lang.t("dash-review-comment")) textarea name="comment" maxlength="1000" {} }
                button { (lang.t("dash-review-save")) }
            }
        }
    }
}

/// What was done to this capture, when and by whom, in words: reviews (from one state to
/// another, with their comment), transcriptions and the desk's outcome, choices to let it stand.
fn audit_log(lang: Lang, audit: &[AuditEntry]) -> Markup {
    html! {
        @if !audit.is_empty() {
            h2 { (lang.t("dash-audit")) }
            ul #audit {
                @for a in audit {
                    li {
                        (lang.datetime(a.at_ms)) " · " (a.actor) " · "
                        (lang.t(super::audit::action_label(&a.action))) " " (super::audit::describe(lang, a))
                    }
                }
            }
        }
    }
}

/// Where the record and its photos came from: ids, times, hashes and the receipt's key.
fn provenance(lang: Lang, d: &CaptureDetail) -> Markup {
    let record = &d.signed.record;
    let receipt = &d.receipt.receipt;
    html! {
        h2 { (lang.t("dash-provenance")) }
        table.mono {
            tbody {
                tr { td { (lang.t("dash-capture")) } td { (d.row.capture_id) } }
                tr { td { (lang.t("dash-col-device")) } td { (d.row.device_id) } }
                @if let Some((at, reason)) = &d.device_revoked {
                    tr.revoked {
                        td { (lang.t("dash-device-revoked")) }
                        td { span.tag.warn { (lang.datetime(*at)) } " " span.prose { (reason) } }
                    }
                }
                tr { td { (lang.t("dash-phone-time")) } td { (lang.datetime(record.device_time_ms)) } }
                tr { td { (lang.t("dash-received-server")) } td { (lang.datetime(receipt.received_at_ms)) } }
                tr { td { (lang.t("dash-record-sha")) } td { (record.record_sha256().to_hex()) } }
                tr { td { (lang.t("dash-receipt-key")) } td { (receipt.server_key_id.as_str()) } }
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
                        .map_or_else(|| lang.t("dash-photo-not-received"), |r| lang.datetime(r.receipt.received_at_ms));
                    @let page = photo.page.to_string();
                    @let args = [("page", page.as_str())];
                    tr { td { (lang.t_args("dash-photo-sha", &args)) } td { (photo.sha256.to_hex()) } }
                    tr { td { (lang.t_args("dash-photo-original", &args)) } td { (original) } }
                    tr { td { (lang.t_args("dash-photo-received", &args)) } td { (received) } }
                }
            }
        }
    }
}

/// The device's chain of corrections of this acta, when there is one.
fn history(lang: Lang, history: &[CaptureRow], pk: i64) -> Markup {
    html! {
        @if history.len() > 1 {
            h2 { (lang.t("dash-corrections")) }
            ol {
                @for h in history {
                    li {
                        a href={ "/dash/captures/" (h.pk) } { (lang.datetime(h.received_at_ms)) }
                        @if h.pk == pk { " " b { (lang.t("dash-this-one")) } }
                    }
                }
            }
        }
    }
}

/// The refusal for an account that may look but not review.
const VIEW_ONLY: &str = "dash-error-view-only";
/// The refusal for a review form without a state.
const NO_VERDICT: &str = "dash-error-no-verdict";

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
    let Ok(Form(form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    session.check_csrf(&form.csrf)?;
    if !session.user.can_review() {
        return Err(DashError::Forbidden(VIEW_ONLY));
    }
    let status: ReviewStatus =
        form.status.as_deref().and_then(|s| s.parse().ok()).ok_or(DashError::BadRequest(NO_VERDICT))?;
    let verdict = Verdict::new(status, Some(&form.comment)).map_err(|e| {
        DashError::BadRequest(match e {
            InvalidReview::NoVerdict => NO_VERDICT,
            InvalidReview::CommentTooLong => "dash-error-comment-too-long",
        })
    })?;
    match review::review(&state, &Reviewer::from(&session.user), ReviewTarget::Pk(pk), verdict).await {
        Ok(_) => Ok(Redirect::to(&format!("/dash/captures/{pk}?saved=1")).into_response()),
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
    fn warnings_read_in_words_with_their_code() {
        let w = Warning::on(WarningCode::QrMismatch, "o01");
        let t = warning_item(Lang::Es, &w).into_string();
        assert!(t.contains("qr_mismatch") && t.contains("difiere del código QR") && t.contains("o01"), "{t}");
        let t = warning_item(Lang::En, &w).into_string();
        assert!(
            t.contains("qr_mismatch") && t.contains("differs from the QR code") && t.contains("o01"),
            "{t}"
        );
        for lang in Lang::ALL {
            for code in [
                WarningCode::CountMissing,
                WarningCode::SumMismatch,
                WarningCode::VotedExceedsRegistered,
                WarningCode::PhotoMissing,
                WarningCode::QrMismatch,
            ] {
                assert!(!lang.t(warning_message(code)).starts_with('⟦'), "{}: {code:?}", lang.code());
            }
        }
    }
}
