//! `/dash/channels`: what came without a data link, for administrators. Records by SMS, the SMS
//! kept aside (a stranger's text, a broken or forged message, a refused record: none got a
//! receipt) and every bundle import, who carried it and what it brought or why it was refused.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::format::{num, short};
use super::layout::home_crumb;
use super::{DashResult, Session};
use crate::AppState;
use crate::services::sms;

/// The words for why an SMS is not a record (its code is shown beside them).
fn sms_reason(code: &str) -> &'static str {
    match code {
        "not_testigo" => "dash-channels-sms-not-testigo",
        "too_long" | "malformed" | "tag_mismatch" | "unknown_contest" | "not_representable" => {
            "dash-channels-sms-unreadable"
        }
        "unknown_device" => "dash-channels-unknown-device",
        "refused" => "dash-channels-sms-refused",
        _ => "dash-channels-other",
    }
}

/// The words for why a bundle was refused whole.
fn bundle_reason(code: &str) -> &'static str {
    match code {
        "not_a_bundle" | "unsupported_version" | "malformed" | "too_large" => {
            "dash-channels-bundle-unreadable"
        }
        "foreign_key" => "dash-channels-bundle-foreign",
        "tampered" | "bad_signature" => "dash-channels-bundle-tampered",
        "unknown_device" => "dash-channels-unknown-device",
        _ => "dash-channels-other",
    }
}

pub(crate) async fn page(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let lang = session.lang;
    let log = sms::channels(&state, &session.user).await?;
    let body = html! {
        p.muted { (lang.t("dash-channels-intro")) }
        ul #channels-counts {
            li { (lang.t_args("dash-channels-n-sms", &[("n", &num(lang, log.sms_records))])) }
            li { (lang.t_args("dash-channels-n-aside", &[("n", &num(lang, log.sms_aside))])) }
            li {
                (lang.t_args("dash-channels-n-bundles", &[("n", &num(lang, log.bundles))])) " ("
                (lang.t_args("dash-channels-n-refused", &[("n", &num(lang, log.bundles_refused))])) ")"
            }
        }
        h2 { (lang.t("dash-channels-sms")) }
        p.muted { (lang.t("dash-channels-sms-intro")) }
        @if log.recent_aside.is_empty() {
            p #aside-none { (lang.t("dash-channels-sms-none")) }
        } @else {
            div.table-wrap {
                table #aside {
                    thead { tr {
                        th { (lang.t("dash-col-when")) }
                        th { (lang.t("dash-channels-col-sender")) }
                        th { (lang.t("dash-channels-col-text")) }
                        th { (lang.t("dash-col-what")) }
                    } }
                    tbody {
                        @for m in &log.recent_aside {
                            tr {
                                td { (lang.datetime(m.received_at_ms)) }
                                td { (m.sender) " " span.muted.small { (m.gateway) } }
                                td.mono.small.sms { (m.text) }
                                td {
                                    span.tag.warn { (lang.t(sms_reason(&m.why.code))) }
                                    br;
                                    code.muted.small.nobr title=(m.why.detail) { (m.why.code) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("dash-channels-bundles")) }
        p.muted { (lang.t("dash-channels-bundles-intro")) }
        @if log.recent_bundles.is_empty() {
            p #bundles-none { (lang.t("dash-channels-bundles-none")) }
        } @else {
            div.table-wrap {
                table #bundles {
                    thead { tr {
                        th { (lang.t("dash-col-when")) }
                        th { (lang.t("dash-col-device")) }
                        th { (lang.t("dash-channels-col-carrier")) }
                        th.n { (lang.t("dash-channels-col-records")) }
                        th.n { (lang.t("dash-channels-col-photos")) }
                        th { (lang.t("dash-col-what")) }
                    } }
                    tbody {
                        @for b in &log.recent_bundles {
                            @let i = &b.imported;
                            tr {
                                td { (lang.datetime(b.at_ms)) }
                                td { @if let Some(d) = &b.device { code title=(d) { (short(d)) } } @else { "—" } }
                                td {
                                    @if let Some(c) = &b.carrier { code title=(c) { (short(c)) } }
                                    @else { span.muted { (lang.t("dash-channels-by-hand")) } }
                                }
                                td.n { (num(lang, i.records_stored.into())) " / " (num(lang, (i.records_stored + i.records_known + i.records_refused).into())) }
                                td.n { (num(lang, i.photos_stored.into())) " / " (num(lang, (i.photos_stored + i.photos_known + i.photos_refused).into())) }
                                td {
                                    @if let Some(r) = &b.refused {
                                        span.tag.warn { (lang.t(bundle_reason(&r.code))) }
                                        br;
                                        code.muted.small.nobr title=(r.detail) { (r.code) }
                                    } @else if i.records_refused + i.photos_refused > 0 {
                                        span.tag.warn { (lang.t_args("dash-channels-bundle-some-refused", &[("n", &num(lang, (i.records_refused + i.photos_refused).into()))])) }
                                    } @else {
                                        span.tag.verified { (lang.t("dash-channels-bundle-taken")) }
                                    }
                                    " " code.muted.small.nobr title=(b.sha256.to_hex()) { (short(&b.sha256.to_hex())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(session.live_page(lang.t("dash-channels"), vec![home_crumb(lang)], body))
}
