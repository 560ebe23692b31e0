//! The frame of every portal page: the head (one stylesheet, one deferred script), the header
//! with the election's name, the search box and the language switch, breadcrumbs, the footer.
//! Values are escaped by maud; URL parts are percent-encoded first.

use maud::{DOCTYPE, Markup, html};

use crate::i18n::Lang;

/// A whole page. `here` is the address after the language (`/tables/X`), for the switch.
pub(crate) fn frame(
    lang: Lang,
    title: &str,
    election: Option<&str>,
    crumbs: &[(String, String)],
    body: Markup,
    here: &str,
) -> Markup {
    let home = format!("/{}/", lang.code());
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // For static mirrors, which cannot send the policy as a header.
                meta http-equiv="Content-Security-Policy" content=(super::MIRROR_CSP);
                title { (title) " · " (lang.t("portal-brand")) }
                link rel="stylesheet" href="/static/portal.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                script src="/static/verify.js" defer {}
            }
            body {
                header.top {
                    a.brand href=(home) {
                        (lang.t("portal-brand"))
                        @if let Some(name) = election { span.election { (name) } }
                    }
                    form.search method="get" action=(format!("/{}/search/", lang.code())) role="search" {
                        label.visually-hidden for="q" { (lang.t("search-label")) }
                        input #q type="search" name="q" maxlength="64" placeholder=(lang.t("search-placeholder"));
                        button type="submit" { (lang.t("search-button")) }
                    }
                    nav.langs aria-label=(lang.t("language-switch")) {
                        @for other in Lang::ALL {
                            @if other == lang {
                                span aria-current="true" lang=(other.code()) { (other.code().to_uppercase()) }
                            } @else {
                                a href=(format!("/{}{here}", other.code())) hreflang=(other.code()) lang=(other.code())
                                    title=(other.name()) { (other.code().to_uppercase()) }
                            }
                        }
                    }
                }
                main {
                    @if !crumbs.is_empty() {
                        nav aria-label=(lang.t("breadcrumbs")) {
                            ol.crumbs {
                                @for (label, href) in crumbs {
                                    li { a href=(href) { (label) } }
                                }
                            }
                        }
                    }
                    h1 { (title) }
                    (body)
                }
                footer {
                    p { (lang.t("footer-about")) }
                    p { a href="/data/keys.json" { (lang.t("footer-keys")) } }
                }
            }
        }
    }
}
