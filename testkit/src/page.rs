//! Drawing an [`ActaSpec`] as a flat, upright, perfectly lit page.
//!
//! The page is [`PAGE_WIDTH`] × [`PAGE_HEIGHT`] pixels (A4-like at about 200 dpi): a header band
//! with the acta id and the registered voters, the option table (two columns when there are more
//! than 20 options), and a bottom block with the total of valid votes and the extra counts, the
//! members' signatures and, in the bottom right corner, the QR code with its 4-module quiet zone.

use qrcode::{Color, EcLevel, QrCode};

use crate::ActaError;
use crate::acta::ActaSpec;
use crate::draw::GrayImage;
use crate::glyph::{self, Align, Hand, Style};
use crate::rng::Rng;

/// Width of a rendered page, in pixels.
pub const PAGE_WIDTH: u32 = 1700;
/// Height of a rendered page, in pixels.
pub const PAGE_HEIGHT: u32 = 2400;

const MARGIN: f32 = 70.0;
/// Modules of white around a QR code, as its standard requires.
const QUIET: usize = 4;
const RULE: u8 = 60;
const LABEL_INK: u8 = 95;
const PRINT_INK: u8 = 25;

/// Where the QR code sits on the page.
#[derive(Debug, Clone)]
pub(crate) struct QrPlacement {
    /// Top left corner of the first module (inside the quiet zone), in page pixels.
    pub(crate) x: u32,
    pub(crate) y: u32,
    /// Side of a module in pixels.
    pub(crate) module: u32,
    /// Modules per side.
    pub(crate) width: usize,
    /// Dark modules, row by row.
    pub(crate) dark: Vec<bool>,
}

impl QrPlacement {
    fn new(payload: &str) -> Result<Self, ActaError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| ActaError::Qr(e.to_string()))?;
        let width = code.width();
        // As large as fits in about 520 px, never below 6 px a module so a phone photo resolves it.
        let module = (520 / (width + 2 * QUIET)).clamp(6, 12) as u32;
        let side = ((width + 2 * QUIET) as u32 * module) as f32;
        let x = (PAGE_WIDTH as f32 - MARGIN - side) as u32 + QUIET as u32 * module;
        let y = (PAGE_HEIGHT as f32 - MARGIN - side) as u32 + QUIET as u32 * module;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Self { x, y, module, width, dark })
    }

    /// Side of the code with its quiet zone, in pixels.
    fn side(&self) -> f32 {
        ((self.width + 2 * QUIET) as u32 * self.module) as f32
    }

    fn draw(&self, img: &mut GrayImage) {
        let q = (QUIET as u32 * self.module) as f32;
        let (x0, y0) = (self.x as f32 - q, self.y as f32 - q);
        img.fill_rect(x0, y0, x0 + self.side(), y0 + self.side(), 255);
        let m = self.module as f32;
        for (i, _) in self.dark.iter().enumerate().filter(|(_, d)| **d) {
            let (mx, my) = ((i % self.width) as f32, (i / self.width) as f32);
            let (x, y) = (self.x as f32 + mx * m, self.y as f32 + my * m);
            img.fill_rect(x, y, x + m, y + m, 0);
        }
    }
}

/// The QR code's placement on the page of `spec`, if it has one.
pub(crate) fn qr_placement(spec: &ActaSpec) -> Result<Option<QrPlacement>, ActaError> {
    spec.qr_payload.as_deref().map(QrPlacement::new).transpose()
}

/// Renders the page of `spec`. The `seed` decides the handwriting and the signatures.
///
/// Fails only when the QR payload is too long for a QR code.
pub fn render_page(spec: &ActaSpec, seed: u64) -> Result<GrayImage, ActaError> {
    let mut rng = Rng::stream(seed, 0x9A6E);
    let mut img = GrayImage::new(PAGE_WIDTH, PAGE_HEIGHT, 255);
    let printed = Style::Printed { weight: 0.06, ink: PRINT_INK };
    let counts = if spec.handwritten { Style::Hand(Hand::random(&mut rng)) } else { printed.clone() };
    let qr = qr_placement(spec)?;

    header(&mut img, spec, &printed, &mut rng);

    let extra_rh = 56.0;
    let extras_h = (spec.extra.len() + 1) as f32 * extra_rh;
    let signatures_h = 210.0;
    let bottom_h = qr.as_ref().map_or(0.0, QrPlacement::side).max(extras_h + 30.0 + signatures_h);
    let bottom_y = PAGE_HEIGHT as f32 - MARGIN - bottom_h;

    options_table(&mut img, spec, (290.0, bottom_y - 40.0), &printed, &counts, &mut rng);

    let left_w = PAGE_WIDTH as f32 - 2.0 * MARGIN - qr.as_ref().map_or(0.0, |q| q.side() + 40.0);
    let mut totals = vec![("TOTAL VOTOS VALIDOS".to_owned(), spec.total_valid())];
    totals.extend(spec.extra.iter().map(|r| (r.label.clone(), r.count)));
    let bx = (MARGIN, bottom_y, MARGIN + left_w, bottom_y + extras_h);
    count_table(&mut img, &totals, bx, extra_rh, &counts, &mut rng);
    signatures(
        &mut img,
        (MARGIN, bottom_y + extras_h + 30.0, MARGIN + left_w, bottom_y + bottom_h),
        &mut rng,
    );

    if let Some(qr) = &qr {
        qr.draw(&mut img);
    }
    Ok(img)
}

fn header(img: &mut GrayImage, spec: &ActaSpec, printed: &Style, rng: &mut Rng) {
    let (x0, x1) = (MARGIN, PAGE_WIDTH as f32 - MARGIN);
    img.fill_rect(x0, MARGIN, x1, MARGIN + 56.0, 228);
    img.frame_rect(x0, MARGIN, x1, 250.0, 3.0, RULE);
    glyph::greek(img, "ACTA DE ESCRUTINIO", x0 + 30.0, MARGIN + 12.0, 32.0, 40);
    glyph::greek(img, "Eleccion Presidencial", x0 + 30.0, 150.0, 22.0, LABEL_INK);
    glyph::greek(img, "Acta", x0 + 30.0, 200.0, 22.0, LABEL_INK);
    glyph::write(img, &spec.acta_id, (x0 + 110.0, 182.0, x0 + 900.0, 242.0), 36.0, Align::Left, printed, rng);
    glyph::greek(img, "Electores inscritos", x0 + 960.0, 200.0, 22.0, LABEL_INK);
    let registered = spec.registered.to_string();
    glyph::write(img, &registered, (x0 + 1300.0, 182.0, x1 - 20.0, 242.0), 36.0, Align::Left, printed, rng);
}

/// The option rows between `top` and `bottom`, in one or two columns.
fn options_table(
    img: &mut GrayImage,
    spec: &ActaSpec,
    (top, bottom): (f32, f32),
    printed: &Style,
    counts: &Style,
    rng: &mut Rng,
) {
    let n = spec.rows.len();
    if n == 0 {
        return;
    }
    let columns = if n > 20 { 2 } else { 1 };
    let per_column = n.div_ceil(columns);
    let rh = ((bottom - top) / (per_column + 1) as f32).min(80.0);
    let gap = 30.0;
    let cw = (PAGE_WIDTH as f32 - 2.0 * MARGIN - gap * (columns - 1) as f32) / columns as f32;
    for c in 0..columns {
        let x0 = MARGIN + c as f32 * (cw + gap);
        let rows_here = per_column.min(n - c * per_column);
        let (num_x, count_x, x1) = (x0 + 0.11 * cw, x0 + 0.7 * cw, x0 + cw);
        let y1 = top + (rows_here + 1) as f32 * rh;
        img.fill_rect(x0, top, x1, top + rh, 228);
        glyph::greek(img, "Organizacion", num_x + 12.0, top + 0.35 * rh, 0.36 * rh, 40);
        glyph::greek(img, "Votos", count_x + 12.0, top + 0.35 * rh, 0.36 * rh, 40);
        for r in 0..=rows_here + 1 {
            let y = top + r as f32 * rh;
            img.fill_rect(x0, y - 1.0, x1, y + 1.0, RULE);
        }
        for x in [x0, num_x, count_x, x1] {
            img.fill_rect(x - 1.0, top, x + 1.0, y1, RULE);
        }
        for r in 0..rows_here {
            let i = c * per_column + r;
            let Some(row) = spec.rows.get(i) else { continue };
            let y = top + (r + 1) as f32 * rh;
            let number = (i + 1).to_string();
            glyph::write(img, &number, (x0, y, num_x, y + rh), 0.42 * rh, Align::Center, printed, rng);
            glyph::greek(img, &row.label, num_x + 14.0, y + 0.32 * rh, 0.38 * rh, LABEL_INK);
            let h = digit_height(counts, rh);
            glyph::write(img, &row.count.to_string(), (count_x, y, x1, y + rh), h, Align::Right, counts, rng);
        }
    }
}

/// Counts written by hand come out a little larger than printed ones.
fn digit_height(style: &Style, rh: f32) -> f32 {
    match style {
        Style::Printed { .. } => 0.56 * rh,
        Style::Hand(_) => 0.62 * rh,
    }
}

/// A two-column table of labelled counts filling `bx`.
fn count_table(
    img: &mut GrayImage,
    rows: &[(String, u32)],
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    rh: f32,
    counts: &Style,
    rng: &mut Rng,
) {
    let split = x0 + 0.62 * (x1 - x0);
    img.frame_rect(x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0, 2.0, RULE);
    img.fill_rect(split - 1.0, y0, split + 1.0, y1, RULE);
    for (r, (label, count)) in rows.iter().enumerate() {
        let y = y0 + r as f32 * rh;
        if r > 0 {
            img.fill_rect(x0, y - 1.0, x1, y + 1.0, RULE);
        }
        glyph::greek(img, label, x0 + 16.0, y + 0.33 * rh, 0.36 * rh, LABEL_INK);
        let h = digit_height(counts, rh);
        glyph::write(img, &count.to_string(), (split, y, x1, y + rh), h, Align::Right, counts, rng);
    }
}

/// Three signature boxes: a line, a scribble on it, the role printed under it.
fn signatures(img: &mut GrayImage, (x0, y0, x1, y1): (f32, f32, f32, f32), rng: &mut Rng) {
    let w = (x1 - x0) / 3.0;
    for i in 0..3 {
        let bx0 = x0 + i as f32 * w;
        let line_y = y1 - 50.0;
        img.fill_rect(bx0 + 20.0, line_y, bx0 + w - 20.0, line_y + 2.0, RULE);
        glyph::greek(img, "Miembro de mesa", bx0 + 30.0, line_y + 16.0, 18.0, LABEL_INK);
        if rng.chance(0.92) {
            let h = ((line_y - y0) * 0.6).min(110.0);
            glyph::scribble(img, bx0 + 40.0, bx0 + w - 40.0, line_y - h * 0.55, h, rng);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acta::Election;

    #[test]
    fn qr_modules_on_the_page_are_the_codes() {
        let election = Election::new(11, 38);
        let spec = (0..).map(|s| election.acta(s)).find(|a| a.qr_payload.is_some()).unwrap();
        let page = render_page(&spec, 4).unwrap();
        let qr = qr_placement(&spec).unwrap().unwrap();
        let code =
            QrCode::with_error_correction_level(spec.qr_payload.unwrap().as_bytes(), EcLevel::M).unwrap();
        assert!(qr.module >= 6);
        let w = code.width();
        // Sample every module's centre, and the quiet zone around the code.
        for my in -(QUIET as i64)..(w + QUIET) as i64 {
            for mx in -(QUIET as i64)..(w + QUIET) as i64 {
                let m = i64::from(qr.module);
                let x = (i64::from(qr.x) + mx * m + m / 2) as u32;
                let y = (i64::from(qr.y) + my * m + m / 2) as u32;
                let inside = (0..w as i64).contains(&mx) && (0..w as i64).contains(&my);
                let dark = inside && code[(mx as usize, my as usize)] == Color::Dark;
                assert_eq!(page.get(x, y), Some(if dark { 0 } else { 255 }), "module ({mx}, {my})");
            }
        }
    }

    #[test]
    fn pages_are_deterministic_and_differ_by_seed() {
        let spec = Election::new(1, 38).acta(2);
        let a = render_page(&spec, 9).unwrap();
        assert_eq!(a, render_page(&spec, 9).unwrap());
        let hand = ActaSpec { handwritten: true, ..spec.clone() };
        assert_ne!(render_page(&hand, 9).unwrap(), render_page(&hand, 10).unwrap());
        assert_eq!((a.width, a.height), (PAGE_WIDTH, PAGE_HEIGHT));
    }

    #[test]
    fn a_page_without_qr_or_rows_still_renders() {
        let spec = ActaSpec {
            acta_id: "1.2".into(),
            registered: 0,
            rows: vec![],
            extra: vec![],
            qr_payload: None,
            handwritten: false,
        };
        let page = render_page(&spec, 0).unwrap();
        assert!(page.pixels.iter().any(|p| *p < 128));
    }

    #[test]
    fn an_oversized_payload_is_an_error() {
        let spec = ActaSpec { qr_payload: Some("9".repeat(9000)), ..Election::new(1, 3).acta(1) };
        assert!(matches!(render_page(&spec, 0), Err(ActaError::Qr(_))));
    }
}
