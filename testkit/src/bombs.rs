//! The worst inputs the phone's photo pipeline may be handed: files small on disk that are huge
//! once decoded, at the pixel and edge limits. `testigo sim bombs` writes them; BENCHMARKS.md
//! gives the pipeline's peak memory on each.

use std::path::Path;

use crate::ActaError;

/// One worst-case input: its file name and what it is.
pub const BOMBS: [(&str, &str); 4] = [
    ("png-rgba-12000x10000.png", "PNG, RGBA, 120 MP (480 MB decoded), non-interlaced"),
    ("png-gray-30000x4000.png", "PNG, grey, 120 MP at the longest edge allowed"),
    ("jpeg-baseline-12000x10000.jpg", "JPEG, baseline, grey, 120 MP"),
    ("jpeg-progressive-12000x10000.jpg", "JPEG, progressive, grey, 120 MP"),
];

/// Writes every file of [`BOMBS`] into `dir`. PNGs are written a row at a time; the JPEGs need
/// their pixels whole (120 MB each, in this process only).
pub fn write_bombs(dir: &Path) -> Result<(), ActaError> {
    std::fs::create_dir_all(dir)?;
    let wave = |x: u32, y: u32| ((x / 7 + y / 5) % 64 * 4) as u8;
    write_png(&dir.join(BOMBS[0].0), 12_000, 10_000, png::ColorType::Rgba, |y| {
        (0..12_000).flat_map(|x| [wave(x, y), 255 - wave(x, y), 128, 255]).collect()
    })?;
    write_png(&dir.join(BOMBS[1].0), 30_000, 4_000, png::ColorType::Grayscale, |y| {
        (0..30_000).map(|x| wave(x, y)).collect()
    })?;
    let (w, h) = (12_000u16, 10_000u16);
    let grey: Vec<u8> = (0..u32::from(h)).flat_map(|y| (0..u32::from(w)).map(move |x| wave(x, y))).collect();
    for (name, progressive) in [(BOMBS[2].0, false), (BOMBS[3].0, true)] {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 60);
        encoder.set_progressive(progressive);
        encoder.encode(&grey, w, h, jpeg_encoder::ColorType::Luma)?;
        std::fs::write(dir.join(name), out)?;
    }
    Ok(())
}

fn write_png(
    path: &Path,
    w: u32,
    h: u32,
    color: png::ColorType,
    row: impl Fn(u32) -> Vec<u8>,
) -> Result<(), ActaError> {
    let invalid = |e: png::EncodingError| ActaError::Io(std::io::Error::other(e));
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, w, h);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(invalid)?;
    let mut stream = writer.stream_writer().map_err(invalid)?;
    for y in 0..h {
        std::io::Write::write_all(&mut stream, &row(y))?;
    }
    stream.finish().map_err(invalid)?;
    Ok(())
}
