//! Digits drawn as pen strokes, printed or handwritten, plus the stand-ins for everything else
//! written on an acta (labels as blocks of "greeked" text, signatures as scribbles).
//!
//! No font is shipped: each digit is a few polylines and elliptic arcs in a unit box (x to the
//! right, y down, the glyph spans `[0, 1] × [0, 1]`). Printed digits are drawn exactly as defined,
//! with a fixed advance, like a machine's tabular figures. Handwritten digits go through a
//! [`Hand`]: one per acta, so a whole page shares a writer's slant, pen width and habits (a crossed
//! seven, a flagged one), while every glyph gets its own small scale, rotation and wobble, and the
//! ends of each stroke over- or undershoot a little.

use crate::draw::{GrayImage, Pt};
use crate::rng::Rng;

/// Points of an elliptic arc from `a0` to `a1` degrees (0° to the right, 90° down).
fn arc(cx: f32, cy: f32, rx: f32, ry: f32, a0: f32, a1: f32) -> Vec<Pt> {
    let steps = ((a1 - a0).abs() / 12.0).ceil().max(2.0) as usize;
    (0..=steps)
        .map(|i| {
            let a = (a0 + (a1 - a0) * i as f32 / steps as f32).to_radians();
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect()
}

fn poly(points: &[Pt]) -> Vec<Pt> {
    points.to_vec()
}

fn chain(mut first: Vec<Pt>, rest: Vec<Pt>) -> Vec<Pt> {
    first.extend(rest);
    first
}

/// Habits that differ between writers, for the digits that people write in different ways.
#[derive(Debug, Clone, Copy, Default)]
struct Habits {
    seven_bar: bool,
    one_flag: bool,
    one_base: bool,
    open_four: bool,
}

/// The strokes of `c` in the unit box; empty for characters without a glyph.
fn strokes(c: char, h: Habits) -> Vec<Vec<Pt>> {
    match c {
        '0' => vec![arc(0.5, 0.5, 0.42, 0.49, -90.0, 270.0)],
        '1' => {
            let mut s = vec![if h.one_flag {
                poly(&[(0.22, 0.24), (0.58, 0.0), (0.58, 1.0)])
            } else {
                poly(&[(0.55, 0.0), (0.55, 1.0)])
            }];
            if h.one_base {
                s.push(poly(&[(0.25, 1.0), (0.9, 1.0)]));
            }
            s
        }
        '2' => vec![chain(arc(0.5, 0.29, 0.4, 0.28, 195.0, 380.0), poly(&[(0.06, 1.0), (0.95, 1.0)]))],
        '3' => {
            vec![chain(arc(0.5, 0.26, 0.38, 0.24, 200.0, 450.0), arc(0.5, 0.75, 0.43, 0.25, 270.0, 520.0))]
        }
        '4' => {
            if h.open_four {
                vec![poly(&[(0.3, 0.0), (0.08, 0.62), (0.95, 0.62)]), poly(&[(0.72, 0.25), (0.72, 1.0)])]
            } else {
                vec![poly(&[(0.72, 1.0), (0.72, 0.0), (0.04, 0.68), (0.96, 0.68)])]
            }
        }
        '5' => vec![chain(poly(&[(0.88, 0.01), (0.24, 0.01)]), arc(0.5, 0.68, 0.41, 0.32, 215.0, 510.0))],
        '6' => vec![arc(0.92, 0.7, 0.82, 0.7, 247.0, 180.0), arc(0.5, 0.7, 0.42, 0.3, 180.0, 540.0)],
        '7' => {
            let mut s = vec![poly(&[(0.04, 0.01), (0.96, 0.01), (0.36, 1.0)])];
            if h.seven_bar {
                s.push(poly(&[(0.38, 0.52), (0.86, 0.52)]));
            }
            s
        }
        '8' => vec![arc(0.5, 0.25, 0.34, 0.24, 0.0, 360.0), arc(0.5, 0.74, 0.42, 0.26, 0.0, 360.0)],
        // A six turned half a turn.
        '9' => strokes('6', h)
            .into_iter()
            .map(|s| s.into_iter().map(|(x, y)| (1.0 - x, 1.0 - y)).collect())
            .collect(),
        '.' => vec![poly(&[(0.5, 0.97)])],
        _ => Vec::new(),
    }
}

/// How wide a glyph's box is, relative to its height; `.` is narrow.
fn aspect(c: char) -> f32 {
    if c == '.' { 0.3 } else { 0.58 }
}

/// The person who filled in a handwritten acta.
#[derive(Debug, Clone)]
pub(crate) struct Hand {
    slant: f32,
    pen: f32,
    wobble: f32,
    ink: u8,
    habits: Habits,
}

impl Hand {
    /// A writer drawn at random.
    pub(crate) fn random(rng: &mut Rng) -> Self {
        Self {
            slant: rng.range(-0.08, 0.32) as f32,
            pen: rng.range(0.05, 0.095) as f32,
            wobble: rng.range(0.015, 0.045) as f32,
            ink: rng.int(20, 90) as u8,
            habits: Habits {
                seven_bar: rng.chance(0.3),
                one_flag: rng.chance(0.6),
                one_base: false,
                open_four: rng.chance(0.35),
            },
        }
    }
}

/// How numbers are written.
#[derive(Debug, Clone)]
pub(crate) enum Style {
    /// By a printer: clean strokes, fixed advance.
    Printed {
        /// Pen radius relative to the glyph height.
        weight: f32,
        /// Gray level of the ink.
        ink: u8,
    },
    /// By a person.
    Hand(Hand),
}

/// Where a run of text goes in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// One glyph placed: its strokes already in page coordinates, relative to the run's origin.
struct Placed {
    strokes: Vec<Vec<Pt>>,
}

/// Lays out `text` in glyphs of height `h`, origin at the top left of the run; returns the glyphs
/// and the run's advance width.
fn layout(text: &str, h: f32, style: &Style, rng: &mut Rng) -> (Vec<Placed>, f32) {
    let mut placed = Vec::with_capacity(text.len());
    let mut x = 0.0;
    for c in text.chars() {
        let gw = aspect(c) * h;
        match style {
            Style::Printed { .. } => {
                let habits = Habits { one_flag: true, one_base: true, ..Habits::default() };
                let strokes = strokes(c, habits)
                    .into_iter()
                    .map(|s| s.into_iter().map(|(u, v)| (x + u * gw, v * h)).collect())
                    .collect();
                placed.push(Placed { strokes });
                x += gw + 0.22 * h;
            }
            Style::Hand(hand) => {
                let (sx, sy) = (rng.range(0.85, 1.12) as f32, rng.range(0.88, 1.08) as f32);
                let (gw, gh) = (gw * sx, h * sy);
                let dy = rng.range(-0.06, 0.06) as f32 * h;
                let angle = rng.range(-0.06, 0.06) as f32;
                let (sin, cos) = angle.sin_cos();
                let strokes = strokes(c, hand.habits)
                    .into_iter()
                    .map(|s| wobble(&s, hand.wobble, rng))
                    .map(|s| {
                        s.into_iter()
                            .map(|(u, v)| {
                                // Slant leans the top to the right; rotation is about the middle.
                                let (px, py) = ((u - 0.5) * gw + hand.slant * (0.5 - v) * gh, (v - 0.5) * gh);
                                (x + gw / 2.0 + px * cos - py * sin, h / 2.0 + dy + px * sin + py * cos)
                            })
                            .collect()
                    })
                    .collect();
                placed.push(Placed { strokes });
                x += gw + rng.range(0.12, 0.3) as f32 * h;
            }
        }
    }
    let width = (x - if text.is_empty() { 0.0 } else { 0.22 * h }).max(0.0);
    (placed, width)
}

/// A stroke drawn by an unsteady hand: a smooth sideways drift along it, and ends that miss.
fn wobble(stroke: &[Pt], amount: f32, rng: &mut Rng) -> Vec<Pt> {
    let n = stroke.len().max(2) as f32 - 1.0;
    let (fx, fy) = (rng.range(0.5, 1.6) as f32, rng.range(0.5, 1.6) as f32);
    let (px, py) = (rng.range(0.0, 6.3) as f32, rng.range(0.0, 6.3) as f32);
    let start = (rng.signed() as f32 * amount * 1.5, rng.signed() as f32 * amount * 1.5);
    let end = (rng.signed() as f32 * amount * 1.5, rng.signed() as f32 * amount * 1.5);
    stroke
        .iter()
        .enumerate()
        .map(|(i, (u, v))| {
            let t = i as f32 / n;
            let tau = std::f32::consts::TAU * t;
            (
                u + amount * (fx * tau + px).sin() + start.0 * (1.0 - t) + end.0 * t,
                v + amount * (fy * tau + py).sin() + start.1 * (1.0 - t) + end.1 * t,
            )
        })
        .collect()
}

/// Writes `text` (digits and dots) with glyphs `h` high, vertically centred in the box
/// `[x0, x1) × [y0, y1)` and aligned in it as asked.
pub(crate) fn write(
    img: &mut GrayImage,
    text: &str,
    bx: (f32, f32, f32, f32),
    h: f32,
    align: Align,
    style: &Style,
    rng: &mut Rng,
) {
    let (x0, y0, x1, y1) = bx;
    let (glyphs, width) = layout(text, h, style, rng);
    // A slanted hand leans past its advance width at the top.
    let pad = match style {
        Style::Printed { .. } => 0.25 * h,
        Style::Hand(hand) => (0.3 + 0.5 * hand.slant.max(0.0)) * h,
    };
    let ox = match align {
        Align::Left => x0 + pad,
        Align::Center => (x0 + x1 - width) / 2.0,
        Align::Right => x1 - pad - width,
    };
    let oy = (y0 + y1 - h) / 2.0;
    let (radius, ink) = match style {
        Style::Printed { weight, ink } => (weight * h, *ink),
        Style::Hand(hand) => ((hand.pen * h * rng.range(0.85, 1.15) as f32).max(1.0), hand.ink),
    };
    for glyph in glyphs {
        for stroke in glyph.strokes {
            let moved: Vec<Pt> = stroke.into_iter().map(|(x, y)| (ox + x, oy + y)).collect();
            img.stroke_polyline(&moved, radius, ink);
        }
    }
}

/// Stands in for printed words: a block per letter, short for lower case, a gap per space.
/// Returns the width used.
pub(crate) fn greek(img: &mut GrayImage, text: &str, x: f32, y_top: f32, h: f32, ink: u8) -> f32 {
    let mut at = x;
    for c in text.chars() {
        if c.is_whitespace() {
            at += 0.45 * h;
            continue;
        }
        let (w, top) = if c.is_lowercase() { (0.5 * h, 0.3 * h) } else { (0.62 * h, 0.0) };
        img.fill_rect(at, y_top + top, at + w, y_top + h, ink);
        at += w + 0.16 * h;
    }
    at - x
}

/// A signature: a looping cursive scrawl along `[x0, x1]` around the line `y`, `h` high.
pub(crate) fn scribble(img: &mut GrayImage, x0: f32, x1: f32, y: f32, h: f32, rng: &mut Rng) {
    let loops = rng.range(3.0, 7.0);
    let radius = rng.range(0.15, 0.3) * f64::from(h);
    let sway = rng.range(0.1, 0.25) * f64::from(h);
    let (phase, lean) = (rng.range(0.0, 6.3), rng.range(-0.25, 0.25) * f64::from(h));
    let len = f64::from(x1 - x0) - 2.0 * radius;
    let steps = 240;
    let points: Vec<Pt> = (0..=steps)
        .map(|i| {
            let t = f64::from(i) / f64::from(steps);
            let w = std::f64::consts::TAU * loops * t + phase;
            let px = f64::from(x0) + radius + t * len + radius * w.cos();
            let py = f64::from(y) + sway * (2.3 * w / loops).sin() + radius * 1.6 * w.sin() - lean * t;
            (px as f32, py as f32)
        })
        .collect();
    let pen = rng.range(1.3, 2.4) as f32;
    let ink = rng.int(15, 70) as u8;
    img.stroke_polyline(&points, pen, ink);
    // The underline most people finish with.
    if rng.chance(0.5) {
        let y2 = y + h * 0.45;
        img.stroke_polyline(&[(x0 + 0.1 * (x1 - x0), y2), (x1 - 0.05 * (x1 - x0), y2 - 0.1 * h)], pen, ink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink_in(img: &GrayImage, x0: u32, x1: u32) -> usize {
        (0..img.height)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get(x, y).unwrap() < 128)
            .count()
    }

    #[test]
    fn every_digit_has_ink_in_its_box() {
        for c in "0123456789".chars() {
            for style in [
                Style::Printed { weight: 0.08, ink: 0 },
                Style::Hand(Hand::random(&mut Rng::new(u64::from(c as u32)))),
            ] {
                let mut img = GrayImage::new(100, 100, 255);
                write(
                    &mut img,
                    &c.to_string(),
                    (0.0, 0.0, 100.0, 100.0),
                    60.0,
                    Align::Center,
                    &style,
                    &mut Rng::new(3),
                );
                let ink = ink_in(&img, 0, 100);
                assert!(ink > 150, "{c}: {ink}");
                // Nothing spills out of a generous box around the glyph.
                assert_eq!(ink_in(&img, 0, 10) + ink_in(&img, 90, 100), 0, "{c}");
            }
        }
    }

    #[test]
    fn right_alignment_ends_near_the_right_edge() {
        let mut img = GrayImage::new(300, 60, 255);
        let style = Style::Printed { weight: 0.08, ink: 0 };
        write(&mut img, "123", (0.0, 0.0, 300.0, 60.0), 40.0, Align::Right, &style, &mut Rng::new(1));
        assert_eq!(ink_in(&img, 0, 150), 0);
        assert!(ink_in(&img, 250, 300) > 50);
    }
}
