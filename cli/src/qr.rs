//! Showing a text as a QR code: in the terminal (Unicode half blocks) and as a PNG file.

use std::path::Path;

use qrcode::{Color, QrCode};

/// The code's modules, `true` for dark, with a quiet zone of 4 modules around.
fn modules(text: &str) -> Result<(usize, Vec<bool>), qrcode::types::QrError> {
    let code = QrCode::new(text.as_bytes())?;
    let w = code.width();
    let colors = code.to_colors();
    let q = 4;
    let side = w + 2 * q;
    let mut out = vec![false; side * side];
    for y in 0..w {
        for x in 0..w {
            if colors.get(y * w + x) == Some(&Color::Dark)
                && let Some(m) = out.get_mut((y + q) * side + x + q)
            {
                *m = true;
            }
        }
    }
    Ok((side, out))
}

/// The code drawn with `█ ▀ ▄` two rows per line, light on dark terminals and dark on light.
pub fn terminal(text: &str) -> Result<String, qrcode::types::QrError> {
    let (side, m) = modules(text)?;
    let dark = |x: usize, y: usize| m.get(y * side + x).copied().unwrap_or(false);
    let mut out = String::new();
    for y in (0..side).step_by(2) {
        for x in 0..side {
            // Light modules are drawn, dark ones left blank: scanners read either polarity, and
            // this way the quiet zone is drawn too.
            out.push(match (!dark(x, y), y + 1 < side && !dark(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(out)
}

/// Writes the code as a grayscale PNG with `scale` pixels per module.
pub fn write_png(text: &str, path: &Path, scale: usize) -> Result<(), Box<dyn std::error::Error>> {
    let (side, m) = modules(text)?;
    let px = side * scale;
    let mut pixels = vec![255u8; px * px];
    for (i, p) in pixels.iter_mut().enumerate() {
        let (x, y) = ((i % px) / scale, (i / px) / scale);
        if m.get(y * side + x).copied().unwrap_or(false) {
            *p = 0;
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, u32::try_from(px)?, u32::try_from(px)?);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}
