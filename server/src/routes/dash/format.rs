//! How the pages write numbers, percentages, times, short ids and URL parts.
//!
//! Everything here is plain text: the templates escape it like any other value, so these
//! functions never produce markup.

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
pub(crate) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_times_and_url_parts() {
        assert_eq!(num(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(num(12), "12");
        assert_eq!(inum(-1500), "−1\u{202f}500");
        assert_eq!(pct(1, 3), "33.3\u{a0}%");
        assert_eq!(pct(1, 0), "–");
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(1_785_270_004_321), "2026-07-28 20:20:04 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(url("Zulia/Maracaibo ñ"), "Zulia%2FMaracaibo%20%C3%B1");
        assert_eq!(short("0123456789abcdef"), "01234567");
        assert_eq!(short("ñandú"), "ñandú");
    }
}
