//! Small HTML helpers: escaping, numbers, times, bars, sparklines and the page layout. Pages are
//! plain server-rendered HTML with one small stylesheet and no build step: they load fast on a
//! slow link and work on a phone screen.

use crate::repo::coord::{ActivityPoint, Coordinator};

/// The stylesheet, served at `/dash/static/app.css`.
pub(crate) const CSS: &str = include_str!("app.css");

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment or query value (everything but RFC 3986's unreserved
/// characters).
pub(crate) fn url(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// A count with thin spaces between thousands (1 234 567).
pub(crate) fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A signed count.
pub(crate) fn inum(n: i64) -> String {
    if n < 0 { format!("−{}", num(n.unsigned_abs())) } else { num(n.unsigned_abs()) }
}

/// `part` as a percentage of `whole`, one decimal.
pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    format!("{:.1}\u{a0}%", part as f64 * 100.0 / whole as f64)
}

/// A horizontal bar filled to `part / whole`.
pub(crate) fn bar(part: u64, whole: u64) -> String {
    let w = if whole == 0 { 0.0 } else { (part as f64 * 100.0 / whole as f64).clamp(0.0, 100.0) };
    format!("<span class=\"bar\"><span style=\"width:{w:.1}%\"></span></span>")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A server time as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
}

/// A short form of a long id (its first 8 characters).
pub(crate) fn short(id: &str) -> String {
    esc(id.get(..8).unwrap_or(id))
}

/// Arrivals per minute as an inline SVG bar chart (records dark, photos light).
pub(crate) fn sparkline(points: &[ActivityPoint], from_minute: i64, minutes: i64) -> String {
    let max = points.iter().map(|p| p.records.max(p.photos)).max().unwrap_or(0).max(1);
    let (w, h) = (minutes.max(1) * 4, 60i64);
    let mut svg = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"arrivals per minute\">"
    );
    for p in points {
        let x = (p.minute - from_minute) * 4;
        if !(0..w).contains(&x) {
            continue;
        }
        let rh = (p.records as f64 / max as f64 * h as f64).round() as i64;
        let ph = (p.photos as f64 / max as f64 * h as f64).round() as i64;
        put!(
            svg,
            "<rect class=\"r\" x=\"{x}\" y=\"{}\" width=\"2\" height=\"{rh}\"><title>{} records</title></rect>\
             <rect class=\"p\" x=\"{}\" y=\"{}\" width=\"2\" height=\"{ph}\"><title>{} photos</title></rect>",
            h - rh,
            p.records,
            x + 2,
            h - ph,
            p.photos
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A full page.
pub(crate) struct Page<'a> {
    /// The `<title>` and the heading.
    pub title: String,
    /// Breadcrumbs (label, link).
    pub crumbs: Vec<(String, String)>,
    /// The content.
    pub body: String,
    /// The signed-in coordinator, if any.
    pub user: Option<&'a Coordinator>,
    /// The session's CSRF value (for the sign-out form).
    pub csrf: Option<&'a str>,
}

/// Renders a page in the common layout.
pub(crate) fn layout(page: Page<'_>) -> String {
    let mut nav = String::new();
    if let (Some(user), Some(csrf)) = (page.user, page.csrf) {
        put!(
            nav,
            "<nav><a href=\"/dash\">Resumen</a><a href=\"/dash/tally\">Totales</a><a href=\"/dash/batches\">Lotes</a>\
             <a href=\"/dash/devices\">Dispositivos</a><form method=\"post\" action=\"/dash/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button title=\"{}\">Salir</button></form></nav>",
            esc(csrf),
            esc(&user.name)
        );
    }
    let mut crumbs = String::new();
    if !page.crumbs.is_empty() {
        crumbs.push_str("<ol class=\"crumbs\">");
        for (label, href) in &page.crumbs {
            put!(crumbs, "<li><a href=\"{}\">{}</a></li>", esc(href), esc(label));
        }
        crumbs.push_str("</ol>");
    }
    format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Testigo</title><link rel=\"stylesheet\" href=\"/dash/static/app.css\"></head>\
         <body><header><a class=\"brand\" href=\"/dash\">Testigo</a>{nav}</header><main>{crumbs}<h1>{title}</h1>{body}</main>\
         </body></html>",
        title = esc(&page.title),
        body = page.body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_numbers_and_times() {
        assert_eq!(esc("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
        assert_eq!(num(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(num(12), "12");
        assert_eq!(inum(-1500), "−1\u{202f}500");
        assert_eq!(pct(1, 3), "33.3\u{a0}%");
        assert_eq!(pct(1, 0), "–");
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(1_785_270_004_321), "2026-07-28 20:20:04 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(url("Zulia/Maracaibo ñ"), "Zulia%2FMaracaibo%20%C3%B1");
    }
}
