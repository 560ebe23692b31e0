//! Fuzzes the enrollment QR's text as the phone parses it; what parses must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::enrollment::parse_enrollment_uri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(uri) = parse_enrollment_uri(text) {
        assert_eq!(parse_enrollment_uri(&uri.to_uri()), Some(uri));
    }
});
