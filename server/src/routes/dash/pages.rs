//! Overview, drill-down, tally, batches and devices: the pages that read the aggregates and
//! lists, each within the coordinator's scope.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use testigo_protocol::election::{Contest, CountFieldKind};

use super::charts::{bar, sparkline};
use super::format::{inum, num, pct, short, time, url};
use super::layout::home_crumb;
use super::{DashError, DashPath, DashResult, Session};
use crate::AppState;
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
    q.map(|Query(p)| p).map_err(|_| DashError::BadRequest("parámetros no válidos".into()))
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

fn region_label(node: &RegionNode, election: &ElectionInfo) -> String {
    if node.path.is_empty() { election.election.name.clone() } else { node.name.clone() }
}

/// Breadcrumbs from the coordinator's scope down to `node` (never above the scope).
fn crumbs(
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

// Labels that several cards and tables share, each written once.
const STATIONS_REPORTED: &str = "Mesas con acta";
const VOTERS_COVERED: &str = "Electores cubiertos";
const REGISTERED: &str = "Inscritos";
const ACTAS: &str = "Actas";

/// How a table is named in links and breadcrumbs.
fn station_label(number: u32) -> String {
    format!("Mesa {number}")
}

/// The breadcrumbs of a table's pages (the table and its actas): start, center, table.
pub(crate) fn station_crumbs(station: &StationRow) -> Vec<(String, String)> {
    vec![
        home_crumb(),
        (station.center_name.clone(), format!("/dash/centers/{}", url(&station.center_id))),
        (station_label(station.number), format!("/dash/stations/{}", url(&station.id))),
    ]
}

/// The four cards at the top of a region's pages: tables, voters, actas and photos received.
fn stats_cards(row: &RegionRow) -> Markup {
    let s = &row.stats;
    html! {
        div.cards {
            div.card {
                small { (STATIONS_REPORTED) }
                b { (num(s.stations_reported)) " / " (num(row.node.stations)) }
                (pct(s.stations_reported, row.node.stations))
                (bar(s.stations_reported, row.node.stations))
            }
            div.card {
                small { (VOTERS_COVERED) }
                b { (pct(s.registered_reported, row.node.registered)) }
                (format!("de {} inscritos", num(row.node.registered)))
            }
            div.card {
                small { "Actas recibidas" }
                b { (num(s.records)) }
                (format!("{} con advertencias", num(s.with_warnings)))
            }
            div.card {
                small { "Fotos recibidas" }
                b { (num(s.photos_received)) " / " (num(s.photos_declared)) }
                (bar(s.photos_received, s.photos_declared))
            }
        }
    }
}

/// The header cells that go with `stats_cells`.
fn stats_head() -> Markup {
    html! {
        th.n { (STATIONS_REPORTED) }
        th.n { (VOTERS_COVERED) }
        th.n { (ACTAS) }
        th.n { "Fotos" }
        th.n { "Con advertencias" }
    }
}

/// A region's figures as cells of its row in a table of regions.
fn stats_cells(stats: &RegionStats, stations: u64, registered: u64) -> Markup {
    html! {
        td.n {
            (num(stats.stations_reported)) " / " (num(stations)) " " (bar(stats.stations_reported, stations))
        }
        td.n { (pct(stats.registered_reported, registered)) }
        td.n { (num(stats.records)) }
        td.n { (num(stats.photos_received)) " / " (num(stats.photos_declared)) }
        td.n { (num(stats.with_warnings)) }
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
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let view = tally::region_in_scope(&state, &session.user.scope_path, Some(id), &contest).await?;
    let now_minute = crate::now_ms().div_euclid(60_000);
    let window = 180;
    let activity = state.coord.activity(id, now_minute - window + 1).await?;
    let contest_q = url(&contest.id);
    let q = format!("region={id}&contest={contest_q}");
    let body = html! {
        (stats_cards(&view.region))
        p {
            a href={ "/dash/tally?" (q) } { "Totales de esta región" }
            " · "
            a href={ "/dash/batches?" (q) } { "Lotes recibidos" }
        }
        h2 { "Llegadas por minuto (últimas 3 horas)" }
        (sparkline(&activity, now_minute - window + 1, window))
        p.muted { "Oscuro: actas · claro: fotos" }
        @if !view.children.is_empty() {
            h2 { "Subregiones" }
            div.table-wrap {
                table {
                    thead { tr { th { "Región" } (stats_head()) } }
                    tbody {
                        @for child in &view.children {
                            tr {
                                td {
                                    a href={ "/dash/regions/" (child.node.id) "?contest=" (contest_q) } {
                                        (child.node.name)
                                    }
                                }
                                (stats_cells(&child.stats, child.node.stations, child.node.registered))
                            }
                        }
                    }
                }
            }
        }
        @if !view.centers.is_empty() {
            h2 { "Centros de votación" }
            div.table-wrap {
                table {
                    thead {
                        tr {
                            th { "Centro" }
                            th.n { (STATIONS_REPORTED) }
                            th.n { (REGISTERED) }
                            th.n { (ACTAS) }
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
                                    (num(c.reported)) " / " (num(c.stations)) " "
                                    (bar(c.reported, c.stations))
                                }
                                td.n { (num(c.registered)) }
                                td.n { (num(c.records)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(session.page(
        format!("{} — {}", region_label(&view.region.node, &election), contest.name),
        crumbs(&session, &view.ancestors, &view.region.node, &election),
        body,
    ))
}

pub(crate) async fn tally(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let tally::Tally { view, votes, candidates, valid } =
        tally::tally(&state, &session.user.scope_path, p.region, &contest).await?;
    let region_id = view.region.node.id;
    let stats = &view.region.stats;
    let coverage = format!(
        "Cada mesa cuenta una vez: su captura más reciente que no fue corregida ni rechazada. \
         Cobertura: {} de las mesas, {} de los electores inscritos.",
        pct(stats.stations_reported, view.region.node.stations),
        pct(stats.registered_reported, view.region.node.registered)
    );
    let valid_votes = valid.max(0) as u64;
    let body = html! {
        (stats_cards(&view.region))
        p.muted { (coverage) }
        h2 { "Por candidato" }
        div.table-wrap {
            table #candidates {
                thead { tr { th { "Candidato" } th.n { "Votos" } th.n { "%" } } }
                tbody {
                    @for c in &candidates {
                        @let share = if valid > 0 { c.votes.max(0) as u64 } else { 0 };
                        tr {
                            td { (c.name) }
                            td.n { (inum(c.votes)) }
                            td.n { (pct(share, valid_votes)) " " (bar(share, valid_votes)) }
                        }
                    }
                }
            }
        }
        h2 { "Por tarjeta (partido)" }
        div.table-wrap {
            table #options {
                thead { tr { th { "Tarjeta" } th { "Candidato" } th.n { "Votos" } } }
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
                            td.n { (inum(votes.get(&o.id).copied().unwrap_or(0))) }
                        }
                    }
                }
            }
        }
        h2 { "Otros números del acta" }
        div.table-wrap {
            table {
                tbody {
                    tr { td { "Votos válidos (suma de tarjetas)" } td.n { (inum(valid)) } }
                    @for f in &contest.count_fields {
                        tr { td { (f.label) } td.n { (inum(votes.get(&f.id).copied().unwrap_or(0))) } }
                    }
                }
            }
        }
        @if contest.field_of_kind(CountFieldKind::VotersWhoVoted).is_some() {
            p.muted {
                "Los números son los que escribieron los testigos; las diferencias con la foto se ven en \
                 cada acta."
            }
        }
    };
    let mut c = crumbs(&session, &view.ancestors, &view.region.node, &election);
    c.push(("Totales".into(), format!("/dash/tally?region={region_id}")));
    Ok(session.page(format!("Totales — {}", region_label(&view.region.node, &election)), c, body))
}

fn review_tag(row: &CaptureRow) -> Markup {
    let s = row.review_status.as_str();
    let label = match s {
        "verified" => "verificada",
        "disputed" => "en disputa",
        "rejected" => "rechazada",
        _ => "sin revisar",
    };
    html! { span class={ "tag " (s) } { (label) } }
}

/// Captures as a table; `current` is the one that counts for its table, if it is among them.
pub(crate) fn capture_rows(rows: &[CaptureRow], current: Option<i64>) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { "Recibida" }
                        th { "Mesa" }
                        th { "Dispositivo" }
                        th.n { "Advertencias" }
                        th.n { "Fotos" }
                        th { "Revisión" }
                        th {}
                    }
                }
                tbody {
                    @for r in rows {
                        @let counts = current == Some(r.pk);
                        @let corrected = r.superseded_by.is_some();
                        tr {
                            td { a href={ "/dash/captures/" (r.pk) } { (time(r.received_at_ms)) } }
                            td { a href={ "/dash/stations/" (url(&r.station_id)) } { (r.station_id) } }
                            td.mono { (short(&r.device_id)) }
                            td.n {
                                @if r.warnings > 0 { span.tag.warn { (r.warnings) } } @else { "0" }
                            }
                            td.n { (r.photos_received) " / " (r.photos_declared) }
                            td { (review_tag(r)) }
                            td {
                                @if counts { span.tag.verified { "cuenta" } }
                                @if counts && corrected { " " }
                                @if corrected { span.tag { "corregida" } }
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
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let (center, stations) = state.coord.center(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&center.region_path) {
        return Err(DashError::NotFound);
    }
    let body = html! {
        p {
            (format!(
                "{} mesas · {} inscritos · {} con acta",
                num(center.stations),
                num(center.registered),
                num(center.reported)
            ))
        }
        div.table-wrap {
            table {
                thead {
                    tr { th { "Mesa" } th.n { (REGISTERED) } th.n { "Capturas" } th { "Acta que cuenta" } }
                }
                tbody {
                    @for s in &stations {
                        tr {
                            td {
                                a href={ "/dash/stations/" (url(&s.id)) } { (station_label(s.number)) }
                                " "
                                span.muted.mono { (s.id) }
                            }
                            td.n { (num(s.registered)) }
                            td.n { (num(s.captures)) }
                            td {
                                @if let Some(pk) = s.current_pk {
                                    a href={ "/dash/captures/" (pk) } { "ver acta" }
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
    Ok(session.page(center.name.clone(), c, body))
}

pub(crate) async fn station(
    State(state): State<AppState>,
    session: Session,
    DashPath(id): DashPath<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let p = params(q)?;
    let (_, contest) = contest(&state, p.contest.as_deref()).await?;
    let (station, captures) =
        state.coord.station(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&station.region_path) {
        return Err(DashError::NotFound);
    }
    let body = html! {
        p {
            (format!(
                "{} · {} inscritos · {} capturas recibidas",
                station.center_name,
                num(station.registered),
                num(station.captures)
            ))
        }
        @if captures.is_empty() {
            p.muted { "Ningún testigo ha enviado esta acta todavía." }
        } @else {
            (capture_rows(&captures, station.current_pk))
        }
    };
    Ok(session.page(
        format!("{} — {}", station_label(station.number), station.center_name),
        station_crumbs(&station),
        body,
    ))
}

/// How many captures the batches page lists at a time.
const BATCHES_PAGE: usize = 50;

pub(crate) async fn batches(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
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
        Some(_) => return Err(DashError::BadRequest("filtro desconocido".into())),
    };
    let rows = state.coord.batches(scope.clone(), filter, p.before, BATCHES_PAGE).await?;
    let region_q = p.region.map(|r| format!("region={r}&")).unwrap_or_default();
    let filters = [
        ("all", "Todas"),
        ("warnings", "Con advertencias"),
        ("unreviewed", "Sin revisar"),
        ("disputed", "En disputa"),
        ("missing_photo", "Falta foto"),
    ];
    let body = html! {
        p.filters {
            @for (f, label) in filters {
                a class=[(f == name).then_some("on")] href={ "/dash/batches?" (region_q) "filter=" (f) } {
                    (label)
                }
            }
        }
        @if rows.is_empty() {
            p.muted { "Nada que mostrar." }
        } @else {
            (capture_rows(&rows, None))
            @if let Some(last) = rows.last().filter(|_| rows.len() == BATCHES_PAGE) {
                p {
                    a href={ "/dash/batches?" (region_q) "filter=" (name) "&before=" (last.pk) } {
                        "Más antiguas →"
                    }
                }
            }
        }
    };
    Ok(session.page(
        if scope.is_empty() { "Lotes recibidos".into() } else { format!("Lotes recibidos — {scope}") },
        vec![home_crumb()],
        body,
    ))
}

pub(crate) async fn devices(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let now = crate::now_ms();
    let (summary, rows) = state.coord.devices(session.user.scope_path.clone(), now, 200).await?;
    let body = html! {
        div.cards {
            div.card { small { "Dispositivos inscritos" } b { (num(summary.total)) } }
            div.card { small { "Vistos en 15 min" } b { (num(summary.last_15_min)) } }
            div.card { small { "Vistos en la última hora" } b { (num(summary.last_hour)) } }
            div.card { small { "Nunca vistos" } b { (num(summary.never)) } }
        }
        h2 { "Vistos más recientemente" }
        div.table-wrap {
            table {
                thead {
                    tr { th { "Dispositivo" } th { "Mesas" } th { "Visto por última vez" } th.n { (ACTAS) } }
                }
                tbody {
                    @for d in &rows {
                        // The rest of the device's tables, beyond those the list names.
                        @let more = d.station_count.saturating_sub(d.stations.len() as u64);
                        tr {
                            td.mono {
                                (d.id)
                                @if let Some(t) = d.revoked_at_ms {
                                    " "
                                    span.tag.warn { (format!("revocado {}", time(t))) }
                                }
                            }
                            td {
                                @for (i, s) in d.stations.iter().take(5).enumerate() {
                                    @if i > 0 { " " }
                                    a href={ "/dash/stations/" (url(s)) } { (s) }
                                }
                                @if more > 0 {
                                    @if !d.stations.is_empty() { " " }
                                    span.muted { (format!("y {more} más")) }
                                }
                            }
                            td {
                                @if let Some(t) = d.last_seen_at_ms {
                                    (time(t))
                                    " "
                                    span.muted { (format!("(hace {} min)", (now - t).max(0) / 60_000)) }
                                } @else {
                                    "nunca"
                                }
                            }
                            td.n { (num(d.records)) }
                        }
                    }
                }
            }
        }
    };
    Ok(session.page("Dispositivos".into(), vec![home_crumb()], body))
}
