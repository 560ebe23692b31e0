//! Files with a format's structure and none of its content: stand-ins where tests and load
//! generators need many files of exact sizes that pass a format check, cheaply.

/// Bytes of exactly `len` (at least 40) with a JPEG's structure and seeded, varied content: the
/// start-of-image marker, a frame header, a scan whose data never contains a marker, and the
/// end-of-image marker. Not a picture: a stand-in where a test or a load generator needs photos
/// of exact sizes that the server accepts as JPEG files, cheaply.
pub fn jpeg_shaped(seed: u8, len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    let scan = len.saturating_sub(v.len() + 2);
    // Scan bytes below 0xFF, so no marker appears inside.
    v.extend((0..scan).map(|i| ((i as u8).wrapping_mul(31).wrapping_add(seed)) % 0xFF));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}
