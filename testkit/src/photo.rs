//! Turning a flat page into the JPEG a watcher's phone would save.
//!
//! The scene, in upright (as displayed) frame coordinates: a table surface with a wood-like grain,
//! the page laid on it — placed by a homography from the page rectangle to a rotated, perspective-
//! distorted quadrilateral ([`page_quad`]), sampled bilinearly by inverse mapping, with a soft
//! anti-aliased edge and a faint contact shadow — and light that falls off across the frame, a
//! vignette and a soft shadow band (a hand or a phone between the lamp and the page). Paper gets a
//! slight colour cast; the sensor adds luma and chroma noise.
//!
//! The phone then stores its pixels *sensor-side up* and records in EXIF how to turn them for
//! display. Orientation `o` is defined (EXIF 2.32, tag 0x0112) by what the stored 0th row and 0th
//! column are in the displayed image:
//!
//! | o | 0th row is the visual | 0th column is the visual | display by            | stored pixel (a, b) shows upright (x, y) |
//! |---|-----------------------|--------------------------|-----------------------|------------------------------------------|
//! | 1 | top                   | left                     | nothing               | (a, b)                                   |
//! | 2 | top                   | right                    | mirror horizontally   | (W-1-a, b)                               |
//! | 3 | bottom                | right                    | rotate 180°           | (W-1-a, H-1-b)                           |
//! | 4 | bottom                | left                     | mirror vertically     | (a, H-1-b)                               |
//! | 5 | left                  | top                      | transpose             | (b, a)                                   |
//! | 6 | right                 | top                      | rotate 90° clockwise  | (W-1-b, a)                               |
//! | 7 | right                 | bottom                   | transverse            | (W-1-b, H-1-a)                           |
//! | 8 | left                  | bottom                   | rotate 90° counter-cw | (b, H-1-a)                               |
//!
//! where `W × H` is the upright frame ([`PhotoSpec::width`] × [`PhotoSpec::height`]); for 5–8 the
//! stored image is `H × W`. So for 6 the stored pixels are the upright scene turned 90°
//! counter-clockwise, and a viewer's 90° clockwise turn puts it right.
//!
//! Rather than render the upright frame and then transpose twelve megapixels (a cache-hostile
//! copy), the renderer walks the *stored* pixels in order and evaluates the upright scene at the
//! position each one shows, through the table above. Every per-pixel quantity is computed from
//! that position directly, never accumulated along a row, so all eight orientations store exactly
//! the same scene. Defocus blur is applied to the page before it is warped, in page pixels: one
//! pass over a few megapixels of gray instead of twelve of colour, and the table's texture is
//! smooth anyway. Rows are rendered by as many threads as the machine offers; each row's noise
//! comes from its own seeded stream, so the output does not depend on the thread count.

use std::borrow::Cow;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use crate::ActaError;
use crate::draw::GrayImage;
use crate::exif;
use crate::geometry::{Homography, Point};
use crate::rng::Rng;

/// How the phone took the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoSpec {
    /// Width of the frame as displayed (after applying the EXIF orientation), in pixels.
    pub width: u32,
    /// Height of the frame as displayed, in pixels.
    pub height: u32,
    /// JPEG quality, 1–100.
    pub quality: u8,
    /// EXIF orientation, 1–8 (see the [module docs](self)).
    pub exif_orientation: u16,
    /// Where the photo was taken, `(latitude, longitude)` in degrees, written to the GPS IFD.
    pub gps: Option<(f64, f64)>,
    /// In-plane rotation of the page, degrees clockwise as displayed (realistic: ±12).
    pub rotation_deg: f64,
    /// Perspective strength, 0–1: how far the camera is tilted off the page's normal; at 1 the
    /// keystone moves a corner by up to about 8% of the page's size.
    pub perspective: f64,
    /// How much of the frame the page fills: its scale is this fraction of the largest scale at
    /// which the upright page fits (realistic: 0.55–0.85). The page is shrunk further if rotation
    /// and perspective would push a corner out of the frame.
    pub page_fill: f64,
    /// Uneven light, 0–1: a falloff across the frame, a vignette and a soft shadow band.
    pub light_gradient: f64,
    /// Defocus, in frame pixels: the radius of a box filter applied twice (realistic: 0–3).
    pub blur_radius: f64,
    /// Standard deviation of the sensor noise, in 8-bit levels (realistic: 0–8).
    pub noise_sigma: f64,
    /// The colour of the table under the page (RGB); its texture comes from the seed.
    pub background: [u8; 3],
}

impl Default for PhotoSpec {
    /// A clean, straight, evenly lit 4000 × 3000 photo with no location.
    fn default() -> Self {
        Self {
            width: 4000,
            height: 3000,
            quality: 92,
            exif_orientation: 1,
            gps: None,
            rotation_deg: 0.0,
            perspective: 0.0,
            page_fill: 0.75,
            light_gradient: 0.0,
            blur_radius: 0.0,
            noise_sigma: 0.0,
            background: [150, 108, 72],
        }
    }
}

/// Table surfaces seen under actas: woods, grey and white laminates, a green cloth, blue plastic.
const SURFACES: [(f64, [u8; 3]); 7] = [
    (3.0, [150, 108, 72]),
    (2.0, [196, 160, 118]),
    (1.0, [92, 62, 44]),
    (2.0, [150, 150, 146]),
    (1.0, [222, 220, 212]),
    (0.5, [52, 96, 70]),
    (0.5, [60, 92, 150]),
];

impl PhotoSpec {
    /// Realistic conditions drawn from `seed`: mostly a phone held upright over the page (stored
    /// sideways with orientation 6 or 8 about a third of the time), a location on about half.
    pub fn random(seed: u64) -> Self {
        let mut rng = Rng::stream(seed, 0x9407);
        let orientations =
            [(55.0, 1), (22.0, 6), (10.0, 8), (5.0, 3), (2.0, 2), (2.0, 4), (2.0, 5), (2.0, 7)];
        let exif_orientation = rng.weighted(&orientations).copied().unwrap_or(1);
        let (width, height) = if rng.chance(0.85) { (3000, 4000) } else { (4000, 3000) };
        let gps = rng.chance(0.5).then(|| (rng.range(0.7, 12.2), rng.range(-73.3, -59.8)));
        let mut background = SURFACES.first().map_or([128; 3], |s| s.1);
        if let Some(surface) = rng.weighted(&SURFACES) {
            background = surface.map(|c| (f64::from(c) + rng.range(-12.0, 12.0)).clamp(0.0, 255.0) as u8);
        }
        Self {
            width,
            height,
            quality: rng.int(85, 95) as u8,
            exif_orientation,
            gps,
            rotation_deg: (4.0 * rng.normal()).clamp(-12.0, 12.0),
            perspective: rng.f64().powf(1.5),
            page_fill: rng.range(0.55, 0.85),
            light_gradient: rng.f64(),
            // Most photos are in focus; a few are not.
            blur_radius: 3.0 * rng.f64().powi(2),
            noise_sigma: rng.range(0.5, 8.0),
            background,
        }
    }

    /// Size of the pixel data as stored in the JPEG: the frame's, swapped for orientations 5–8.
    pub fn stored_size(&self) -> (u32, u32) {
        if self.exif_orientation >= 5 { (self.height, self.width) } else { (self.width, self.height) }
    }

    fn validate(&self) -> Result<(), ActaError> {
        let checks = [
            ((64..=16_384).contains(&self.width) && (64..=16_384).contains(&self.height), "frame size"),
            ((1..=100).contains(&self.quality), "quality"),
            ((1..=8).contains(&self.exif_orientation), "EXIF orientation"),
            (self.gps.is_none_or(|(lat, lon)| lat.abs() <= 90.0 && lon.abs() <= 180.0), "GPS position"),
            (self.rotation_deg.abs() <= 45.0, "rotation"),
            ((0.0..=1.0).contains(&self.perspective), "perspective"),
            (self.page_fill > 0.05 && self.page_fill <= 1.0, "page fill"),
            ((0.0..=1.0).contains(&self.light_gradient), "light gradient"),
            ((0.0..=20.0).contains(&self.blur_radius), "blur radius"),
            ((0.0..=64.0).contains(&self.noise_sigma), "noise"),
        ];
        match checks.into_iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(ActaError::InvalidSpec(what)),
            None => Ok(()),
        }
    }
}

/// Where the corners of a `page_w × page_h` page land in the upright frame of `spec` — top left,
/// top right, bottom right, bottom left — for the photo made with `seed`.
pub fn page_quad(page_w: u32, page_h: u32, spec: &PhotoSpec, seed: u64) -> Result<[Point; 4], ActaError> {
    spec.validate()?;
    if page_w < 2 || page_h < 2 {
        return Err(ActaError::InvalidSpec("page size"));
    }
    let mut rng = Rng::stream(seed, 0x90AD);
    let (fw, fh) = (f64::from(spec.width), f64::from(spec.height));
    let (pw, ph) = (f64::from(page_w), f64::from(page_h));
    let scale = spec.page_fill * (fw / pw).min(fh / ph);
    let (hw, hh) = (pw * scale / 2.0, ph * scale / 2.0);
    let (sin, cos) = spec.rotation_deg.to_radians().sin_cos();
    // A camera tilted off the page's normal: a projective map of the page square [-1, 1]² whose
    // denominator 1 + px·x + py·y grows one side of the page and shrinks the opposite one
    // (keystone), in a random direction. At full strength a corner moves by up to 8% of the page.
    let (px, py) = (0.1 * spec.perspective * rng.signed(), 0.1 * spec.perspective * rng.signed());
    let mut corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(x, y)| {
        let w = 1.0 + px * x + py * y;
        let (x, y) = (x / w * hw, y / w * hh);
        (x * cos - y * sin, x * sin + y * cos)
    });
    let margin = 0.02 * fw.min(fh);
    let extent = |c: &[Point; 4]| {
        let xs = c.map(|p| p.0);
        let ys = c.map(|p| p.1);
        let min = |v: [f64; 4]| v.into_iter().fold(f64::INFINITY, f64::min);
        let max = |v: [f64; 4]| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
        (min(xs), min(ys), max(xs), max(ys))
    };
    let (x0, y0, x1, y1) = extent(&corners);
    let shrink = ((fw - 2.0 * margin) / (x1 - x0)).min((fh - 2.0 * margin) / (y1 - y0)).min(1.0);
    corners = corners.map(|(x, y)| (x * shrink, y * shrink));
    let (x0, y0, x1, y1) = extent(&corners);
    // Anywhere the whole page stays in the frame.
    let cx = rng.range(margin - x0, fw - margin - x1 + f64::EPSILON);
    let cy = rng.range(margin - y0, fh - margin - y1 + f64::EPSILON);
    Ok(corners.map(|(x, y)| (cx + x, cy + y)))
}

/// The JPEG a phone would store for a photo of `page` taken as `spec` says; `seed` decides the
/// page's placement, the table's texture, the light and the noise.
pub fn phone_photo(page: &GrayImage, spec: &PhotoSpec, seed: u64) -> Result<Vec<u8>, ActaError> {
    let (w, h, pixels) = stored_pixels(page, spec, seed)?;
    let too_big = || ActaError::InvalidSpec("frame size");
    let (w, h) = (u16::try_from(w).map_err(|_| too_big())?, u16::try_from(h).map_err(|_| too_big())?);
    let mut jpeg = Vec::with_capacity(pixels.len() / 4);
    let mut encoder = Encoder::new(&mut jpeg, spec.quality);
    // Phones subsample chroma whatever the quality; the encoder would not above 90.
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.add_exif_metadata(&exif::tiff(spec.exif_orientation, spec.gps))?;
    encoder.encode(&pixels, w, h, ColorType::Rgb)?;
    Ok(without_jfif(jpeg))
}

/// Drops the JFIF APP0 segment the encoder writes first: phones write none, and Exif wants its
/// APP1 segment right after SOI.
fn without_jfif(mut jpeg: Vec<u8>) -> Vec<u8> {
    if let Some([0xFF, 0xD8, 0xFF, 0xE0, hi, lo]) = jpeg.get(..6) {
        let end = 4 + usize::from(u16::from_be_bytes([*hi, *lo]));
        if end <= jpeg.len() {
            jpeg.drain(2..end);
        }
    }
    jpeg
}

/// How stored pixel `(a, b)` maps to upright frame pixel `(x0 + xa a + xb b, y0 + ya a + yb b)`.
#[derive(Debug, Clone, Copy)]
struct Orient {
    x: [i64; 3],
    y: [i64; 3],
}

impl Orient {
    /// The mapping for EXIF orientation `o` and an upright frame of `w × h` (the module table).
    fn new(o: u16, w: u32, h: u32) -> Self {
        let (w, h) = (i64::from(w) - 1, i64::from(h) - 1);
        let (x, y) = match o {
            2 => ([w, -1, 0], [0, 0, 1]),
            3 => ([w, -1, 0], [h, 0, -1]),
            4 => ([0, 1, 0], [h, 0, -1]),
            5 => ([0, 0, 1], [0, 1, 0]),
            6 => ([w, 0, -1], [0, 1, 0]),
            7 => ([w, 0, -1], [h, -1, 0]),
            8 => ([0, 0, 1], [h, -1, 0]),
            _ => ([0, 1, 0], [0, 0, 1]),
        };
        Self { x, y }
    }

    fn upright(&self, a: usize, b: usize) -> (i64, i64) {
        let (a, b) = (a as i64, b as i64);
        let [x0, xa, xb] = self.x;
        let [y0, ya, yb] = self.y;
        (x0 + xa * a + xb * b, y0 + ya * a + yb * b)
    }
}

/// Light across the upright frame: falloff, vignette, a shadow band and the exposure.
#[derive(Debug, Clone)]
struct Light {
    centre: (f32, f32),
    falloff: (f32, f32, f32),
    vignette: f32,
    band: (f32, f32),
    /// Offset from the centre, half width, and 1 / the width of its soft edges.
    band_place: (f32, f32, f32),
    band_depth: f32,
    exposure: f32,
}

impl Light {
    fn new(spec: &PhotoSpec, rng: &mut Rng) -> Self {
        let (w, h) = (spec.width as f32, spec.height as f32);
        let r = (w * w + h * h).sqrt() / 2.0;
        let g = spec.light_gradient as f32;
        let (s, c) = (rng.range(0.0, std::f64::consts::TAU) as f32).sin_cos();
        let (bs, bc) = (rng.range(0.0, std::f64::consts::TAU) as f32).sin_cos();
        Self {
            centre: (w / 2.0, h / 2.0),
            falloff: (c / r, s / r, g * rng.range(0.25, 0.55) as f32),
            vignette: g * rng.range(0.1, 0.3) as f32 / (r * r),
            band: (bc, bs),
            band_place: (
                rng.range(-0.5, 0.5) as f32 * r,
                rng.range(0.04, 0.2) as f32 * r,
                1.0 / (rng.range(0.02, 0.12) as f32 * r),
            ),
            band_depth: g * rng.range(0.15, 0.45) as f32,
            exposure: rng.range(0.88, 0.98) as f32,
        }
    }

    #[inline(always)]
    fn gain(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        // In [-1, 1]: the falloff's unit is the frame's half diagonal.
        let along = dx * self.falloff.0 + dy * self.falloff.1;
        let falloff = 1.0 - self.falloff.2 * (0.5 + 0.5 * along);
        let vignette = 1.0 - self.vignette * (dx * dx + dy * dy);
        let (offset, half_width, per_soft) = self.band_place;
        let across = (dx * self.band.0 + dy * self.band.1 - offset).abs();
        let t = ((half_width - across) * per_soft + 0.5).clamp(0.0, 1.0);
        let shadow = 1.0 - self.band_depth * t * t * (3.0 - 2.0 * t);
        self.exposure * falloff * vignette * shadow
    }
}

/// A table top: grain lines along one axis that wander along the other. Two wander profiles,
/// mixed in proportions that change slowly across the grain, keep neighbouring lines from
/// waving in step.
#[derive(Debug, Clone)]
struct Surface {
    colour: [f32; 3],
    along_x: bool,
    grain: Vec<f32>,
    /// Per position along the grain: the two profiles' offsets, in pixels.
    wander: Vec<(f32, f32)>,
    /// Per position across the grain: how much of the second profile to take.
    mix: Vec<f32>,
}

/// Smooth 1-D value noise in [-1, 1] with features about `period` apart, over `0..len`.
fn value_noise(rng: &mut Rng, period: f64, len: usize) -> Vec<f32> {
    let knots: Vec<f32> = (0..=(len as f64 / period) as usize + 1).map(|_| rng.signed() as f32).collect();
    let at = |k: usize| knots.get(k).copied().unwrap_or(0.0);
    (0..len)
        .map(|i| {
            let t = i as f64 / period;
            let (k, f) = (t as usize, (t - t.floor()) as f32);
            at(k) + (at(k + 1) - at(k)) * f * f * (3.0 - 2.0 * f)
        })
        .collect()
}

/// Most a wander profile moves a grain line, in pixels.
const WANDER: f32 = 48.0;

impl Surface {
    fn new(spec: &PhotoSpec, rng: &mut Rng) -> Self {
        let along_x = rng.chance(0.5);
        let (across, along) = if along_x { (spec.height, spec.width) } else { (spec.width, spec.height) };
        let strength = rng.range(0.03, 0.14) as f32;
        let len = across as usize + 2 * WANDER as usize + 2;
        let (fine_period, coarse_period) = (rng.range(2.0, 9.0), rng.range(40.0, 160.0));
        let fine = value_noise(rng, fine_period, len);
        let coarse = value_noise(rng, coarse_period, len);
        let grain = fine.iter().zip(&coarse).map(|(f, c)| 1.0 + strength * (0.6 * f + c)).collect();
        let (first_period, second_period) = (rng.range(300.0, 1200.0), rng.range(200.0, 900.0));
        let first = value_noise(rng, first_period, along as usize);
        let second = value_noise(rng, second_period, along as usize);
        let wander =
            first.iter().zip(&second).map(|(a, b)| (WANDER * (1.0 + a), WANDER * (1.0 + b))).collect();
        let mix_period = rng.range(60.0, 400.0);
        let mix = value_noise(rng, mix_period, across as usize).iter().map(|m| 0.5 + 0.5 * m).collect();
        Self { colour: spec.background.map(f32::from), along_x, grain, wander, mix }
    }

    #[inline(always)]
    fn shade(&self, x: usize, y: usize) -> f32 {
        let (across, along) = if self.along_x { (y, x) } else { (x, y) };
        let (a, b) = self.wander.get(along).copied().unwrap_or((0.0, 0.0));
        let m = self.mix.get(across).copied().unwrap_or(0.0);
        let shifted = across as f32 + a + (b - a) * m;
        self.grain.get(shifted as usize).copied().unwrap_or(1.0)
    }
}

/// Everything needed to colour any pixel of the frame.
struct Scene<'a> {
    page: &'a GrayImage,
    to_page: [f64; 9],
    /// Upright frame box, half-open, outside which only the table is seen.
    near_page: (i64, i64, i64, i64),
    /// Frame pixels per page pixel, over the width of the edge's ramp.
    edge: f64,
    paper: [f32; 3],
    surface: Surface,
    light: Light,
    noise: Box<[f32; NOISE_TABLE]>,
    sigma: f32,
    orient: Orient,
    seed: u64,
}

/// Entries in the noise table: 12 bits of a random word pick one.
const NOISE_TABLE: usize = 4096;
const NOISE_MASK: u64 = NOISE_TABLE as u64 - 1;
const NOISE_STREAM: u64 = 0x5E45_0000_0000;

// The per-pixel functions below are forced inline: tests and benchmarks run them at opt-level 1,
// where the inliner would leave a call (and its spills) in the innermost loop.
impl Scene<'_> {
    /// The page's gray level (0–1) at page position `(u, v)`, bilinearly interpolated.
    #[inline(always)]
    fn sample(&self, u: f32, v: f32) -> f32 {
        let (w, h) = (self.page.width as usize, self.page.height as usize);
        // Float to int casts saturate: positions off the page read its border.
        let (fu, fv) = (u - 0.5, v - 0.5);
        let (i, j) = ((fu as usize).min(w - 1), (fv as usize).min(h - 1));
        let tx = (fu - i as f32).clamp(0.0, 1.0);
        let ty = (fv - j as f32).clamp(0.0, 1.0);
        let right = usize::from(i + 1 < w);
        let down = if j + 1 < h { w } else { 0 };
        let at = j * w + i;
        let pixels = &self.page.pixels;
        let px = |k: usize| f32::from(pixels.get(k).copied().unwrap_or(255));
        let (p00, p10, p01, p11) = (px(at), px(at + right), px(at + down), px(at + down + right));
        let top = p00 + (p10 - p00) * tx;
        let bottom = p01 + (p11 - p01) * tx;
        (top + (bottom - top) * ty) * (1.0 / 255.0)
    }

    /// The light-independent colour of upright pixel `(x, y)`.
    #[inline(always)]
    fn albedo(&self, x: i64, y: i64) -> (f32, f32, f32) {
        let shade = self.surface.shade(x as usize, y as usize);
        let [r, g, b] = self.surface.colour;
        let table = (r * shade, g * shade, b * shade);
        let (x0, y0, x1, y1) = self.near_page;
        if x < x0 || x >= x1 || y < y0 || y >= y1 {
            return table;
        }
        let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
        let [a, b, c, d, e, f, g, h, i] = self.to_page;
        let w = 1.0 / (g * fx + h * fy + i);
        let (u, v) = ((a * fx + b * fy + c) * w, (d * fx + e * fy + f) * w);
        let (pw, ph) = (f64::from(self.page.width), f64::from(self.page.height));
        let inside = u.min(pw - u).min(v).min(ph - v) * self.edge;
        if inside < -12.0 {
            return table;
        }
        let mut table = table;
        if inside < 0.5 {
            // The page sits a little above the table and casts a faint shadow around itself.
            let t = (1.0 + (inside as f32 - 0.5) / 12.0).clamp(0.0, 1.0);
            let k = 1.0 - 0.18 * t * t;
            table = (table.0 * k, table.1 * k, table.2 * k);
        }
        let alpha = (inside + 0.5).min(1.0) as f32;
        if alpha <= 0.0 {
            return table;
        }
        let gray = self.sample(u as f32, v as f32);
        let [pr, pg, pb] = self.paper;
        let mix = |t: f32, p: f32| t + (p * gray - t) * alpha;
        (mix(table.0, pr), mix(table.1, pg), mix(table.2, pb))
    }

    /// Renders stored row `b` into `out` (`3 ×` stored width bytes).
    fn row(&self, b: usize, out: &mut [u8]) {
        let mut rng = Rng::stream(self.seed ^ NOISE_STREAM, b as u64);
        let noise = &*self.noise;
        let n = |bits: u64| noise.get((bits & NOISE_MASK) as usize).copied().unwrap_or(0.0);
        let (luma_sigma, chroma_sigma) = (self.sigma, 0.35 * self.sigma);
        // Walking along a stored row moves by a fixed step in the upright frame.
        let (mut x, mut y) = self.orient.upright(0, b);
        let (dx, dy) = (self.orient.x[1], self.orient.y[1]);
        for px in out.chunks_exact_mut(3) {
            let (r, g, bl) = self.albedo(x, y);
            let gain = self.light.gain(x as f32 + 0.5, y as f32 + 0.5);
            let bits = rng.next_u64();
            let luma = luma_sigma * n(bits) + 0.5;
            // Float to int casts saturate, which is the clamp to 0–255.
            if let [pr, pg, pb] = px {
                *pr = (r * gain + luma + chroma_sigma * n(bits >> 12)) as u8;
                *pg = (g * gain + luma + chroma_sigma * n(bits >> 24)) as u8;
                *pb = (bl * gain + luma + chroma_sigma * n(bits >> 36)) as u8;
            }
            x += dx;
            y += dy;
        }
    }
}

/// Standard normal values, normalised to exactly mean 0 and deviation 1, so any 12 random bits
/// are a noise sample.
fn noise_table() -> Box<[f32; NOISE_TABLE]> {
    let mut rng = Rng::new(0x004E_015E);
    let mut table = Box::new([0.0f32; NOISE_TABLE]);
    table.iter_mut().for_each(|v| *v = rng.normal() as f32);
    let mean = table.iter().sum::<f32>() / NOISE_TABLE as f32;
    let sd = (table.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / NOISE_TABLE as f32).sqrt();
    table.iter_mut().for_each(|v| *v = (*v - mean) / sd);
    table
}

/// The photo's RGB pixels as stored (stored width, stored height, pixels), before compression.
pub(crate) fn stored_pixels(
    page: &GrayImage,
    spec: &PhotoSpec,
    seed: u64,
) -> Result<(u32, u32, Vec<u8>), ActaError> {
    let quad = page_quad(page.width, page.height, spec, seed)?;
    if page.pixels.len() != page.width as usize * page.height as usize {
        return Err(ActaError::InvalidSpec("page pixels"));
    }
    let (pw, ph) = (f64::from(page.width), f64::from(page.height));
    let corners = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let to_page = Homography::from_points(quad, corners)?.coefficients();
    let [q0, q1, q2, q3] = quad;
    let dist = |p: Point, q: Point| (p.0 - q.0).hypot(p.1 - q.1);
    let scale =
        (dist(q0, q1) + dist(q3, q2)) / (2.0 * pw) * 0.5 + (dist(q0, q3) + dist(q1, q2)) / (2.0 * ph) * 0.5;

    let blur_page = (spec.blur_radius / scale).round() as usize;
    let page: Cow<'_, GrayImage> = if blur_page > 0 {
        let mut blurred = page.clone();
        blurred.box_blur(blur_page, 2);
        Cow::Owned(blurred)
    } else {
        Cow::Borrowed(page)
    };

    let mut rng = Rng::stream(seed, 0x5CE7E);
    let reach = 16.0 + 2.0 * spec.blur_radius;
    let xs = quad.map(|p| p.0);
    let ys = quad.map(|p| p.1);
    let lo = |v: [f64; 4]| (v.into_iter().fold(f64::INFINITY, f64::min) - reach).floor() as i64;
    let hi = |v: [f64; 4]| (v.into_iter().fold(f64::NEG_INFINITY, f64::max) + reach).ceil() as i64;
    let warm = rng.range(0.0, 0.08) as f32;
    let scene = Scene {
        page: &page,
        to_page,
        near_page: (lo(xs), lo(ys), hi(xs), hi(ys)),
        edge: scale / (1.0 + 2.0 * spec.blur_radius),
        paper: [255.0, 255.0 * (1.0 - 0.4 * warm), 255.0 * (1.0 - warm)],
        surface: Surface::new(spec, &mut rng),
        light: Light::new(spec, &mut rng),
        noise: noise_table(),
        sigma: spec.noise_sigma as f32,
        orient: Orient::new(spec.exif_orientation, spec.width, spec.height),
        seed,
    };

    let (w, h) = spec.stored_size();
    let row_len = w as usize * 3;
    let mut pixels = vec![0u8; row_len * h as usize];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let band = (h as usize).div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (i, chunk) in pixels.chunks_mut(band * row_len).enumerate() {
            let scene = &scene;
            s.spawn(move || {
                for (j, row) in chunk.chunks_exact_mut(row_len).enumerate() {
                    scene.row(i * band + j, row);
                }
            });
        }
    });
    Ok((w, h, pixels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exif::read;

    /// Turns stored pixels for display the way a viewer does, from the EXIF definitions of the
    /// 0th row and column — written independently of [`Orient`].
    fn display(w: usize, h: usize, stored: &[u8], o: u16) -> (usize, usize, Vec<u8>) {
        let (dw, dh) = if o >= 5 { (h, w) } else { (w, h) };
        let mut out = vec![0; stored.len()];
        for b in 0..h {
            for a in 0..w {
                // Row b of the stored image runs along the visual edge named by the table, column a
                // along the other.
                let (x, y) = match o {
                    1 => (a, b),
                    2 => (dw - 1 - a, b),
                    3 => (dw - 1 - a, dh - 1 - b),
                    4 => (a, dh - 1 - b),
                    5 => (b, a),
                    6 => (dw - 1 - b, a),
                    7 => (dw - 1 - b, dh - 1 - a),
                    8 => (b, dh - 1 - a),
                    _ => unreachable!(),
                };
                out[(y * dw + x) * 3..][..3].copy_from_slice(&stored[(b * w + a) * 3..][..3]);
            }
        }
        (dw, dh, out)
    }

    fn small_spec(o: u16) -> PhotoSpec {
        PhotoSpec {
            width: 240,
            height: 180,
            exif_orientation: o,
            rotation_deg: 7.0,
            perspective: 0.8,
            light_gradient: 0.9,
            ..PhotoSpec::default()
        }
    }

    fn test_page() -> GrayImage {
        let mut page = GrayImage::new(170, 240, 255);
        page.fill_rect(20.0, 20.0, 60.0, 50.0, 0);
        page
    }

    #[test]
    fn every_orientation_displays_the_same_scene() {
        let page = test_page();
        let (w, h, upright) = stored_pixels(&page, &small_spec(1), 3).unwrap();
        for o in 2..=8 {
            let spec = small_spec(o);
            let (sw, sh, stored) = stored_pixels(&page, &spec, 3).unwrap();
            assert_eq!((sw, sh), spec.stored_size());
            let (dw, dh, shown) = display(sw as usize, sh as usize, &stored, o);
            assert_eq!((dw as u32, dh as u32), (w, h), "orientation {o}");
            assert!(shown == upright, "orientation {o} shows a different scene");
        }
    }

    #[test]
    fn the_page_is_where_page_quad_says() {
        let page = test_page();
        let spec = PhotoSpec { noise_sigma: 0.0, light_gradient: 0.0, ..small_spec(1) };
        let (w, _, px) = stored_pixels(&page, &spec, 5).unwrap();
        let quad = page_quad(page.width, page.height, &spec, 5).unwrap();
        let to_frame =
            Homography::from_points([(0.0, 0.0), (170.0, 0.0), (170.0, 240.0), (0.0, 240.0)], quad).unwrap();
        let luma = |(x, y): Point| {
            let i = (y as usize * w as usize + x as usize) * 3;
            px[i..i + 3].iter().map(|v| u32::from(*v)).sum::<u32>() / 3
        };
        // Inside the black box, on bare paper, and on the table well outside the page.
        assert!(luma(to_frame.apply((40.0, 35.0)).unwrap()) < 40);
        assert!(luma(to_frame.apply((120.0, 180.0)).unwrap()) > 200);
        let (cx, cy) = to_frame.apply((85.0, 120.0)).unwrap();
        let beside = quad.iter().map(|q| q.0).fold(f64::INFINITY, f64::min) - 3.0;
        assert!(beside > 0.0 && luma((beside.min(cx), cy)) < 180);
    }

    #[test]
    fn page_quad_stays_in_the_frame() {
        for seed in 0..200 {
            let spec = PhotoSpec {
                rotation_deg: 12.0,
                perspective: 1.0,
                page_fill: 0.85,
                ..PhotoSpec::random(seed)
            };
            for (x, y) in page_quad(1700, 2400, &spec, seed).unwrap() {
                assert!(x > 0.0 && y > 0.0 && x < f64::from(spec.width) && y < f64::from(spec.height));
            }
        }
    }

    #[test]
    fn bad_specs_are_refused() {
        let page = test_page();
        for spec in [
            PhotoSpec { exif_orientation: 9, ..small_spec(1) },
            PhotoSpec { quality: 0, ..small_spec(1) },
            PhotoSpec { width: 10, ..small_spec(1) },
            PhotoSpec { noise_sigma: f64::NAN, ..small_spec(1) },
            PhotoSpec { gps: Some((91.0, 0.0)), ..small_spec(1) },
        ] {
            assert!(matches!(phone_photo(&page, &spec, 0), Err(ActaError::InvalidSpec(_))), "{spec:?}");
        }
    }

    #[test]
    fn the_jpeg_starts_with_exif_and_has_the_stored_size() {
        let page = test_page();
        for o in 1..=8 {
            let spec = PhotoSpec { gps: Some((10.5, -66.9)), ..small_spec(o) };
            let jpeg = phone_photo(&page, &spec, 1).unwrap();
            let segments = read::segments(&jpeg);
            assert_eq!(segments[0].0, 0xE1, "APP1 right after SOI");
            assert!(segments[0].1.starts_with(b"Exif\0\0"));
            let exif = read::from_jpeg(&jpeg);
            assert_eq!(exif.orientation, Some(o));
            let (lat, lon) = exif.gps.unwrap();
            assert!((lat - 10.5).abs() < 1e-6 && (lon + 66.9).abs() < 1e-6);
            let (_, sof) = segments.iter().find(|(m, _)| *m == 0xC0).unwrap();
            let size = (u16::from_be_bytes([sof[3], sof[4]]), u16::from_be_bytes([sof[1], sof[2]]));
            assert_eq!((u32::from(size.0), u32::from(size.1)), spec.stored_size());
            assert_eq!(jpeg[jpeg.len() - 2..], [0xFF, 0xD9]);
        }
    }
}
