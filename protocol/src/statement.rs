//! The server's signed statements besides receipts: every answer that changes what a phone does
//! with its work is signed by the same server key as receipts, so that nobody on the network path
//! can park a watcher's actas, forge a review or swap the election package.
//!
//! - [`SignedRefusal`]: a record or photo refused for good. The phone parks an item only on a
//!   refusal that verifies and names exactly that item and this device; anything else is treated
//!   as a broken link (the item waits and is sent again).
//! - The change feed ([`crate::api::FeedPage`]) is signed page by page over
//!   [`feed_page_bytes`]: the device it is for, the cursor asked with, and every event.
//! - The election package (`GET /v1/package`) carries [`PACKAGE_SIGNATURE_HEADER`], a signature
//!   over [`package_bytes`]: the device it is for and the SHA-256 of the body, byte for byte.
//!
//! Each layout has its own domain, so no signature can be replayed as another kind, and each names
//! the device, so no answer for one phone can be replayed to another.

use serde::{Deserialize, Serialize};

use crate::TimestampMs;
use crate::api::{Change, FeedEvent};
use crate::canonical::Canon;
use crate::encoding::Sha256;
use crate::keys::{KeyId, PublicKey, Signature, VerifyError};
use crate::receipt::ReceiptSubject;

/// The refusal layout this crate signs and reads.
pub const REFUSAL_FORMAT: u32 = 1;
/// The canonical-bytes domain of a refusal.
pub const REFUSAL_DOMAIN: &str = "testigo.refusal.v1";
/// The canonical-bytes domain of a feed page.
pub const FEED_DOMAIN: &str = "testigo.feed.v1";
/// The canonical-bytes domain of a bundle's acknowledgment.
pub const BUNDLE_ACK_DOMAIN: &str = "testigo.bundle-ack.v1";
/// The canonical-bytes domain of an election package answer.
pub const PACKAGE_DOMAIN: &str = "testigo.package.v1";
/// The response header of `GET /v1/package` that carries the server's signature (base64 of the
/// DER signature) over [`package_bytes`].
pub const PACKAGE_SIGNATURE_HEADER: &str = "testigo-signature";

/// A record or photo the server refuses for good: sending it again will not help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Refusal {
    /// Always [`REFUSAL_FORMAT`].
    pub format: u32,
    /// What is refused: the record (by the hash of its canonical bytes) or the photo, exactly as
    /// a receipt would name it.
    pub subject: ReceiptSubject,
    /// The stable code: a [`crate::api::RefusalCode`] for records, the problem code for photos.
    pub code: String,
    /// A readable explanation without personal data.
    pub detail: String,
    /// The device that sent it.
    pub device_key_id: KeyId,
    /// The server's clock when it refused.
    pub refused_at_ms: TimestampMs,
    /// The id of the server key that signs the refusal.
    pub server_key_id: KeyId,
}

impl Refusal {
    /// The bytes the server key signs (layout `testigo.refusal.v1`): domain, format, the subject as
    /// in a receipt (tag, capture id, hash, for photos the size), code, detail, device key id,
    /// refusal time, server key id.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut c = Canon::new(REFUSAL_DOMAIN);
        c.u32(self.format);
        subject(&mut c, &self.subject);
        c.str(&self.code)
            .str(&self.detail)
            .str(self.device_key_id.as_str())
            .i64(self.refused_at_ms)
            .str(self.server_key_id.as_str());
        c.finish()
    }
}

/// Writes a receipt or refusal subject.
pub(crate) fn subject(c: &mut Canon, subject: &ReceiptSubject) {
    match subject {
        ReceiptSubject::Record { capture_id, record_sha256 } => {
            c.u8(1).bytes(capture_id.as_bytes()).bytes(record_sha256.as_bytes());
        }
        ReceiptSubject::Photo { capture_id, sha256, size } => {
            c.u8(2).bytes(capture_id.as_bytes()).bytes(sha256.as_bytes()).u64(*size);
        }
    }
}

/// A refusal with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedRefusal {
    /// The refusal.
    pub refusal: Refusal,
    /// DER ECDSA P-256 signature over `refusal.canonical_bytes()`.
    pub signature: Signature,
}

impl SignedRefusal {
    /// Checks that the refusal was signed by `server_key`.
    pub fn verify(&self, server_key: &PublicKey) -> Result<(), VerifyError> {
        if server_key.key_id() != self.refusal.server_key_id {
            return Err(VerifyError::WrongKey);
        }
        server_key.verify(&self.refusal.canonical_bytes(), &self.signature)
    }
}

/// The server's word on a sealed bundle a runner carried: taken (its contents imported, each
/// watcher hears of its own records through its feed) or refused whole, with why. Either way the
/// runner's work with it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BundleAck {
    /// SHA-256 of the bundle's bytes as received.
    pub bundle_sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
    /// The device that carried it to the server.
    pub carrier_key_id: KeyId,
    /// Why it was refused (the file was changed, sealed to another key…); `None`: taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The server's clock.
    pub at_ms: TimestampMs,
    /// The id of the server key that signs it.
    pub server_key_id: KeyId,
}

impl BundleAck {
    /// The bytes the server key signs (layout `testigo.bundle-ack.v1`): domain, bundle hash, size,
    /// carrier key id, refusal (optional), time, server key id.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut c = Canon::new(BUNDLE_ACK_DOMAIN);
        c.bytes(self.bundle_sha256.as_bytes()).u64(self.size).str(self.carrier_key_id.as_str());
        c.opt(self.refused.as_deref(), |c, r| {
            c.str(r);
        });
        c.i64(self.at_ms).str(self.server_key_id.as_str());
        c.finish()
    }
}

/// A bundle's acknowledgment with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedBundleAck {
    /// The acknowledgment.
    pub ack: BundleAck,
    /// DER ECDSA P-256 signature over `ack.canonical_bytes()`.
    pub signature: Signature,
}

impl SignedBundleAck {
    /// Checks that `server_key` signed it.
    pub fn verify(&self, server_key: &PublicKey) -> Result<(), VerifyError> {
        if server_key.key_id() != self.ack.server_key_id {
            return Err(VerifyError::WrongKey);
        }
        server_key.verify(&self.ack.canonical_bytes(), &self.signature)
    }
}

/// The bytes the server signs for one page of a device's feed (layout `testigo.feed.v1`): domain,
/// the device key id, the cursor the device asked with, the page's cursor, whether more wait,
/// the number of events, then each event: sequence number, time, and its change (`1` review:
/// capture id, status code, optional comment; `2` package: version; `3` received: the receipt's
/// canonical bytes and its signature).
pub fn feed_page_bytes(device: &KeyId, after: u64, events: &[FeedEvent], cursor: u64, more: bool) -> Vec<u8> {
    let mut c = Canon::new(FEED_DOMAIN);
    c.str(device.as_str()).u64(after).u64(cursor).u8(u8::from(more)).count(events.len());
    for e in events {
        c.u64(e.seq).i64(e.at_ms);
        match &e.change {
            Change::Review { capture_id, status, comment } => {
                c.u8(1).bytes(capture_id.as_bytes()).str(status.as_str()).opt(comment.as_deref(), |c, s| {
                    c.str(s);
                });
            }
            Change::Package { version } => {
                c.u8(2).u64(*version);
            }
            Change::Received { receipt } => {
                c.u8(3).bytes(&receipt.receipt.canonical_bytes()).bytes(&receipt.signature.0);
            }
        }
    }
    c.finish()
}

/// The bytes the server signs for an election package answer (layout `testigo.package.v1`):
/// domain, the device key id, and the SHA-256 of the response body exactly as sent.
pub fn package_bytes(device: &KeyId, body: &[u8]) -> Vec<u8> {
    let mut c = Canon::new(PACKAGE_DOMAIN);
    c.str(device.as_str()).bytes(Sha256::digest(body).as_bytes());
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ReviewStatus;
    use uuid::Uuid;

    fn key(n: u8) -> KeyId {
        format!("{n:032x}").parse().unwrap()
    }

    #[test]
    fn each_field_of_a_refusal_changes_its_bytes() {
        let base = Refusal {
            format: REFUSAL_FORMAT,
            subject: ReceiptSubject::Photo { capture_id: Uuid::nil(), sha256: Sha256([1; 32]), size: 5 },
            code: "not_a_jpeg".into(),
            detail: "x".into(),
            device_key_id: key(1),
            refused_at_ms: 7,
            server_key_id: key(2),
        };
        let b = base.canonical_bytes();
        let variants = [
            Refusal { code: "hash_mismatch".into(), ..base.clone() },
            Refusal { detail: "y".into(), ..base.clone() },
            Refusal { device_key_id: key(3), ..base.clone() },
            Refusal { refused_at_ms: 8, ..base.clone() },
            Refusal {
                subject: ReceiptSubject::Photo { capture_id: Uuid::nil(), sha256: Sha256([1; 32]), size: 6 },
                ..base.clone()
            },
            Refusal {
                subject: ReceiptSubject::Record { capture_id: Uuid::nil(), record_sha256: Sha256([1; 32]) },
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.canonical_bytes(), b, "{v:?}");
        }
    }

    #[test]
    fn a_feed_page_binds_device_cursor_and_every_event() {
        let events = vec![
            FeedEvent {
                seq: 3,
                at_ms: 10,
                change: Change::Review {
                    capture_id: Uuid::nil(),
                    status: ReviewStatus::Verified,
                    comment: None,
                },
            },
            FeedEvent { seq: 4, at_ms: 11, change: Change::Package { version: 2 } },
        ];
        let b = feed_page_bytes(&key(1), 2, &events, 4, false);
        assert_ne!(feed_page_bytes(&key(2), 2, &events, 4, false), b);
        assert_ne!(feed_page_bytes(&key(1), 1, &events, 4, false), b);
        assert_ne!(feed_page_bytes(&key(1), 2, &events, 5, false), b);
        assert_ne!(feed_page_bytes(&key(1), 2, &events, 4, true), b);
        assert_ne!(feed_page_bytes(&key(1), 2, &events[..1], 4, false), b);
        let mut forged = events.clone();
        forged[0].change =
            Change::Review { capture_id: Uuid::nil(), status: ReviewStatus::Rejected, comment: None };
        assert_ne!(feed_page_bytes(&key(1), 2, &forged, 4, false), b);
        forged[0].change = Change::Review {
            capture_id: Uuid::nil(),
            status: ReviewStatus::Verified,
            comment: Some(String::new()),
        };
        assert_ne!(feed_page_bytes(&key(1), 2, &forged, 4, false), b);
    }

    #[test]
    fn a_package_signature_binds_device_and_body() {
        let b = package_bytes(&key(1), b"{}");
        assert_ne!(package_bytes(&key(2), b"{}"), b);
        assert_ne!(package_bytes(&key(1), b"{ }"), b);
    }
}
