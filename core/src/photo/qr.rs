//! Finding and decoding the QR code printed on an acta, on the photo as taken.
//!
//! The decoder (rqrr, a port of quirc) fits a perspective grid from the three finder patterns, so
//! rotation and skew are its job. Uneven light is ours: a shadow across the page defeats a global
//! or row-wise threshold, so a second pass binarizes with a local mean (an integral image over a
//! window about 1/24 of the image), which follows the light.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Decodes the first QR code found in a grayscale image (`luma`, `width × height`).
pub fn decode(luma: &[u8], width: usize, height: usize) -> Option<String> {
    if width < 21 || height < 21 || luma.len() < width.checked_mul(height)? {
        return None;
    }
    // rqrr is a port of C code; a panic on some unforeseen input must not take the app down.
    catch_unwind(AssertUnwindSafe(|| {
        let first_payload = |mut img: rqrr::PreparedImage<_>| {
            img.detect_grids().into_iter().find_map(|g| g.decode().ok().map(|(_, text)| text))
        };
        let at = |x: usize, y: usize| luma.get(y * width + x).copied().unwrap_or(255);
        if let Some(text) = first_payload(rqrr::PreparedImage::prepare_from_greyscale(width, height, at)) {
            return Some(text);
        }
        let black = local_mean_threshold(luma, width, height);
        first_payload(rqrr::PreparedImage::prepare_from_bitmap(width, height, |x, y| {
            black.get(y * width + x).copied().unwrap_or(false)
        }))
    }))
    .ok()
    .flatten()
}

/// True where a pixel is darker than 88% of the mean of the window around it.
fn local_mean_threshold(luma: &[u8], w: usize, h: usize) -> Vec<bool> {
    // Integral image with a zero row and column in front: sum of any window in four reads.
    let stride = w + 1;
    let mut integral = vec![0u64; stride * (h + 1)];
    for y in 0..h {
        let mut row_sum = 0u64;
        for x in 0..w {
            row_sum += u64::from(luma.get(y * w + x).copied().unwrap_or(255));
            let above = integral.get(y * stride + x + 1).copied().unwrap_or(0);
            if let Some(cell) = integral.get_mut((y + 1) * stride + x + 1) {
                *cell = above + row_sum;
            }
        }
    }
    let r = (w.max(h) / 48).max(8);
    let sum = |x0: usize, y0: usize, x1: usize, y1: usize| -> u64 {
        let g = |x: usize, y: usize| integral.get(y * stride + x).copied().unwrap_or(0);
        (g(x1, y1) + g(x0, y0)).saturating_sub(g(x0, y1) + g(x1, y0))
    };
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let area = ((x1 - x0) * (y1 - y0)) as u64;
            let v = u64::from(luma.get(y * w + x).copied().unwrap_or(255));
            if let Some(cell) = out.get_mut(y * w + x) {
                *cell = v * 100 * area < sum(x0, y0, x1, y1) * 88;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_find_in_blank_or_tiny_images() {
        assert_eq!(decode(&[255; 100 * 100], 100, 100), None);
        assert_eq!(decode(&[0; 10], 5, 2), None);
        assert_eq!(decode(&[0; 10], 100, 100), None);
    }

    #[test]
    fn threshold_follows_a_gradient() {
        // A dark dot on a gradient from dark grey to white is found everywhere.
        let (w, h) = (200, 50);
        let mut luma: Vec<u8> = (0..w * h).map(|i| (60 + (i % w) * 190 / w) as u8).collect();
        for x in [20, 100, 180] {
            luma[25 * w + x] /= 2;
        }
        let black = local_mean_threshold(&luma, w, h);
        for x in [20, 100, 180] {
            assert!(black[25 * w + x], "dot at {x} missed");
            assert!(!black[25 * w + x + 5], "background at {x} taken for ink");
        }
    }
}
