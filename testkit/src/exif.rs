//! The Exif block a phone writes: a little-endian TIFF with IFD0 holding Make, Model and
//! Orientation, and a GPS IFD when the photo has a location.
//!
//! Layout (offsets from the TIFF header, as Exif requires): header, IFD0, IFD0's out-of-line
//! values, then the GPS IFD and its values. Every value starts on an even offset.

/// Camera make written in IFD0.
pub const MAKE: &str = "TestigoSim";
/// Camera model written in IFD0.
pub const MODEL: &str = "Phone 1";

const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const BYTE: u16 = 1;

/// One IFD entry; `value` holds the bytes of all `count` items, little-endian.
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    value: Vec<u8>,
}

fn ascii(tag: u16, text: &str) -> Entry {
    let mut value = text.as_bytes().to_vec();
    value.push(0);
    Entry { tag, kind: ASCII, count: value.len() as u32, value }
}

/// Degrees as three rationals (degrees, minutes, seconds to the millisecond).
fn dms(tag: u16, degrees: f64) -> Entry {
    let ms = (degrees.abs() * 3_600_000.0).round() as u64;
    let parts = [(ms / 3_600_000, 1u32), (ms / 60_000 % 60, 1), (ms % 60_000, 1000)];
    let value =
        parts.iter().flat_map(|&(n, d)| [(n as u32).to_le_bytes(), d.to_le_bytes()]).flatten().collect();
    Entry { tag, kind: RATIONAL, count: 3, value }
}

/// Bytes an IFD with `entries` takes, its out-of-line values included.
fn ifd_len(entries: &[Entry]) -> usize {
    let values: usize =
        entries.iter().filter(|e| e.value.len() > 4).map(|e| e.value.len().next_multiple_of(2)).sum();
    2 + 12 * entries.len() + 4 + values
}

/// Appends the IFD (which must start at `out.len()`, an offset from the TIFF header).
fn write_ifd(out: &mut Vec<u8>, entries: &[Entry]) {
    let start = out.len();
    let mut data_at = start + 2 + 12 * entries.len() + 4;
    let mut data = Vec::new();
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&e.tag.to_le_bytes());
        out.extend_from_slice(&e.kind.to_le_bytes());
        out.extend_from_slice(&e.count.to_le_bytes());
        if e.value.len() <= 4 {
            let mut inline = [0u8; 4];
            inline.iter_mut().zip(&e.value).for_each(|(slot, b)| *slot = *b);
            out.extend_from_slice(&inline);
        } else {
            out.extend_from_slice(&(data_at as u32).to_le_bytes());
            data.extend_from_slice(&e.value);
            if e.value.len() % 2 == 1 {
                data.push(0);
            }
            data_at += e.value.len().next_multiple_of(2);
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    out.extend_from_slice(&data);
}

/// The TIFF bytes of an Exif block (without the `Exif\0\0` prefix) for a photo with EXIF
/// `orientation` and, if given, GPS position `(latitude, longitude)` in degrees.
pub fn tiff(orientation: u16, gps: Option<(f64, f64)>) -> Vec<u8> {
    let mut ifd0 = vec![
        ascii(0x010F, MAKE),
        ascii(0x0110, MODEL),
        Entry { tag: 0x0112, kind: SHORT, count: 1, value: orientation.to_le_bytes().to_vec() },
    ];
    let gps_ifd = gps.map(|(lat, lon)| {
        vec![
            Entry { tag: 0x0000, kind: BYTE, count: 4, value: vec![2, 3, 0, 0] },
            ascii(0x0001, if lat >= 0.0 { "N" } else { "S" }),
            dms(0x0002, lat),
            ascii(0x0003, if lon >= 0.0 { "E" } else { "W" }),
            dms(0x0004, lon),
        ]
    });
    if gps_ifd.is_some() {
        // The GPS IFD follows IFD0, whose length includes the pointer entry being added.
        let pointer = |at: usize| Entry {
            tag: 0x8825,
            kind: LONG,
            count: 1,
            value: (at as u32).to_le_bytes().to_vec(),
        };
        ifd0.push(pointer(0));
        let at = 8 + ifd_len(&ifd0);
        ifd0.pop();
        ifd0.push(pointer(at));
    }
    let mut out = b"II\x2A\x00\x08\x00\x00\x00".to_vec();
    write_ifd(&mut out, &ifd0);
    if let Some(gps_ifd) = gps_ifd {
        write_ifd(&mut out, &gps_ifd);
    }
    out
}

#[cfg(test)]
pub(crate) mod read {
    //! A reader for the tests: the Exif fields this module writes, read back from a JPEG.

    /// What the Exif block of a photo says.
    #[derive(Debug, Default, PartialEq)]
    pub(crate) struct Exif {
        pub(crate) orientation: Option<u16>,
        pub(crate) make: Option<String>,
        pub(crate) model: Option<String>,
        pub(crate) gps: Option<(f64, f64)>,
    }

    /// The JPEG's segments before the scan: `(marker, body)`.
    pub(crate) fn segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        let mut at = 2;
        let mut out = Vec::new();
        while jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
            let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            out.push((jpeg[at + 1], &jpeg[at + 4..at + 2 + len]));
            at += 2 + len;
        }
        out
    }

    pub(crate) fn from_jpeg(jpeg: &[u8]) -> Exif {
        let (_, body) =
            segments(jpeg).into_iter().find(|(m, b)| *m == 0xE1 && b.starts_with(b"Exif\0\0")).unwrap();
        parse(&body[6..])
    }

    pub(crate) fn parse(t: &[u8]) -> Exif {
        assert_eq!(&t[..4], b"II\x2A\x00");
        let u16_at = |o: usize| u16::from_le_bytes([t[o], t[o + 1]]);
        let u32_at = |o: usize| u32::from_le_bytes(t[o..o + 4].try_into().unwrap());
        let entries = |ifd: usize| {
            (0..usize::from(u16_at(ifd))).map(move |i| {
                let e = ifd + 2 + 12 * i;
                (u16_at(e), u16_at(e + 2), u32_at(e + 4) as usize, e + 8)
            })
        };
        let text = |count: usize, at: usize| {
            let start = if count <= 4 { at } else { u32_at(at) as usize };
            String::from_utf8(t[start..start + count - 1].to_vec()).unwrap()
        };
        let degrees = |at: usize| {
            let r = u32_at(at) as usize;
            let v = |i: usize| f64::from(u32_at(r + 8 * i)) / f64::from(u32_at(r + 8 * i + 4));
            v(0) + v(1) / 60.0 + v(2) / 3600.0
        };
        let mut exif = Exif::default();
        let mut last_tag = 0;
        for (tag, kind, count, at) in entries(u32_at(4) as usize) {
            assert!(tag > last_tag, "IFD0 entries must be sorted");
            last_tag = tag;
            match tag {
                0x010F => exif.make = Some(text(count, at)),
                0x0110 => exif.model = Some(text(count, at)),
                0x0112 => {
                    assert_eq!((kind, count), (3, 1));
                    exif.orientation = Some(u16_at(at));
                }
                0x8825 => {
                    let (mut lat, mut lon, mut sign) = (0.0, 0.0, (1.0, 1.0));
                    for (tag, _, count, at) in entries(u32_at(at) as usize) {
                        match tag {
                            1 => sign.0 = if text(count, at) == "S" { -1.0 } else { 1.0 },
                            2 => lat = degrees(at),
                            3 => sign.1 = if text(count, at) == "W" { -1.0 } else { 1.0 },
                            4 => lon = degrees(at),
                            _ => {}
                        }
                    }
                    exif.gps = Some((sign.0 * lat, sign.1 * lon));
                }
                _ => {}
            }
        }
        exif
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_orientation_names_and_position() {
        for orientation in 1..=8 {
            for gps in [None, Some((10.4806, -66.9036)), Some((-33.45, 151.2093))] {
                let bytes = tiff(orientation, gps);
                let exif = read::parse(&bytes);
                assert_eq!(exif.orientation, Some(orientation));
                assert_eq!(exif.make.as_deref(), Some(MAKE));
                assert_eq!(exif.model.as_deref(), Some(MODEL));
                match (exif.gps, gps) {
                    (Some((a, b)), Some((x, y))) => assert!((a - x).abs() < 1e-6 && (b - y).abs() < 1e-6),
                    (None, None) => {}
                    other => panic!("{other:?}"),
                }
            }
        }
    }
}
