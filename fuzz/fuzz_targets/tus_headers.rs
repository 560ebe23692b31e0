//! Fuzzes the tus headers the server and the phone read: `Upload-Metadata`, `Upload-Checksum`
//! and the photo receipt header. What parses must write back to what parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::api::tus::{UploadMetadata, checksum_header, parse_checksum_header, parse_receipt_header, receipt_header};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(meta) = UploadMetadata::parse(text) {
        assert_eq!(UploadMetadata::parse(&meta.to_header()).ok(), Some(meta));
    }
    let _ = parse_checksum_header(text);
    let _ = parse_checksum_header(&checksum_header(data));
    if let Some(receipt) = parse_receipt_header(text) {
        let again = receipt_header(&receipt).ok().and_then(|h| parse_receipt_header(&h));
        assert_eq!(again, Some(receipt));
    }
});
