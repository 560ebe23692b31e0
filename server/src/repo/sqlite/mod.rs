//! [`SqliteRepo`]: the embedded default [`Repo`] (and [`Coordination`]), one SQLite file in the
//! data directory.
//!
//! # Design
//!
//! The database runs in WAL mode with exactly one writer and a pool of readers (`db.rs`, ADR 5).
//! Every write goes to the writer thread as a job; the thread runs the jobs waiting in one
//! transaction, each in its own savepoint, and commits once (group commit), so under load one
//! fsync is shared by hundreds of requests, and no write is answered before its commit is on
//! disk. Reads run on pooled read-only connections and never wait for the writer.
//!
//! Each part of [`Repo`] is a file of plain functions over a `&Connection`; they do not know
//! whether they run in the writer's transaction or on a reader. That choice is made once per
//! method, in the `impl Repo` below, so which calls write can be read off in one place.
//!
//! # Files
//!
//! - `db.rs`: the writer thread with group commit, and the reader pool.
//! - `schema.rs`: the tables and their versioned migrations.
//! - `election.rs`: importing the election package; each device's tailored package.
//! - `devices.rs`: enrollment codes and devices.
//! - `intake.rs`: records stored once each; their photos' receipts.
//! - `uploads.rs`: tus uploads in progress.
//! - `feed.rs`: the change feed devices poll.
//! - `reviews.rs`: a review with its audit entry, feed event and tally recount.
//! - `regions.rs`: the region tree built at import.
//! - `tally.rs`: the tally worker that keeps the dashboard's aggregates (ADR 7).
//! - `coord.rs`: [`Coordination`], the dashboard's queries and the coordinators' accounts;
//!   `late.rs`: late tables (no acta, or its photo missing) with their devices; `operations.rs`:
//!   refusals, enrollment codes, the audit log, settings, contacts, choices.
//! - `publication.rs`: [`Publishing`], the append-only publication with its standing captures
//!   and published sums; `public_reads.rs`: the public's reads (portal, search, open data).
//! - `analysis.rs`: [`Analysis`], official results, the contrast (a step of the tally worker)
//!   and the quick count's sample.
//! - `desk.rs`: [`Desk`], the verification desk (blind double entry): slots handed out in the
//!   writer, entries, a verifier's decisions.
//!
//! [`Coordination`]: crate::repo::Coordination
//! [`Publishing`]: crate::repo::Publishing
//! [`Analysis`]: crate::repo::Analysis
//! [`Desk`]: crate::repo::Desk

mod accounts;
mod analysis;
mod coord;
mod db;
mod desk;
mod devices;
mod election;
mod feed;
mod intake;
mod late;
mod operations;
mod public_reads;
mod publication;
mod regions;
mod reviews;
mod schema;
mod sms;
mod tally;
mod uploads;

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::params;
use testigo_protocol::api::{FeedEvent, ReviewStatus};
use testigo_protocol::election::ElectionPackage;
use testigo_protocol::sms::Part;
use testigo_protocol::{KeyId, PublicKey, Sha256, SignedReceipt, TimestampMs};
use uuid::Uuid;

pub use self::schema::SCHEMA_VERSION;

use self::db::Db;
use super::{
    BundleImport, ChannelsLog, Device, DeviceUsage, ElectionInfo, EnrollOutcome, ImportError, ImportOutcome,
    NewRecord, NotTaken, PackageDoc, PhotoLookup, QuotaExceeded, Reach, Repo, RepoError, RepoResult,
    ReviewOutcome, ReviewTarget, RevokeOutcome, SmsIn, StoreOutcome, TallyProgress, Upload, UploadQuota,
    UploadState,
};

/// The SQLite repository.
pub struct SqliteRepo {
    db: Arc<Db>,
    /// The parsed election, keyed by the stored package hash so another process's import
    /// (`testigo election import` while the server runs) is noticed.
    election: Mutex<Option<(Vec<u8>, Arc<ElectionInfo>)>>,
}

impl std::fmt::Debug for SqliteRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteRepo")
    }
}

impl SqliteRepo {
    /// Opens (or creates) the database file at `path` and migrates it.
    pub fn open(path: &Path) -> RepoResult<SqliteRepo> {
        let db = Db::open(path, |c| {
            schema::migrate(c)?;
            // A database from before the region tree existed: build it once.
            let election: bool = c.prepare("SELECT 1 FROM election")?.exists([])?;
            let tree: bool = c.prepare("SELECT 1 FROM regions")?.exists([])?;
            if election && !tree {
                regions::rebuild(c)?;
            }
            Ok(())
        })?;
        Ok(SqliteRepo { db: Arc::new(db), election: Mutex::new(None) })
    }
}

// Conversions between stored values and the types above, shared by every file here. A stored
// value that does not convert back is corruption, never the caller's fault.

/// Appends an entry to the audit log, in the caller's transaction (the log is append-only: a
/// trigger refuses changes).
fn audit(
    c: &rusqlite::Connection,
    at_ms: TimestampMs,
    actor: &str,
    action: &str,
    capture_pk: Option<i64>,
    detail: &serde_json::Value,
) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT INTO audit_log (at_ms, actor, action, capture_pk, detail_json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![at_ms, actor, action, capture_pk, detail.to_string()])?;
    Ok(())
}

fn corrupt(what: &str) -> RepoError {
    RepoError::Corrupt(what.to_owned())
}

fn to_json<T: serde::Serialize>(v: &T) -> RepoResult<String> {
    serde_json::to_string(v).map_err(|e| RepoError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> RepoResult<T> {
    serde_json::from_str(s).map_err(|_| corrupt(what))
}

fn sha_of(bytes: Vec<u8>) -> RepoResult<Sha256> {
    Sha256::from_slice(&bytes).map_err(|_| corrupt("hash"))
}

/// SQLite integers are signed; sizes and versions beyond `i64::MAX` do not occur, and saturate.
fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl Repo for SqliteRepo {
    async fn ping(&self) -> RepoResult<()> {
        self.db.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?)).await
    }

    async fn import_election(
        &self,
        package: ElectionPackage,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<ImportOutcome, ImportError>> {
        if let Err(e) = package.validate() {
            return Ok(Err(ImportError::Invalid(e.to_string())));
        }
        if let Err(e) = crate::i18n::time_zone(package.election.time_zone.as_deref()) {
            return Ok(Err(ImportError::Invalid(e)));
        }
        self.db.write(move |c| election::import(c, &package, now_ms)).await
    }

    async fn election(&self) -> RepoResult<Option<Arc<ElectionInfo>>> {
        let sha = self.db.read(election::stored_sha).await?;
        let Some(sha) = sha else { return Ok(None) };
        if let Some((cached, info)) = &*self.election.lock().unwrap_or_else(|e| e.into_inner())
            && *cached == sha
        {
            return Ok(Some(info.clone()));
        }
        let loaded = self.db.read(election::load).await?;
        let Some((sha, info)) = loaded else { return Ok(None) };
        let info = Arc::new(info);
        *self.election.lock().unwrap_or_else(|e| e.into_inner()) = Some((sha, info.clone()));
        Ok(Some(info))
    }

    async fn unknown_stations(&self, ids: &[String]) -> RepoResult<Vec<String>> {
        let ids = ids.to_vec();
        self.db.read(move |c| election::unknown_stations(c, ids)).await
    }

    async fn create_codes(
        &self,
        code_hashes: Vec<Sha256>,
        stations: Vec<String>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        self.db.write(move |c| devices::create_codes(c, &code_hashes, &stations, &actor, now_ms)).await
    }

    async fn enroll(
        &self,
        code_hash: Sha256,
        public_key: PublicKey,
        token_hash: Sha256,
        now_ms: TimestampMs,
    ) -> RepoResult<EnrollOutcome> {
        self.db.write(move |c| devices::enroll(c, code_hash, &public_key, token_hash, now_ms)).await
    }

    async fn device_by_token(&self, token_hash: Sha256) -> RepoResult<Option<Device>> {
        self.db.read(move |c| devices::by_token(c, token_hash)).await
    }

    async fn touch_device(&self, device: KeyId, now_ms: TimestampMs) -> RepoResult<()> {
        self.db.write(move |c| devices::touch(c, &device, now_ms)).await
    }

    async fn device_package(&self, device: &Device, reach: &Reach) -> RepoResult<Option<PackageDoc>> {
        let reach = reach.clone();
        let device = device.clone();
        self.db.read(move |c| election::device_package(c, &device, reach)).await
    }

    async fn store_records(
        &self,
        device: KeyId,
        records: Vec<NewRecord>,
        now_ms: TimestampMs,
    ) -> RepoResult<Vec<StoreOutcome>> {
        self.db.write(move |c| intake::store_records(c, device.as_str(), &records, now_ms)).await
    }

    async fn device_by_id(&self, device: &KeyId) -> RepoResult<Option<Device>> {
        let device = device.clone();
        self.db.read(move |c| devices::by_id(c, &device)).await
    }

    async fn sms_part(&self, part: Part, from: SmsIn, now_ms: TimestampMs) -> RepoResult<Vec<Part>> {
        self.db.write(move |c| sms::keep_part(c, &part, &from, now_ms)).await
    }

    async fn sms_delivered(
        &self,
        tag: String,
        device: KeyId,
        capture_id: Uuid,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        self.db.write(move |c| sms::delivered(c, &tag, &device, capture_id, now_ms)).await
    }

    async fn feed_received(
        &self,
        device: KeyId,
        receipts: Vec<SignedReceipt>,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        if receipts.is_empty() {
            return Ok(());
        }
        self.db
            .write(move |c| {
                for receipt in receipts {
                    feed::append(
                        c,
                        Some(device.as_str()),
                        now_ms,
                        &testigo_protocol::api::Change::Received { receipt },
                    )?;
                }
                Ok(())
            })
            .await
    }

    async fn log_bundle(&self, import: BundleImport, now_ms: TimestampMs) -> RepoResult<()> {
        self.db.write(move |c| sms::log_bundle(c, &import, now_ms)).await
    }

    async fn sms_aside(&self, from: SmsIn, why: NotTaken, now_ms: TimestampMs) -> RepoResult<()> {
        self.db.write(move |c| sms::aside(c, &from, &why, now_ms)).await
    }

    async fn channels(&self, limit: usize) -> RepoResult<ChannelsLog> {
        self.db.read(move |c| sms::channels(c, limit)).await
    }

    async fn keep_refusals(
        &self,
        device: KeyId,
        refused: Vec<(Uuid, String, String, String)>,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        self.db
            .write(move |c| {
                let mut ins = c.prepare_cached(
                    "INSERT OR IGNORE INTO refusals (device_id, capture_id, code, detail, station_id, received_at_ms)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT count(*) FROM refusals WHERE device_id = ?1) < 1000",
                )?;
                for (capture_id, code, detail, station) in refused {
                    ins.execute(params![device.as_str(), capture_id.to_string(), code, detail, station, now_ms])?;
                }
                Ok(())
            })
            .await
    }

    async fn expected_photo(
        &self,
        device: &KeyId,
        capture_id: Uuid,
        sha256: Sha256,
    ) -> RepoResult<PhotoLookup> {
        let device = device.clone();
        self.db.read(move |c| intake::expected_photo(c, &device, capture_id, sha256)).await
    }

    async fn photo_received(
        &self,
        capture_pk: i64,
        sha256: Sha256,
        receipt: SignedReceipt,
    ) -> RepoResult<SignedReceipt> {
        self.db.write(move |c| intake::photo_received(c, capture_pk, sha256, receipt)).await
    }

    async fn device_holds_photo(&self, device: &KeyId, sha256: Sha256) -> RepoResult<bool> {
        let device = device.clone();
        self.db.read(move |c| intake::device_holds_photo(c, &device, sha256)).await
    }

    async fn device_usage(&self, device: &KeyId) -> RepoResult<DeviceUsage> {
        let device = device.clone();
        self.db.read(move |c| devices::usage(c, &device)).await
    }

    async fn active_uploads_of(
        &self,
        device: &KeyId,
        capture_id: Uuid,
        sha256: Sha256,
    ) -> RepoResult<Vec<String>> {
        let device = device.clone();
        self.db.read(move |c| uploads::active_of(c, &device, capture_id, sha256)).await
    }

    async fn active_uploads_of_device(&self, device: &KeyId) -> RepoResult<Vec<String>> {
        let device = device.clone();
        self.db.read(move |c| uploads::active_of_device(c, &device)).await
    }

    async fn revoke_device(
        &self,
        device: KeyId,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<RevokeOutcome> {
        self.db.write(move |c| devices::revoke(c, &device, &reason, &actor, now_ms)).await
    }

    async fn create_upload(
        &self,
        upload: Upload,
        quota: UploadQuota,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<(), QuotaExceeded>> {
        self.db
            .write(move |c| {
                // In the writer's transaction: no other creation runs between the count and the
                // insert.
                let usage = devices::usage(c, &upload.device_id)?;
                if usage.active_uploads >= quota.max_active {
                    return Ok(Err(QuotaExceeded::Active));
                }
                if usage.upload_bytes.saturating_add(upload.length) > quota.max_bytes {
                    return Ok(Err(QuotaExceeded::Bytes));
                }
                uploads::create(c, &upload, now_ms)?;
                Ok(Ok(()))
            })
            .await
    }

    async fn upload(&self, id: &str) -> RepoResult<Option<Upload>> {
        let id = id.to_owned();
        self.db.read(move |c| uploads::get(c, id)).await
    }

    async fn set_upload_offset(&self, id: &str, offset: u64) -> RepoResult<()> {
        let id = id.to_owned();
        self.db.write(move |c| uploads::set_offset(c, &id, offset)).await
    }

    async fn end_upload(
        &self,
        id: &str,
        state: UploadState,
        receipt: Option<SignedReceipt>,
    ) -> RepoResult<()> {
        let id = id.to_owned();
        self.db.write(move |c| uploads::end(c, &id, state, receipt.as_ref())).await
    }

    async fn expired_uploads(&self, now_ms: TimestampMs) -> RepoResult<Vec<String>> {
        self.db.read(move |c| uploads::expired(c, now_ms)).await
    }

    async fn review(
        &self,
        target: ReviewTarget,
        status: ReviewStatus,
        comment: Option<String>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<ReviewOutcome> {
        self.db.write(move |c| reviews::review(c, &target, status, comment, &actor, now_ms)).await
    }

    async fn refresh_tally(&self, budget: usize) -> RepoResult<TallyProgress> {
        self.db.write(move |c| tally::refresh(c, budget)).await
    }

    async fn feed(&self, device: &KeyId, after: u64, limit: usize) -> RepoResult<Vec<FeedEvent>> {
        let device = device.clone();
        self.db.read(move |c| feed::events(c, &device, after, limit)).await
    }
}
