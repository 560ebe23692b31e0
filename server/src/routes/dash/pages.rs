//! Overview, drill-down, tally, batches and devices: the pages that read the aggregates and
//! lists, each within the coordinator's scope, in the session's language.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::election::{Contest, CountFieldKind};

use super::charts::{bar, sparkline};
use super::format::{inum, num, pct, short, url};
use super::layout::home_crumb;
use super::{DashError, DashPath, DashResult, Session};
use crate::AppState;
use crate::i18n::Lang;
use crate::repo::ElectionInfo;
use crate::repo::coord::{BatchFilter, CaptureRow, RegionNode, RegionRow, RegionStats, StationRow};
use crate::services::tally;

#[derive(Deserialize, Default)]
pub(crate) struct Params {
    contest: Option<String>,
    region: Option<i64>,
    filter: Option<String>,
    before: Option<i64>,
}

pub(crate) fn params(q: Result<Query<Params>, QueryRejection>) -> DashResult<Params> {
    q.map(|Query(p)| p).map_err(|_| DashError::BadRequest("dash-error-bad-params"))
}

/// The election and the contest a page is about (the first unless `?contest=` names another).
pub(crate) async fn contest(
    state: &AppState,
    wanted: Option<&str>,
) -> DashResult<(Arc<ElectionInfo>, Contest)> {
    Ok(tally::contest(state, wanted).await?)
}

/// The coordinator's root region.
async fn scope_root(state: &AppState, session: &Session) -> DashResult<RegionNode> {
    state.coord.region_by_path(session.user.scope_path.clone()).await?.ok_or(DashError::NotFound)
}

pub(crate) fn region_label(node: &RegionNode, election: &ElectionInfo) -> String {
    if node.path.is_empty() { election.election.name.clone() } else { node.name.clone() }
}

/// Breadcrumbs from the coordinator's scope down to `node` (never above the scope).
pub(crate) fn crumbs(
    session: &Session,
    ancestors: &[RegionNode],
    node: &RegionNode,
    election: &ElectionInfo,
) -> Vec<(String, String)> {
    ancestors
        .iter()
        .chain(std::iter::once(node))
        .filter(|a| session.sees(&a.path))
        .map(|a| (region_label(a, election), format!("/dash/regions/{}", a.id)))
        .collect()
}

/// How a table is named in links and breadcrumbs.
fn station_label(lang: Lang, number: u32) -> String {
    lang.t_args("dash-station", &[("number", &number.to_string())])
}

/// The breadcrumbs of a table's pages (the table and its actas): start, center, table.
pub(crate) fn station_crumbs(lang: Lang, station: &StationRow) -> Vec<(String, String)> {
    vec![
        home_crumb(lang),
        (station.center_name.clone(), format!("/dash/centers/{}", url(&station.center_id))),
        (station_label(lang, station.number), format!("/dash/stations/{}", url(&station.id))),
    ]
}

/// The four cards at the top of a region's pages: tables, voters, actas and photos received.
fn stats_cards(lang: Lang, row: &RegionRow) -> Markup {
    let s = &row.stats;
    let n = |v: u64| num(lang, v);
    html! {
        div.cards {
            div.card {
                small { (lang.t("dash-stations-reported")) }
                b { (n(s.stations_reported)) " / " (n(row.node.stations)) }
                (pct(lang, s.stations_reported, row.node.stations))
                (bar(s.stations_reported, row.node.stations))
            }
            div.card {
                small { (lang.t("dash-voters-covered")) }
                b { (pct(lang, s.registered_reported, row.node.registered)) }
                (lang.t_args("dash-of-registered", &[("registered", &n(row.node.registered))]))
            }
            div.card {
                small { (lang.t("dash-actas-received")) }
                b { (n(s.records)) }
                (lang.t_args("dash-n-with-warnings", &[("n", &n(s.attention.warned))]))
            }
            div.card {
                small { (lang.t("dash-photos-received")) }
                b { (n(s.photos_received)) " / " (n(s.photos_declared)) }
                (bar(s.photos_received, s.photos_declared))
            }
        }
    }
}

/// What needs attention in a region, each a count of tables linking to its list; a zero is not
/// shown.
fn attention(lang: Lang, row: &RegionRow) -> Markup {
    let a = &row.stats.attention;
    let id = row.node.id;
    let late = row.node.stations.saturating_sub(row.stats.stations_reported);
    let items = [
        (late, "dash-attention-late", format!("/dash/missing?region={id}")),
        (a.disagree, "dash-attention-disagree", format!("/dash/missing?region={id}&filter=disagree")),
        (a.disputed, "dash-attention-disputed", format!("/dash/missing?region={id}&filter=disputed")),
        (a.unreviewed, "dash-attention-unreviewed", format!("/dash/missing?region={id}&filter=unreviewed")),
        (a.no_photo, "dash-attention-no-photo", format!("/dash/missing?region={id}&filter=no_photo")),
        (a.warned, "dash-attention-warned", format!("/dash/missing?region={id}&filter=warned")),
    ];
    html! {
        h2 { (lang.t("dash-attention")) }
        @if items.iter().all(|(n, _, _)| *n == 0) {
            p.muted #attention { (lang.t("dash-attention-none")) }
        } @else {
            ul.attention #attention {
                @for (n, key, href) in &items {
                    @if *n > 0 {
                        li { a href=(href) { b { (num(lang, *n)) } " " (lang.t(key)) } }
                    }
                }
            }
        }
    }
}

/// The header cells that go with `stats_cells`.
fn stats_head(lang: Lang) -> Markup {
    html! {
        th.n { (lang.t("dash-stations-reported")) }
        th.n { (lang.t("dash-voters-covered")) }
        th.n { (lang.t("dash-actas")) }
        th.n { (lang.t("dash-photos")) }
        th.n { (lang.t("dash-with-warnings")) }
    }
}

/// A region's figures as cells of its row in a table of regions.
fn stats_cells(lang: Lang, stats: &RegionStats, stations: u64, registered: u64) -> Markup {
    let n = |v: u64| num(lang, v);
    html! {
        td.n {
            (n(stats.stations_reported)) " / " (n(stations)) " " (bar(stats.stations_reported, stations))
        }
        td.n { (pct(lang, stats.registered_reported, registered)) }
        td.n { (n(stats.records)) }
        td.n { (n(stats.photos_received)) " / " (n(stats.photos_declared)) }
        td.n { (n(stats.attention.warned)) }
    }
}

pub(crate) async fn home(State(state): State<AppState>, session: Session) -> DashResult<Redirect> {
    let root = scope_root(&state, &session).await?;
    Ok(Redirect::to(&format!("/dash/regions/{}", root.id)))
}

pub(crate) async fn region(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<i64>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let view = tally::region_in_scope(&state, &session.user.scope_path, Some(id), &contest).await?;
    let now_minute = crate::now_ms().div_euclid(60_000);
    let window = 180;
    let activity = state.coord.activity(id, now_minute - window + 1).await?;
    let contest_q = url(&contest.id);
    let q = format!("region={id}&contest={contest_q}");
    let body = html! {
        (stats_cards(lang, &view.region))
        (attention(lang, &view.region))
        p {
            a href={ "/dash/tally?" (q) } { (lang.t("dash-region-tally")) }
            " · "
            a href={ "/dash/batches?" (q) } { (lang.t("dash-batches-received")) }
        }
        h2 { (lang.t("dash-arrivals")) }
        (sparkline(lang, &activity, now_minute - window + 1, window))
        p.muted { (lang.t("dash-arrivals-legend")) }
        @if !view.children.is_empty() {
            h2 { (lang.t("dash-subregions")) }
            div.table-wrap {
                table {
                    thead { tr { th { (lang.t("dash-col-region")) } (stats_head(lang)) } }
                    tbody {
                        @for child in &view.children {
                            tr {
                                td {
                                    a href={ "/dash/regions/" (child.node.id) "?contest=" (contest_q) } {
                                        (child.node.name)
                                    }
                                }
                                (stats_cells(lang, &child.stats, child.node.stations, child.node.registered))
                            }
                        }
                    }
                }
            }
        }
        @if !view.centers.is_empty() {
            h2 { (lang.t("dash-centers")) }
            div.table-wrap {
                table {
                    thead {
                        tr {
                            th { (lang.t("dash-col-center")) }
                            th.n { (lang.t("dash-stations-reported")) }
                            th.n { (lang.t("dash-registered")) }
                            th.n { (lang.t("dash-actas")) }
                        }
                    }
                    tbody {
                        @for c in &view.centers {
                            tr {
                                td {
                                    a href={ "/dash/centers/" (url(&c.id)) "?contest=" (contest_q) } {
                                        (c.name)
                                    }
                                    " "
                                    span.muted.mono { (c.id) }
                                }
                                td.n {
                                    (num(lang, c.reported)) " / " (num(lang, c.stations)) " "
                                    (bar(c.reported, c.stations))
                                }
                                td.n { (num(lang, c.registered)) }
                                td.n { (num(lang, c.records)) }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = lang.t_args(
        "dash-region-title",
        &[("region", &region_label(&view.region.node, &election)), ("contest", &contest.name)],
    );
    Ok(session.live_page(title, crumbs(&session, &view.ancestors, &view.region.node, &election), body))
}

pub(crate) async fn tally(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let tally::Tally { view, votes, candidates, valid } =
        tally::tally(&state, &session.user.scope_path, p.region, &contest).await?;
    let region_id = view.region.node.id;
    let stats = &view.region.stats;
    let coverage = lang.t_args(
        "dash-tally-coverage",
        &[
            ("stations", &pct(lang, stats.stations_reported, view.region.node.stations)),
            ("voters", &pct(lang, stats.registered_reported, view.region.node.registered)),
        ],
    );
    let valid_votes = valid.max(0) as u64;
    let verified_only = state.coord.tally_verified_only().await?;
    let national_reviewer = session.user.is_admin();
    let body = html! {
        (stats_cards(lang, &view.region))
        p #counting {
            @if verified_only { b { (lang.t("dash-tally-verified-only")) } } @else { (lang.t("dash-tally-latest")) }
            @if national_reviewer {
                form.inline method="post" action="/dash/tally/verified-only" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="on" value=(if verified_only { "0" } else { "1" });
                    " " button {
                        (lang.t(if verified_only { "dash-tally-count-latest" } else { "dash-tally-count-verified" }))
                    }
                }
            }
        }
        p.muted { (coverage) }
        h2 { (lang.t("dash-by-candidate")) }
        div.table-wrap {
            table #candidates {
                thead {
                    tr {
                        th { (lang.t("dash-col-candidate")) }
                        th.n { (lang.t("dash-col-votes")) }
                        th.n { (lang.t("dash-col-share")) }
                    }
                }
                tbody {
                    @for c in &candidates {
                        @let share = if valid > 0 { c.votes.max(0) as u64 } else { 0 };
                        tr {
                            td { (c.name) }
                            td.n { (inum(lang, c.votes)) }
                            td.n { (pct(lang, share, valid_votes)) " " (bar(share, valid_votes)) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("dash-by-option")) }
        div.table-wrap {
            table #options {
                thead {
                    tr {
                        th { (lang.t("dash-col-option")) }
                        th { (lang.t("dash-col-candidate")) }
                        th.n { (lang.t("dash-col-votes")) }
                    }
                }
                tbody {
                    @for o in &contest.options {
                        @let name = contest
                            .candidates
                            .iter()
                            .find(|c| c.id == o.candidate_id)
                            .map_or("", |c| c.name.as_str());
                        tr {
                            td { (o.party) }
                            td { (name) }
                            td.n { (inum(lang, votes.get(&o.id).copied().unwrap_or(0))) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("dash-other-numbers")) }
        div.table-wrap {
            table {
                tbody {
                    tr { td { (lang.t("dash-valid-votes")) } td.n { (inum(lang, valid)) } }
                    @for f in &contest.count_fields {
                        tr { td { (f.label) } td.n { (inum(lang, votes.get(&f.id).copied().unwrap_or(0))) } }
                    }
                }
            }
        }
        @if contest.field_of_kind(CountFieldKind::VotersWhoVoted).is_some() {
            p.muted { (lang.t("dash-tally-typed-note")) }
        }
    };
    let region = region_label(&view.region.node, &election);
    let mut c = crumbs(&session, &view.ancestors, &view.region.node, &election);
    c.push((lang.t("dash-tally"), format!("/dash/tally?region={region_id}")));
    Ok(session.live_page(lang.t_args("dash-tally-title", &[("region", &region)]), c, body))
}

fn review_tag(lang: Lang, row: &CaptureRow) -> Markup {
    let s = row.review_status.as_str();
    html! { span class={ "tag " (s) } { (lang.t(review_label(s))) } }
}

/// The message that names a review state given by its stable code.
pub(crate) fn review_label(code: &str) -> &'static str {
    match code {
        "verified" => "dash-review-verified",
        "disputed" => "dash-review-disputed",
        "rejected" => "dash-review-rejected",
        _ => "dash-review-unreviewed",
    }
}

/// Captures as a table; `current` is the one that counts for its table, if it is among them.
pub(crate) fn capture_rows(lang: Lang, rows: &[CaptureRow], current: Option<i64>) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("dash-col-received")) }
                        // On a phone the review columns come first: these are left out.
                        th.wide { (lang.t("dash-col-station")) }
                        th.wide { (lang.t("dash-col-device")) }
                        th.n.wide { (lang.t("dash-col-warnings")) }
                        th.n.wide { (lang.t("dash-photos")) }
                        th { (lang.t("dash-col-review")) }
                        th {}
                    }
                }
                tbody {
                    @for r in rows {
                        @let counts = current == Some(r.pk);
                        @let corrected = r.superseded_by.is_some();
                        tr {
                            td { a href={ "/dash/captures/" (r.pk) } { (lang.datetime(r.received_at_ms)) } }
                            td.wide { a href={ "/dash/stations/" (url(&r.station_id)) } { (r.station_id) } }
                            td.mono.wide { (short(&r.device_id)) }
                            td.n.wide {
                                @if r.warnings > 0 { span.tag.warn { (r.warnings) } } @else { "0" }
                            }
                            td.n.wide { (r.photos_received) " / " (r.photos_declared) }
                            td { (review_tag(lang, r)) }
                            td {
                                @if counts { span.tag.verified { (lang.t("dash-counts")) } }
                                @if counts && corrected { " " }
                                @if corrected { span.tag { (lang.t("dash-corrected")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn center(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let (center, stations) = state.coord.center(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&center.region_path) {
        return Err(DashError::NotFound);
    }
    let body = html! {
        p {
            (lang.t_args(
                "dash-center-summary",
                &[
                    ("stations", &num(lang, center.stations)),
                    ("registered", &num(lang, center.registered)),
                    ("reported", &num(lang, center.reported)),
                ],
            ))
        }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("dash-col-station")) }
                        th.n { (lang.t("dash-registered")) }
                        th.n { (lang.t("dash-col-captures")) }
                        th { (lang.t("dash-col-counted-acta")) }
                    }
                }
                tbody {
                    @for s in &stations {
                        tr {
                            td {
                                a href={ "/dash/stations/" (url(&s.id)) } { (station_label(lang, s.number)) }
                                " "
                                span.muted.mono { (s.id) }
                                @if s.flags.disagree > 0 { " " span.tag.warn.flag-disagree { (lang.t("dash-missing-disagree")) } }
                                @if s.flags.disputed > 0 { " " span.tag.disputed { (lang.t("dash-review-disputed")) } }
                            }
                            td.n { (num(lang, s.registered)) }
                            td.n { (num(lang, s.captures)) }
                            td {
                                @if let Some(pk) = s.current_pk {
                                    a href={ "/dash/captures/" (pk) } { (lang.t("dash-view-acta")) }
                                } @else {
                                    span.muted { "—" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let region = state.coord.region_by_path(center.region_path.clone()).await?;
    let mut c = Vec::new();
    if let Some(r) = region {
        let view = state.coord.region_view(r.id, contest.id.clone()).await?;
        if let Some(v) = view {
            c = crumbs(&session, &v.ancestors, &v.region.node, &election);
        }
    }
    c.push((center.name.clone(), format!("/dash/centers/{}", url(&center.id))));
    Ok(session.live_page(center.name.clone(), c, body))
}

pub(crate) async fn station(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let p = params(q)?;
    let (_, contest) = contest(&state, p.contest.as_deref()).await?;
    let (station, captures) =
        state.coord.station(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&station.region_path) {
        return Err(DashError::NotFound);
    }
    let choice = state.coord.table_choice(station.id.clone(), contest.id.clone()).await?;
    let devices = state.coord.station_devices(station.id.clone()).await?;
    let body = html! {
        p {
            (lang.t_args(
                "dash-station-summary",
                &[
                    ("center", &station.center_name),
                    ("registered", &num(lang, station.registered)),
                    ("captures", &num(lang, station.captures)),
                ],
            ))
        }
        @if captures.is_empty() {
            p.muted { (lang.t("dash-station-no-captures")) }
        } @else {
            (capture_rows(lang, &captures, station.current_pk))
            (choice_section(&session, &station.id, &captures, choice.as_ref()))
        }
        (super::assign::section(&session, &station.id, &devices))
    };
    let title = lang.t_args(
        "dash-station-title",
        &[("number", &station.number.to_string()), ("center", &station.center_name)],
    );
    Ok(session.live_page(title, station_crumbs(lang, &station), body))
}

/// One answer per table: which capture stands (chosen, with who, when and why, or the latest),
/// and for reviewers the form to choose among the table's standing captures.
fn choice_section(
    session: &Session,
    station: &str,
    captures: &[CaptureRow],
    choice: Option<&crate::repo::coord::TableChoice>,
) -> Markup {
    let lang = session.lang;
    let standing: Vec<&CaptureRow> = captures
        .iter()
        .filter(|c| {
            c.superseded_by.is_none() && c.review_status != testigo_protocol::api::ReviewStatus::Rejected
        })
        .collect();
    html! {
        h2 { (lang.t("dash-choice")) }
        @match choice {
            Some(c) => p #choice {
                (lang.t_args("dash-choice-made", &[
                    ("pk", &c.capture_pk.to_string()),
                    ("name", &c.actor),
                    ("at", &lang.datetime(c.at_ms)),
                ]))
                " " span.prose { "“" (c.reason) "”" }
            },
            None => p.muted #choice { (lang.t("dash-choice-latest")) },
        }
        @if session.user.can_review() && (standing.len() > 1 || choice.is_some()) {
            form.review method="post" action={ "/dash/stations/" (url(station)) "/choose" } {
                input type="hidden" name="csrf" value=(session.csrf);
                @for c in &standing {
                    label {
                        input type="radio" name="capture" value=(c.pk) checked[choice.is_some_and(|x| x.capture_pk == c.pk)];
                        " " (lang.t_args("dash-choice-option", &[
                            ("pk", &c.pk.to_string()),
                            ("device", short(&c.device_id)),
                            ("at", &lang.datetime(c.received_at_ms)),
                        ]))
                    }
                    br;
                }
                label {
                    input type="radio" name="capture" value="latest" checked[choice.is_none()];
                    " " (lang.t("dash-choice-back-to-latest"))
                }
                label { (lang.t("dash-choice-reason")) textarea name="reason" maxlength="1000" required {} }
                button { (lang.t("dash-choice-save")) }
            }
        }
    }
}

/// How many captures the batches page lists at a time.
const BATCHES_PAGE: usize = 50;

pub(crate) async fn batches(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let lang = session.lang;
    let p = params(q)?;
    let scope = match p.region {
        Some(id) => {
            let view = state.coord.region_view(id, String::new()).await?.ok_or(DashError::NotFound)?;
            if !session.sees(&view.region.node.path) {
                return Err(DashError::NotFound);
            }
            view.region.node.path
        }
        None => session.user.scope_path.clone(),
    };
    let (filter, name) = match p.filter.as_deref() {
        None | Some("all") => (BatchFilter::All, "all"),
        Some("warnings") => (BatchFilter::Warnings, "warnings"),
        Some("disputed") => (BatchFilter::Disputed, "disputed"),
        Some("unreviewed") => (BatchFilter::Unreviewed, "unreviewed"),
        Some("missing_photo") => (BatchFilter::MissingPhoto, "missing_photo"),
        Some("disagree") => (BatchFilter::Disagree, "disagree"),
        Some(_) => return Err(DashError::BadRequest("dash-error-unknown-filter")),
    };
    let rows = state.coord.batches(scope.clone(), filter, p.before, BATCHES_PAGE).await?;
    let region_q = p.region.map(|r| format!("region={r}&")).unwrap_or_default();
    let filters = [
        ("all", "dash-filter-all"),
        ("warnings", "dash-filter-warnings"),
        ("unreviewed", "dash-filter-unreviewed"),
        ("disputed", "dash-filter-disputed"),
        ("missing_photo", "dash-filter-missing-photo"),
        ("disagree", "dash-missing-disagree"),
    ];
    let body = html! {
        p.filters {
            @for (f, label) in filters {
                a class=[(f == name).then_some("on")] href={ "/dash/batches?" (region_q) "filter=" (f) } {
                    (lang.t(label))
                }
            }
        }
        @if rows.is_empty() {
            p.muted { (lang.t("dash-nothing")) }
        } @else {
            (capture_rows(lang, &rows, None))
            @if let Some(last) = rows.last().filter(|_| rows.len() == BATCHES_PAGE) {
                p {
                    a href={ "/dash/batches?" (region_q) "filter=" (name) "&before=" (last.pk) } {
                        (lang.t("dash-older"))
                    }
                }
            }
        }
    };
    let title = if scope.is_empty() {
        lang.t("dash-batches-received")
    } else {
        lang.t_args("dash-batches-title-scope", &[("scope", &scope)])
    };
    Ok(session.live_page(title, vec![home_crumb(lang)], body))
}
