//! A grayscale canvas and the few drawing operations an acta needs: filled rectangles, thick
//! anti-aliased strokes, and a box blur.
//!
//! Ink only ever darkens: a stroke sets each pixel to the darker of what is there and the ink at
//! that pixel's coverage, so the overlapping ends of consecutive segments do not print darker
//! blobs at every joint, as alpha blending would.

/// An 8-bit grayscale image, rows top to bottom, 0 black and 255 white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` bytes.
    pub pixels: Vec<u8>,
}

/// A point in pixel coordinates; pixel `(x, y)` covers `[x, x + 1) × [y, y + 1)`.
pub(crate) type Pt = (f32, f32);

impl GrayImage {
    /// A `width × height` image filled with `value`.
    pub fn new(width: u32, height: u32, value: u8) -> Self {
        Self { width, height, pixels: vec![value; width as usize * height as usize] }
    }

    /// The pixel at `(x, y)`, or `None` outside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.pixels.get(y as usize * self.width as usize + x as usize).copied()
    }

    fn row_mut(&mut self, y: usize, x0: usize, x1: usize) -> Option<&mut [u8]> {
        let w = self.width as usize;
        self.pixels.get_mut(y * w + x0..y * w + x1)
    }

    /// Clips the half-open float box to pixel index ranges.
    fn clip(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> (usize, usize, usize, usize) {
        let cx = |v: f32| v.clamp(0.0, self.width as f32) as usize;
        let cy = |v: f32| v.clamp(0.0, self.height as f32) as usize;
        (cx(x0), cy(y0), cx(x1), cy(y1))
    }

    /// Fills `[x0, x1) × [y0, y1)` (clipped) with `value`.
    pub(crate) fn fill_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, value: u8) {
        let (x0, y0, x1, y1) = self.clip(x0.round(), y0.round(), x1.round(), y1.round());
        for y in y0..y1 {
            if let Some(row) = self.row_mut(y, x0, x1) {
                row.fill(value);
            }
        }
    }

    /// The outline of a box, `thickness` pixels wide, inside `[x0, x1) × [y0, y1)`.
    pub(crate) fn frame_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, thickness: f32, value: u8) {
        self.fill_rect(x0, y0, x1, y0 + thickness, value);
        self.fill_rect(x0, y1 - thickness, x1, y1, value);
        self.fill_rect(x0, y0, x0 + thickness, y1, value);
        self.fill_rect(x1 - thickness, y0, x1, y1, value);
    }

    /// A segment with round caps, `radius` wide each side of its axis, anti-aliased over one pixel.
    pub(crate) fn stroke_segment(&mut self, p0: Pt, p1: Pt, radius: f32, ink: u8) {
        let reach = radius + 1.0;
        let (x0, y0, x1, y1) = self.clip(
            p0.0.min(p1.0) - reach,
            p0.1.min(p1.1) - reach,
            p0.0.max(p1.0) + reach + 1.0,
            p0.1.max(p1.1) + reach + 1.0,
        );
        let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
        let len2 = dx * dx + dy * dy;
        let depth = 255.0 - f32::from(ink);
        for y in y0..y1 {
            let py = y as f32 + 0.5 - p0.1;
            let Some(row) = self.row_mut(y, x0, x1) else { continue };
            for (i, px) in row.iter_mut().enumerate() {
                let qx = (x0 + i) as f32 + 0.5 - p0.0;
                let t = if len2 > 0.0 { ((qx * dx + py * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (ex, ey) = (qx - t * dx, py - t * dy);
                let coverage = (radius + 0.5 - (ex * ex + ey * ey).sqrt()).clamp(0.0, 1.0);
                if coverage > 0.0 {
                    let value = (255.0 - depth * coverage).round() as u8;
                    *px = (*px).min(value);
                }
            }
        }
    }

    /// A polyline through `points`, with round joints.
    pub(crate) fn stroke_polyline(&mut self, points: &[Pt], radius: f32, ink: u8) {
        if let [only] = points {
            self.stroke_segment(*only, *only, radius, ink);
        }
        for pair in points.windows(2) {
            if let [a, b] = pair {
                self.stroke_segment(*a, *b, radius, ink);
            }
        }
    }

    /// Blurs in place with a `(2 radius + 1)`-wide box, horizontally then vertically, `passes`
    /// times (two passes already look like a Gaussian). Edges repeat the border pixel.
    pub(crate) fn box_blur(&mut self, radius: usize, passes: usize) {
        let (w, h) = (self.width as usize, self.height as usize);
        if radius == 0 || w == 0 || h == 0 {
            return;
        }
        let mut line = Vec::with_capacity(w);
        let mut source = Vec::with_capacity(self.pixels.len());
        let mut sums = vec![0u32; w];
        let r = radius as isize;
        let divide = Divide::by(2 * radius as u32 + 1);
        for _ in 0..passes {
            for row in self.pixels.chunks_exact_mut(w) {
                blur_line(row, radius, &mut line);
            }
            // Vertically, a running sum per column, moved down a row at a time: every access is
            // sequential, where walking each column would stride through the whole image.
            source.clear();
            source.extend_from_slice(&self.pixels);
            let src_row = |y: isize| {
                let y = y.clamp(0, h as isize - 1) as usize;
                source.get(y * w..(y + 1) * w).unwrap_or(&[])
            };
            sums.fill(0);
            for y in -r..=r {
                sums.iter_mut().zip(src_row(y)).for_each(|(s, p)| *s += u32::from(*p));
            }
            for (y, out) in self.pixels.chunks_exact_mut(w).enumerate() {
                out.iter_mut().zip(&sums).for_each(|(o, s)| *o = divide.rounded(*s));
                let y = y as isize;
                for ((s, add), sub) in sums.iter_mut().zip(src_row(y + r + 1)).zip(src_row(y - r)) {
                    *s = *s + u32::from(*add) - u32::from(*sub);
                }
            }
        }
    }
}

/// Rounded division of a box sum by the box width, as a multiplication: a hardware divide per
/// pixel would cost more than the rest of the blur.
#[derive(Debug, Clone, Copy)]
struct Divide {
    reciprocal: u64,
}

impl Divide {
    fn by(divisor: u32) -> Self {
        Self { reciprocal: (1u64 << 32) / u64::from(divisor.max(1)) + 1 }
    }

    /// `sum / divisor` rounded, for sums of up to a few thousand bytes; off by at most one.
    #[inline(always)]
    fn rounded(self, sum: u32) -> u8 {
        ((u64::from(sum) * self.reciprocal + (1 << 31)) >> 32).min(255) as u8
    }
}

/// Box-blurs one line in place with a running sum; `scratch` is reused between calls.
fn blur_line(data: &mut [u8], radius: usize, scratch: &mut Vec<u8>) {
    let (Some(&first), Some(&last)) = (data.first(), data.last()) else { return };
    // The line with its border pixels repeated `radius` times before and `radius + 1` after, so
    // the window never leaves it.
    scratch.clear();
    scratch.resize(radius, first);
    scratch.extend_from_slice(data);
    scratch.resize(scratch.len() + radius + 1, last);
    let divide = Divide::by(2 * radius as u32 + 1);
    let mut sum: u32 = scratch.iter().take(2 * radius + 1).map(|v| u32::from(*v)).sum();
    let entering = scratch.iter().skip(2 * radius + 1);
    for ((out, enter), leave) in data.iter_mut().zip(entering).zip(scratch.iter()) {
        *out = divide.rounded(sum);
        sum = sum + u32::from(*enter) - u32::from(*leave);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stroke_darkens_its_axis_and_not_far_away() {
        let mut img = GrayImage::new(40, 20, 255);
        img.stroke_segment((5.0, 10.3), (35.0, 10.3), 2.0, 0);
        assert_eq!(img.get(20, 10), Some(0));
        assert_eq!(img.get(20, 9), Some(0));
        assert_eq!(img.get(20, 2), Some(255));
        // The anti-aliased rim is in between.
        let rim = img.get(20, 12).unwrap();
        assert!(rim > 0 && rim < 255, "{rim}");
    }

    #[test]
    fn blur_keeps_flat_areas_and_spreads_edges() {
        let mut img = GrayImage::new(30, 30, 200);
        img.fill_rect(10.0, 0.0, 30.0, 30.0, 0);
        img.box_blur(2, 2);
        assert_eq!(img.get(0, 15), Some(200));
        assert_eq!(img.get(29, 15), Some(0));
        let mid = img.get(10, 15).unwrap();
        assert!(mid > 30 && mid < 170, "{mid}");
    }
}
