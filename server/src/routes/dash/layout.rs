//! The frame every dashboard page shares (head, header with the navigation and the sign-out
//! form, breadcrumbs, heading), the parts several pages show (a table's phone in a line), and the
//! response that carries a page, in the page's language.
//!
//! Pages are plain server-rendered HTML with one small stylesheet and no build step: they load
//! fast on a slow link and work on a phone screen. Pages that show what keeps arriving (the
//! overview, totals, lists) are *live*: they say when they were made, and one small script
//! (`dash.js`) refreshes them as events arrive; without it they are the same pages.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::i18n::Lang;
use crate::repo::coord::Coordinator;

/// The stylesheet, served at `/dash/static/app.css`.
pub(crate) const CSS: &str = include_str!("app.css");

/// The first breadcrumb of pages that are not under a region: back to the start.
pub(crate) fn home_crumb(lang: Lang) -> (String, String) {
    (lang.t("dash-home"), "/dash".into())
}

/// A full page.
pub(crate) struct Page<'a> {
    /// The language every text of the frame is in (the page's own texts are given in it too).
    pub lang: Lang,
    /// The `<title>` and the heading.
    pub title: String,
    /// Breadcrumbs (label, link).
    pub crumbs: Vec<(String, String)>,
    /// The content.
    pub body: Markup,
    /// The signed-in coordinator, if any.
    pub user: Option<&'a Coordinator>,
    /// The session's CSRF value (for the sign-out form).
    pub csrf: Option<&'a str>,
    /// For a page that keeps itself current (`dash.js` refreshes it; it says when it was made):
    /// the last tally pass it shows ([`crate::live::Pulse::seq`]).
    pub live: Option<u64>,
}

/// Renders a page in the common layout.
pub(crate) fn layout(page: Page<'_>) -> Markup {
    let lang = page.lang;
    let brand = lang.t("dash-brand");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · " (brand) }
                link rel="stylesheet" href="/dash/static/app.css";
                script src="/dash/static/dash.js" defer {}
            }
            body {
                header {
                    a.brand href="/dash" { (brand) }
                    @if let (Some(user), Some(csrf)) = (page.user, page.csrf) {
                        nav {
                            a href="/dash" { (lang.t("dash-overview")) }
                            a href="/dash/tally" { (lang.t("dash-tally")) }
                            a href="/dash/contrast" { (lang.t("dash-contrast")) }
                            a href="/dash/quickcount" { (lang.t("dash-quickcount")) }
                            a href="/dash/batches" { (lang.t("dash-batches")) }
                            a href="/dash/devices" { (lang.t("dash-devices")) }
                            a href="/dash/missing" { (lang.t("dash-missing")) }
                            @if user.can_review() {
                                a href="/dash/transcribe" { (lang.t("dash-transcribe")) }
                                a href="/dash/verify" { (lang.t("dash-verify")) }
                            }
                            @if user.is_admin() {
                                a href="/dash/accounts" { (lang.t("dash-accounts")) }
                                a href="/dash/enrollment" { (lang.t("dash-enrollment")) }
                                a href="/dash/audit" { (lang.t("dash-audit-nav")) }
                                a href="/dash/channels" { (lang.t("dash-channels-nav")) }
                            }
                            form.search method="get" action="/dash/search" role="search" {
                                input type="search" name="q" placeholder=(lang.t("dash-search"))
                                    aria-label=(lang.t("dash-search")) size="14";
                            }
                            form method="post" action="/dash/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button title=(user.name) { (lang.t("dash-sign-out")) }
                            }
                        }
                    }
                }
                main data-live[page.live.is_some()] data-seq=[page.live] {
                    @if page.live.is_some() {
                        p.as-of.muted #as-of { (lang.t_args("dash-as-of", &[("time", &lang.datetime(crate::now_ms()))])) }
                    }
                    @if !page.crumbs.is_empty() {
                        ol.crumbs {
                            @for (label, href) in &page.crumbs {
                                li { a href=(href) { (label) } }
                            }
                        }
                    }
                    h1 { (page.title) }
                    (page.body)
                }
            }
        }
    }
}

/// The dashboard's security policy: the server-wide one (see `routes/mod.rs`), plus its own
/// script (`dash.js`) and the event stream it opens, from the same origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; \
     style-src-elem 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page in `lang` as a response: HTML, never cached (it shows one coordinator's live view),
/// and saying that its language came from the request's `Accept-Language`.
pub(crate) fn html_page(lang: Lang, page: Markup) -> Response {
    (
        [
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code())),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
        ],
        page.into_string(),
    )
        .into_response()
}

/// A table's phone in a line: who carries it, its id, when it was last heard from (or that it
/// was revoked, or never heard from).
pub(crate) fn device_line(
    lang: crate::i18n::Lang,
    d: &crate::repo::coord::AssignedDevice,
    now: i64,
) -> maud::Markup {
    maud::html! {
        @if let Some(k) = &d.contact { (k.name) " " span.muted { (k.phone) } " " }
        code title=(d.id) { (super::format::short(&d.id)) } " "
        @if d.revoked {
            span.tag.warn { (lang.t("dash-device-revoked")) }
        } @else if let Some(seen) = d.last_seen_at_ms {
            @let minutes = ((now - seen).max(0) / 60_000).to_string();
            span.muted { (lang.t_args("dash-minutes-ago", &[("minutes", &minutes)])) }
        } @else {
            span.tag.warn { (lang.t("dash-never")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_a_page_is_given_comes_out_escaped() {
        let user = Coordinator {
            id: 1,
            name: "ana\" onclick=\"x".into(),
            scope_path: String::new(),
            role: crate::repo::coord::Role::Admin,
        };
        let hostile = "<a href='x'>&\"</a>";
        let page = layout(Page {
            lang: Lang::Es,
            title: hostile.into(),
            crumbs: vec![(hostile.into(), "/dash?a=1&b=\"2\"".into())],
            body: html! { p { (hostile) } },
            user: Some(&user),
            csrf: Some("\"><script>"),
            live: None,
        })
        .into_string();
        let escaped = "&lt;a href='x'&gt;&amp;&quot;&lt;/a&gt;";
        assert!(page.contains(&format!("<title>{escaped} · Testigo</title>")), "{page}");
        assert!(page.contains(&format!("<h1>{escaped}</h1><p>{escaped}</p>")), "{page}");
        assert!(
            page.contains(&format!("<li><a href=\"/dash?a=1&amp;b=&quot;2&quot;\">{escaped}</a></li>")),
            "{page}"
        );
        assert!(page.contains("value=\"&quot;&gt;&lt;script&gt;\""), "{page}");
        assert!(page.contains("title=\"ana&quot; onclick=&quot;x\""), "{page}");
        assert!(!page.contains("<script>") && !page.contains("<a href='x'>"), "{page}");
    }

    #[test]
    fn the_frame_is_in_the_pages_language() {
        let user = Coordinator {
            id: 1,
            name: "ana".into(),
            scope_path: String::new(),
            role: crate::repo::coord::Role::Admin,
        };
        for (lang, sign_out) in
            [(Lang::Es, "Salir"), (Lang::En, "Sign out"), (Lang::Pt, "Sair"), (Lang::Fr, "Se déconnecter")]
        {
            let page = layout(Page {
                lang,
                title: "t".into(),
                crumbs: vec![home_crumb(lang)],
                body: html! {},
                user: Some(&user),
                csrf: Some("c"),
                live: Some(3),
            })
            .into_string();
            assert!(page.contains(&format!("<html lang=\"{}\">", lang.code())), "{page}");
            assert!(
                page.contains("<main data-live data-seq=\"3\"") && page.contains("id=\"as-of\""),
                "{page}"
            );
            assert!(page.contains("src=\"/dash/static/dash.js\""), "{page}");
            assert!(page.contains(&format!(">{sign_out}</button>")), "{page}");
            assert!(!page.contains('⟦'), "{page}");
        }
    }
}
