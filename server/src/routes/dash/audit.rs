//! `/dash/audit`: the audit log as an administrator reads it, newest first, searchable and
//! exportable as CSV, every entry in words in the reader's language (what was done, to what,
//! with the reason given); and those words for a capture's own history on its acta page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::format::{num, short, url};
use super::layout::home_crumb;
use super::{DashError, DashResult, Session};
use crate::AppState;
use crate::i18n::Lang;
use crate::repo::coord::{AuditEntry, Role};

/// Every audit action and the message that names it.
const ACTIONS: [(&str, &str); 21] = [
    ("login", "dash-act-login"),
    ("review", "dash-act-review"),
    ("transcribe", "dash-act-transcribe"),
    ("desk", "dash-act-desk"),
    ("choose", "dash-act-choose"),
    ("contact", "dash-act-contact"),
    ("revoke_device", "dash-act-revoke"),
    ("enroll_codes", "dash-act-enroll"),
    ("official_import", "dash-act-official"),
    ("quickcount_draw", "dash-act-quickcount"),
    ("tally-setting", "dash-act-tally-setting"),
    ("publication_setting", "dash-act-publication-setting"),
    ("publish", "dash-act-publish"),
    ("withdraw", "dash-act-withdraw"),
    ("account_create", "dash-act-account-create"),
    ("account_disable", "dash-act-account-disable"),
    ("account_enable", "dash-act-account-enable"),
    ("account_password", "dash-act-account-password"),
    ("account_access", "dash-act-account-access"),
    ("station_assign", "dash-act-station-assign"),
    ("station_unassign", "dash-act-station-unassign"),
];

/// The message naming an audit action (an unknown one is named as such, not shown raw).
pub(crate) fn action_label(action: &str) -> &'static str {
    ACTIONS.iter().find(|(code, _)| *code == action).map_or("dash-act-other", |(_, label)| label)
}

/// The actions whose name in `lang` contains `query` (ignoring case): searching the log for
/// "cuenta" finds the accounts' acts, whatever their codes.
fn actions_named(lang: Lang, query: &str) -> Vec<String> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(_, label)| lang.t(label).to_lowercase().contains(&query))
        .map(|(code, _)| (*code).to_owned())
        .collect()
}

/// An entry's details in words: the states a review went between and its comment, the account,
/// table or phone acted on, the reason given, the figures of an import or a draw.
pub(crate) fn describe(lang: Lang, e: &AuditEntry) -> Markup {
    let text = |key: &str| e.detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let number = |key: &str| e.detail.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let flag = |key: &str| e.detail.get(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
    let state = |code: Option<String>| lang.t(super::pages::review_label(code.as_deref().unwrap_or("")));
    let quoted = |s: Option<String>| {
        html! { @if let Some(s) = s.filter(|s| !s.is_empty()) { " " (lang.t_args("dash-audit-comment", &[("comment", &s)])) } }
    };
    let device = |key: &str| html! { @if let Some(d) = text(key) { code title=(d) { (short(&d)) } } };
    let role = |key: &str| {
        text(key)
            .and_then(|r| Role::parse(&r))
            .map(|r| lang.t(crate::i18n::role_label(r)))
            .unwrap_or_default()
    };
    let scope = |key: &str| match text(key) {
        Some(s) if !s.is_empty() => s,
        _ => lang.t("dash-scope-all"),
    };
    html! {
        @match e.action.as_str() {
            "login" => { (lang.t(if text("kind").as_deref() == Some("api") { "dash-audit-login-api" } else { "dash-audit-login-dash" })) }
            "review" => { (state(text("from"))) " → " (state(text("to"))) (quoted(text("comment"))) }
            "transcribe" => { (lang.t_args("dash-audit-transcribe", &[("slot", &number("slot").to_string())])) }
            "desk" => {
                @let to = text("to").and_then(|t| t.parse().ok());
                @if let Some(to) = to { (lang.t(super::desk::state_message(to))) }
            }
            "choose" => { (lang.t("dash-audit-choose")) (quoted(text("reason"))) }
            "contact" => {
                (device("device")) " "
                (lang.t(if flag("contact") { "dash-audit-contact-noted" } else { "dash-audit-contact-forgotten" }))
            }
            "revoke_device" => { (device("device")) (quoted(text("reason"))) }
            "enroll_codes" => {
                @let stations: Vec<&str> = e.detail.get("stations").and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
                (lang.t_args("dash-audit-codes", &[("codes", &num(lang, number("codes"))), ("stations", &num(lang, stations.len() as u64))]))
                " " span.muted { (stations.iter().take(5).copied().collect::<Vec<_>>().join(" ")) @if stations.len() > 5 { " …" } }
            }
            "official_import" => {
                (text("source").unwrap_or_default()) " · "
                (lang.t_args("dash-audit-tables", &[("tables", &num(lang, number("tables")))])) " · "
                span.mono { "SHA-256 " (text("sha256").unwrap_or_default().get(..16).unwrap_or("")) "…" }
            }
            "quickcount_draw" => {
                (lang.t_args("dash-audit-draw", &[("size", &num(lang, number("size"))), ("seed", &text("seed").unwrap_or_default())]))
            }
            "tally-setting" => { (lang.t(if flag("verified_only") { "dash-audit-verified-only-on" } else { "dash-audit-verified-only-off" })) }
            "publication_setting" => { (lang.t(if flag("on_verification") { "dash-audit-publish-on-verification-on" } else { "dash-audit-publish-on-verification-off" })) }
            "publish" => {
                @if let Some(s) = text("station") { (lang.t_args("dash-audit-table", &[("table", &s)])) " · " }
                @if let Some(r) = text("region") { (if r.is_empty() { lang.t("dash-scope-all") } else { r }) " · " }
                (lang.t_args("dash-audit-published", &[("published", &num(lang, number("published"))), ("already", &num(lang, number("already")))]))
            }
            "withdraw" => { (lang.t_args("dash-audit-table", &[("table", &text("station").unwrap_or_default())])) (quoted(text("reason"))) }
            "account_create" => { b { (text("account").unwrap_or_default()) } " · " (role("role")) " · " (scope("scope")) }
            "account_access" => {
                b { (text("account").unwrap_or_default()) } " · "
                (role("was_role")) ", " (scope("was_scope")) " → " (role("role")) ", " (scope("scope"))
            }
            "account_disable" | "account_enable" | "account_password" => { b { (text("account").unwrap_or_default()) } }
            "station_assign" | "station_unassign" => {
                (lang.t_args("dash-audit-table", &[("table", &text("station").unwrap_or_default())])) " · " (device("device"))
            }
            _ => { span.mono.muted { (e.action) " " (e.detail.to_string()) } }
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct AuditParams {
    q: Option<String>,
    before: Option<i64>,
}

/// The audit log, newest first, searchable; its CSV at `/dash/audit.csv`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> DashResult<Response> {
    use crate::services::audit;
    let lang = session.lang;
    let Ok(Query(p)) = q else { return Err(DashError::BadRequest("dash-error-bad-params")) };
    let query = p.q.unwrap_or_default();
    let actions = actions_named(lang, &query);
    let entries = audit::page(&state, &session.user, &query, &actions, p.before, audit::AUDIT_PAGE).await?;
    let q = url(query.trim());
    let body = html! {
        form.search method="get" action="/dash/audit" role="search" {
            input type="search" name="q" value=(query) aria-label=(lang.t("dash-search"));
            " " button { (lang.t("dash-search")) }
            " " a href={ "/dash/audit.csv?q=" (q) } { (lang.t("dash-audit-csv")) }
        }
        @if entries.is_empty() {
            p #audit-none { (lang.t("dash-audit-none")) }
        } @else {
            div.table-wrap {
                table #audit-log {
                    thead { tr {
                        th.n { "#" }
                        th { (lang.t("dash-col-when")) }
                        th { (lang.t("dash-col-who")) }
                        th { (lang.t("dash-col-what")) }
                        th { (lang.t("dash-col-capture")) }
                        th { (lang.t("dash-col-details")) }
                    } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td.n { (e.seq) }
                                td { (lang.datetime(e.at_ms)) }
                                td { (e.actor) }
                                td { (lang.t(action_label(&e.action))) }
                                td { @if let Some(pk) = e.capture_pk { a href={ "/dash/captures/" (pk) } { "#" (pk) } } }
                                td.small { (describe(lang, e)) }
                            }
                        }
                    }
                }
            }
            @if entries.len() == audit::AUDIT_PAGE {
                @if let Some(last) = entries.last() {
                    p { a href={ "/dash/audit?q=" (q) "&before=" (last.seq) } { (lang.t("dash-next-page")) } }
                }
            }
        }
    };
    Ok(session.live_page(lang.t("dash-audit-title"), vec![home_crumb(lang)], body))
}

/// The audit log matching `?q=` as CSV.
pub(crate) async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> DashResult<Response> {
    let Ok(Query(p)) = q else { return Err(DashError::BadRequest("dash-error-bad-params")) };
    let query = p.q.as_deref().unwrap_or("");
    let bytes =
        crate::services::audit::csv(&state, &session.user, query, &actions_named(session.lang, query))
            .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"testigo-audit.csv\""),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}
