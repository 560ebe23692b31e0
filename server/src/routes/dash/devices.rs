//! `/dash/devices`: the phones in the coordinator's region, silent longest first, with the
//! watcher each carries (noted by coordinators, never public), its tables, when it was last heard
//! from and its records; reviewers note contacts and revoke phones from here.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::format::{num, short, url};
use super::layout::home_crumb;
use super::{DashResult, Session};
use crate::AppState;

pub(crate) async fn devices(State(state): State<AppState>, session: Session) -> DashResult<Response> {
    let lang = session.lang;
    let now = crate::now_ms();
    let (summary, rows) = state.coord.devices(session.user.scope_path.clone(), now, 200).await?;
    let body = html! {
        div.cards {
            div.card { small { (lang.t("dash-devices-enrolled")) } b { (num(lang, summary.total)) } }
            div.card { small { (lang.t("dash-devices-seen-15-min")) } b { (num(lang, summary.last_15_min)) } }
            div.card { small { (lang.t("dash-devices-seen-hour")) } b { (num(lang, summary.last_hour)) } }
            div.card { small { (lang.t("dash-devices-never-seen")) } b { (num(lang, summary.never)) } }
        }
        h2 { (lang.t("dash-devices-recent")) }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("dash-col-device")) }
                        th { (lang.t("dash-col-stations")) }
                        th { (lang.t("dash-col-last-seen")) }
                        th.n { (lang.t("dash-actas")) }
                    }
                }
                tbody {
                    @for d in &rows {
                        // The rest of the device's tables, beyond those the list names.
                        @let more = d.station_count.saturating_sub(d.stations.len() as u64);
                        tr {
                            td {
                                @if let Some(k) = &d.contact {
                                    b { (k.name) } " " span.muted { (k.phone) } br;
                                }
                                code title=(d.id) { (short(&d.id)) }
                                @if let Some(t) = d.revoked_at_ms {
                                    " "
                                    span.tag.warn { (lang.t_args("dash-revoked-at", &[("at", &lang.datetime(t))])) }
                                }
                                @if session.user.can_review() {
                                    details.actions {
                                        summary { (lang.t("dash-device-manage")) }
                                        form.review method="post" action={ "/dash/devices/" (d.id) "/contact" } {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            label { (lang.t("dash-contact-name"))
                                                input name="name" maxlength="100" value=(d.contact.as_ref().map_or("", |k| k.name.as_str())); }
                                            label { (lang.t("dash-contact-phone"))
                                                input name="phone" type="tel" maxlength="32" value=(d.contact.as_ref().map_or("", |k| k.phone.as_str())); }
                                            button { (lang.t("dash-contact-save")) }
                                        }
                                        @if d.revoked_at_ms.is_none() {
                                            form.review method="post" action={ "/dash/devices/" (d.id) "/revoke" } {
                                                input type="hidden" name="csrf" value=(session.csrf);
                                                label { (lang.t("dash-revoke-reason")) input name="reason" maxlength="500" required; }
                                                button.danger { (lang.t("dash-revoke")) }
                                            }
                                        }
                                    }
                                }
                            }
                            td {
                                @for (i, s) in d.stations.iter().take(5).enumerate() {
                                    @if i > 0 { " " }
                                    a href={ "/dash/stations/" (url(s)) } { (s) }
                                }
                                @if more > 0 {
                                    @if !d.stations.is_empty() { " " }
                                    span.muted { (lang.t_args("dash-and-more", &[("n", &more.to_string())])) }
                                }
                            }
                            td {
                                @if let Some(t) = d.last_seen_at_ms {
                                    @let minutes = ((now - t).max(0) / 60_000).to_string();
                                    (lang.datetime(t))
                                    " "
                                    span.muted { (lang.t_args("dash-minutes-ago", &[("minutes", &minutes)])) }
                                } @else {
                                    (lang.t("dash-never"))
                                }
                            }
                            td.n { (num(lang, d.records)) }
                        }
                    }
                }
            }
        }
    };
    Ok(session.live_page(lang.t("dash-devices"), vec![home_crumb(lang)], body))
}
