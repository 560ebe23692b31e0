//! Where the server keeps everything but photo bytes: the [`Repo`] trait and its types.
//!
//! Handlers hold an `Arc<dyn Repo>` and never see SQL. The embedded default is
//! [`sqlite::SqliteRepo`] (one file, one writer with group commit, a pool of readers). A
//! PostgreSQL implementation for scale-out implements the same trait; the rules every
//! implementation must keep are written on the methods (idempotency and conflict handling happen
//! inside one transaction with the insert, so replicas racing on the same record agree).

pub mod accounts;
pub mod analysis;
pub mod coord;
pub mod desk;
pub mod publication;
pub mod sqlite;

pub use analysis::Analysis;
pub use coord::Coordination;
pub use desk::Desk;
pub use publication::Publishing;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use testigo_protocol::api::{FeedEvent, ReviewStatus};
use testigo_protocol::election::{Contest, Election, ElectionPackage};
use testigo_protocol::{KeyId, PublicKey, Sha256, SignedCapture, SignedReceipt, TimestampMs};
use uuid::Uuid;

/// A storage failure. Never caused by request content: every check on input happens before.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The database failed.
    #[error("database: {0}")]
    Db(String),
    /// Stored data does not read back (damage or a bug).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The storage worker is gone (shutting down).
    #[error("storage is shutting down")]
    Closed,
    /// The disk is full: nothing was written; retry when space returns.
    #[error("storage is full")]
    Full,
}

/// Result with [`RepoError`].
pub type RepoResult<T> = Result<T, RepoError>;

/// An enrolled device as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id: the key id of its public key.
    pub id: KeyId,
    /// The key its records must verify with.
    pub public_key: PublicKey,
    /// The stations it may report.
    pub stations: BTreeSet<String>,
}

/// One SMS as a gateway delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsIn {
    /// The sender's number as the gateway gave it (never public).
    pub sender: String,
    /// Which gateway delivered it.
    pub gateway: String,
    /// The text.
    pub text: String,
}

/// One bundle import, taken or refused, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleImport {
    /// SHA-256 of the bundle's bytes.
    pub sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
    /// The phone that made it (when it opened and verified).
    pub device: Option<KeyId>,
    /// The phone that carried it (`None`: imported by hand).
    pub carrier: Option<KeyId>,
    /// Why it was refused whole, if it was.
    pub refused: Option<NotTaken>,
    /// What it brought.
    pub imported: Imported,
}

/// What importing a bundle did (the wire's counts).
pub use testigo_protocol::api::BundleCounts as Imported;

/// Why something that came without a data link was not taken: a stable code (coordinators'
/// pages put it in the reader's words) and the technical detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTaken {
    /// The code (`not_testigo`, `tampered`, `unknown_device`, …).
    pub code: String,
    /// The detail, in English, as the checks said it.
    pub detail: String,
}

impl NotTaken {
    /// A reason with its code and detail.
    pub fn new(code: &str, detail: impl Into<String>) -> NotTaken {
        NotTaken { code: code.to_owned(), detail: detail.into() }
    }
}

/// An SMS kept aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsideSms {
    /// The sender's number as the gateway gave it.
    pub sender: String,
    /// The gateway's shape (`phone`, `twilio`).
    pub gateway: String,
    /// The text.
    pub text: String,
    /// Why it is not a record.
    pub why: NotTaken,
    /// When it arrived.
    pub received_at_ms: TimestampMs,
}

/// One bundle import, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleLogRow {
    /// SHA-256 of the bundle's bytes.
    pub sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
    /// The phone that made it (when it opened and verified).
    pub device: Option<String>,
    /// The phone that carried it (`None`: imported by hand).
    pub carrier: Option<String>,
    /// Why it was refused whole, if it was.
    pub refused: Option<NotTaken>,
    /// What it brought.
    pub imported: Imported,
    /// When.
    pub at_ms: TimestampMs,
}

/// What came without a data link: totals and the most recent entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelsLog {
    /// Records first stored from SMS.
    pub sms_records: u64,
    /// SMS kept aside in all.
    pub sms_aside: u64,
    /// Bundle imports in all.
    pub bundles: u64,
    /// Of them, refused whole.
    pub bundles_refused: u64,
    /// The newest SMS kept aside, newest first.
    pub recent_aside: Vec<AsideSms>,
    /// The newest bundle imports, newest first.
    pub recent_bundles: Vec<BundleLogRow>,
}

/// How a phone reaches the coordinators without a data link, told in its election package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The key its bundles are sealed to.
    pub bundle_key: PublicKey,
    /// The SMS gateways' numbers.
    pub sms_numbers: Vec<String>,
}

/// What enrollment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollOutcome {
    /// The device is enrolled (now, or again by the same key with the same code) and the new
    /// token's hash is stored.
    Enrolled(Device),
    /// No such code.
    UnknownCode,
    /// The code was used by another key.
    CodeUsed,
    /// The key is enrolled through another code.
    DeviceExists,
    /// The key's device was revoked: it enrolls no more.
    Revoked,
}

/// How much of its quotas a device has used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceUsage {
    /// Records stored from it.
    pub records: u64,
    /// Its uploads receiving bytes now.
    pub active_uploads: u64,
    /// The lengths of its uploads that are active or complete, added up.
    pub upload_bytes: u64,
}

/// What one device may hold in uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    /// Active uploads at once.
    pub max_active: u64,
    /// Bytes in active and complete uploads together.
    pub max_bytes: u64,
}

/// The quota an upload would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaExceeded {
    /// Too many active uploads.
    Active,
    /// Too many bytes.
    Bytes,
}

/// What revoking a device did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Revoked now.
    Revoked {
        /// When.
        at_ms: TimestampMs,
    },
    /// It was revoked before (the first revocation stands).
    AlreadyRevoked {
        /// When it was.
        at_ms: TimestampMs,
    },
    /// No such device.
    NotFound,
}

/// The imported election as intake needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionInfo {
    /// The election.
    pub election: Election,
    /// The package version.
    pub version: u64,
    /// The contests, as in the package.
    pub contests: Vec<Contest>,
}

impl ElectionInfo {
    /// The contest with this id.
    pub fn contest(&self, id: &str) -> Option<&Contest> {
        self.contests.iter().find(|c| c.id == id)
    }
}

/// What an election import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The first package of this server.
    Created,
    /// A newer version replaced the stored one; devices learn it through the feed.
    Updated {
        /// The version before.
        from: u64,
    },
    /// The same version was already imported with the same content.
    Unchanged,
}

/// Why an import was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The package is inconsistent.
    #[error("invalid package: {0}")]
    Invalid(String),
    /// The server holds another election.
    #[error("the server holds election {0:?}; one server, one election")]
    OtherElection(String),
    /// Older than the stored version, or the same version with other content.
    #[error("package version {offered} cannot replace version {stored}")]
    Version {
        /// The stored version.
        stored: u64,
        /// The offered version.
        offered: u64,
    },
    /// A station that enrolled devices are assigned to is missing from the new package.
    #[error("station {0:?} is assigned to devices and cannot be removed")]
    AssignedStationRemoved(String),
}

/// A device's election package, serialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDoc {
    /// The package JSON, tailored to the device (its stations, their centers, its assignment).
    pub json: Arc<Vec<u8>>,
    /// Its entity tag (quoted), for `If-None-Match`.
    pub etag: String,
}

/// A record that passed every check, with the receipt signed for it.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// The signed record.
    pub signed: SignedCapture,
    /// Its JSON, as stored.
    pub json: String,
    /// SHA-256 of its canonical bytes.
    pub record_sha256: Sha256,
    /// The receipt to store and return if the record is new.
    pub receipt: SignedReceipt,
}

/// What storing one record did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// Stored now.
    Stored(SignedReceipt),
    /// Stored before with the same content: the original receipt.
    Duplicate(SignedReceipt),
    /// Stored before with other content: the new one was kept aside for review.
    Conflict,
}

/// What the server knows of a photo a device wants to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoLookup {
    /// The device has sent no record with this capture id.
    NoCapture,
    /// The record exists but declares no photo with this hash.
    NotDeclared,
    /// The record declares it.
    Declared(ExpectedPhoto),
}

/// A photo a stored record declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPhoto {
    /// The server's row id of the capture.
    pub capture_pk: i64,
    /// The declared size in bytes.
    pub size: u64,
    /// The receipt, once the photo is stored.
    pub receipt: Option<SignedReceipt>,
}

/// Which capture a review is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewTarget {
    /// The server's row id (the dashboard's links).
    Pk(i64),
    /// A device's capture.
    Device {
        /// The device.
        device: KeyId,
        /// The capture's id.
        capture_id: Uuid,
    },
    /// A capture id alone (ids are UUIDv7 made on each phone: unique in practice; refused if
    /// two devices used the same one).
    CaptureId(Uuid),
}

/// What a review did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// Reviewed.
    Done {
        /// The server's row id.
        pk: i64,
        /// The device whose capture it is.
        device: KeyId,
        /// The capture's id.
        capture_id: Uuid,
        /// The state before.
        from: ReviewStatus,
    },
    /// No such capture.
    NotFound,
    /// The capture id alone names captures of several devices.
    Ambiguous,
}

/// Where a tus upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Receiving bytes.
    Active,
    /// Every byte arrived and the photo is stored.
    Complete,
    /// Terminated by the client (`DELETE`).
    Terminated,
    /// Not finished before its expiry.
    Expired,
}

/// A tus upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The upload's id (in its URL).
    pub id: String,
    /// The device uploading.
    pub device_id: KeyId,
    /// The capture the photo belongs to.
    pub capture_id: Uuid,
    /// The server's row id of that capture.
    pub capture_pk: i64,
    /// The photo's declared SHA-256.
    pub sha256: Sha256,
    /// `Upload-Length`.
    pub length: u64,
    /// Bytes confirmed so far.
    pub offset: u64,
    /// The raw `Upload-Metadata` header, echoed on `HEAD`.
    pub metadata: String,
    /// When it expires, unless complete.
    pub expires_at_ms: TimestampMs,
    /// Where it stands.
    pub state: UploadState,
    /// The photo's receipt, once complete.
    pub receipt: Option<SignedReceipt>,
}

/// Everything the server stores except photo bytes. See the module doc for the rules.
#[async_trait]
pub trait Repo: Send + Sync + 'static {
    /// Checks that storage answers (health endpoint).
    async fn ping(&self) -> RepoResult<()>;

    /// Imports (or updates) the election package: the coordinators' full package, without an
    /// assignment. Versions only move forward; a newer version appends a `Package` feed event
    /// for every device.
    async fn import_election(
        &self,
        package: ElectionPackage,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<ImportOutcome, ImportError>>;

    /// The imported election, if any.
    async fn election(&self) -> RepoResult<Option<Arc<ElectionInfo>>>;

    /// The stations among `ids` that do not exist.
    async fn unknown_stations(&self, ids: &[String]) -> RepoResult<Vec<String>>;

    /// Stores one-time enrollment codes (by hash) that enroll a device for `stations`, audited
    /// as made by `actor`.
    async fn create_codes(
        &self,
        code_hashes: Vec<Sha256>,
        stations: Vec<String>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// Uses a code: binds it to `public_key` and stores `token_hash` as the device's token.
    /// The same code with the same key again replaces the token (the first answer was lost).
    async fn enroll(
        &self,
        code_hash: Sha256,
        public_key: PublicKey,
        token_hash: Sha256,
        now_ms: TimestampMs,
    ) -> RepoResult<EnrollOutcome>;

    /// The device whose token has this hash, unless it was revoked.
    async fn device_by_token(&self, token_hash: Sha256) -> RepoResult<Option<Device>>;

    /// Records that the device was seen (at most about once a minute per device is enough).
    async fn touch_device(&self, device: KeyId, now_ms: TimestampMs) -> RepoResult<()>;

    /// The device's election package, carrying how it reaches the coordinators without a data
    /// link.
    async fn device_package(&self, device: &Device, reach: &Reach) -> RepoResult<Option<PackageDoc>>;

    /// Stores checked records of `device` in one transaction, each idempotent by (device,
    /// capture id): same content gives the stored receipt, other content is kept aside as a
    /// conflict. Outcomes are in input order.
    async fn store_records(
        &self,
        device: KeyId,
        records: Vec<NewRecord>,
        now_ms: TimestampMs,
    ) -> RepoResult<Vec<StoreOutcome>>;

    /// Keeps the records of `device` refused at intake (capture id, refusal code, detail, the
    /// station it claims), once per capture id and code, at most 1,000 per device.
    async fn keep_refusals(
        &self,
        device: KeyId,
        refused: Vec<(Uuid, String, String, String)>,
        now_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// The enrolled, unrevoked device with this key id (a record that came by SMS names it).
    async fn device_by_id(&self, device: &KeyId) -> RepoResult<Option<Device>>;

    /// Keeps one SMS part of a record (once per tag, part count, index and body; a few variants
    /// per index at most) and answers every part of its message received so far.
    async fn sms_part(
        &self,
        part: testigo_protocol::sms::Part,
        from: SmsIn,
        now_ms: TimestampMs,
    ) -> RepoResult<Vec<testigo_protocol::sms::Part>>;

    /// Notes that the SMS message `tag` delivered `device`'s capture `capture_id` (first stored
    /// from SMS).
    async fn sms_delivered(
        &self,
        tag: String,
        device: KeyId,
        capture_id: Uuid,
        now_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// Puts receipts in `device`'s feed: what reached the coordinators another way (SMS, a
    /// carried bundle), so the phone stops sending it.
    async fn feed_received(
        &self,
        device: KeyId,
        receipts: Vec<SignedReceipt>,
        now_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// Logs one bundle import (taken or refused).
    async fn log_bundle(&self, import: BundleImport, now_ms: TimestampMs) -> RepoResult<()>;

    /// Keeps a message that did not become a record, with why, for coordinators.
    async fn sms_aside(&self, from: SmsIn, why: NotTaken, now_ms: TimestampMs) -> RepoResult<()>;

    /// What came by SMS and bundles: totals and the `limit` newest entries of each log.
    async fn channels(&self, limit: usize) -> RepoResult<ChannelsLog>;

    /// The photo `sha256` as `device`'s capture `capture_id` declares it, if it does.
    async fn expected_photo(
        &self,
        device: &KeyId,
        capture_id: Uuid,
        sha256: Sha256,
    ) -> RepoResult<PhotoLookup>;

    /// Marks the photo received for the capture and keeps its receipt; if it was received
    /// before, returns the first receipt instead.
    async fn photo_received(
        &self,
        capture_pk: i64,
        sha256: Sha256,
        receipt: SignedReceipt,
    ) -> RepoResult<SignedReceipt>;

    /// Whether a photo with this hash was received (its bytes uploaded and checked) for one of
    /// `device`'s captures: the only case where another of its captures may count it as
    /// received without an upload.
    async fn device_holds_photo(&self, device: &KeyId, sha256: Sha256) -> RepoResult<bool>;

    /// How much of its quotas `device` has used.
    async fn device_usage(&self, device: &KeyId) -> RepoResult<DeviceUsage>;

    /// The ids of `device`'s active uploads of this photo of this capture.
    async fn active_uploads_of(
        &self,
        device: &KeyId,
        capture_id: Uuid,
        sha256: Sha256,
    ) -> RepoResult<Vec<String>>;

    /// The device's active uploads, the oldest first (earliest expiry).
    async fn active_uploads_of_device(&self, device: &KeyId) -> RepoResult<Vec<String>>;

    /// Revokes a device: its token stops working at once and it cannot enroll again; what it
    /// sent stays. Audited in the same transaction, under `actor`.
    async fn revoke_device(
        &self,
        device: KeyId,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<RevokeOutcome>;

    /// Creates an upload if its device stays within `quota` with it, checked in the same
    /// transaction as the insert (so concurrent creations cannot pass it together); otherwise
    /// nothing is written and the quota it would pass is returned.
    async fn create_upload(
        &self,
        upload: Upload,
        quota: UploadQuota,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<(), QuotaExceeded>>;

    /// The upload with this id.
    async fn upload(&self, id: &str) -> RepoResult<Option<Upload>>;

    /// Moves an active upload's confirmed offset.
    async fn set_upload_offset(&self, id: &str, offset: u64) -> RepoResult<()>;

    /// Ends an upload (complete, terminated or expired).
    async fn end_upload(
        &self,
        id: &str,
        state: UploadState,
        receipt: Option<SignedReceipt>,
    ) -> RepoResult<()>;

    /// Active uploads whose expiry is before `now_ms`.
    async fn expired_uploads(&self, now_ms: TimestampMs) -> RepoResult<Vec<String>>;

    /// Reviews a capture: sets its state and, in the same transaction, appends the audit log
    /// entry (who, when, the state before and after, the comment), the `Review` event to its
    /// device's feed, and queues its table for the tally (a rejected capture stops counting).
    async fn review(
        &self,
        target: ReviewTarget,
        status: ReviewStatus,
        comment: Option<String>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<ReviewOutcome>;

    /// Brings the dashboard's aggregates (the region tallies and counts, each table's current
    /// capture) up to date with at most `budget` new captures and photo receipts, in one
    /// transaction; says what it did. Called every half second by the server, and by
    /// [`settle_tally`] until nothing is left.
    async fn refresh_tally(&self, budget: usize) -> RepoResult<TallyProgress>;

    /// The device's feed events after `after`, at most `limit`.
    async fn feed(&self, device: &KeyId, after: u64, limit: usize) -> RepoResult<Vec<FeedEvent>>;
}

/// What one refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TallyProgress {
    /// New captures taken in.
    pub captures: usize,
    /// Photo receipts taken in.
    pub photos: usize,
    /// Tables whose current capture was re-chosen.
    pub stations: usize,
    /// Tables whose contrast with the official numbers was recomputed.
    pub contrasts: usize,
}

impl TallyProgress {
    /// Whether nothing was left to do.
    pub fn is_idle(&self) -> bool {
        self.captures == 0 && self.photos == 0 && self.stations == 0 && self.contrasts == 0
    }
}

/// Refreshes the tally until it has taken in everything stored so far (for tests, benchmarks and
/// the simulator; the server's own worker refreshes every half second).
pub async fn settle_tally(repo: &dyn Repo, budget: usize) -> RepoResult<()> {
    while !repo.refresh_tally(budget).await?.is_idle() {}
    Ok(())
}
