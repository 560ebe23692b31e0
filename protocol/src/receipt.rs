//! The server's receipt: the watcher's proof that the coordinators received what they sent.
//!
//! A phone counts a record or photo as delivered only when it holds a receipt whose signature
//! verifies with the server key it learned at enrollment. A `200 OK` from a captive portal or a
//! proxy is therefore never mistaken for delivery.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::TimestampMs;
use crate::canonical::Canon;
use crate::encoding::Sha256;
use crate::keys::{KeyId, PublicKey, Signature, VerifyError};

/// The receipt layout this crate signs and reads.
pub const RECEIPT_FORMAT: u32 = 1;

/// The canonical-bytes domain of a receipt.
pub const RECEIPT_DOMAIN: &str = "testigo.receipt.v1";

/// What the server received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReceiptSubject {
    /// A capture record.
    Record {
        /// The capture's id.
        capture_id: Uuid,
        /// SHA-256 of the record's canonical bytes, as the server received them.
        record_sha256: Sha256,
    },
    /// One photo of a capture.
    Photo {
        /// The capture the photo belongs to.
        capture_id: Uuid,
        /// SHA-256 of the photo's bytes as stored by the server.
        sha256: Sha256,
        /// Size in bytes.
        size: u64,
    },
}

/// A receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Receipt {
    /// Always [`RECEIPT_FORMAT`].
    pub format: u32,
    /// What was received.
    pub subject: ReceiptSubject,
    /// The device that sent it.
    pub device_key_id: KeyId,
    /// The server's clock when it first stored it.
    pub received_at_ms: TimestampMs,
    /// The id of the server key that signs the receipt.
    pub server_key_id: KeyId,
}

impl Receipt {
    /// The bytes the server key signs (layout `testigo.receipt.v1`): domain, format, subject tag
    /// (1 record, 2 photo), capture id (16 bytes), the subject's hash, for photos the size, then
    /// device key id, received time, server key id.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut c = Canon::new(RECEIPT_DOMAIN);
        c.u32(self.format);
        crate::statement::subject(&mut c, &self.subject);
        c.str(self.device_key_id.as_str()).i64(self.received_at_ms).str(self.server_key_id.as_str());
        c.finish()
    }
}

/// A receipt with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedReceipt {
    /// The receipt.
    pub receipt: Receipt,
    /// DER ECDSA P-256 signature over `receipt.canonical_bytes()`.
    pub signature: Signature,
}

impl SignedReceipt {
    /// Checks that the receipt was signed by `server_key`.
    pub fn verify(&self, server_key: &PublicKey) -> Result<(), VerifyError> {
        if server_key.key_id() != self.receipt.server_key_id {
            return Err(VerifyError::WrongKey);
        }
        server_key.verify(&self.receipt.canonical_bytes(), &self.signature)
    }
}
