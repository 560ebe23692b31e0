//! Photo receipts: when a photo counts as received for a capture, and the receipt that says so.

use testigo_protocol::api::PhotoReceipt;
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{KeyId, Sha256, SignedReceipt};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::repo::PhotoLookup;
use crate::{AppState, now_ms};

/// Signs and keeps the receipt of a photo whose bytes are stored; returns the first receipt if
/// there was one already. The photo must be one the device's record declares.
pub(crate) async fn mark_received(
    state: &AppState,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
    size: u64,
) -> AppResult<SignedReceipt> {
    let PhotoLookup::Declared(expected) = state.repo.expected_photo(device, capture_id, sha256).await? else {
        return Err(AppError::PhotoNotInRecord);
    };
    if let Some(receipt) = expected.receipt {
        return Ok(receipt);
    }
    let receipt = state
        .key
        .receipt(ReceiptSubject::Photo { capture_id, sha256, size }, device, now_ms())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(state.repo.photo_received(expected.capture_pk, sha256, receipt).await?)
}

/// The receipt of a photo of one of the device's captures, once the photo is stored; "not found"
/// for a photo not received yet, not declared, or of a capture the device did not send.
pub(crate) async fn receipt(
    state: &AppState,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
) -> AppResult<PhotoReceipt> {
    match state.repo.expected_photo(device, capture_id, sha256).await? {
        PhotoLookup::Declared(p) => {
            p.receipt.map(|receipt| PhotoReceipt { receipt }).ok_or(AppError::NotFound)
        }
        PhotoLookup::NoCapture | PhotoLookup::NotDeclared => Err(AppError::NotFound),
    }
}

/// Whether a file's first bytes and last two have a JPEG's structure: the start-of-image marker,
/// well-formed marker segments up to the start of the scan with a frame header among them, and
/// the end-of-image marker last. Not a decoder: enough that nothing but a JPEG is served as
/// `image/jpeg` (an HTML page or a script posing as a photo is refused).
pub(crate) fn is_jpeg(head: &[u8], tail: &[u8]) -> bool {
    if head.get(..2) != Some(&[0xFF, 0xD8][..]) || tail != [0xFF, 0xD9] {
        return false;
    }
    let mut at = 2;
    let mut frame = false;
    loop {
        // A marker: 0xFF (fill bytes allowed), then its code.
        if head.get(at) != Some(&0xFF) {
            return false;
        }
        while head.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&code) = head.get(at) else { return false };
        at += 1;
        match code {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            // End of image before any scan, or a stray zero.
            0x00 | 0xD8 | 0xD9 => return false,
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (head.get(at), head.get(at + 1)) else { return false };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len < 2 {
            return false;
        }
        // Start of frame: baseline, extended, progressive, lossless (not DHT 0xC4, JPG 0xC8,
        // DAC 0xCC).
        if matches!(code, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            frame = true;
        }
        if code == 0xDA {
            return frame && head.len() >= at + len;
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal file with a JPEG's structure: SOI, a frame header, a scan, EOI.
    fn jpeg_shaped(scan: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'J', b'F'];
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
        v.extend_from_slice(scan);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    fn check(bytes: &[u8]) -> bool {
        let tail = bytes.len().checked_sub(2).and_then(|i| bytes.get(i..)).unwrap_or_default();
        is_jpeg(bytes, tail)
    }

    #[test]
    fn only_a_jpegs_structure_passes() {
        assert!(check(&jpeg_shaped(b"scan data")));
        assert!(!check(b"<html><script>alert(1)</script></html>"));
        assert!(!check(&[0xFF, 0xD8, 0xFF, 0xD9]), "no frame, no scan");
        let mut no_end = jpeg_shaped(b"x");
        no_end.truncate(no_end.len() - 2);
        assert!(!check(&no_end));
        let mut no_frame = jpeg_shaped(b"x");
        no_frame.drain(8..21);
        assert!(!check(&no_frame));
        let mut bad_length = jpeg_shaped(b"x");
        bad_length[5] = 0xFF;
        assert!(!check(&bad_length), "a segment running past what was read");
        assert!(!check(&[]));
        assert!(!check(&[0xFF]));
        // What the tests and the bench upload passes too (real phone photos pass in the e2e
        // suites, where every photo is one).
        assert!(check(&testigo_testkit::jpeg_shaped(3, 5_000)));
    }
}
