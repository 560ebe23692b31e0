//! The frame every dashboard page shares (head, header with the navigation and the sign-out
//! form, breadcrumbs, heading) and the response that carries a page.
//!
//! Pages are plain server-rendered HTML with one small stylesheet, no scripts and no build step:
//! they load fast on a slow link and work on a phone screen.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::repo::coord::Coordinator;

/// The stylesheet, served at `/dash/static/app.css`.
pub(crate) const CSS: &str = include_str!("app.css");

/// The first breadcrumb of pages that are not under a region: back to the start.
pub(crate) fn home_crumb() -> (String, String) {
    ("Inicio".into(), "/dash".into())
}

/// A full page.
pub(crate) struct Page<'a> {
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
}

/// Renders a page in the common layout.
pub(crate) fn layout(page: Page<'_>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="es" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · Testigo" }
                link rel="stylesheet" href="/dash/static/app.css";
            }
            body {
                header {
                    a.brand href="/dash" { "Testigo" }
                    @if let (Some(user), Some(csrf)) = (page.user, page.csrf) {
                        nav {
                            a href="/dash" { "Resumen" }
                            a href="/dash/tally" { "Totales" }
                            a href="/dash/batches" { "Lotes" }
                            a href="/dash/devices" { "Dispositivos" }
                            form method="post" action="/dash/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button title=(user.name) { "Salir" }
                            }
                        }
                    }
                }
                main {
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

/// A page as a response: HTML, never cached (it shows one coordinator's live view).
pub(crate) fn html_page(page: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        page.into_string(),
    )
        .into_response()
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
            can_review: true,
        };
        let hostile = "<a href='x'>&\"</a>";
        let page = layout(Page {
            title: hostile.into(),
            crumbs: vec![(hostile.into(), "/dash?a=1&b=\"2\"".into())],
            body: html! { p { (hostile) } },
            user: Some(&user),
            csrf: Some("\"><script>"),
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
}
