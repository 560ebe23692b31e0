//! The dashboard's contrast with the official results (a region's sums, its regions, the tables
//! by difference with both sets of numbers, each opening its acta; the CSV of every
//! discrepancy) and the quick count (estimates with their margins, and a small chart of the
//! margin shrinking as the sample fills).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::election::Contest;

use super::charts::bar;
use super::format::{inum, num, pct, url};
use super::pages::{contest, crumbs, region_label};
use super::{DashError, DashResult, Session};
use crate::AppState;
use crate::i18n::Lang;
use crate::repo::analysis::{ContrastSide, ContrastStatus, RegionContrast, TableContrast};
use crate::services::{official, quickcount};

/// Rows per page of the contrast's tables.
const PAGE: u64 = 50;

#[derive(Deserialize)]
pub(crate) struct ContrastParams {
    contest: Option<String>,
    region: Option<i64>,
    status: Option<String>,
    sort: Option<String>,
    page: Option<u64>,
}

fn status_key(s: ContrastStatus) -> &'static str {
    match s {
        ContrastStatus::Match => "dash-contrast-matching",
        ContrastStatus::Differs => "dash-contrast-differing",
        ContrastStatus::OnlyOfficial => "dash-contrast-only-official",
        ContrastStatus::OnlyOurs => "dash-contrast-only-ours",
    }
}

/// A share (0 to 1) as a percentage.
fn share(lang: Lang, s: f64) -> String {
    pct(lang, (s.clamp(0.0, 1.0) * 1e6).round() as u64, 1_000_000)
}

fn sums(lang: Lang, c: &RegionContrast) -> Markup {
    let card = |key: &str, n: u64| html! { div.card { small { (lang.t(key)) } b { (num(lang, n)) } } };
    html! {
        div.cards {
            (card("dash-contrast-compared", c.compared()))
            (card("dash-contrast-matching", c.matching))
            (card("dash-contrast-differing", c.differing))
            (card("dash-contrast-only-official", c.only_official))
            (card("dash-contrast-only-ours", c.only_ours))
        }
    }
}

/// The fields that differ, as "party: +n" (by the contest's labels).
fn differences(contest: &Contest, lang: Lang, t: &TableContrast) -> String {
    t.differences
        .iter()
        .map(|(field, d)| {
            let label = contest.field_label(field).unwrap_or(field);
            let sign = if *d > 0 { "+" } else { "" };
            format!("{label}: {sign}{}", inum(lang, *d))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /dash/contrast`: the contrast of a region (the scope's root by default).
pub(crate) async fn contrast(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Query(p) = q.map_err(|_| DashError::BadRequest("dash-error-bad-params"))?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let status = match p.status.as_deref() {
        None => ContrastStatus::Differs,
        Some(s) => ContrastStatus::parse(s).ok_or(DashError::BadRequest("dash-error-bad-params"))?,
    };
    let by_difference = p.sort.as_deref() != Some("table");
    let page = p.page.unwrap_or(0);
    let v =
        official::region(&state, ContrastSide::Current, &session.user.scope_path, p.region, &contest).await?;
    let scope = v.view.region.node.path.clone();
    let (rows, total) = official::tables(
        &state,
        ContrastSide::Current,
        &scope,
        &contest,
        status,
        by_difference,
        page * PAGE,
        PAGE,
    )
    .await?;
    let imports = state.analysis.official_imports().await?;
    let region_id = v.view.region.node.id;
    let link = |status: ContrastStatus, sort: &str, page: u64| {
        format!("/dash/contrast?region={region_id}&status={}&sort={sort}&page={page}", status.as_str())
    };
    let sort = if by_difference { "difference" } else { "table" };
    let body = html! {
        @if imports.is_empty() {
            p.muted { (lang.t("dash-contrast-none")) }
        }
        (sums(lang, &v.contrast))
        @if v.candidates.iter().any(|c| c.votes != 0) {
            h2 { (lang.t("dash-contrast-by-candidate")) }
            div.table-wrap {
                table {
                    thead { tr { th { (lang.t("dash-col-candidate")) } th.n { (lang.t("dash-col-difference")) } } }
                    tbody {
                        @for c in v.candidates.iter().filter(|c| c.votes != 0) {
                            tr { td { (c.name) } td.n { @if c.votes > 0 { "+" } (inum(lang, c.votes)) } }
                        }
                    }
                }
            }
        }
        @if !v.view.children.is_empty() {
            h2 { (lang.t("dash-contrast-by-region")) }
            div.table-wrap {
                table {
                    thead {
                        tr {
                            th { (lang.t("dash-col-region")) }
                            th.n { (lang.t("dash-contrast-compared")) }
                            th.n { (lang.t("dash-contrast-matching")) }
                            th.n { (lang.t("dash-contrast-differing")) }
                            th.n { (lang.t("dash-contrast-only-official")) }
                            th.n { (lang.t("dash-contrast-only-ours")) }
                        }
                    }
                    tbody {
                        @for (r, c) in v.view.children.iter().zip(&v.children) {
                            tr {
                                td { a href=(format!("/dash/contrast?region={}", r.node.id)) { (r.node.name) } }
                                td.n { (num(lang, c.compared())) }
                                td.n { (num(lang, c.matching)) }
                                td.n { (num(lang, c.differing)) " " (bar(c.differing, c.compared())) }
                                td.n { (num(lang, c.only_official)) }
                                td.n { (num(lang, c.only_ours)) }
                            }
                        }
                    }
                }
            }
        }
        h2 #tables { (lang.t("dash-contrast-tables")) }
        nav.tabs {
            @for s in [ContrastStatus::Differs, ContrastStatus::OnlyOfficial, ContrastStatus::OnlyOurs, ContrastStatus::Match] {
                @if s == status { strong { (lang.t(status_key(s))) } }
                @else { a href=(link(s, sort, 0)) { (lang.t(status_key(s))) } }
            }
        }
        p {
            @if by_difference {
                strong { (lang.t("dash-contrast-sort-difference")) } " · "
                a href=(link(status, "table", 0)) { (lang.t("dash-contrast-sort-table")) }
            } @else {
                a href=(link(status, "difference", 0)) { (lang.t("dash-contrast-sort-difference")) } " · "
                strong { (lang.t("dash-contrast-sort-table")) }
            }
            " · " a href=(format!("/dash/contrast.csv?region={region_id}")) download { (lang.t("dash-contrast-csv")) }
            " · " a href=(format!("/dash/contrast/report?region={region_id}")) { (lang.t("dash-report-link")) }
        }
        @if rows.is_empty() {
            p.muted { (lang.t("dash-contrast-no-tables")) }
        } @else {
            div.table-wrap {
                table #contrast {
                    thead {
                        tr {
                            th { (lang.t("dash-col-station")) }
                            th.n { (lang.t("dash-col-difference")) }
                            th { (lang.t("dash-col-differences")) }
                            th { (lang.t("dash-col-acta")) }
                        }
                    }
                    tbody {
                        @for t in &rows {
                            tr {
                                td {
                                    a href=(format!("/dash/stations/{}", url(&t.station_id))) { (t.station_id) }
                                    br; small.muted { (t.center_name) }
                                }
                                td.n { (num(lang, t.difference.unsigned_abs())) }
                                td { (differences(&contest, lang, t)) }
                                td {
                                    @if let Some(pk) = t.capture_pk {
                                        a href=(format!("/dash/captures/{pk}")) { (lang.t("dash-contrast-open")) }
                                    } @else { "—" }
                                }
                            }
                        }
                    }
                }
            }
            p {
                (lang.t_args("dash-contrast-showing", &[
                    ("from", &num(lang, page * PAGE + 1)),
                    ("to", &num(lang, page * PAGE + rows.len() as u64)),
                    ("total", &num(lang, total)),
                ]))
                @if page > 0 { " · " a href=(link(status, sort, page - 1)) { (lang.t("dash-prev-page")) } }
                @if (page + 1) * PAGE < total { " · " a href=(link(status, sort, page + 1)) { (lang.t("dash-next-page")) } }
            }
        }
        @if !imports.is_empty() {
            h2 { (lang.t("dash-contrast-imports")) }
            div.table-wrap {
                table {
                    thead {
                        tr {
                            th { (lang.t("dash-col-source")) }
                            th { (lang.t("dash-col-imported")) }
                            th.n { (lang.t("dash-col-tables")) }
                            th { "SHA-256" }
                        }
                    }
                    tbody {
                        @for i in imports.iter().rev() {
                            tr {
                                td { (i.source) br; small.muted { (i.file_name) } }
                                td { (lang.datetime(i.imported_at_ms)) }
                                td.n { (num(lang, i.tables)) }
                                td { code.hash { (i.sha256) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let region = region_label(&v.view.region.node, &election);
    let mut c = crumbs(&session, &v.view.ancestors, &v.view.region.node, &election);
    c.push((lang.t("dash-contrast"), format!("/dash/contrast?region={region_id}")));
    Ok(session.live_page(lang.t_args("dash-contrast-title", &[("region", &region)]), c, body))
}

/// `GET /dash/contrast.csv`: every discrepancy of a region (the scope's root by default).
pub(crate) async fn contrast_csv(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> DashResult<Response> {
    let Query(p) = q.map_err(|_| DashError::BadRequest("dash-error-bad-params"))?;
    let (_, contest) = contest(&state, p.contest.as_deref()).await?;
    let v =
        crate::services::tally::region_in_scope(&state, &session.user.scope_path, p.region, &contest).await?;
    let bytes = official::discrepancies_csv(&state, &v.region.node.path, &contest).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"discrepancies-{}.csv\"", contest.id),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// How many discrepancies the printable report shows in full.
const REPORT_LARGEST: u64 = 20;

/// `GET /dash/contrast/report`: the printable report an observer mission takes away: method,
/// figures, and the largest discrepancies with their acta photos and hashes.
pub(crate) async fn report(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Query(p) = q.map_err(|_| DashError::BadRequest("dash-error-bad-params"))?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let r = official::report(&state, &session.user.scope_path, p.region, &contest, REPORT_LARGEST).await?;
    let region = region_label(&r.view.view.region.node, &election);
    let field_label = |field: &str| contest.field_label(field).unwrap_or(field).to_owned();
    let body = html! {
        p.no-print.muted { (lang.t("dash-report-print-hint")) }
        @let time = lang.datetime(crate::now_ms());
        @if r.view.view.region.node.path.is_empty() {
            p { (lang.t_args("dash-report-intro-all", &[("election", &election.election.name), ("time", &time)])) }
        } @else {
            p { (lang.t_args("dash-report-intro", &[("election", &election.election.name), ("region", &region), ("time", &time)])) }
        }
        h2 { (lang.t("dash-report-method")) }
        p { (lang.t("dash-report-method-text")) }
        div.table-wrap {
            table {
                thead { tr { th { (lang.t("dash-col-source")) } th { (lang.t("dash-col-imported")) } th.n { (lang.t("dash-col-tables")) } th { "SHA-256" } } }
                tbody {
                    @for i in &r.imports {
                        tr {
                            td { (i.source) br; small { (i.file_name) } }
                            td { (lang.datetime(i.imported_at_ms)) }
                            td.n { (num(lang, i.tables)) }
                            td { code.hash { (i.sha256) } }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("dash-report-figures")) }
        (sums(lang, &r.view.contrast))
        @if r.view.candidates.iter().any(|c| c.votes != 0) {
            h3 { (lang.t("dash-contrast-by-candidate")) }
            div.table-wrap {
                table {
                    tbody {
                        @for c in r.view.candidates.iter().filter(|c| c.votes != 0) {
                            tr { td { (c.name) } td.n { @if c.votes > 0 { "+" } (inum(lang, c.votes)) } }
                        }
                    }
                }
            }
        }
        @if !r.view.view.children.is_empty() {
            h3 { (lang.t("dash-contrast-by-region")) }
            div.table-wrap {
                table {
                    thead { tr { th { (lang.t("dash-col-region")) } th.n { (lang.t("dash-contrast-compared")) } th.n { (lang.t("dash-contrast-differing")) } } }
                    tbody {
                        @for (row, c) in r.view.view.children.iter().zip(&r.view.children) {
                            tr { td { (row.node.name) } td.n { (num(lang, c.compared())) } td.n { (num(lang, c.differing)) } }
                        }
                    }
                }
            }
        }
        h2 { (lang.t_args("dash-report-largest", &[("n", &num(lang, r.largest.len() as u64))])) }
        @for (t, detail) in &r.largest {
            section.report-table {
                h3 { (t.station_id) " · " (t.center_name) " · " (t.region_path) }
                div.table-wrap {
                    table {
                        thead { tr { th { (lang.t("dash-col-field")) } th.n { (lang.t("dash-col-typed")) } th.n { (lang.t("dash-col-official")) } th.n { (lang.t("dash-col-difference")) } } }
                        tbody {
                            @for (field, d) in &t.differences {
                                tr {
                                    td { (field_label(field)) }
                                    td.n { (t.ours.as_ref().and_then(|o| o.get(field)).map_or("—".into(), |v| inum(lang, *v))) }
                                    td.n { (t.official.as_ref().and_then(|o| o.get(field)).map_or("—".into(), |v| inum(lang, *v))) }
                                    td.n.diff { @if *d > 0 { "+" } (inum(lang, *d)) }
                                }
                            }
                        }
                    }
                }
                @if let Some(d) = detail {
                    @for photo in d.photos.iter().filter(|p| p.receipt.is_some()) {
                        img.report-photo src={ "/dash/photos/" (photo.sha256.to_hex()) }
                            alt=(lang.t_args("dash-photo-alt", &[("page", &photo.page.to_string()), ("size", &num(lang, photo.size))]));
                    }
                    dl.hashes {
                        dt { (lang.t("dash-record-sha")) } dd { code.hash { (d.signed.record.record_sha256().to_hex()) } }
                        dt { (lang.t("dash-report-device")) } dd { code.hash { (d.signed.record.device_key_id.as_str()) } }
                        @for photo in &d.photos {
                            dt { (lang.t_args("dash-photo-sha", &[("page", &photo.page.to_string())])) } dd { code.hash { (photo.sha256.to_hex()) } }
                        }
                        dt { (lang.t("dash-received-server")) } dd { (lang.datetime(d.row.received_at_ms)) }
                    }
                }
            }
        }
    };
    let mut c = crumbs(&session, &r.view.view.ancestors, &r.view.view.region.node, &election);
    c.push((lang.t("dash-contrast"), format!("/dash/contrast?region={}", r.view.view.region.node.id)));
    Ok(session.page(lang.t_args("dash-report-title", &[("region", &region)]), c, body))
}

/// The margin as the sample filled, as an inline SVG line (x: sample tables in, y: margin).
fn margin_chart(lang: Lang, history: &[(u64, f64)], sample: u64) -> Markup {
    let (w, h) = (300.0, 80.0);
    let top = history.iter().map(|p| p.1).fold(0.0f64, f64::max).max(1e-9);
    let points: Vec<String> = history
        .iter()
        .map(|(k, m)| {
            let x = *k as f64 / sample.max(1) as f64 * w;
            let y = h - m / top * (h - 4.0);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let label = lang.t("dash-quickcount-chart");
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {w} {h}")) role="img" aria-label=(label) {
                polyline points=(points.join(" ")) fill="none" stroke="currentColor" stroke-width="2" {}
            }
            figcaption {
                (label) ": "
                @for (i, (k, m)) in history.iter().enumerate() {
                    @if i > 0 { ", " }
                    (num(lang, *k)) " → ±" (share(lang, *m))
                }
            }
        }
    }
}

/// `GET /dash/quickcount`: the quick count as the night stands.
pub(crate) async fn quickcount(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let Query(p) = q.map_err(|_| DashError::BadRequest("dash-error-bad-params"))?;
    let (_, contest) = contest(&state, p.contest.as_deref()).await?;
    let night = quickcount::night(&state, &contest, 10).await?;
    let body = html! {
        @match &night {
            None => p.muted { (lang.t("dash-quickcount-none")) },
            Some(n) => {
                @let e = &n.estimate;
                p { (lang.t_args("dash-quickcount-in", &[
                    ("in", &num(lang, e.reported)),
                    ("sample", &num(lang, e.sample)),
                    ("pct", &pct(lang, e.reported, e.sample)),
                ])) }
                p.muted { (lang.t_args("dash-quickcount-seed", &[("seed", &n.draw.seed)])) }
                div.table-wrap {
                    table #estimates {
                        thead {
                            tr {
                                th { (lang.t("dash-col-candidate")) }
                                th.n { (lang.t("dash-col-estimate")) }
                                th.n { (lang.t("dash-col-margin")) }
                            }
                        }
                        tbody {
                            @for s in &e.shares {
                                tr {
                                    td { (s.name) }
                                    td.n { (share(lang, s.share)) " " (bar((s.share * 1e6) as u64, 1_000_000)) }
                                    td.n { "±" (share(lang, s.margin)) }
                                }
                            }
                        }
                    }
                }
                @if e.reported > 0 {
                    p.callout {
                        @if e.lead_beyond_margin {
                            (lang.t_args("dash-quickcount-lead-beyond", &[("margin", &share(lang, e.lead_margin))]))
                        } @else {
                            (lang.t_args("dash-quickcount-lead-within", &[("margin", &share(lang, e.lead_margin))]))
                        }
                    }
                }
                @if n.history.len() > 1 { (margin_chart(lang, &n.history, e.sample)) }
                p.muted { (lang.t("dash-quickcount-method")) }
            }
        }
    };
    let c = vec![super::layout::home_crumb(lang), (lang.t("dash-quickcount"), "/dash/quickcount".into())];
    Ok(session.live_page(lang.t("dash-quickcount"), c, body))
}
