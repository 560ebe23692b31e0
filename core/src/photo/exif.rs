//! Reading the EXIF orientation of a JPEG: the one piece of metadata the pipeline uses before it
//! throws all metadata away.
//!
//! Only the Orientation tag (0x0112) of IFD0 is read, from the first `Exif\0\0` APP1 segment.
//! Every offset is bounds-checked; anything malformed reads as orientation 1 (as stored).

/// The orientation (1–8, as defined by EXIF/TIFF) stored in `jpeg`, or 1 when there is none.
pub fn orientation(jpeg: &[u8]) -> u8 {
    app1_exif(jpeg).and_then(tiff_orientation).filter(|o| (1..=8).contains(o)).unwrap_or(1)
}

/// The TIFF bytes of the first APP1 Exif segment.
fn app1_exif(jpeg: &[u8]) -> Option<&[u8]> {
    let mut at = 2; // after SOI
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        while jpeg.get(at) == Some(&0xFF) {
            at += 1;
        }
        let code = *jpeg.get(at)?;
        at += 1;
        if matches!(code, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(code, 0xD9 | 0xDA) {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(at)?, *jpeg.get(at + 1)?]));
        let body = jpeg.get(at + 2..at.checked_add(len)?)?;
        if code == 0xE1 && body.starts_with(b"Exif\0\0") {
            return body.get(6..);
        }
        at += len;
    }
}

fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    for i in 0..entries.min(512) {
        let entry = ifd + 2 + i * 12;
        if u16_at(entry)? == 0x0112 {
            // SHORT (type 3), count 1: the value sits in the first two bytes of the value field.
            if u16_at(entry + 2)? != 3 {
                return None;
            }
            return u8::try_from(u16_at(entry + 8)?).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif(tiff: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let len = (tiff.len() + 8) as u16;
        v.extend_from_slice(&len.to_be_bytes());
        v.extend_from_slice(b"Exif\0\0");
        v.extend_from_slice(tiff);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        v
    }

    fn tiff(little: bool, orientation: u16) -> Vec<u8> {
        let w16 = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let w32 = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut t = Vec::new();
        t.extend_from_slice(if little { b"II" } else { b"MM" });
        t.extend_from_slice(&w16(42));
        t.extend_from_slice(&w32(8));
        t.extend_from_slice(&w16(2));
        // An unrelated tag first (ImageWidth, LONG).
        t.extend_from_slice(&w16(0x0100));
        t.extend_from_slice(&w16(4));
        t.extend_from_slice(&w32(1));
        t.extend_from_slice(&w32(4000));
        t.extend_from_slice(&w16(0x0112));
        t.extend_from_slice(&w16(3));
        t.extend_from_slice(&w32(1));
        t.extend_from_slice(&w16(orientation));
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&w32(0));
        t
    }

    #[test]
    fn reads_orientation_in_both_byte_orders() {
        for o in 1..=8 {
            assert_eq!(orientation(&jpeg_with_exif(&tiff(true, o))), o as u8);
            assert_eq!(orientation(&jpeg_with_exif(&tiff(false, o))), o as u8);
        }
    }

    #[test]
    fn malformed_or_missing_exif_reads_as_upright() {
        assert_eq!(orientation(&[0xFF, 0xD8, 0xFF, 0xDA]), 1);
        assert_eq!(orientation(&jpeg_with_exif(&tiff(true, 9))), 1);
        let t = tiff(true, 6);
        for cut in 0..t.len() {
            let j = jpeg_with_exif(&t[..cut]);
            assert!((1..=8).contains(&orientation(&j)));
        }
        let mut bad_offset = tiff(true, 6);
        bad_offset[4] = 0xFF;
        assert_eq!(orientation(&jpeg_with_exif(&bad_offset)), 1);
    }
}
