//! The national results, a region, a center, and search.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::frame;
use super::{PageLang, PortalError, PortalResult, cached, context, fresh, page};
use crate::AppState;
use crate::auth::ClientIp;
use crate::i18n::Lang;
use crate::repo::coord::RegionNode;
use crate::repo::publication::{PublicCenter, SearchHit};
use crate::routes::dash::charts::bar;
use crate::routes::dash::format::url;
use crate::services::portal::{self, Context};

/// The breadcrumbs down to (not including) a page: the national page, then each region.
pub(super) fn crumbs(lang: Lang, ancestors: &[RegionNode]) -> Vec<(String, String)> {
    ancestors
        .iter()
        .map(|n| {
            if n.parent_id.is_none() {
                (lang.t("crumb-national"), format!("/{}/", lang.code()))
            } else {
                (n.name.clone(), format!("/{}/regions/{}/", lang.code(), n.id))
            }
        })
        .collect()
}

/// `/{lang}/`: the national results.
pub(crate) async fn home(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> PortalResult<Response> {
    region_page(&state, lang, &headers, None).await
}

/// `/{lang}/regions/{id}`.
pub(crate) async fn region(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> PortalResult<Response> {
    let id: i64 = id.parse().map_err(|_| PortalError::new(lang, crate::AppError::NotFound))?;
    region_page(&state, lang, &headers, Some(id)).await
}

async fn region_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    id: Option<i64>,
) -> PortalResult<Response> {
    let ctx = context(state, lang).await?;
    let here = id.map(|id| format!("/regions/{id}/")).unwrap_or_else(|| "/".to_owned());
    if let Some(r) = fresh(headers, &ctx, lang, &here).or_else(|| cached(state, &ctx, lang, &here)) {
        return Ok(r);
    }
    let r = portal::region(state, &ctx, id).await.map_err(|e| PortalError::new(lang, e))?;
    Ok(page(state, &ctx, lang, &here, region_markup(lang, &ctx, &r)))
}

/// A region's page (the national page for the root).
pub(super) fn region_markup(lang: Lang, ctx: &Context, r: &portal::Region) -> Markup {
    let node = &r.region.region.node;
    let here = if node.parent_id.is_none() { "/".to_owned() } else { format!("/regions/{}/", node.id) };
    // The root is the whole election; a region id that is the root's is the national page.
    let title = if node.parent_id.is_none() { lang.t("national-results") } else { node.name.clone() };
    let body = html! {
        (results(lang, ctx, r))
        @if node.parent_id.is_none() && !ctx.official.is_empty() {
            p.contrast-link { a href=(format!("/{}/contrast/", lang.code())) { (lang.t("contrast-link")) } }
        }
        @if !r.region.children.is_empty() {
            section {
                h2 { (lang.t("regions-below")) }
                ul.places {
                    @for child in &r.region.children {
                        li data-published=(child.stats.stations) {
                            a href=(format!("/{}/regions/{}/", lang.code(), child.node.id)) { (child.node.name) }
                            (coverage_line(lang, child.stats.stations, child.node.stations))
                        }
                    }
                }
            }
        }
        @if !r.region.centers.is_empty() {
            section {
                h2 { (lang.t("centers")) }
                ul.places {
                    @for center in &r.region.centers {
                        li data-published=(center.published) {
                            a href=(format!("/{}/centers/{}/", lang.code(), url(&center.id))) {
                                (center.name) " " span.code { (center.id) }
                            }
                            (coverage_line(lang, center.published, center.stations))
                        }
                    }
                }
            }
        }
    };
    let crumbs = crumbs(lang, &r.region.ancestors);
    frame(lang, &title, Some(&ctx.election.election.name), &crumbs, body, &here)
}

/// "12 of 40 tables published (30.0 %)" with a bar.
fn coverage_line(lang: Lang, published: u64, total: u64) -> Markup {
    html! {
        span.coverage {
            (lang.t_count("tables-published-of", published, &[("total", &lang.int(i64::try_from(total).unwrap_or(i64::MAX))), ("percent", &lang.percent(published, total))]))
            (bar(published, total))
        }
    }
}

/// The published results of a region: coverage, then votes per candidate.
fn results(lang: Lang, ctx: &Context, r: &portal::Region) -> Markup {
    let node = &r.region.region.node;
    let stats = r.region.region.stats;
    let valid = u64::try_from(r.valid).unwrap_or(0);
    html! {
        section.results {
            p.coverage-big {
                (lang.t_count("tables-published-of", stats.stations, &[("total", &lang.int(i64::try_from(node.stations).unwrap_or(i64::MAX))), ("percent", &lang.percent(stats.stations, node.stations))]))
                (bar(stats.stations, node.stations))
            }
            p.muted {
                (lang.t_args("registered-covered", &[("covered", &lang.int(i64::try_from(stats.registered).unwrap_or(i64::MAX))), ("total", &lang.int(i64::try_from(node.registered).unwrap_or(i64::MAX)))]))
            }
            @if stats.stations == 0 {
                p.notice { (lang.t("nothing-published-yet")) }
            } @else {
                table.votes {
                    caption { (ctx.contest.name) }
                    thead { tr { th scope="col" { (lang.t("col-candidate")) } th.num scope="col" { (lang.t("col-votes")) } th.num scope="col" { (lang.t("col-share")) } } }
                    tbody {
                        @for c in &r.candidates {
                            @let votes = u64::try_from(c.votes).unwrap_or(0);
                            tr {
                                th scope="row" { (c.name) (bar(votes, valid)) }
                                td.num { (lang.int(c.votes)) }
                                td.num { (lang.percent(votes, valid)) }
                            }
                        }
                    }
                    tfoot { tr { th scope="row" { (lang.t("valid-votes")) } td.num { (lang.int(r.valid)) } td {} } }
                }
                p.muted { (lang.t("results-explained")) }
            }
        }
    }
}

/// `/{lang}/centers/{id}`: its tables.
pub(crate) async fn center(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> PortalResult<Response> {
    let ctx = context(&state, lang).await?;
    let here = format!("/centers/{}/", url(&id));
    if let Some(r) = fresh(&headers, &ctx, lang, &here).or_else(|| cached(&state, &ctx, lang, &here)) {
        return Ok(r);
    }
    let c = portal::center(&state, &ctx, &id).await.map_err(|e| PortalError::new(lang, e))?;
    Ok(page(&state, &ctx, lang, &here, center_markup(lang, &ctx, &c)))
}

/// A center's page: its tables.
pub(super) fn center_markup(lang: Lang, ctx: &Context, c: &PublicCenter) -> Markup {
    let here = format!("/centers/{}/", url(&c.center.id));
    let mut crumbs = vec![(lang.t("crumb-national"), format!("/{}/", lang.code()))];
    crumbs.extend(crumbs_of(lang, &c.region));
    let body = html! {
        p { span.code { (c.center.id) } " · " (c.center.region_path.replace('/', " › ")) }
        p { (coverage_line(lang, c.center.published, c.center.stations)) }
        ul.tables {
            @for s in &c.stations {
                li {
                    a href=(format!("/{}/tables/{}/", lang.code(), url(&s.id))) {
                        (lang.t_args("table-number", &[("number", &s.number.to_string())]))
                    }
                    " "
                    @if s.standing_seq.is_some() {
                        span.badge.ok { (lang.t("table-published")) }
                    } @else {
                        span.badge { (lang.t("table-not-published")) }
                    }
                    span.muted { " " (lang.t_count("registered-voters", s.registered, &[])) }
                }
            }
        }
    };
    frame(lang, &c.center.name, Some(&ctx.election.election.name), &crumbs, body, &here)
}

/// Breadcrumbs for the regions of `nodes` (root excluded).
pub(super) fn crumbs_of(lang: Lang, nodes: &[RegionNode]) -> Vec<(String, String)> {
    nodes.iter().map(|n| (n.name.clone(), format!("/{}/regions/{}/", lang.code(), n.id))).collect()
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The voter look-up's form: sent in the body, so the ID number stays out of addresses,
/// browser history and the logs of proxies in front.
#[derive(Deserialize, Default)]
pub(crate) struct VoterForm {
    #[serde(default)]
    voter: String,
}

/// `/{lang}/search?q=`: a table or center code, or a place name. An exact table code goes
/// straight to its page. With the voter look-up on, the page also asks for an ID number.
pub(crate) async fn search(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> PortalResult<Response> {
    let q = query.map(|Query(q)| q.q).unwrap_or_default();
    let hits = portal::search(&state, &q).await.map_err(|e| PortalError::new(lang, e))?;
    let exact = hits.iter().find_map(|h| match h {
        SearchHit::Station { id, .. } if id.eq_ignore_ascii_case(q.trim()) => Some(id.clone()),
        _ => None,
    });
    if let Some(id) = exact {
        return Ok(Redirect::to(&format!("/{}/tables/{}/", lang.code(), url(&id))).into_response());
    }
    search_page(&state, lang, &q, &hits, false).await
}

/// `POST /{lang}/search/` with `voter=`: the voter's table page, or the search page saying
/// the number is not in the voter file.
pub(crate) async fn voter(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    form: Result<Form<VoterForm>, axum::extract::rejection::FormRejection>,
) -> PortalResult<Response> {
    let raw = form.map(|Form(f)| f.voter).unwrap_or_default();
    match portal::voter_table(&state, &ip, &raw).await.map_err(|e| PortalError::new(lang, e))? {
        Some(id) => Ok(Redirect::to(&format!("/{}/tables/{}/", lang.code(), url(&id))).into_response()),
        None => search_page(&state, lang, "", &[], true).await,
    }
}

async fn search_page(
    state: &AppState,
    lang: Lang,
    q: &str,
    hits: &[SearchHit],
    voter_missed: bool,
) -> PortalResult<Response> {
    let ctx = context(state, lang).await?;
    let voter_on = portal::voter_lookup_on(state).await.map_err(|e| PortalError::new(lang, e))?;
    let here = format!("/search/?q={}", url(q));
    let action = format!("/{}/search/", lang.code());
    let body = html! {
        form.search-big method="get" action=(action) {
            label for="q2" { (lang.t("search-label")) }
            input #q2 type="search" name="q" value=(q) maxlength="64";
            button type="submit" { (lang.t("search-button")) }
        }
        p.muted { (lang.t("search-help")) }
        @if !q.trim().is_empty() {
            @if hits.is_empty() {
                p.notice { (lang.t("search-none")) }
            } @else {
                ul.places {
                    @for hit in hits {
                        li { (hit_item(lang, hit)) }
                    }
                }
            }
        }
        @if voter_on {
            form.search-big #voter method="post" action=(action) {
                label for="voter-id" { (lang.t("search-voter-label")) }
                input #voter-id type="text" name="voter" autocomplete="off" maxlength="40";
                button type="submit" { (lang.t("search-voter-button")) }
            }
            p.muted { (lang.t("search-voter-help")) }
            @if voter_missed {
                p.notice role="status" { (lang.t("search-voter-none")) }
            }
        }
    };
    let mut r = frame(lang, &lang.t("search-title"), Some(&ctx.election.election.name), &[], body, &here)
        .into_string()
        .into_response();
    super::set_page_headers(r.headers_mut(), lang);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

fn hit_item(lang: Lang, hit: &SearchHit) -> Markup {
    match hit {
        SearchHit::Station { id, number, center } => html! {
            a href=(format!("/{}/tables/{}/", lang.code(), url(id))) {
                (lang.t_args("table-number", &[("number", &number.to_string())])) " · " (center)
            }
            " " span.code { (id) }
        },
        SearchHit::Center { id, name, region_path } => html! {
            a href=(format!("/{}/centers/{}/", lang.code(), url(id))) { (name) }
            " " span.code { (id) } " " span.muted { (region_path.replace('/', " › ")) }
        },
        SearchHit::Region(node) => html! {
            a href=(format!("/{}/regions/{}/", lang.code(), node.id)) { (node.name) }
            " " span.muted { (node.path.replace('/', " › ")) }
        },
    }
}
