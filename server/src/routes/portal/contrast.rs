//! The public contrast page (`/{lang}/contrast/`): the published actas against the authority's
//! official numbers — tables compared, matching and differing, the vote difference per
//! candidate, per region, the largest discrepancies (each a link to its table's page, where
//! the acta's photo and both sets of numbers are), and every official import with its SHA-256.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};

use super::layout::frame;
use super::{PageLang, PortalError, PortalResult, cached, context, fresh, page};
use crate::AppState;
use crate::i18n::Lang;
use crate::routes::dash::format::url;
use crate::services::portal::{self, Context, PublicContrast};

/// `/{lang}/contrast/`.
pub(crate) async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> PortalResult<Response> {
    let ctx = context(&state, lang).await?;
    let here = "/contrast/";
    if let Some(r) = fresh(&headers, &ctx, lang, here).or_else(|| cached(&state, &ctx, lang, here)) {
        return Ok(r);
    }
    let c = portal::contrast(&state, &ctx).await.map_err(|e| PortalError::new(lang, e))?;
    Ok(page(&state, &ctx, lang, here, contrast_markup(lang, &ctx, &c)))
}

/// A signed number ("+12", "−3").
fn signed(lang: Lang, n: i64) -> String {
    if n > 0 { format!("+{}", lang.int(n)) } else { lang.int(n).replacen('-', "−", 1) }
}

/// The page.
pub(super) fn contrast_markup(lang: Lang, ctx: &Context, c: &PublicContrast) -> Markup {
    let sums = &c.view.contrast;
    let label = |field: &str| ctx.contest.field_label(field).unwrap_or(field).to_owned();
    let body = html! {
        p { (lang.t("contrast-explained")) }
        dl.figures {
            dt { (lang.t("contrast-compared")) } dd { (lang.int(sums.compared() as i64)) }
            dt { (lang.t("contrast-matching")) } dd { (lang.int(sums.matching as i64)) }
            dt { (lang.t("contrast-differing")) } dd.warn[sums.differing > 0] { (lang.int(sums.differing as i64)) }
            dt { (lang.t("contrast-only-official")) } dd { (lang.int(sums.only_official as i64)) }
        }
        @if c.view.candidates.iter().any(|k| k.votes != 0) {
            table.votes {
                caption { (lang.t("contrast-by-candidate")) }
                thead { tr { th scope="col" { (lang.t("col-candidate")) } th.num scope="col" { (lang.t("contrast-col-difference")) } } }
                tbody {
                    @for k in c.view.candidates.iter().filter(|k| k.votes != 0) {
                        tr { th scope="row" { (k.name) } td.num { (signed(lang, k.votes)) } }
                    }
                }
            }
        }
        @if !c.view.view.children.is_empty() {
            table.votes {
                caption { (lang.t("contrast-by-region")) }
                thead {
                    tr {
                        th scope="col" { (lang.t("col-region")) }
                        th.num scope="col" { (lang.t("contrast-col-compared")) }
                        th.num scope="col" { (lang.t("contrast-col-differing")) }
                    }
                }
                tbody {
                    @for (r, k) in c.view.view.children.iter().zip(&c.view.children) {
                        tr {
                            th scope="row" { a href=(format!("/{}/regions/{}/", lang.code(), r.node.id)) { (r.node.name) } }
                            td.num { (lang.int(k.compared() as i64)) }
                            td.num { (lang.int(k.differing as i64)) }
                        }
                    }
                }
            }
        }
        @if !c.largest.is_empty() {
            section {
                h2 { (lang.t("contrast-largest")) }
                ol.discrepancies {
                    @for t in &c.largest {
                        li {
                            a href=(format!("/{}/tables/{}/", lang.code(), url(&t.station_id))) {
                                (lang.t_args("table-number", &[("number", &t.number.to_string())])) " · " (t.center_name)
                            }
                            " " span.code { (t.station_id) } br;
                            span.muted {
                                @for (i, (field, d)) in t.differences.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (label(field)) " " (signed(lang, *d))
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { (lang.t("contrast-imports")) }
            ul.imports {
                @for i in ctx.official.iter().rev() {
                    li {
                        (lang.t_args("official-source", &[("source", &i.source), ("time", &lang.datetime(i.imported_at_ms))]))
                        " " (lang.t_count("portal-tables", i.tables, &[]))
                        br; span.hash { "SHA-256 " (i.sha256) }
                    }
                }
            }
            p.muted { (lang.t("contrast-method")) }
        }
    };
    let crumbs = vec![(lang.t("crumb-national"), format!("/{}/", lang.code()))];
    frame(lang, &lang.t("contrast-title"), Some(&ctx.election.election.name), &crumbs, body, "/contrast/")
}
