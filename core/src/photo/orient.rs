//! Applying an EXIF orientation to RGB pixels, so the stored photo is upright with no metadata.
//!
//! EXIF orientation `o` says how to transform the stored pixels for display: 1 as stored,
//! 2 mirror horizontally, 3 rotate 180°, 4 mirror vertically, 5 transpose (mirror + rotate 270° CW),
//! 6 rotate 90° CW, 7 transverse (mirror + rotate 90° CW), 8 rotate 270° CW (90° CCW).

/// An RGB8 image, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// The transform that undoes orientation `o` (the inverse of 6 is 8 and vice versa; every other
/// orientation is its own inverse). Used to make test photos.
pub fn inverse(o: u8) -> u8 {
    match o {
        6 => 8,
        8 => 6,
        o => o,
    }
}

/// Returns `img` transformed for display according to EXIF orientation `o`.
pub fn apply(img: Rgb, o: u8) -> Rgb {
    if !(2..=8).contains(&o) {
        return img;
    }
    let (w, h) = (img.width as usize, img.height as usize);
    let (dw, dh) = if o >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; img.pixels.len()];
    for (y, row) in out.chunks_exact_mut(dw * 3).enumerate() {
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let (sx, sy) = match o {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            let at = (sy * w + sx) * 3;
            if let Some(src) = img.pixels.get(at..at + 3) {
                px.copy_from_slice(src);
            }
        }
    }
    Rgb { width: dw as u32, height: dh as u32, pixels: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img() -> Rgb {
        // 3×2 with distinct pixels: value = index.
        Rgb { width: 3, height: 2, pixels: (0..18).collect() }
    }

    fn px(i: &Rgb, x: usize, y: usize) -> u8 {
        i.pixels[(y * i.width as usize + x) * 3]
    }

    #[test]
    fn each_orientation_moves_the_top_left_corner_where_exif_says() {
        // Stored top-left pixel (value 0) and where it must end up for display.
        let cases = [
            (1, (0, 0)),
            (2, (2, 0)),
            (3, (2, 1)),
            (4, (0, 1)),
            (5, (0, 0)),
            (6, (1, 0)),
            (7, (1, 2)),
            (8, (0, 2)),
        ];
        for (o, (x, y)) in cases {
            let out = apply(img(), o);
            assert_eq!(px(&out, x, y), 0, "orientation {o}");
            let swapped = o >= 5;
            assert_eq!((out.width, out.height), if swapped { (2, 3) } else { (3, 2) });
        }
    }

    #[test]
    fn inverse_undoes_every_orientation() {
        for o in 1..=8 {
            assert_eq!(apply(apply(img(), inverse(o)), o), img(), "orientation {o}");
        }
    }
}
