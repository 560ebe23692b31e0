//! What the public portal publishes about each table, and how anyone checks it.
//!
//! The published set only grows: each act of publication is a [`PublicationEntry`] with a
//! sequence number — a capture made public (automatically once verified, or by hand), or a
//! withdrawal with its reason. A correction is published beside what it replaces and names it
//! (`replaces`); a withdrawn capture stays on view, marked. A [`PublishedTable`] is one table's
//! page as data: every capture ever published for it, each a [`PublishedCapture`] carrying what a
//! stranger needs to check it without trusting the server: the device's public key, the signed
//! record, the server's signed receipts for the record and each photo.
//!
//! [`PublishedCapture::check`] is the one statement of what "verified" means for a published
//! acta; `testigo verify` and the server's tests call it, and the portal's browser check
//! (`verify.js`) does the same steps in the same order with WebCrypto.
//!
//! Nothing here identifies a watcher: a device appears only by its key id and public key. The
//! record's free-text notes are signed and so are published with it (a phone says so before a
//! watcher types a note).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ReviewStatus;
use crate::encoding::Sha256;
use crate::keys::{KeyId, PublicKey};
use crate::receipt::{ReceiptSubject, SignedReceipt};
use crate::{SignedCapture, TimestampMs};

/// The layout of published documents this crate writes and reads.
pub const PUBLICATION_FORMAT: u32 = 1;

/// What one act of publication did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicAction {
    /// A capture was made public.
    Publish,
    /// A published capture was withdrawn (it stays on view, marked, with the reason).
    Withdraw,
}

impl PublicAction {
    /// The stable text code, as stored and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicAction::Publish => "publish",
            PublicAction::Withdraw => "withdraw",
        }
    }
}

impl std::str::FromStr for PublicAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [PublicAction::Publish, PublicAction::Withdraw].into_iter().find(|a| a.as_str() == s).ok_or(())
    }
}

/// Why a capture was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishedHow {
    /// Automatically, when a coordinator verified it against its photo.
    OnVerification,
    /// By a coordinator's decision (dashboard, admin API or command line).
    ByHand,
}

impl PublishedHow {
    /// The stable text code, as stored and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PublishedHow::OnVerification => "on_verification",
            PublishedHow::ByHand => "by_hand",
        }
    }
}

impl std::str::FromStr for PublishedHow {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [PublishedHow::OnVerification, PublishedHow::ByHand].into_iter().find(|h| h.as_str() == s).ok_or(())
    }
}

/// One act of publication, in the order they happened (`seq` grows by one each time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationEntry {
    /// Its place in the publication's history, from 1.
    pub seq: u64,
    /// Published or withdrawn.
    pub action: PublicAction,
    /// When, by the server's clock.
    pub at_ms: TimestampMs,
    /// The table.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// The capture.
    pub capture_id: Uuid,
    /// The device whose capture it is.
    pub device_key_id: KeyId,
    /// For a publication: why it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<PublishedHow>,
    /// For a publication: the publication of the same table it stands in place of (a correction,
    /// or another watcher's capture that the coordinators now hold to be the right one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<u64>,
    /// For a withdrawal: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A published capture with everything needed to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCapture {
    /// Its publication.
    pub published: PublicationEntry,
    /// Its withdrawal, if it was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<PublicationEntry>,
    /// The coordinators' review state now.
    pub review: ReviewStatus,
    /// The device's public key (its id is the record's `device_key_id`).
    pub device_key: PublicKey,
    /// The record as the device signed it.
    pub signed: SignedCapture,
    /// The server's receipt for the record.
    pub receipt: SignedReceipt,
    /// The server's receipt for each photo received, in page order.
    pub photo_receipts: Vec<SignedReceipt>,
}

/// One table's publication: where it is, and every capture ever published for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTable {
    /// Always [`PUBLICATION_FORMAT`].
    pub format: u32,
    /// The election.
    pub election_id: String,
    /// The table.
    pub station_id: String,
    /// Its number in the center.
    pub number: u32,
    /// Its center.
    pub center_id: String,
    /// The center's name.
    pub center_name: String,
    /// The center's region, widest first.
    pub region: Vec<String>,
    /// Registered voters.
    pub registered_voters: u64,
    /// The contest.
    pub contest_id: String,
    /// The `seq` of the publication that stands now (the latest not withdrawn), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<u64>,
    /// Every published capture of the table, newest publication first.
    pub captures: Vec<PublishedCapture>,
}

impl PublishedTable {
    /// The capture that stands now, if any.
    pub fn standing_capture(&self) -> Option<&PublishedCapture> {
        let seq = self.standing?;
        self.captures.iter().find(|c| c.published.seq == seq)
    }
}

/// One thing about a published capture that does not hold. Each names the check that failed, so
/// a verifier can say exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckFailure {
    /// The public key given is not the key the record names.
    #[error("the device key is not the one the record names")]
    DeviceKeyMismatch,
    /// The device's signature does not verify over the record's canonical bytes.
    #[error("the device's signature does not match the record")]
    DeviceSignature,
    /// The publication entry names another capture, table or device than the record.
    #[error("the publication entry does not describe this record")]
    EntryMismatch,
    /// The record receipt is for another record (capture id or record hash differ).
    #[error("the record receipt is for another record")]
    ReceiptSubject,
    /// The record receipt names another device.
    #[error("the record receipt names another device")]
    ReceiptDevice,
    /// The record receipt's signature does not verify with the server key.
    #[error("the server's receipt for the record does not verify")]
    ReceiptSignature,
    /// A photo receipt is for a photo the record does not declare on that page.
    #[error("the receipt for page {0} is for another photo")]
    PhotoReceiptSubject(u32),
    /// A photo receipt's signature does not verify with the server key.
    #[error("the server's receipt for the photo of page {0} does not verify")]
    PhotoReceiptSignature(u32),
    /// The photo's bytes do not hash to the SHA-256 the device signed.
    #[error("the photo of page {0} is not the one the device signed")]
    PhotoHash(u32),
}

impl PublishedCapture {
    /// Checks everything about this capture against `server_key` (the server's receipt key) and,
    /// for each page whose bytes are given (`photos[i]` for page `i + 1`), that the photo is the
    /// one signed. Returns every failure, in the order: device key, device signature, entry,
    /// record receipt, photo receipts, photo bytes. Empty: all good.
    pub fn check(&self, server_key: &PublicKey, photos: &[Option<&[u8]>]) -> Vec<CheckFailure> {
        let mut failures = Vec::new();
        let record = &self.signed.record;
        if self.device_key.key_id() != record.device_key_id {
            failures.push(CheckFailure::DeviceKeyMismatch);
        } else if self.signed.verify(&self.device_key).is_err() {
            failures.push(CheckFailure::DeviceSignature);
        }
        let entry_matches = |e: &PublicationEntry| {
            e.capture_id == record.id
                && e.station_id == record.station_id
                && e.contest_id == record.contest_id
                && e.device_key_id == record.device_key_id
        };
        if !entry_matches(&self.published) || self.withdrawn.as_ref().is_some_and(|w| !entry_matches(w)) {
            failures.push(CheckFailure::EntryMismatch);
        }
        let receipt = &self.receipt.receipt;
        let expected =
            ReceiptSubject::Record { capture_id: record.id, record_sha256: record.record_sha256() };
        if receipt.subject != expected {
            failures.push(CheckFailure::ReceiptSubject);
        }
        if receipt.device_key_id != record.device_key_id {
            failures.push(CheckFailure::ReceiptDevice);
        }
        if self.receipt.verify(server_key).is_err() {
            failures.push(CheckFailure::ReceiptSignature);
        }
        for (i, r) in self.photo_receipts.iter().enumerate() {
            let page = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let declared = record.photos.get(i);
            let subject_ok = declared.is_some_and(|p| {
                r.receipt.subject
                    == ReceiptSubject::Photo { capture_id: record.id, sha256: p.sha256, size: p.size }
            });
            if !subject_ok || r.receipt.device_key_id != record.device_key_id {
                failures.push(CheckFailure::PhotoReceiptSubject(page));
            }
            if r.verify(server_key).is_err() {
                failures.push(CheckFailure::PhotoReceiptSignature(page));
            }
        }
        for (i, bytes) in photos.iter().enumerate() {
            let (Some(bytes), Some(declared)) = (bytes, record.photos.get(i)) else { continue };
            if Sha256::digest(bytes) != declared.sha256 {
                failures.push(CheckFailure::PhotoHash(declared.page));
            }
        }
        failures
    }
}

/// The keys a publication is checked with, published at `/data/keys.json` and in every mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationKeys {
    /// Always [`PUBLICATION_FORMAT`].
    pub format: u32,
    /// The server's receipt key (SEC1, base64): every receipt verifies with it.
    pub server_key: PublicKey,
    /// Its id.
    pub server_key_id: KeyId,
}

/// How far what is public has changed: the last act of publication, the last review, the last
/// photo received. A page or a mirror made at one cursor is current until any of them grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCursor {
    /// The last act of publication's `seq`.
    pub publications: u64,
    /// The last review's position in the audit log.
    pub reviews: u64,
    /// The last photo received.
    pub photos: u64,
}

impl PublicCursor {
    /// One number that grows when any part does (for validators).
    pub fn total(&self) -> u64 {
        self.publications.saturating_add(self.reviews).saturating_add(self.photos)
    }
}

/// The canonical-bytes domain of a mirror's manifest.
pub const MANIFEST_DOMAIN: &str = "testigo.manifest.v1";

/// One file of a mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// SHA-256 of its bytes.
    pub sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
}

/// Every file of a static mirror (`testigo publish export`) with its hash, signed by the server:
/// a file changed, removed or added on the way is found by `testigo verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`PUBLICATION_FORMAT`].
    pub format: u32,
    /// The election.
    pub election_id: String,
    /// The election package version the mirror was made from.
    pub package_version: u64,
    /// When it was made, by the server's clock.
    pub generated_at_ms: TimestampMs,
    /// The program that made it (`testigo 0.1.0`): another version renders every page again.
    pub generator: String,
    /// What it shows.
    pub cursor: PublicCursor,
    /// The id of the server key that signs it (the receipt key, under its own domain).
    pub server_key_id: KeyId,
    /// Every file but `manifest.json`, by its path from the mirror's root (`/`-separated).
    pub files: std::collections::BTreeMap<String, ManifestFile>,
}

impl Manifest {
    /// The bytes the server key signs (layout `testigo.manifest.v1`): domain, format, election
    /// id, package version, generated time, generator, the cursor's three numbers, server key id,
    /// then the files (count, then each path, SHA-256 and size, in path order).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut c = crate::canonical::Canon::new(MANIFEST_DOMAIN);
        c.u32(self.format)
            .str(&self.election_id)
            .u64(self.package_version)
            .i64(self.generated_at_ms)
            .str(&self.generator)
            .u64(self.cursor.publications)
            .u64(self.cursor.reviews)
            .u64(self.cursor.photos)
            .str(self.server_key_id.as_str());
        c.count(self.files.len());
        for (path, f) in &self.files {
            c.str(path).bytes(f.sha256.as_bytes()).u64(f.size);
        }
        c.finish()
    }
}

/// A manifest with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedManifest {
    /// The manifest.
    pub manifest: Manifest,
    /// DER ECDSA P-256 signature over `manifest.canonical_bytes()`.
    pub signature: crate::keys::Signature,
}

impl SignedManifest {
    /// Checks that `server_key` signed this manifest.
    pub fn verify(&self, server_key: &PublicKey) -> Result<(), crate::keys::VerifyError> {
        if server_key.key_id() != self.manifest.server_key_id {
            return Err(crate::keys::VerifyError::WrongKey);
        }
        server_key.verify(&self.manifest.canonical_bytes(), &self.signature)
    }
}
