//! The two charts the pages draw without scripts: a bar filled to a share, and arrivals per
//! minute as an inline SVG.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::repo::coord::ActivityPoint;

/// A horizontal bar filled to `part / whole`.
pub(crate) fn bar(part: u64, whole: u64) -> Markup {
    let w = if whole == 0 { 0.0 } else { (part as f64 * 100.0 / whole as f64).clamp(0.0, 100.0) };
    html! { span.bar { span style=(format!("width:{w:.1}%")) {} } }
}

/// One minute's pair of columns in the sparkline.
struct Column {
    x: i64,
    records: u64,
    records_height: i64,
    photos: u64,
    photos_height: i64,
}

/// Arrivals per minute as an inline SVG bar chart (records dark, photos light), labelled in `lang`.
pub(crate) fn sparkline(lang: Lang, points: &[ActivityPoint], from_minute: i64, minutes: i64) -> Markup {
    let max = points.iter().map(|p| p.records.max(p.photos)).max().unwrap_or(0).max(1);
    let (w, h) = (minutes.max(1) * 4, 60i64);
    let height = |n: u64| (n as f64 / max as f64 * h as f64).round() as i64;
    let columns = points.iter().filter_map(|p| {
        let x = (p.minute - from_minute) * 4;
        (0..w).contains(&x).then(|| Column {
            x,
            records: p.records,
            records_height: height(p.records),
            photos: p.photos,
            photos_height: height(p.photos),
        })
    });
    html! {
        svg.spark viewBox=(format!("0 0 {w} {h}")) preserveAspectRatio="none" role="img"
            aria-label=(lang.t("dash-chart-arrivals")) {
            @for c in columns {
                rect.r x=(c.x) y=(h - c.records_height) width="2" height=(c.records_height) {
                    title { (lang.t_count("dash-chart-records", c.records, &[])) }
                }
                rect.p x=(c.x + 2) y=(h - c.photos_height) width="2" height=(c.photos_height) {
                    title { (lang.t_count("dash-chart-photos", c.photos, &[])) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_clamped_and_sparklines_skip_minutes_outside_the_window() {
        assert_eq!(bar(1, 4).into_string(), "<span class=\"bar\"><span style=\"width:25.0%\"></span></span>");
        assert!(bar(9, 4).into_string().contains("width:100.0%"));
        assert!(bar(1, 0).into_string().contains("width:0.0%"));
        let points = [
            ActivityPoint { minute: 10, records: 2, photos: 1 },
            ActivityPoint { minute: 99, records: 1, photos: 1 },
        ];
        let svg = sparkline(Lang::En, &points, 10, 3).into_string();
        assert!(svg.starts_with("<svg class=\"spark\" viewBox=\"0 0 12 60\""), "{svg}");
        assert!(
            svg.contains(
                "<rect class=\"r\" x=\"0\" y=\"0\" width=\"2\" height=\"60\"><title>2 tally sheets</title></rect>"
            ),
            "{svg}"
        );
        assert!(
            svg.contains(
                "<rect class=\"p\" x=\"2\" y=\"30\" width=\"2\" height=\"30\"><title>1 photo</title></rect>"
            ),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 2, "minute 99 lies outside the window: {svg}");
        assert!(svg.contains("aria-label=\"arrivals per minute\""), "{svg}");
        let svg = sparkline(Lang::Es, &points, 10, 3).into_string();
        assert!(svg.contains("aria-label=\"llegadas por minuto\""), "{svg}");
        assert!(svg.contains("<title>2 actas</title>") && svg.contains("<title>1 foto</title>"), "{svg}");
    }
}
