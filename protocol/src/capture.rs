//! The capture record: what a watcher saw on one acta, sealed and signed on the phone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::TimestampMs;
use crate::canonical::Canon;
use crate::encoding::Sha256;
use crate::keys::{KeyId, PublicKey, Signature, VerifyError};
use crate::validation::Warning;

/// The capture record layout this crate signs and reads.
pub const CAPTURE_FORMAT: u32 = 1;

/// The canonical-bytes domain of a capture record.
pub const CAPTURE_DOMAIN: &str = "testigo.capture.v1";

/// The most photos (pages) one capture may hold.
pub const MAX_PAGES: usize = 12;
/// The largest count any acta field may hold: far above any table's voters, far below overflow.
pub const MAX_COUNT: u32 = 1_000_000;
/// The longest notes, in bytes.
pub const MAX_NOTES_BYTES: usize = 4_000;
/// The longest id (election, contest, station, option, field) a record may carry, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// The most warnings a record may carry (each field can warn at most a few times).
pub const MAX_WARNINGS: usize = 1_000;
/// The most counts (options plus extra fields) a record may carry.
pub const MAX_FIELDS: usize = 1_000;
/// The largest stored photo a record may declare, in bytes. The phone stores photos re-encoded at
/// most 2000 px on the long edge, a few hundred KB each; the bound keeps a hostile record from
/// reserving the server's disk with sizes nobody will upload.
pub const MAX_PHOTO_BYTES: u64 = 16 * 1024 * 1024;
/// The most photo bytes one record may declare, all pages together.
pub const MAX_CAPTURE_PHOTO_BYTES: u64 = 48 * 1024 * 1024;

/// One acta as the watcher captured it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaptureRecord {
    /// Always [`CAPTURE_FORMAT`].
    pub format: u32,
    /// Client-generated UUIDv7; with the device key id, the record's identity on the server.
    pub id: Uuid,
    /// The election.
    pub election_id: String,
    /// The election package version the phone had when sealing.
    pub package_version: u64,
    /// The contest whose acta this is.
    pub contest_id: String,
    /// The station ("mesa").
    pub station_id: String,
    /// Votes per ballot option id, as typed. An option with no number is absent.
    pub counts: BTreeMap<String, u32>,
    /// The acta's other numbers per count field id, as typed.
    pub extra_counts: BTreeMap<String, u32>,
    /// The photos of the acta, in page order.
    pub photos: Vec<PhotoRef>,
    /// The text of the acta's QR code, when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_payload: Option<String>,
    /// The phone's clock when the capture was sealed (it may be wrong; the receipt has the
    /// server's).
    pub device_time_ms: TimestampMs,
    /// The earlier capture this one corrects, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Uuid>,
    /// The watcher's free-text notes.
    #[serde(default)]
    pub notes: String,
    /// The inconsistencies the phone found when sealing.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// The id of the device key that signs this record.
    pub device_key_id: KeyId,
}

/// A reference to one photo of an acta. The photo's bytes travel separately (resumable upload);
/// the hash ties them to the signed record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhotoRef {
    /// Page number, from 1.
    pub page: u32,
    /// SHA-256 of the stored and sent (processed) photo.
    pub sha256: Sha256,
    /// SHA-256 of the bytes the camera produced, for the chain of custody.
    pub original_sha256: Sha256,
    /// Size of the processed photo in bytes.
    pub size: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl CaptureRecord {
    /// The bytes the device key signs (layout `testigo.capture.v1`, see [`crate::canonical`]):
    /// domain, format, id (16 bytes), election id, package version, contest id, station id,
    /// counts (map), extra counts (map), photos (list of page, sha256, original sha256, size,
    /// width, height), QR payload (optional), device time, supersedes (optional, 16 bytes), notes,
    /// warnings (list of code text and optional field), device key id.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut c = Canon::new(CAPTURE_DOMAIN);
        c.u32(self.format)
            .bytes(self.id.as_bytes())
            .str(&self.election_id)
            .u64(self.package_version)
            .str(&self.contest_id)
            .str(&self.station_id);
        for map in [&self.counts, &self.extra_counts] {
            c.count(map.len());
            for (k, v) in map {
                c.str(k).u32(*v);
            }
        }
        c.count(self.photos.len());
        for p in &self.photos {
            c.u32(p.page)
                .bytes(p.sha256.as_bytes())
                .bytes(p.original_sha256.as_bytes())
                .u64(p.size)
                .u32(p.width)
                .u32(p.height);
        }
        c.opt(self.qr_payload.as_deref(), |c, v| {
            c.str(v);
        });
        c.i64(self.device_time_ms);
        c.opt(self.supersedes, |c, v| {
            c.bytes(v.as_bytes());
        });
        c.str(&self.notes);
        c.count(self.warnings.len());
        for w in &self.warnings {
            c.str(w.code.as_str());
            c.opt(w.field.as_deref(), |c, v| {
                c.str(v);
            });
        }
        c.str(self.device_key_id.as_str());
        c.finish()
    }

    /// Checks the record against the limits every record must keep (pages numbered 1..n, at
    /// most [`MAX_PAGES`], each at most [`MAX_PHOTO_BYTES`] and together at most
    /// [`MAX_CAPTURE_PHOTO_BYTES`]; counts at most [`MAX_COUNT`]; notes, QR text, ids and lists
    /// bounded).
    /// Returns what is wrong. A phone never seals such a record; a server refuses one.
    pub fn check_limits(&self) -> Result<(), &'static str> {
        let ids = [&self.election_id, &self.contest_id, &self.station_id];
        if ids.iter().any(|id| id.is_empty() || id.len() > MAX_ID_BYTES) {
            return Err("an id is empty or too long");
        }
        if self.counts.len() + self.extra_counts.len() > MAX_FIELDS {
            return Err("too many counts");
        }
        for (k, v) in self.counts.iter().chain(&self.extra_counts) {
            if k.is_empty() || k.len() > MAX_ID_BYTES {
                return Err("a count's field id is empty or too long");
            }
            if *v > MAX_COUNT {
                return Err("a count is impossibly large");
            }
        }
        if self.photos.len() > MAX_PAGES {
            return Err("too many photos");
        }
        let mut shas = std::collections::HashSet::new();
        for (i, p) in self.photos.iter().enumerate() {
            if p.page as usize != i + 1 {
                return Err("photo pages are not numbered 1..n in order");
            }
            if !shas.insert(p.sha256) {
                return Err("the same photo appears twice");
            }
            if p.size == 0 {
                return Err("a photo is empty");
            }
            if p.size > MAX_PHOTO_BYTES {
                return Err("a photo is larger than any stored photo can be");
            }
        }
        if self.photos.iter().map(|p| p.size).sum::<u64>() > MAX_CAPTURE_PHOTO_BYTES {
            return Err("the photos together are larger than a record may declare");
        }
        if self.notes.len() > MAX_NOTES_BYTES {
            return Err("notes are too long");
        }
        if self.qr_payload.as_ref().is_some_and(|q| q.len() > crate::qr::MAX_QR_PAYLOAD) {
            return Err("QR text is too long");
        }
        if self.warnings.len() > MAX_WARNINGS
            || self.warnings.iter().any(|w| w.field.as_ref().is_some_and(|f| f.len() > MAX_ID_BYTES))
        {
            return Err("too many or malformed warnings");
        }
        Ok(())
    }

    /// SHA-256 of the canonical bytes: the record's fingerprint, echoed in its receipt.
    pub fn record_sha256(&self) -> Sha256 {
        Sha256::digest(&self.canonical_bytes())
    }
}

/// A capture record with the device's signature over its canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedCapture {
    /// The record.
    pub record: CaptureRecord,
    /// DER ECDSA P-256 signature over `record.canonical_bytes()`.
    pub signature: Signature,
}

impl SignedCapture {
    /// Checks that `key` is the key the record names and that the signature verifies.
    pub fn verify(&self, key: &PublicKey) -> Result<(), VerifyError> {
        if key.key_id() != self.record.device_key_id {
            return Err(VerifyError::WrongKey);
        }
        key.verify(&self.record.canonical_bytes(), &self.signature)
    }
}
