//! Overview, drill-down, tally, batches and devices.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use serde::Deserialize;
use testigo_protocol::election::{Contest, CountFieldKind};

use super::html::{bar, esc, inum, num, pct, short, sparkline, time, url};
use super::{DashError, DashResult, Session};
use crate::AppState;
use crate::repo::ElectionInfo;
use crate::repo::coord::{BatchFilter, CaptureRow, RegionNode, RegionRow, RegionStats};
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

fn stats_cards(row: &RegionRow) -> String {
    let s = &row.stats;
    format!(
        "<div class=\"cards\">\
         <div class=\"card\"><small>Mesas con acta</small><b>{} / {}</b>{}{}</div>\
         <div class=\"card\"><small>Electores cubiertos</small><b>{}</b>de {} inscritos</div>\
         <div class=\"card\"><small>Actas recibidas</small><b>{}</b>{} con advertencias</div>\
         <div class=\"card\"><small>Fotos recibidas</small><b>{} / {}</b>{}</div>\
         </div>",
        num(s.stations_reported),
        num(row.node.stations),
        pct(s.stations_reported, row.node.stations),
        bar(s.stations_reported, row.node.stations),
        pct(s.registered_reported, row.node.registered),
        num(row.node.registered),
        num(s.records),
        num(s.with_warnings),
        num(s.photos_received),
        num(s.photos_declared),
        bar(s.photos_received, s.photos_declared),
    )
}

fn stats_cells(stats: &RegionStats, stations: u64, registered: u64) -> String {
    format!(
        "<td class=\"n\">{} / {} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} / {}</td>\
         <td class=\"n\">{}</td>",
        num(stats.stations_reported),
        num(stations),
        bar(stats.stations_reported, stations),
        pct(stats.registered_reported, registered),
        num(stats.records),
        num(stats.photos_received),
        num(stats.photos_declared),
        num(stats.with_warnings)
    )
}

const STATS_HEAD: &str = "<th class=\"n\">Mesas con acta</th><th class=\"n\">Electores cubiertos</th>\
     <th class=\"n\">Actas</th><th class=\"n\">Fotos</th><th class=\"n\">Con advertencias</th>";

pub(crate) async fn home(State(state): State<AppState>, session: Session) -> DashResult<Redirect> {
    let root = scope_root(&state, &session).await?;
    Ok(Redirect::to(&format!("/dash/regions/{}", root.id)))
}

pub(crate) async fn region(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let view = tally::region_in_scope(&state, &session.user.scope_path, Some(id), &contest).await?;
    let now_minute = crate::now_ms().div_euclid(60_000);
    let window = 180;
    let activity = state.coord.activity(id, now_minute - window + 1).await?;
    let mut body = stats_cards(&view.region);
    let q = format!("region={}&amp;contest={}", id, url(&contest.id));
    put!(
        body,
        "<p><a href=\"/dash/tally?{q}\">Totales de esta región</a> · <a href=\"/dash/batches?{q}\">Lotes recibidos</a></p>\
         <h2>Llegadas por minuto (últimas 3 horas)</h2>{}<p class=\"muted\">Oscuro: actas · claro: fotos</p>",
        sparkline(&activity, now_minute - window + 1, window)
    );
    if !view.children.is_empty() {
        put!(
            body,
            "<h2>Subregiones</h2><div class=\"table-wrap\"><table><thead><tr><th>Región</th>{STATS_HEAD}</tr></thead><tbody>"
        );
        for child in &view.children {
            put!(
                body,
                "<tr><td><a href=\"/dash/regions/{}?contest={}\">{}</a></td>{}</tr>",
                child.node.id,
                url(&contest.id),
                esc(&child.node.name),
                stats_cells(&child.stats, child.node.stations, child.node.registered)
            );
        }
        body.push_str("</tbody></table></div>");
    }
    if !view.centers.is_empty() {
        put!(
            body,
            "<h2>Centros de votación</h2><div class=\"table-wrap\"><table><thead><tr><th>Centro</th>\
             <th class=\"n\">Mesas con acta</th><th class=\"n\">Inscritos</th><th class=\"n\">Actas</th></tr></thead><tbody>"
        );
        for c in &view.centers {
            put!(
                body,
                "<tr><td><a href=\"/dash/centers/{}?contest={}\">{}</a> <span class=\"muted mono\">{}</span></td>\
                 <td class=\"n\">{} / {} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                url(&c.id),
                url(&contest.id),
                esc(&c.name),
                esc(&c.id),
                num(c.reported),
                num(c.stations),
                bar(c.reported, c.stations),
                num(c.registered),
                num(c.records)
            );
        }
        body.push_str("</tbody></table></div>");
    }
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
    let mut body = stats_cards(&view.region);
    put!(
        body,
        "<p class=\"muted\">Cada mesa cuenta una vez: su captura más reciente que no fue corregida ni rechazada. \
         Cobertura: {} de las mesas, {} de los electores inscritos.</p>\
         <h2>Por candidato</h2><div class=\"table-wrap\"><table id=\"candidates\"><thead><tr><th>Candidato</th>\
         <th class=\"n\">Votos</th><th class=\"n\">%</th></tr></thead><tbody>",
        pct(view.region.stats.stations_reported, view.region.node.stations),
        pct(view.region.stats.registered_reported, view.region.node.registered)
    );
    for tally::CandidateTotal { name, votes: v, .. } in candidates {
        let share = if valid > 0 { v.max(0) as u64 } else { 0 };
        put!(
            body,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} {}</td></tr>",
            esc(&name),
            inum(v),
            pct(share, valid.max(0) as u64),
            bar(share, valid.max(0) as u64)
        );
    }
    put!(
        body,
        "</tbody></table></div><h2>Por tarjeta (partido)</h2><div class=\"table-wrap\"><table id=\"options\"><thead><tr><th>Tarjeta</th><th>Candidato</th><th class=\"n\">Votos</th></tr></thead><tbody>"
    );
    for o in &contest.options {
        let name = contest.candidates.iter().find(|c| c.id == o.candidate_id).map_or("", |c| c.name.as_str());
        put!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&o.party),
            esc(name),
            inum(votes.get(&o.id).copied().unwrap_or(0))
        );
    }
    put!(
        body,
        "</tbody></table></div><h2>Otros números del acta</h2><div class=\"table-wrap\"><table><tbody>"
    );
    put!(body, "<tr><td>Votos válidos (suma de tarjetas)</td><td class=\"n\">{}</td></tr>", inum(valid));
    for f in &contest.count_fields {
        put!(
            body,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&f.label),
            inum(votes.get(&f.id).copied().unwrap_or(0))
        );
    }
    body.push_str("</tbody></table></div>");
    if contest.field_of_kind(CountFieldKind::VotersWhoVoted).is_some() {
        body.push_str("<p class=\"muted\">Los números son los que escribieron los testigos; las diferencias con la foto se ven en cada acta.</p>");
    }
    let mut c = crumbs(&session, &view.ancestors, &view.region.node, &election);
    c.push(("Totales".into(), format!("/dash/tally?region={region_id}")));
    Ok(session.page(format!("Totales — {}", region_label(&view.region.node, &election)), c, body))
}

fn review_tag(row: &CaptureRow) -> String {
    let s = row.review_status.as_str();
    let label = match s {
        "verified" => "verificada",
        "disputed" => "en disputa",
        "rejected" => "rechazada",
        _ => "sin revisar",
    };
    format!("<span class=\"tag {s}\">{label}</span>")
}

pub(crate) fn capture_rows(rows: &[CaptureRow], current: Option<i64>) -> String {
    let mut body = String::from(
        "<div class=\"table-wrap\"><table><thead><tr><th>Recibida</th><th>Mesa</th><th>Dispositivo</th>\
         <th class=\"n\">Advertencias</th><th class=\"n\">Fotos</th><th>Revisión</th><th></th></tr></thead><tbody>",
    );
    for r in rows {
        let mut notes = Vec::new();
        if current == Some(r.pk) {
            notes.push("<span class=\"tag verified\">cuenta</span>".to_owned());
        }
        if r.superseded_by.is_some() {
            notes.push("<span class=\"tag\">corregida</span>".to_owned());
        }
        put!(
            body,
            "<tr><td><a href=\"/dash/captures/{}\">{}</a></td><td><a href=\"/dash/stations/{}\">{}</a></td>\
             <td class=\"mono\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} / {}</td><td>{}</td><td>{}</td></tr>",
            r.pk,
            time(r.received_at_ms),
            url(&r.station_id),
            esc(&r.station_id),
            short(&r.device_id),
            if r.warnings > 0 {
                format!("<span class=\"tag warn\">{}</span>", r.warnings)
            } else {
                "0".into()
            },
            r.photos_received,
            r.photos_declared,
            review_tag(r),
            notes.join(" ")
        );
    }
    body.push_str("</tbody></table></div>");
    body
}

pub(crate) async fn center(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let p = params(q)?;
    let (election, contest) = contest(&state, p.contest.as_deref()).await?;
    let (center, stations) = state.coord.center(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&center.region_path) {
        return Err(DashError::NotFound);
    }
    let mut body = format!(
        "<p>{} mesas · {} inscritos · {} con acta</p><div class=\"table-wrap\"><table><thead><tr><th>Mesa</th>\
         <th class=\"n\">Inscritos</th><th class=\"n\">Capturas</th><th>Acta que cuenta</th></tr></thead><tbody>",
        num(center.stations),
        num(center.registered),
        num(center.reported)
    );
    for s in &stations {
        let current = s.current_pk.map_or("<span class=\"muted\">—</span>".to_owned(), |pk| {
            format!("<a href=\"/dash/captures/{pk}\">ver acta</a>")
        });
        put!(
            body,
            "<tr><td><a href=\"/dash/stations/{}\">Mesa {}</a> <span class=\"muted mono\">{}</span></td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            url(&s.id),
            s.number,
            esc(&s.id),
            num(s.registered),
            num(s.captures),
            current
        );
    }
    body.push_str("</tbody></table></div>");
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
    Path(id): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> DashResult<Response> {
    let p = params(q)?;
    let (_, contest) = contest(&state, p.contest.as_deref()).await?;
    let (station, captures) =
        state.coord.station(id, contest.id.clone()).await?.ok_or(DashError::NotFound)?;
    if !session.sees(&station.region_path) {
        return Err(DashError::NotFound);
    }
    let mut body = format!(
        "<p>{} · {} inscritos · {} capturas recibidas</p>",
        esc(&station.center_name),
        num(station.registered),
        num(station.captures)
    );
    if captures.is_empty() {
        body.push_str("<p class=\"muted\">Ningún testigo ha enviado esta acta todavía.</p>");
    } else {
        body.push_str(&capture_rows(&captures, station.current_pk));
    }
    let crumbs = vec![
        ("Inicio".into(), "/dash".into()),
        (station.center_name.clone(), format!("/dash/centers/{}", url(&station.center_id))),
        (format!("Mesa {}", station.number), format!("/dash/stations/{}", url(&station.id))),
    ];
    Ok(session.page(format!("Mesa {} — {}", station.number, station.center_name), crumbs, body))
}

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
    let rows = state.coord.batches(scope.clone(), filter, p.before, 50).await?;
    let region_q = p.region.map(|r| format!("region={r}&amp;")).unwrap_or_default();
    let mut body = String::from("<p class=\"filters\">");
    for (f, label) in [
        ("all", "Todas"),
        ("warnings", "Con advertencias"),
        ("unreviewed", "Sin revisar"),
        ("disputed", "En disputa"),
        ("missing_photo", "Falta foto"),
    ] {
        let on = if f == name { " class=\"on\"" } else { "" };
        put!(body, "<a{on} href=\"/dash/batches?{region_q}filter={f}\">{label}</a>");
    }
    body.push_str("</p>");
    if rows.is_empty() {
        body.push_str("<p class=\"muted\">Nada que mostrar.</p>");
    } else {
        body.push_str(&capture_rows(&rows, None));
        if let Some(last) = rows.last().filter(|_| rows.len() == 50) {
            put!(
                body,
                "<p><a href=\"/dash/batches?{region_q}filter={name}&amp;before={}\">Más antiguas →</a></p>",
                last.pk
            );
        }
    }
    Ok(session.page(
        if scope.is_empty() { "Lotes recibidos".into() } else { format!("Lotes recibidos — {scope}") },
        vec![("Inicio".into(), "/dash".into())],
        body,
    ))
}

pub(crate) async fn devices(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let now = crate::now_ms();
    let (summary, rows) = state.coord.devices(session.user.scope_path.clone(), now, 200).await?;
    let mut body = format!(
        "<div class=\"cards\"><div class=\"card\"><small>Dispositivos inscritos</small><b>{}</b></div>\
         <div class=\"card\"><small>Vistos en 15 min</small><b>{}</b></div>\
         <div class=\"card\"><small>Vistos en la última hora</small><b>{}</b></div>\
         <div class=\"card\"><small>Nunca vistos</small><b>{}</b></div></div><h2>Vistos más recientemente</h2>",
        num(summary.total),
        num(summary.last_15_min),
        num(summary.last_hour),
        num(summary.never)
    );
    body.push_str(
        "<div class=\"table-wrap\"><table><thead><tr><th>Dispositivo</th><th>Mesas</th><th>Visto por última vez</th>\
         <th class=\"n\">Actas</th></tr></thead><tbody>",
    );
    for d in &rows {
        let seen = d.last_seen_at_ms.map_or("nunca".to_owned(), |t| {
            let mins = (now - t).max(0) / 60_000;
            format!("{} <span class=\"muted\">(hace {} min)</span>", time(t), mins)
        });
        let mut stations: Vec<String> = d
            .stations
            .iter()
            .take(5)
            .map(|s| format!("<a href=\"/dash/stations/{}\">{}</a>", url(s), esc(s)))
            .collect();
        if d.station_count > d.stations.len() as u64 {
            stations.push(format!(
                "<span class=\"muted\">y {} más</span>",
                d.station_count - d.stations.len() as u64
            ));
        }
        put!(
            body,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&d.id),
            stations.join(" "),
            seen,
            num(d.records)
        );
    }
    body.push_str("</tbody></table></div>");
    Ok(session.page("Dispositivos".into(), vec![("Inicio".into(), "/dash".into())], body))
}
