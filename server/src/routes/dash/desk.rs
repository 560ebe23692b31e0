//! The verification desk's pages: `/dash/transcribe` (a clerk's next acta: its photos beside
//! one field per printed row, keyboard first; the watcher's numbers are never on it) and
//! `/dash/verify` (captures whose entries or watcher differ: the three side by side, the
//! differences marked, and the verifier's numbers). The rules are in [`crate::services::desk`].

use std::collections::BTreeMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::election::Contest;

use super::format::num;
use super::layout::home_crumb;
use super::{DashError, DashPath, DashResult, INCOMPLETE_FORM, Session};
use crate::AppState;
use crate::i18n::Lang;
use crate::repo::coord::PhotoDetail;
use crate::repo::desk::{Counts, DecideOutcome, DeskCounts, DeskState, EntryOutcome};
use crate::services::desk::{self, DeskError, InvalidEntry, Task, Verification};

/// Form fields carrying counts are named `f_<field id>`, apart from the form's own (`csrf`).
const FIELD_PREFIX: &str = "f_";

impl From<DeskError> for DashError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::NotAllowed => DashError::Forbidden("dash-error-view-only"),
            DeskError::NotFound => DashError::NotFound,
            DeskError::Invalid(_) => DashError::BadRequest("dash-error-bad-request"),
            DeskError::Repo(e) => e.into(),
        }
    }
}

/// A submitted entry form: the CSRF value and the numbers as typed, by field id.
fn entry_form(
    form: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> DashResult<(String, BTreeMap<String, String>)> {
    let Ok(Form(mut form)) = form else { return Err(DashError::BadRequest(INCOMPLETE_FORM)) };
    let csrf = form.remove("csrf").ok_or(DashError::BadRequest(INCOMPLETE_FORM))?;
    let typed = form
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(FIELD_PREFIX).map(|f| (f.to_owned(), v)))
        .collect();
    Ok((csrf, typed))
}

/// The acta's photos, each page zoomable (a checkbox, reachable by keyboard), kept in view.
fn photos(lang: Lang, photos: &[PhotoDetail]) -> Markup {
    html! {
        div.desk-photos {
            @for photo in photos {
                @let page = photo.page.to_string();
                @if photo.receipt.is_some() {
                    div.photo {
                        input type="checkbox" id={ "z" (page) } aria-label=(lang.t("dash-desk-zoom"));
                        label for={ "z" (page) } {
                            img src={ "/dash/photos/" (photo.sha256.to_hex()) }
                                alt=(lang.t_args("dash-photo-alt", &[("page", page.as_str()), ("size", &num(lang, photo.size))]));
                        }
                    }
                }
            }
        }
    }
}

/// The desk's counts in a line.
fn progress(lang: Lang, left: &DeskCounts) -> Markup {
    html! {
        p.muted #desk-progress {
            (lang.t_args(
                "dash-desk-progress",
                &[
                    ("transcribing", &num(lang, left.transcribing)),
                    ("verify", &num(lang, left.verify)),
                    ("confirmed", &num(lang, left.confirmed + left.decided)),
                ],
            ))
        }
    }
}

/// One input per field in printed order: the row number as printed, the label, the number.
fn fields(lang: Lang, contest: &Contest, typed: &BTreeMap<String, String>, focus: Option<&str>) -> Markup {
    let rows = contest
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.party.as_str()))
        .chain(contest.count_fields.iter().map(|f| (f.id.as_str(), f.label.as_str())));
    let first = focus.or_else(|| contest.options.first().map(|o| o.id.as_str()));
    html! {
        table.entry {
            tbody {
                @for (i, (id, label)) in rows.enumerate() {
                    tr.diff[focus == Some(id)] {
                        td.n.muted { (i + 1) }
                        td { label for={ "f-" (id) } { (label) } }
                        td.n {
                            input id={ "f-" (id) } name={ (FIELD_PREFIX) (id) } type="text" inputmode="numeric"
                                autocomplete="off" pattern="[0-9 .,]*" maxlength="9" size="7"
                                value=(typed.get(id).map(String::as_str).unwrap_or(""))
                                autofocus[first == Some(id)]
                                aria-label=(lang.t_args("dash-desk-field", &[("field", label)]));
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct AfterEntry {
    /// How the previous entry left its capture (`transcribing`, `verify`, `confirmed`).
    done: Option<String>,
}

/// The clerk's next acta, or word that there is none.
pub(crate) async fn transcribe(
    State(state): State<AppState>,
    session: Session,
    Query(after): Query<AfterEntry>,
) -> DashResult<Response> {
    let lang = session.lang;
    let done = after.done.as_deref().and_then(|s| s.parse::<DeskState>().ok());
    match desk::next(&state, &session.user).await? {
        Some(task) => Ok(task_page(&session, &task, done, &BTreeMap::new(), None, StatusCode::OK)),
        None => {
            let left = desk::counts(&state, &session.user).await?;
            let body = html! {
                (saved(lang, done))
                p #desk-empty { (lang.t("dash-desk-empty")) }
                (progress(lang, &left))
                @if left.verify > 0 { p { a href="/dash/verify" { (lang.t("dash-desk-to-verify")) } } }
            };
            Ok(session.live_page(lang.t("dash-transcribe"), vec![home_crumb(lang)], body))
        }
    }
}

/// A line saying the previous entry was kept, and where it left its capture.
fn saved(lang: Lang, done: Option<DeskState>) -> Markup {
    let key = match done {
        Some(DeskState::Confirmed) => "dash-desk-saved-confirmed",
        Some(DeskState::Verify) => "dash-desk-saved-verify",
        Some(_) => "dash-desk-saved",
        None => return html! {},
    };
    html! { p.notice #desk-saved role="status" { (lang.t(key)) } }
}

fn task_page(
    session: &Session,
    task: &Task,
    done: Option<DeskState>,
    typed: &BTreeMap<String, String>,
    error: Option<&InvalidEntry>,
    status: StatusCode,
) -> Response {
    let lang = session.lang;
    let pk = task.assignment.capture_pk;
    let error_field = error.map(InvalidEntry::field);
    let body = html! {
        (saved(lang, done))
        (progress(lang, &task.left))
        div.acta.desk {
            section { (photos(lang, &task.photos)) }
            section {
                p.muted {
                    (lang.t_args("dash-desk-table", &[
                        ("number", &task.station.number.to_string()),
                        ("center", &task.station.center_name),
                        ("slot", &task.assignment.slot.to_string()),
                    ]))
                }
                @if let Some(e) = error {
                    @let label = task.contest.field_label(e.field()).unwrap_or(e.field());
                    p.error role="alert" {
                        (lang.t_args(match e {
                            InvalidEntry::Missing(_) => "dash-desk-missing",
                            InvalidEntry::NotACount(_) => "dash-desk-not-a-count",
                        }, &[("field", label)]))
                    }
                }
                form #entry method="post" action={ "/dash/transcribe/" (pk) } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    (fields(lang, &task.contest, typed, error_field))
                    button { (lang.t("dash-desk-submit")) }
                }
                p.muted { (lang.t("dash-desk-blind")) }
            }
        }
    };
    let mut response = session.page(lang.t("dash-transcribe"), vec![home_crumb(lang)], body);
    *response.status_mut() = status;
    response
}

/// Keeps an entry and hands out the next acta; a form with a missing or wrong number comes
/// back as typed, the field marked.
pub(crate) async fn submit_entry(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
    form: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> DashResult<Response> {
    let (csrf, typed) = entry_form(form)?;
    session.check_csrf(&csrf)?;
    match desk::submit(&state, &session.user, pk, &typed).await {
        Ok(EntryOutcome::Kept(s)) => {
            Ok(Redirect::to(&format!("/dash/transcribe?done={}", s.as_str())).into_response())
        }
        // Their lease ran out and someone else has it, or they sent it twice: on to the next.
        Ok(EntryOutcome::NotYours | EntryOutcome::AlreadyIn) => {
            Ok(Redirect::to("/dash/transcribe").into_response())
        }
        Err(DeskError::Invalid(e)) => {
            // The same acta again (it is still theirs), with what they typed.
            let task = desk::next(&state, &session.user).await?.filter(|t| t.assignment.capture_pk == pk);
            match task {
                Some(task) => {
                    Ok(task_page(&session, &task, None, &typed, Some(&e), StatusCode::UNPROCESSABLE_ENTITY))
                }
                None => Ok(Redirect::to("/dash/transcribe").into_response()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct VerifyList {
    after: Option<i64>,
}

const VERIFY_PAGE: usize = 50;

/// Captures waiting for a verifier.
pub(crate) async fn verify_list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<VerifyList>,
) -> DashResult<Response> {
    let lang = session.lang;
    let items = desk::waiting(&state, &session.user, q.after, VERIFY_PAGE).await?;
    let left = desk::counts(&state, &session.user).await?;
    let body = html! {
        (progress(lang, &left))
        @if items.is_empty() {
            p #verify-empty { (lang.t("dash-desk-verify-empty")) }
        } @else {
            div.table-wrap {
                table #verify {
                    thead { tr {
                        th { (lang.t("dash-col-capture")) }
                        th { (lang.t("dash-col-region")) }
                        th { (lang.t("dash-desk-col-clerks")) }
                    } }
                    tbody {
                        @for item in &items {
                            tr {
                                td { a href={ "/dash/verify/" (item.capture_pk) } { "#" (item.capture_pk) } }
                                td { (item.region_path) }
                                td { @for e in &item.entries { (e.coordinator) " " } }
                            }
                        }
                    }
                }
            }
            @if items.len() == VERIFY_PAGE {
                @if let Some(last) = items.last() {
                    p { a href={ "/dash/verify?after=" (last.capture_pk) } { (lang.t("dash-next-page")) } }
                }
            }
        }
    };
    Ok(session.live_page(lang.t("dash-verify"), vec![home_crumb(lang)], body))
}

/// One capture for a verifier: the photos, the watcher's numbers and both entries side by
/// side, each cell that differs from another marked, and the form for the acta's numbers
/// (prefilled where all three agree).
pub(crate) async fn verify_one(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
) -> DashResult<Response> {
    let v = desk::verification(&state, &session.user, pk).await?;
    Ok(verify_page(&session, &v, None, StatusCode::OK))
}

fn verify_page(
    session: &Session,
    v: &Verification,
    error: Option<&InvalidEntry>,
    status: StatusCode,
) -> Response {
    let lang = session.lang;
    let pk = v.item.capture_pk;
    let watcher = desk::watcher_counts(&v.detail);
    let entries: Vec<(String, Counts)> =
        v.item.entries.iter().filter_map(|e| Some((e.coordinator.clone(), e.counts.clone()?))).collect();
    let own = v.item.entries.iter().any(|e| e.coordinator_id == session.user.id);
    let rows = v
        .contest
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.party.as_str()))
        .chain(v.contest.count_fields.iter().map(|f| (f.id.as_str(), f.label.as_str())));
    let show = |n: Option<&u32>| n.map_or("—".to_owned(), |n| num(lang, u64::from(*n)));
    let waiting = v.item.state == DeskState::Verify;
    let body = html! {
        p {
            a href={ "/dash/captures/" (pk) } { (lang.t("dash-desk-open-acta")) }
            " · " (lang.t(state_message(v.item.state)))
        }
        @if let Some(e) = error {
            p.error role="alert" {
                (lang.t_args("dash-desk-missing", &[("field", v.contest.field_label(e.field()).unwrap_or(e.field()))]))
            }
        }
        div.acta.desk {
            section { (photos(lang, &v.detail.photos)) }
            section {
                form #decision method="post" action={ "/dash/verify/" (pk) } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    div.table-wrap {
                        table #compare {
                            thead { tr {
                                th.n { "#" }
                                th { (lang.t("dash-col-field")) }
                                th.n { (lang.t("dash-desk-col-watcher")) }
                                @for (who, _) in &entries { th.n { (who) } }
                                @if waiting && !own { th.n { (lang.t("dash-desk-col-decision")) } }
                            } }
                            tbody {
                                @for (i, (id, label)) in rows.enumerate() {
                                    @let w = watcher.get(id);
                                    @let values: Vec<Option<&u32>> = entries.iter().map(|(_, c)| c.get(id)).collect();
                                    @let agree = values.iter().all(|x| *x == w) && w.is_some();
                                    tr.differs[!agree] {
                                        td.n.muted { (i + 1) }
                                        td { label for={ "f-" (id) } { (label) } }
                                        td.n.diff[!agree] { (show(w)) }
                                        @for x in &values { td.n.diff[*x != w] { (show(*x)) } }
                                        @if waiting && !own {
                                            td.n {
                                                input id={ "f-" (id) } name={ (FIELD_PREFIX) (id) } type="text"
                                                    inputmode="numeric" autocomplete="off" maxlength="9" size="7"
                                                    value=(if agree { w.map(u32::to_string).unwrap_or_default() } else { String::new() })
                                                    aria-label=(lang.t_args("dash-desk-field", &[("field", label)]));
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if waiting && !own { button { (lang.t("dash-desk-decide")) } }
                }
                @if own && waiting { p.muted { (lang.t("dash-desk-own-entry")) } }
                @if let Some((_, by)) = &v.item.decided {
                    p { (lang.t_args("dash-desk-decided-by", &[("name", by.as_str())])) }
                }
            }
        }
    };
    let title = lang.t_args(
        "dash-desk-verify-title",
        &[("number", &v.detail.station.number.to_string()), ("center", &v.detail.station.center_name)],
    );
    let mut response =
        session.page(title, vec![home_crumb(lang), (lang.t("dash-verify"), "/dash/verify".into())], body);
    *response.status_mut() = status;
    response
}

/// The words for where a capture stands on the desk.
pub(crate) fn state_message(s: DeskState) -> &'static str {
    match s {
        DeskState::Transcribing => "dash-desk-state-transcribing",
        DeskState::Verify => "dash-desk-state-verify",
        DeskState::Confirmed => "dash-desk-state-confirmed",
        DeskState::Decided => "dash-desk-state-decided",
    }
}

/// Keeps a verifier's decision and goes back to the list.
pub(crate) async fn decide(
    State(state): State<AppState>,
    session: Session,
    DashPath(pk): DashPath<i64>,
    form: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> DashResult<Response> {
    let (csrf, typed) = entry_form(form)?;
    session.check_csrf(&csrf)?;
    match desk::decide(&state, &session.user, pk, &typed).await {
        Ok(DecideOutcome::Decided) => Ok(Redirect::to("/dash/verify").into_response()),
        Ok(DecideOutcome::NotWaiting) => Ok(Redirect::to(&format!("/dash/verify/{pk}")).into_response()),
        Ok(DecideOutcome::OwnEntry) => Err(DashError::Forbidden("dash-desk-own-entry")),
        Err(DeskError::Invalid(e)) => {
            let v = desk::verification(&state, &session.user, pk).await?;
            Ok(verify_page(&session, &v, Some(&e), StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}
