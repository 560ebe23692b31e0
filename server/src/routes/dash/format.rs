//! How the pages write numbers, percentages, short ids and URL parts, in the page's language.
//!
//! Spanish keeps the dashboard's own forms (`1 234 567` grouped by narrow no-break spaces, as the
//! RAE recommends, and `42.5 %`), so its pages read as they always have; the other languages
//! write numbers as the portal does ([`Lang::int`], [`Lang::percent`]). Times are
//! [`Lang::datetime`] in every language, called by the pages directly.
//!
//! Everything here is plain text: the templates escape it like any other value, so these
//! functions never produce markup.

use crate::i18n::Lang;

/// Percent-encodes a path segment or query value (everything but RFC 3986's unreserved
/// characters).
///
/// Escaping for HTML is the template's job; this is the other layer, which keeps a value from
/// changing the URL's structure (a `/` in a center id, a `&` in a contest id).
pub(crate) fn url(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// A count, with the language's digit grouping.
pub(crate) fn num(lang: Lang, n: u64) -> String {
    match lang {
        Lang::Es => thin_grouped(n),
        _ => lang.int(i64::try_from(n).unwrap_or(i64::MAX)),
    }
}

/// A count with narrow no-break spaces between thousands (1 234 567).
fn thin_grouped(n: u64) -> String {
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

/// A signed count (a true minus sign before a negative one).
pub(crate) fn inum(lang: Lang, n: i64) -> String {
    if n < 0 { format!("−{}", num(lang, n.unsigned_abs())) } else { num(lang, n.unsigned_abs()) }
}

/// `part` as a percentage of `whole`, one decimal, as the language writes it (one home:
/// [`Lang::percent`], which the portal uses too).
pub(crate) fn pct(lang: Lang, part: u64, whole: u64) -> String {
    lang.percent(part, whole)
}

/// A short form of a long id (its first 8 characters).
pub(crate) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_url_parts() {
        assert_eq!(num(Lang::Es, 1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(num(Lang::Es, 12), "12");
        assert_eq!(inum(Lang::Es, -1500), "−1\u{202f}500");
        assert_eq!(pct(Lang::Es, 1, 3), "33,3 %");
        assert_eq!(pct(Lang::Es, 1, 0), "—");
        assert_eq!(num(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(inum(Lang::En, -1500), "−1,500");
        assert_eq!(pct(Lang::En, 1, 3), "33.3%");
        assert_eq!(pct(Lang::Fr, 1, 0), "—");
        // The times the dashboard has always written, now from `Lang::datetime`.
        assert_eq!(Lang::Es.datetime(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(Lang::Fr.datetime(1_785_270_004_321), "2026-07-28 20:20:04 UTC");
        assert_eq!(Lang::Es.datetime(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(url("Zulia/Maracaibo ñ"), "Zulia%2FMaracaibo%20%C3%B1");
        assert_eq!(short("0123456789abcdef"), "01234567");
        assert_eq!(short("ñandú"), "ñandú");
    }
}
