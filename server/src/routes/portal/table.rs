//! A table's page (its acta: photo, numbers, QR numbers, review, times, hashes, signature,
//! receipt, and every earlier publication), its publication as data, published photos and the
//! keys to check them with.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use testigo_protocol::Sha256;
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::publication::{
    PUBLICATION_FORMAT, PublicationKeys, PublishedCapture, PublishedHow, PublishedTable,
};

use super::layout::frame;
use super::pages::crumbs_of;
use super::{PageLang, PortalError, PortalResult, cached, context, fresh, matches, page};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::repo::analysis::TableContrast;
use crate::repo::coord::RegionNode;
use crate::routes::dash::format::url;
use crate::services::portal::{self, Context, qr_counts};
use crate::{AppResult, AppState};

/// `/{lang}/tables/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> PortalResult<Response> {
    let ctx = context(&state, lang).await?;
    let here = format!("/tables/{}/", url(&id));
    if let Some(r) = fresh(&headers, &ctx, lang, &here).or_else(|| cached(&state, &ctx, lang, &here)) {
        return Ok(r);
    }
    let (table, region) =
        portal::table_page(&state, &ctx, &id).await.map_err(|e| PortalError::new(lang, e))?;
    let official =
        portal::official_numbers(&state, &ctx, &id).await.map_err(|e| PortalError::new(lang, e))?;
    Ok(page(&state, &ctx, lang, &here, table_markup(lang, &ctx, &table, &region, official.as_ref())))
}

/// A table's page; `region` is its center's region, widest first (for the breadcrumbs);
/// `official` the authority's numbers for it, shown beside the standing acta's.
pub(super) fn table_markup(
    lang: Lang,
    ctx: &Context,
    table: &PublishedTable,
    region: &[RegionNode],
    official: Option<&TableContrast>,
) -> Markup {
    let here = format!("/tables/{}/", url(&table.station_id));
    let mut crumbs = vec![(lang.t("crumb-national"), format!("/{}/", lang.code()))];
    crumbs.extend(crumbs_of(lang, region));
    crumbs.push((table.center_name.clone(), format!("/{}/centers/{}/", lang.code(), url(&table.center_id))));
    let title = lang.t_args("table-number", &[("number", &table.number.to_string())]);
    let title = format!("{title} · {}", table.center_name);
    let body = table_body(lang, ctx, table, official);
    frame(lang, &title, Some(&ctx.election.election.name), &crumbs, body, &here)
}

fn table_body(lang: Lang, ctx: &Context, table: &PublishedTable, official: Option<&TableContrast>) -> Markup {
    let standing = table.standing_capture();
    let others: Vec<&PublishedCapture> =
        table.captures.iter().filter(|c| Some(c.published.seq) != table.standing).collect();
    html! {
        p.muted {
            span.code { (table.station_id) } " · "
            (lang.t_count("registered-voters", table.registered_voters, &[]))
        }
        @match standing {
            Some(c) => { (capture(lang, ctx, table, c, true, official)) }
            None => {
                p.notice {
                    @if table.captures.is_empty() { (lang.t("table-nothing-published")) }
                    @else { (lang.t("table-all-withdrawn")) }
                }
            }
        }
        @if !others.is_empty() {
            section.history {
                h2 { (lang.t("history-title")) }
                p.muted { (lang.t("history-explained")) }
                @for c in others {
                    details id=(format!("p{}", c.published.seq)) {
                        summary { (entry_line(lang, c)) }
                        (capture(lang, ctx, table, c, false, None))
                    }
                }
            }
        }
        p.data-links {
            a href=(format!("/data/tables/{}.json", url(&table.station_id))) type="application/json" { (lang.t("table-data-link")) }
        }
    }
}

/// "Published on … (on verification)", "withdrawn on …: reason".
fn entry_line(lang: Lang, c: &PublishedCapture) -> Markup {
    let how = match c.published.how {
        Some(PublishedHow::OnVerification) => lang.t("published-on-verification"),
        _ => lang.t("published-by-hand"),
    };
    html! {
        (lang.t_args("published-at", &[("at", &lang.datetime(c.published.at_ms)), ("seq", &c.published.seq.to_string())]))
        " (" (how) ")"
        @if let Some(w) = &c.withdrawn {
            " · " strong.withdrawn { (lang.t_args("withdrawn-at", &[("at", &lang.datetime(w.at_ms))])) }
        }
    }
}

fn review_badge(lang: Lang, review: ReviewStatus) -> Markup {
    let (class, id) = match review {
        ReviewStatus::Verified => ("badge ok", "review-verified"),
        ReviewStatus::Unreviewed => ("badge", "review-unreviewed"),
        ReviewStatus::Disputed => ("badge warn", "review-disputed"),
        ReviewStatus::Rejected => ("badge bad", "review-rejected"),
    };
    html! { span class=(class) { (lang.t(id)) } }
}

/// One published capture in full, with the official numbers beside it if given.
fn capture(
    lang: Lang,
    ctx: &Context,
    table: &PublishedTable,
    c: &PublishedCapture,
    standing: bool,
    official: Option<&TableContrast>,
) -> Markup {
    let record = &c.signed.record;
    let off = official.and_then(|o| o.official.as_ref());
    let off_value = |id: &str| off.and_then(|o| o.get(id).copied());
    let off_cell = |typed: Option<u32>, id: &str| {
        let v = off_value(id);
        html! {
            td.num.official.mismatch[v.is_some() && typed.map(i64::from) != v] { (v.map(|v| lang.int(v)).unwrap_or_default()) }
        }
    };
    let qr = qr_counts(ctx, record.qr_payload.as_deref());
    let seq = c.published.seq;
    html! {
        article.acta data-station=(table.station_id) data-seq=(seq) {
            @if standing {
                p { (review_badge(lang, c.review)) " " (entry_line(lang, c)) }
            } @else {
                p { (review_badge(lang, c.review)) }
            }
            @if let Some(w) = &c.withdrawn {
                p.notice.withdrawn { (lang.t_args("withdrawn-reason", &[("reason", w.reason.as_deref().unwrap_or(""))])) }
            }
            @if let Some(r) = c.published.replaces {
                p.muted { a href=(format!("#p{r}")) { (lang.t_args("replaces", &[("seq", &r.to_string())])) } }
            }
            div.sheet {
            div.photos {
                @for (p, receipt) in record.photos.iter().zip(c.photo_receipts.iter().map(Some).chain(std::iter::repeat(None))) {
                    figure {
                        @if receipt.is_some() {
                            a href=(format!("/photos/{}.jpg", p.sha256)) data-zoom data-tzoom=(lang.t("photo-zoom")) {
                                img src=(format!("/photos/{}.jpg", p.sha256)) loading="lazy" width=(p.width) height=(p.height)
                                    alt=(lang.t_args("photo-alt", &[("page", &p.page.to_string())]));
                            }
                            figcaption {
                                a href=(format!("/photos/{}.jpg", p.sha256)) { (lang.t("photo-full")) }
                                " · " (lang.t_args("photo-size", &[("kb", &lang.int(i64::try_from(p.size.div_ceil(1024)).unwrap_or(i64::MAX)))]))
                            }
                        } @else {
                            p.notice { (lang.t("photo-not-received")) }
                        }
                    }
                }
            }
            table.numbers {
                caption { (ctx.contest.name) }
                thead {
                    tr {
                        th scope="col" { (lang.t("col-option")) }
                        th.num scope="col" { (lang.t("col-typed")) }
                        @if qr.is_some() { th.num scope="col" { (lang.t("col-qr")) } }
                        @if off.is_some() { th.num scope="col" { (lang.t("col-official")) } }
                    }
                }
                tbody {
                    @for o in &ctx.contest.options {
                        @let typed = record.counts.get(&o.id).copied();
                        @let from_qr = qr.as_ref().and_then(|q| q.get(&o.id).copied());
                        tr.differs[from_qr.is_some() && typed != from_qr] {
                            th scope="row" {
                                (o.party)
                                span.muted { " · " (ctx.contest.candidates.iter().find(|k| k.id == o.candidate_id).map(|k| k.name.as_str()).unwrap_or("")) }
                            }
                            td.num data-field=(o.id) { (typed.map(|v| lang.int(i64::from(v))).unwrap_or_default()) }
                            @if qr.is_some() { td.num { (from_qr.map(|v| lang.int(i64::from(v))).unwrap_or_default()) } }
                            @if off.is_some() { (off_cell(typed, &o.id)) }
                        }
                    }
                    @for f in &ctx.contest.count_fields {
                        @let typed = record.extra_counts.get(&f.id).copied();
                        @let from_qr = qr.as_ref().and_then(|q| q.get(&f.id).copied());
                        tr.extra.differs[from_qr.is_some() && typed != from_qr] {
                            th scope="row" { (f.label) }
                            td.num data-field=(f.id) { (typed.map(|v| lang.int(i64::from(v))).unwrap_or_default()) }
                            @if qr.is_some() { td.num { (from_qr.map(|v| lang.int(i64::from(v))).unwrap_or_default()) } }
                            @if off.is_some() { (off_cell(typed, &f.id)) }
                        }
                    }
                }
            }
            @if let Some(o) = official.filter(|o| o.official.is_some()) {
                @let import = o.import_id.and_then(|id| ctx.import(id));
                p.official-note {
                    @if o.differences.is_empty() {
                        (lang.t("official-match"))
                    } @else {
                        strong { (lang.t_count("official-differs", o.differences.len() as u64, &[])) }
                    }
                    @if let Some(i) = import {
                        " " (lang.t_args("official-source", &[("source", &i.source), ("time", &lang.datetime(i.imported_at_ms))]))
                        " " span.hash { "SHA-256 " (i.sha256) }
                    }
                }
            }
            }
            @if !record.notes.is_empty() {
                p { strong { (lang.t("notes")) } " " (record.notes) }
            }
            h2 { (lang.t("proof-title")) }
            dl.proof {
                dt { (lang.t("proof-sealed")) } dd { (lang.datetime(record.device_time_ms)) span.muted { " " (lang.t("proof-sealed-clock")) } }
                dt { (lang.t("proof-received")) } dd { (lang.datetime(c.receipt.receipt.received_at_ms)) }
                dt { (lang.t("proof-device")) } dd { code { (record.device_key_id.as_str()) } }
                dt { (lang.t("proof-record-hash")) } dd { code { (record.record_sha256()) } }
                @for p in &record.photos {
                    dt { (lang.t_args("proof-photo-hash", &[("page", &p.page.to_string())])) } dd { code { (p.sha256) } }
                    dt { (lang.t_args("proof-original-hash", &[("page", &p.page.to_string())])) } dd { code { (p.original_sha256) } }
                }
                dt { (lang.t("proof-signature")) } dd { code.wrap { (c.signed.signature.to_text()) } }
                dt { (lang.t("proof-receipt")) } dd { code.wrap { (c.receipt.signature.to_text()) } span.muted { " " (lang.t_args("proof-receipt-key", &[("key", c.receipt.receipt.server_key_id.as_str())])) } }
            }
            div.verify data-tkey=(lang.t("check-key")) data-tsignature=(lang.t("check-signature"))
                data-tnumbers=(lang.t("check-numbers")) data-tphoto=(lang.t("check-photo"))
                data-treceipt=(lang.t("check-receipt")) data-tphotoreceipt=(lang.t("check-photo-receipt"))
                data-tvalid=(lang.t("verify-valid")) data-tinvalid=(lang.t("verify-invalid"))
                data-tinsecure=(lang.t("verify-insecure")) data-tworking=(lang.t("verify-working"))
                data-terror=(lang.t("verify-error")) {
                button type="button" hidden data-verify=(seq) { (lang.t("verify-button")) }
                output aria-live="polite" {}
                noscript { p.muted { (lang.t("verify-noscript")) } }
            }
        }
    }
}

/// Splits `{name}.{ext}` and checks the extension.
fn strip(file: &str, ext: &str) -> AppResult<String> {
    file.strip_suffix(ext).filter(|s| !s.is_empty()).map(str::to_owned).ok_or(AppError::NotFound)
}

/// `/data/tables/{id}.json`: a table's publication, as data.
pub(crate) async fn data(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = strip(&file, ".json")?;
    let ctx = portal::context(&state).await?;
    let key = format!("data:{id}");
    let etag = ctx.etag(&key);
    if matches(&headers, &etag) {
        return Ok(json_headers(StatusCode::NOT_MODIFIED.into_response(), &etag));
    }
    let table = portal::table(&state, &ctx, &id).await?;
    Ok(json_headers(Json(table).into_response(), &etag))
}

fn json_headers(mut r: Response, etag: &str) -> Response {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

/// `/data/keys.json`: the keys every receipt verifies with.
pub(crate) async fn keys(State(state): State<AppState>) -> Response {
    let key = state.key.public_key().clone();
    let keys = PublicationKeys { format: PUBLICATION_FORMAT, server_key_id: key.key_id(), server_key: key };
    let mut r = Json(keys).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

/// `/photos/{sha256}.jpg`: a published photo; the same bytes forever.
pub(crate) async fn photo(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let sha: Sha256 = strip(&file, ".jpg")?.parse().map_err(|_| AppError::NotFound)?;
    let etag = format!("\"{sha}\"");
    if matches(&headers, &etag) {
        // Only a published photo's hash was ever handed out, and its bytes never change.
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
        return Ok(r);
    }
    let bytes = portal::photo(&state, sha).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(r)
}
