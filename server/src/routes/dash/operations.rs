//! The night's operations pages: `/dash/missing` (a region's late tables — no acta yet, or its
//! photo missing — with the devices that should report them and when each was last heard from)
//! and `/dash/search?q=` (tables, centers, regions and captures by code, name or id). The rules
//! are in [`crate::services::operations`].

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::format::{num, short, url};
use super::layout::{device_line, home_crumb};
use super::pages::{contest, region_label};
use super::{DashError, DashResult, Session};
use crate::AppState;
use crate::now_ms;
use crate::repo::coord::{LateCursor, LateFilter};
use crate::repo::publication::SearchHit;
use crate::services::operations::{self, Found};

/// The lists of tables to follow up: each filter's name in addresses and its label.
const FILTERS: [(&str, &str); 6] = [
    ("no_acta", "dash-missing-no-acta"),
    ("disagree", "dash-missing-disagree"),
    ("disputed", "dash-missing-disputed"),
    ("unreviewed", "dash-missing-unreviewed"),
    ("no_photo", "dash-missing-no-photo"),
    ("warned", "dash-missing-warned"),
];

#[derive(Deserialize, Default)]
pub(crate) struct MissingParams {
    region: Option<i64>,
    filter: Option<String>,
    after: Option<String>,
}

/// A region's late tables.
pub(crate) async fn missing(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<MissingParams>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Ok(Query(p)) = q else { return Err(DashError::BadRequest("dash-error-bad-params")) };
    let (filter, name) = match p.filter.as_deref() {
        None | Some("no_acta") => (LateFilter::NoActa, "no_acta"),
        Some("no_photo") => (LateFilter::NoPhoto, "no_photo"),
        Some("disagree") => (LateFilter::Disagree, "disagree"),
        Some("unreviewed") => (LateFilter::Unreviewed, "unreviewed"),
        Some("disputed") => (LateFilter::Disputed, "disputed"),
        Some("warned") => (LateFilter::Warned, "warned"),
        Some(_) => return Err(DashError::BadRequest("dash-error-unknown-filter")),
    };
    let after = match p.after.as_deref() {
        Some(a) => Some(LateCursor::from_param(a).ok_or(DashError::BadRequest("dash-error-bad-params"))?),
        None => None,
    };
    let (election, contest) = contest(&state, None).await?;
    let late = operations::late(&state, &session.user, p.region, &contest, filter, after).await?;
    let region = &late.view.region;
    let missing = region.node.stations.saturating_sub(region.stats.stations_reported);
    let region_q = p.region.map(|r| format!("region={r}&")).unwrap_or_default();
    let now = now_ms();
    let body = html! {
        p #missing-count {
            (lang.t_args("dash-missing-count", &[
                ("missing", &num(lang, missing)),
                ("tables", &num(lang, region.node.stations)),
            ]))
        }
        p.filters {
            @for (f, label) in FILTERS {
                a class=[(f == name).then_some("on")] href={ "/dash/missing?" (region_q) "filter=" (f) } { (lang.t(label)) }
            }
            a href={ "/dash/batches?filter=missing_photo" } { (lang.t("dash-missing-uploading")) }
            a href="/dash/refused" { (lang.t("dash-refused")) }
        }
        @if !late.view.children.is_empty() {
            p.filters {
                @for child in &late.view.children {
                    @let late_here = child.node.stations.saturating_sub(child.stats.stations_reported);
                    @if late_here > 0 {
                        a href={ "/dash/missing?region=" (child.node.id) "&filter=" (name) } {
                            (child.node.name) " (" (num(lang, late_here)) ")"
                        }
                    }
                }
            }
        }
        @if late.tables.is_empty() {
            p #missing-none { (lang.t("dash-missing-none")) }
        } @else {
            div.table-wrap {
                table #missing {
                    thead { tr {
                        th { (lang.t("dash-col-table")) }
                        th { (lang.t("dash-col-center")) }
                        th { (lang.t("dash-col-region")) }
                        th { (lang.t("dash-col-devices")) }
                    } }
                    tbody {
                        @for t in &late.tables {
                            tr {
                                td {
                                    a href={ "/dash/stations/" (url(&t.station_id)) } { (t.station_id) }
                                    @if let Some(pk) = t.capture_pk {
                                        " " a href={ "/dash/captures/" (pk) } { (lang.t("dash-missing-open-acta")) }
                                    }
                                }
                                td { a href={ "/dash/centers/" (url(&t.center_id)) } { (t.center_name) } }
                                td { (t.region_path) }
                                td {
                                    @if t.devices.is_empty() {
                                        span.tag.warn { (lang.t("dash-missing-no-device")) }
                                    }
                                    @for d in &t.devices {
                                        div { (device_line(lang, d, now)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = late.next {
                p { a href={ "/dash/missing?" (region_q) "filter=" (name) "&after=" (next.to_param()) } { (lang.t("dash-next-page")) } }
            }
        }
    };
    let label = FILTERS.iter().find(|(f, _)| *f == name).map_or("dash-missing-no-acta", |(_, l)| *l);
    let title = lang.t_args(
        "dash-missing-title",
        &[("list", &lang.t(label)), ("region", &region_label(&region.node, &election))],
    );
    Ok(session.live_page(title, vec![home_crumb(lang)], body))
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchParams {
    q: Option<String>,
}

/// Search; a single hit opens at once.
pub(crate) async fn search(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Ok(Query(p)) = q else { return Err(DashError::BadRequest("dash-error-bad-params")) };
    let query = p.q.unwrap_or_default();
    let (_, contest) = contest(&state, None).await?;
    let found = operations::search(&state, &session.user, &contest, &query).await?;
    let href = |f: &Found| match f {
        Found::Capture { pk, .. } => format!("/dash/captures/{pk}"),
        Found::Place(SearchHit::Station { id, .. }) => format!("/dash/stations/{}", url(id)),
        Found::Place(SearchHit::Center { id, .. }) => format!("/dash/centers/{}", url(id)),
        Found::Place(SearchHit::Region(node)) => format!("/dash/regions/{}", node.id),
    };
    if let [only] = found.as_slice() {
        return Ok(Redirect::to(&href(only)).into_response());
    }
    let body = html! {
        form.search method="get" action="/dash/search" role="search" {
            input type="search" name="q" value=(query) aria-label=(lang.t("dash-search")) autofocus;
            " " button { (lang.t("dash-search")) }
        }
        @if query.trim().is_empty() {
            p.muted { (lang.t("dash-search-hint")) }
        } @else if found.is_empty() {
            p #search-none { (lang.t("dash-search-none")) }
        } @else {
            ul #search-results {
                @for f in &found {
                    li {
                        a href=(href(f)) {
                            @match f {
                                Found::Capture { pk, station_id } => {
                                    (lang.t_args("dash-search-capture", &[("pk", &pk.to_string()), ("table", station_id)]))
                                }
                                Found::Place(SearchHit::Station { id, number, center }) => {
                                    (lang.t_args("dash-search-table", &[("id", id), ("number", &number.to_string()), ("center", center)]))
                                }
                                Found::Place(SearchHit::Center { id, name, region_path }) => {
                                    (name) " (" (id) ") · " (region_path)
                                }
                                Found::Place(SearchHit::Region(node)) => { (node.path) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(session.page(lang.t("dash-search"), vec![home_crumb(lang)], body))
}

/// Records that were refused or in conflict, whose table lies in the coordinator's region.
pub(crate) async fn refused(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let lang = session.lang;
    let rows = state.coord.refused_records(session.user.scope_path.clone(), 200).await?;
    let body = html! {
        p.muted { (lang.t("dash-refused-intro")) }
        @if rows.is_empty() {
            p #refused-none { (lang.t("dash-refused-none")) }
        } @else {
            div.table-wrap {
                table #refused {
                    thead { tr {
                        th { (lang.t("dash-col-when")) }
                        th { (lang.t("dash-col-table")) }
                        th { (lang.t("dash-col-device")) }
                        th { (lang.t("dash-col-capture")) }
                        th { (lang.t("dash-col-what")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { (lang.datetime(r.received_at_ms)) }
                                td { a href={ "/dash/stations/" (url(&r.station_id)) } { (r.station_id) } }
                                td { code title=(r.device_id) { (short(&r.device_id)) } }
                                td.mono.small { (r.capture_id) }
                                td {
                                    span.tag.warn { (lang.t(refusal_message(&r.code))) }
                                    " " code.muted { (r.code) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(session.live_page(lang.t("dash-refused"), vec![home_crumb(lang)], body))
}

/// The words for a refusal code (the code itself is shown beside them).
fn refusal_message(code: &str) -> &'static str {
    match code {
        "conflict" => "dash-refused-conflict",
        "bad_signature" => "dash-refused-bad-signature",
        "wrong_device" => "dash-refused-wrong-device",
        "station_not_assigned" => "dash-refused-not-assigned",
        "wrong_election" | "unknown_contest" | "unknown_field" => "dash-refused-wrong-election",
        _ => "dash-refused-invalid",
    }
}
