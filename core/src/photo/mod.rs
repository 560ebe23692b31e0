//! The photo pipeline: from the camera's bytes to a small, upright, metadata-free JPEG.
//!
//! ```text
//! bytes ─ limits ─ decode (JPEG: scaled by the DCT to ≥ the target edge) ─ QR ─ resize ─ orient ─ encode
//!                                                                                   └─ thumbnail
//! ```
//!
//! - **Memory.** A 12-megapixel JPEG is never expanded to full size: the JPEG decoder scales by
//!   1/2, 1/4 or 1/8 inside the inverse DCT, to the smallest size still at least the target edge
//!   (4000×3000 with a 2000-pixel target decodes to 2000×1500, 9 MB instead of 36 MB). A PNG is
//!   decoded a row at a time and box-averaged by a whole factor to the same size, so a small
//!   file of 120 megapixels (a "PNG bomb") never exists in memory at full size; an interlaced
//!   PNG, whose rows come in seven passes, is decoded whole only when that is small
//!   ([`MAX_INTERLACED_PNG_BYTES`]) and refused above; so is a progressive JPEG, whose decoder
//!   keeps all its coefficients ([`MAX_PROGRESSIVE_JPEG_COEFFICIENT_BYTES`]). No edge may pass
//!   [`MAX_INPUT_EDGE`].
//! - **Orientation.** The EXIF orientation is read first and applied to the pixels after the
//!   resize (cheaper on the small image); the output then needs no metadata at all.
//! - **Metadata.** The output is re-encoded from pixels, so nothing of the input's EXIF, GPS, XMP,
//!   ICC profile or maker notes can survive: the encoder writes only a JFIF header.
//! - **QR.** The acta's QR code is searched on the decoded image before the final resize, where
//!   its modules are largest.
//! - **Hostile input.** Sizes and pixel counts are checked from the header before anything is
//!   decoded; the decoders run under `catch_unwind` so a bug in them is an error, not a crash.

mod exif;
pub mod orient;
pub(crate) mod qr;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use fast_image_resize as fr;
use testigo_protocol::Sha256;

pub use orient::Rgb;

use crate::error::{Error, Result};
use crate::image_info::{ImageFormat, inspect};

/// The largest input accepted, in bytes (a 12-megapixel camera JPEG is 3–6 MB).
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;
/// The most pixels accepted in one input (decompression-bomb guard).
pub const MAX_INPUT_PIXELS: u64 = 120_000_000;
/// The longest edge accepted, in pixels (a 120-megapixel strip one pixel high is no acta, and
/// its rows would be the memory bomb).
pub const MAX_INPUT_EDGE: u32 = 30_000;
/// The largest interlaced PNG decoded (its whole decoded size, in bytes); larger ones are refused.
pub const MAX_INTERLACED_PNG_BYTES: usize = 24 * 1024 * 1024;
/// The most coefficient memory a progressive JPEG may need (its decoder holds them all, at full
/// size, before scaling); larger ones are refused. Cameras write baseline JPEGs, which decode
/// scaled whatever their size.
pub const MAX_PROGRESSIVE_JPEG_COEFFICIENT_BYTES: u64 = 40 * 1024 * 1024;
/// The long edge the QR search works at (when the input is larger).
const QR_EDGE: u32 = 2000;

/// How to prepare photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoOptions {
    /// Longest edge of the stored photo, in pixels. See `docs/adr/0004-photo-pipeline.md` for how
    /// the default was chosen.
    pub max_edge: u32,
    /// JPEG quality of the stored photo, 1–100.
    pub quality: u8,
    /// Longest edge of the thumbnail.
    pub thumbnail_edge: u32,
    /// Whether to look for a QR code.
    pub find_qr: bool,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        PhotoOptions { max_edge: 2000, quality: 80, thumbnail_edge: 256, find_qr: true }
    }
}

/// How long each stage took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimes {
    /// Header checks, EXIF and decoding.
    pub decode: Duration,
    /// Applying the orientation.
    pub orient: Duration,
    /// Resizing (photo and thumbnail).
    pub resize: Duration,
    /// JPEG encoding (photo and thumbnail).
    pub encode: Duration,
    /// SHA-256 of the input and the output.
    pub hash: Duration,
    /// Finding and decoding the QR code.
    pub qr: Duration,
}

/// A prepared photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPhoto {
    /// The stored JPEG: upright, at most `max_edge` on its long side, no metadata.
    pub jpeg: Vec<u8>,
    /// Its width.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// SHA-256 of `jpeg`.
    pub sha256: Sha256,
    /// SHA-256 of the input, as the camera produced it.
    pub original_sha256: Sha256,
    /// Size of the input in bytes.
    pub original_size: u64,
    /// Format of the input.
    pub original_format: ImageFormat,
    /// EXIF orientation of the input (1 when none).
    pub orientation: u8,
    /// A small JPEG for list screens.
    pub thumbnail: Vec<u8>,
    /// The text of the acta's QR code, if one was found.
    pub qr_payload: Option<String>,
    /// Time per stage.
    pub times: StageTimes,
}

/// Runs the pipeline on the camera's bytes.
pub fn prepare(bytes: &[u8], options: &PhotoOptions) -> Result<PreparedPhoto> {
    let mut times = StageTimes::default();
    let quality = options.quality.clamp(1, 100);
    let max_edge = options.max_edge.clamp(64, 16_000);

    let t = Instant::now();
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::PhotoTooLarge("file size"));
    }
    let info = inspect(bytes)?;
    if u64::from(info.width) * u64::from(info.height) > MAX_INPUT_PIXELS {
        return Err(Error::PhotoTooLarge("pixel count"));
    }
    if info.width.max(info.height) > MAX_INPUT_EDGE {
        return Err(Error::PhotoTooLarge("edge length"));
    }
    let (decoded, orientation) = match info.format {
        ImageFormat::Jpeg => (decode_jpeg(bytes, max_edge.max(QR_EDGE))?, exif::orientation(bytes)),
        ImageFormat::Png => (decode_png(bytes, max_edge.max(QR_EDGE))?, 1),
    };
    times.decode = t.elapsed();

    // The DCT scales only by 1/2, 1/4, 1/8: a 12000-px JPEG decodes at 3000 px. Down to the
    // working size at once, so that the QR search and everything after hold no more pixels than
    // for a 12-MP photo (and the large decode is freed before they run).
    let t = Instant::now();
    let decoded = resize_to_fit(decoded, max_edge.max(QR_EDGE))?;
    times.resize += t.elapsed();

    let t = Instant::now();
    let original_sha256 = Sha256::digest(bytes);
    times.hash += t.elapsed();

    let t = Instant::now();
    let qr_payload = if options.find_qr { find_qr(&decoded) } else { None };
    times.qr = t.elapsed();

    let t = Instant::now();
    let small = resize_to_fit(decoded, max_edge)?;
    times.resize += t.elapsed();

    let t = Instant::now();
    let upright = orient::apply(small, orientation);
    times.orient = t.elapsed();

    let t = Instant::now();
    let thumb = resize_to_fit(upright.clone(), options.thumbnail_edge.clamp(16, 1024))?;
    times.resize += t.elapsed();

    let t = Instant::now();
    let jpeg = encode_jpeg(&upright, quality)?;
    let thumbnail = encode_jpeg(&thumb, 70)?;
    times.encode = t.elapsed();

    let t = Instant::now();
    let sha256 = Sha256::digest(&jpeg);
    times.hash += t.elapsed();

    Ok(PreparedPhoto {
        jpeg,
        width: upright.width,
        height: upright.height,
        sha256,
        original_sha256,
        original_size: bytes.len() as u64,
        original_format: info.format,
        orientation,
        thumbnail,
        qr_payload,
        times,
    })
}

/// Decodes a JPEG to RGB, letting the decoder scale down by up to 8 while it decodes so that the
/// result is still at least `edge` pixels on one side.
fn decode_jpeg(bytes: &[u8], edge: u32) -> Result<Rgb> {
    let failed = || Error::NotAnImage("the JPEG could not be decoded");
    let edge = u16::try_from(edge).unwrap_or(u16::MAX);
    let out = catch_unwind(AssertUnwindSafe(|| -> Result<Rgb> {
        let mut decoder = jpeg_decoder::Decoder::new(bytes);
        decoder.read_info().map_err(|_| failed())?;
        let info = decoder.info().ok_or_else(failed)?;
        if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
            // A progressive JPEG's decoder keeps every coefficient of the whole image (two bytes
            // per sample) before it can scale: bounded, counting three full-size components.
            let components: u64 = match info.pixel_format {
                jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
                jpeg_decoder::PixelFormat::RGB24 => 3,
                jpeg_decoder::PixelFormat::CMYK32 => 4,
            };
            let coefficients = u64::from(info.width) * u64::from(info.height) * 2 * components;
            if coefficients > MAX_PROGRESSIVE_JPEG_COEFFICIENT_BYTES {
                return Err(Error::PhotoTooLarge("progressive JPEG of this size"));
            }
        }
        let (w, h) = decoder.scale(edge, edge).map_err(|_| failed())?;
        // Four bytes per pixel covers every output format (CMYK is the widest).
        decoder.set_max_decoding_buffer_size(usize::from(w) * usize::from(h) * 4 + 1024);
        let pixels = decoder.decode().map_err(|_| failed())?;
        let format = decoder.info().ok_or_else(failed)?.pixel_format;
        let rgb = match format {
            jpeg_decoder::PixelFormat::RGB24 => pixels,
            jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
            // Big-endian 16-bit samples: the high byte is the 8-bit value.
            jpeg_decoder::PixelFormat::L16 => pixels.iter().step_by(2).flat_map(|&l| [l, l, l]).collect(),
            jpeg_decoder::PixelFormat::CMYK32 => pixels
                .chunks_exact(4)
                .flat_map(|c| match *c {
                    [cy, m, ye, k] => {
                        let ink = |v: u8| ((255 - u16::from(v)) * (255 - u16::from(k)) / 255) as u8;
                        [ink(cy), ink(m), ink(ye)]
                    }
                    _ => [0, 0, 0],
                })
                .collect(),
        };
        if rgb.len() != usize::from(w) * usize::from(h) * 3 {
            return Err(failed());
        }
        Ok(Rgb { width: u32::from(w), height: u32::from(h), pixels: rgb })
    }));
    out.unwrap_or_else(|_| Err(failed()))
}

/// Decodes a PNG to RGB (transparency composited on white, the colour of paper), a row at a
/// time, averaging boxes of `k`×`k` pixels with the largest whole `k` that keeps the long edge at
/// least `edge`: memory is the result, one accumulator row and the decoder's own row, whatever
/// the PNG's size.
fn decode_png(bytes: &[u8], edge: u32) -> Result<Rgb> {
    let failed = || Error::NotAnImage("the PNG could not be decoded");
    let out = catch_unwind(AssertUnwindSafe(|| -> Result<Rgb> {
        let mut decoder = png::Decoder::new_with_limits(
            std::io::Cursor::new(bytes),
            png::Limits { bytes: MAX_INTERLACED_PNG_BYTES },
        );
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(png_error)?;
        let (w, h, interlaced) = (reader.info().width, reader.info().height, reader.info().interlaced);
        let (color, _) = reader.output_color_type();
        if interlaced {
            // Adam7 delivers the rows in seven passes: only a small one is decoded whole.
            let size = reader.output_buffer_size().ok_or_else(failed)?;
            if size > MAX_INTERLACED_PNG_BYTES {
                return Err(Error::PhotoTooLarge("interlaced PNG of this size"));
            }
            let mut buf = vec![0u8; size];
            let frame = reader.next_frame(&mut buf).map_err(png_error)?;
            let data = buf.get(..frame.buffer_size()).ok_or_else(failed)?;
            let rgb: Vec<u8> =
                data.chunks_exact(color.samples()).flat_map(|px| rgb_over_white(color, px)).collect();
            if rgb.len() != w as usize * h as usize * 3 {
                return Err(failed());
            }
            return Ok(Rgb { width: w, height: h, pixels: rgb });
        }
        let k = (w.max(h) / edge.max(1)).max(1);
        let (ow, oh) = (w.div_ceil(k), h.div_ceil(k));
        let mut pixels = Vec::with_capacity(ow as usize * oh as usize * 3);
        let mut acc = vec![0u32; ow as usize * 3];
        let mut rows_in_band = 0u32;
        let mut y = 0u32;
        let flush = |acc: &mut Vec<u32>, rows: u32, pixels: &mut Vec<u8>| {
            for (ox, cell) in acc.chunks_exact_mut(3).enumerate() {
                let cols = (w - ox as u32 * k).min(k);
                let n = cols * rows;
                for v in cell.iter_mut() {
                    pixels.push(((*v + n / 2) / n.max(1)) as u8);
                    *v = 0;
                }
            }
        };
        while let Some(row) = reader.next_row().map_err(png_error)? {
            let data = row.data();
            if data.len() != w as usize * color.samples() {
                return Err(failed());
            }
            for (x, px) in data.chunks_exact(color.samples()).enumerate() {
                let cell = (x / k as usize) * 3;
                for (c, v) in rgb_over_white(color, px).into_iter().enumerate() {
                    if let Some(a) = acc.get_mut(cell + c) {
                        *a += u32::from(v);
                    }
                }
            }
            rows_in_band += 1;
            y += 1;
            if rows_in_band == k || y == h {
                flush(&mut acc, rows_in_band, &mut pixels);
                rows_in_band = 0;
            }
        }
        if y != h || pixels.len() != ow as usize * oh as usize * 3 {
            return Err(failed());
        }
        Ok(Rgb { width: ow, height: oh, pixels })
    }));
    out.unwrap_or_else(|_| Err(failed()))
}

/// A PNG decoder's error as the pipeline's: over its memory limit is "too large", anything else
/// "not a usable photo".
fn png_error(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => Error::PhotoTooLarge("the PNG needs more memory than allowed"),
        _ => Error::NotAnImage("the PNG could not be decoded"),
    }
}

/// One decoded PNG pixel (8-bit samples of `color`) as RGB, transparency composited on white.
fn rgb_over_white(color: png::ColorType, px: &[u8]) -> [u8; 3] {
    let over_white = |v: u8, a: u8| ((u16::from(v) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
    match (color, px) {
        (png::ColorType::Rgb, [r, g, b]) => [*r, *g, *b],
        (png::ColorType::Rgba, [r, g, b, a]) => [over_white(*r, *a), over_white(*g, *a), over_white(*b, *a)],
        (png::ColorType::Grayscale, [l]) => [*l; 3],
        (png::ColorType::GrayscaleAlpha, [l, a]) => [over_white(*l, *a); 3],
        // Indexed colour is expanded by the decoder; anything else is not a pixel we know.
        _ => [255; 3],
    }
}

/// Shrinks `img` so its long edge is at most `edge` (never enlarges), with a Lanczos-3 filter.
fn resize_to_fit(img: Rgb, edge: u32) -> Result<Rgb> {
    let long = img.width.max(img.height);
    if long <= edge {
        return Ok(img);
    }
    let scale = f64::from(edge) / f64::from(long);
    let dw = ((f64::from(img.width) * scale).round() as u32).max(1);
    let dh = ((f64::from(img.height) * scale).round() as u32).max(1);
    let failed = |_| Error::NotAnImage("the image could not be resized");
    // Typed to 8-bit RGB: the untyped `resize` would compile every pixel type's kernels into the
    // phone library (2.8 MB of its 10 MB), though only this one is ever used.
    let src = fr::images::TypedImageRef::<fr::pixels::U8x3>::from_buffer(img.width, img.height, &img.pixels)
        .map_err(|e| failed(e.to_string()))?;
    let mut out = vec![0u8; dw as usize * dh as usize * 3];
    let mut dst = fr::images::TypedImage::<fr::pixels::U8x3>::from_buffer(dw, dh, &mut out)
        .map_err(|e| failed(e.to_string()))?;
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new().resize_typed(&src, &mut dst, &options).map_err(|e| failed(e.to_string()))?;
    Ok(Rgb { width: dw, height: dh, pixels: out })
}

fn encode_jpeg(img: &Rgb, quality: u8) -> Result<Vec<u8>> {
    let too_big = || Error::PhotoTooLarge("output dimensions");
    let (w, h) =
        (u16::try_from(img.width).map_err(|_| too_big())?, u16::try_from(img.height).map_err(|_| too_big())?);
    let mut out = Vec::with_capacity(img.pixels.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // Optimised Huffman tables: a few percent smaller for every byte that crosses a 2G link.
    encoder.set_optimized_huffman_tables(true);
    encoder
        .encode(&img.pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| Error::NotAnImage("the photo could not be encoded"))?;
    Ok(out)
}

/// Looks for the acta's QR code on the luma of the decoded image.
fn find_qr(img: &Rgb) -> Option<String> {
    let luma: Vec<u8> = img
        .pixels
        .chunks_exact(3)
        .map(|p| match *p {
            [r, g, b] => ((u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8) as u8,
            _ => 255,
        })
        .collect();
    let (w, h) = (img.width as usize, img.height as usize);
    qr::decode(&luma, w, h)
}
