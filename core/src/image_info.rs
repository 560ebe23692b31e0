//! Recognising a photo and reading its dimensions from its header, without decoding it.
//!
//! Used to refuse bytes that are not a JPEG or PNG before anything is stored. Every read is
//! bounds-checked: hostile bytes give an error, never a panic.

use crate::error::{Error, Result};

/// The formats the store accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG (JFIF/EXIF).
    Jpeg,
    /// PNG.
    Png,
}

impl ImageFormat {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }
}

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format.
    pub format: ImageFormat,
    /// Width in pixels as stored (before any EXIF rotation).
    pub width: u32,
    /// Height in pixels as stored.
    pub height: u32,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Reads the format and dimensions of a JPEG or PNG.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo> {
    let info = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        inspect_jpeg(bytes)?
    } else if bytes.starts_with(PNG_SIGNATURE) {
        inspect_png(bytes)?
    } else {
        return Err(Error::NotAnImage("not a JPEG or PNG file"));
    };
    if info.width == 0 || info.height == 0 {
        return Err(Error::NotAnImage("image has no pixels"));
    }
    Ok(info)
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn inspect_png(bytes: &[u8]) -> Result<ImageInfo> {
    let truncated = Error::NotAnImage("truncated PNG header");
    // Signature (8), then the first chunk must be IHDR: length (4), type (4), width, height.
    if bytes.get(12..16) != Some(b"IHDR".as_slice()) {
        return Err(Error::NotAnImage("PNG does not start with IHDR"));
    }
    let width = be32(bytes, 16).ok_or(truncated)?;
    let height = be32(bytes, 20).ok_or(Error::NotAnImage("truncated PNG header"))?;
    Ok(ImageInfo { format: ImageFormat::Png, width, height })
}

fn inspect_jpeg(bytes: &[u8]) -> Result<ImageInfo> {
    let truncated = || Error::NotAnImage("truncated JPEG");
    let mut at = 2;
    loop {
        // Markers are 0xFF then a code; any number of 0xFF fill bytes may precede the code.
        if *bytes.get(at).ok_or_else(truncated)? != 0xFF {
            return Err(Error::NotAnImage("malformed JPEG marker"));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let code = *bytes.get(at).ok_or_else(truncated)?;
        at += 1;
        match code {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(Error::NotAnImage("JPEG has no frame header")),
            _ => {}
        }
        let len = usize::from(be16(bytes, at).ok_or_else(truncated)?);
        if len < 2 {
            return Err(Error::NotAnImage("malformed JPEG segment"));
        }
        // Start-of-frame markers (all SOFn but DHT C4, JPG C8 and DAC CC) hold the dimensions.
        if matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC) {
            let height = be16(bytes, at + 3).ok_or_else(truncated)?;
            let width = be16(bytes, at + 5).ok_or_else(truncated)?;
            return Ok(ImageInfo { format: ImageFormat::Jpeg, width: width.into(), height: height.into() });
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        // An APP0 segment with fill bytes before the next marker.
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF]);
        v.extend_from_slice(&[0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&[0x03; 10]);
        v
    }

    #[test]
    fn reads_jpeg_and_png_dimensions() {
        let info = inspect(&jpeg(4000, 3000)).unwrap();
        assert_eq!((info.format, info.width, info.height), (ImageFormat::Jpeg, 4000, 3000));
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&[0, 0, 0, 13]);
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&1600u32.to_be_bytes());
        png.extend_from_slice(&1200u32.to_be_bytes());
        let info = inspect(&png).unwrap();
        assert_eq!((info.format, info.width, info.height), (ImageFormat::Png, 1600, 1200));
    }

    #[test]
    fn refuses_other_and_truncated_bytes_without_panicking() {
        assert!(inspect(b"GIF89a").is_err());
        assert!(inspect(b"").is_err());
        assert!(inspect(&jpeg(0, 10)).is_err());
        let full = jpeg(640, 480);
        for cut in 0..full.len() - 10 {
            assert!(inspect(&full[..cut]).is_err(), "prefix {cut} accepted");
        }
        // Every single-byte corruption either errors or yields some dimensions; never panics.
        for i in 0..full.len() {
            for b in [0x00, 0xFF, 0xC0, 0xD9] {
                let mut m = full.clone();
                m[i] = b;
                let _ = inspect(&m);
            }
        }
    }
}
