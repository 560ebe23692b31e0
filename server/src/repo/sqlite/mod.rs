//! [`SqliteRepo`]: the embedded default [`Repo`], one SQLite file in the data directory.

mod coord;
mod db;
mod regions;
mod schema;
mod tally;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::api::{Change, FeedEvent, ReviewStatus};
use testigo_protocol::election::{
    Assignment, Contest, Election, ElectionPackage, PACKAGE_FORMAT, PollingCenter, Station,
};
use testigo_protocol::{KeyId, PublicKey, Sha256, SignedReceipt, TimestampMs};
use uuid::Uuid;

use self::db::Db;
use super::{
    Device, ElectionInfo, EnrollOutcome, ExpectedPhoto, ImportError, ImportOutcome, NewRecord, PackageDoc,
    PhotoLookup, Repo, RepoError, RepoResult, ReviewOutcome, ReviewTarget, StoreOutcome, Upload, UploadState,
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

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
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

    fn load_device(c: &Connection, id: &str, public_key: Vec<u8>) -> RepoResult<Device> {
        let public_key = PublicKey::from_sec1(&public_key).map_err(|_| corrupt("device key"))?;
        let mut stmt = c.prepare_cached("SELECT station_id FROM device_stations WHERE device_id = ?1")?;
        let stations =
            stmt.query_map([id], |r| r.get::<_, String>(0))?.collect::<Result<BTreeSet<_>, _>>()?;
        let key_id = public_key.key_id();
        if key_id.as_str() != id {
            return Err(corrupt("device id"));
        }
        Ok(Device { id: key_id, public_key, stations })
    }
}

fn load_election(c: &Connection) -> RepoResult<Option<(Vec<u8>, ElectionInfo)>> {
    let row: Option<(String, i64, String, Vec<u8>)> = c
        .query_row(
            "SELECT election_json, version, contests_json, package_sha256 FROM election WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((election, version, contests, sha)) = row else { return Ok(None) };
    let info = ElectionInfo {
        election: from_json::<Election>(&election, "election")?,
        version: u64::try_from(version).map_err(|_| corrupt("version"))?,
        contests: from_json::<Vec<Contest>>(&contests, "contests")?,
    };
    Ok(Some((sha, info)))
}

fn import(
    c: &Connection,
    package: &ElectionPackage,
    now_ms: TimestampMs,
) -> RepoResult<Result<ImportOutcome, ImportError>> {
    let mut full = package.clone();
    full.assignment = None;
    let json = to_json(&full)?;
    let sha = Sha256::digest(json.as_bytes());
    let current: Option<(String, i64, Vec<u8>)> = c
        .query_row("SELECT election_id, version, package_sha256 FROM election WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let outcome = match current {
        None => ImportOutcome::Created,
        Some((id, _, _)) if id != full.election.id => return Ok(Err(ImportError::OtherElection(id))),
        Some((_, version, stored_sha)) => {
            let stored = u64::try_from(version).map_err(|_| corrupt("version"))?;
            if full.version == stored && stored_sha == sha.as_bytes() {
                return Ok(Ok(ImportOutcome::Unchanged));
            }
            if full.version <= stored {
                return Ok(Err(ImportError::Version { stored, offered: full.version }));
            }
            ImportOutcome::Updated { from: stored }
        }
    };
    // Stations that devices or unused codes are assigned to must survive the update.
    let new_ids: HashSet<&str> = full.stations.iter().map(|s| s.id.as_str()).collect();
    {
        let mut stmt = c.prepare("SELECT DISTINCT station_id FROM device_stations")?;
        for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let id = id?;
            if !new_ids.contains(id.as_str()) {
                return Ok(Err(ImportError::AssignedStationRemoved(id)));
            }
        }
        let mut stmt = c.prepare("SELECT station_ids_json FROM enrollment_codes WHERE device_id IS NULL")?;
        for ids in stmt.query_map([], |r| r.get::<_, String>(0))? {
            for id in from_json::<Vec<String>>(&ids?, "code stations")? {
                if !new_ids.contains(id.as_str()) {
                    return Ok(Err(ImportError::AssignedStationRemoved(id)));
                }
            }
        }
    }
    c.execute_batch("DELETE FROM stations; DELETE FROM centers;")?;
    {
        let mut ins =
            c.prepare("INSERT INTO centers (id, name, region_json, position) VALUES (?1, ?2, ?3, ?4)")?;
        for (i, center) in full.centers.iter().enumerate() {
            ins.execute(params![center.id, center.name, to_json(&center.region)?, i as i64])?;
        }
        let mut ins = c.prepare(
            "INSERT INTO stations (id, center_id, number, registered_voters, position) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (i, s) in full.stations.iter().enumerate() {
            ins.execute(params![s.id, s.center_id, s.number, s.registered_voters, i as i64])?;
        }
    }
    regions::rebuild(c)?;
    c.execute(
        "INSERT INTO election (id, election_id, election_json, version, contests_json, package_sha256, imported_at_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET election_json = excluded.election_json, version = excluded.version,
            contests_json = excluded.contests_json, package_sha256 = excluded.package_sha256,
            imported_at_ms = excluded.imported_at_ms",
        params![
            full.election.id,
            to_json(&full.election)?,
            i64_of(full.version),
            to_json(&full.contests)?,
            sha.as_bytes().as_slice(),
            now_ms
        ],
    )?;
    if let ImportOutcome::Updated { .. } = outcome {
        append_feed(c, None, now_ms, &Change::Package { version: full.version })?;
    }
    Ok(Ok(outcome))
}

fn append_feed(c: &Connection, device: Option<&str>, at_ms: TimestampMs, change: &Change) -> RepoResult<()> {
    c.execute(
        "INSERT INTO feed (device_id, at_ms, change_json) VALUES (?1, ?2, ?3)",
        params![device, at_ms, to_json(change)?],
    )?;
    Ok(())
}

fn build_package(c: &Connection, device: &Device) -> RepoResult<Option<PackageDoc>> {
    let Some((_, info)) = load_election(c)? else { return Ok(None) };
    let mut stations = Vec::new();
    let mut center_ids = BTreeSet::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT s.id, s.center_id, s.number, s.registered_voters FROM device_stations d
               JOIN stations s ON s.id = d.station_id
              WHERE d.device_id = ?1 ORDER BY s.position",
        )?;
        let rows = stmt.query_map([device.id.as_str()], |r| {
            Ok(Station {
                id: r.get(0)?,
                center_id: r.get(1)?,
                number: r.get(2)?,
                registered_voters: r.get(3)?,
            })
        })?;
        for s in rows {
            let s = s?;
            center_ids.insert(s.center_id.clone());
            stations.push(s);
        }
    }
    let mut centers = Vec::new();
    {
        let mut stmt = c.prepare_cached("SELECT id, name, region_json FROM centers WHERE id = ?1")?;
        for id in &center_ids {
            let (id, name, region): (String, String, String) =
                stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            centers.push(PollingCenter { id, name, region: from_json(&region, "region")? });
        }
    }
    let assignment = Assignment { station_ids: stations.iter().map(|s| s.id.clone()).collect() };
    let package = ElectionPackage {
        format: PACKAGE_FORMAT,
        version: info.version,
        election: info.election,
        contests: info.contests,
        centers,
        stations,
        assignment: Some(assignment),
    };
    let json = serde_json::to_vec(&package).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    let digest = Sha256::digest(&json).to_hex();
    let etag = format!("\"{}-{}\"", package.version, digest.get(..16).unwrap_or(&digest));
    Ok(Some(PackageDoc { json: Arc::new(json), etag }))
}

fn store_records(
    c: &Connection,
    device: &str,
    records: &[NewRecord],
    now_ms: TimestampMs,
) -> RepoResult<Vec<StoreOutcome>> {
    let mut find = c.prepare_cached(
        "SELECT record_sha256, receipt_json FROM captures WHERE device_id = ?1 AND capture_id = ?2",
    )?;
    let mut insert = c.prepare_cached(
        "INSERT INTO captures (device_id, capture_id, station_id, contest_id, supersedes, record_sha256, signed_json,
                               receipt_json, device_time_ms, received_at_ms, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut photo = c.prepare_cached(
        "INSERT INTO capture_photos (capture_pk, page, sha256, size) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut conflict = c.prepare_cached(
        "INSERT INTO conflicts (device_id, capture_id, record_sha256, signed_json, received_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        let r = &rec.signed.record;
        let id = r.id.to_string();
        let existing: Option<(Vec<u8>, String)> =
            find.query_row(params![device, id], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
        match existing {
            Some((sha, receipt)) if sha == rec.record_sha256.as_bytes() => {
                out.push(StoreOutcome::Duplicate(from_json(&receipt, "receipt")?));
            }
            Some(_) => {
                conflict.execute(params![
                    device,
                    id,
                    rec.record_sha256.as_bytes().as_slice(),
                    rec.json,
                    now_ms
                ])?;
                out.push(StoreOutcome::Conflict);
            }
            None => {
                insert.execute(params![
                    device,
                    id,
                    r.station_id,
                    r.contest_id,
                    r.supersedes.map(|s| s.to_string()),
                    rec.record_sha256.as_bytes().as_slice(),
                    rec.json,
                    to_json(&rec.receipt)?,
                    r.device_time_ms,
                    now_ms,
                    r.warnings.len() as i64,
                ])?;
                let pk = c.last_insert_rowid();
                for p in &r.photos {
                    photo.execute(params![pk, p.page, p.sha256.as_bytes().as_slice(), i64_of(p.size)])?;
                }
                out.push(StoreOutcome::Stored(rec.receipt.clone()));
            }
        }
    }
    Ok(out)
}

fn review(
    c: &Connection,
    target: &ReviewTarget,
    status: ReviewStatus,
    comment: Option<String>,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<ReviewOutcome> {
    type Row = (i64, String, String, String, String, String);
    let select = "SELECT pk, device_id, capture_id, review_status, station_id, contest_id FROM captures";
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    };
    let rows: Vec<Row> = match target {
        ReviewTarget::Pk(pk) => c
            .prepare_cached(&format!("{select} WHERE pk = ?1"))?
            .query_map([pk], read)?
            .collect::<Result<_, _>>()?,
        ReviewTarget::Device { device, capture_id } => c
            .prepare_cached(&format!("{select} WHERE device_id = ?1 AND capture_id = ?2"))?
            .query_map(params![device.as_str(), capture_id.to_string()], read)?
            .collect::<Result<_, _>>()?,
        ReviewTarget::CaptureId(capture_id) => c
            .prepare_cached(&format!("{select} WHERE capture_id = ?1"))?
            .query_map([capture_id.to_string()], read)?
            .collect::<Result<_, _>>()?,
    };
    let (pk, device, capture_id, from, station, contest) = match rows.as_slice() {
        [] => return Ok(ReviewOutcome::NotFound),
        [one] => one.clone(),
        _ => return Ok(ReviewOutcome::Ambiguous),
    };
    let device: KeyId = device.parse().map_err(|_| corrupt("device id"))?;
    let capture_id = Uuid::parse_str(&capture_id).map_err(|_| corrupt("capture id"))?;
    let from: ReviewStatus = from.parse().map_err(|()| corrupt("review status"))?;
    c.execute("UPDATE captures SET review_status = ?2 WHERE pk = ?1", params![pk, status.as_str()])?;
    let detail = serde_json::json!({
        "device": device.as_str(), "capture_id": capture_id, "from": from.as_str(), "to": status.as_str(),
        "comment": comment,
    });
    c.execute(
        "INSERT INTO audit_log (at_ms, actor, action, capture_pk, detail_json) VALUES (?1, ?2, 'review', ?3, ?4)",
        params![now_ms, actor, pk, detail.to_string()],
    )?;
    append_feed(c, Some(device.as_str()), now_ms, &Change::Review { capture_id, status, comment })?;
    c.execute(
        "INSERT OR IGNORE INTO tally_dirty (station_id, contest_id) VALUES (?1, ?2)",
        params![station, contest],
    )?;
    Ok(ReviewOutcome::Done { pk, device, capture_id, from })
}

fn upload_state(s: &str) -> RepoResult<UploadState> {
    Ok(match s {
        "active" => UploadState::Active,
        "complete" => UploadState::Complete,
        "terminated" => UploadState::Terminated,
        "expired" => UploadState::Expired,
        _ => return Err(corrupt("upload state")),
    })
}

fn upload_state_str(s: UploadState) -> &'static str {
    match s {
        UploadState::Active => "active",
        UploadState::Complete => "complete",
        UploadState::Terminated => "terminated",
        UploadState::Expired => "expired",
    }
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
        self.db.write(move |c| import(c, &package, now_ms)).await
    }

    async fn election(&self) -> RepoResult<Option<Arc<ElectionInfo>>> {
        let sha: Option<Vec<u8>> = self
            .db
            .read(|c| {
                Ok(c.query_row("SELECT package_sha256 FROM election WHERE id = 1", [], |r| r.get(0))
                    .optional()?)
            })
            .await?;
        let Some(sha) = sha else { return Ok(None) };
        if let Some((cached, info)) = &*self.election.lock().unwrap_or_else(|e| e.into_inner())
            && *cached == sha
        {
            return Ok(Some(info.clone()));
        }
        let loaded = self.db.read(load_election).await?;
        let Some((sha, info)) = loaded else { return Ok(None) };
        let info = Arc::new(info);
        *self.election.lock().unwrap_or_else(|e| e.into_inner()) = Some((sha, info.clone()));
        Ok(Some(info))
    }

    async fn unknown_stations(&self, ids: &[String]) -> RepoResult<Vec<String>> {
        let ids = ids.to_vec();
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT 1 FROM stations WHERE id = ?1")?;
                let mut unknown = Vec::new();
                for id in ids {
                    if !stmt.exists([&id])? {
                        unknown.push(id);
                    }
                }
                Ok(unknown)
            })
            .await
    }

    async fn create_codes(
        &self,
        code_hashes: Vec<Sha256>,
        stations: Vec<String>,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        let stations = to_json(&stations)?;
        self.db
            .write(move |c| {
                let mut ins = c.prepare_cached(
                    "INSERT INTO enrollment_codes (code_hash, station_ids_json, created_at_ms) VALUES (?1, ?2, ?3)",
                )?;
                for h in code_hashes {
                    ins.execute(params![h.as_bytes().as_slice(), stations, now_ms])?;
                }
                Ok(())
            })
            .await
    }

    async fn enroll(
        &self,
        code_hash: Sha256,
        public_key: PublicKey,
        token_hash: Sha256,
        now_ms: TimestampMs,
    ) -> RepoResult<EnrollOutcome> {
        self.db
            .write(move |c| {
                let key_id = public_key.key_id();
                let code: Option<(String, Option<String>)> = c
                    .query_row(
                        "SELECT station_ids_json, device_id FROM enrollment_codes WHERE code_hash = ?1",
                        [code_hash.as_bytes().as_slice()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((stations, used_by)) = code else { return Ok(EnrollOutcome::UnknownCode) };
                match used_by {
                    Some(id) if id == key_id.as_str() => {
                        c.execute(
                            "UPDATE devices SET token_hash = ?2 WHERE id = ?1",
                            params![id, token_hash.as_bytes().as_slice()],
                        )?;
                    }
                    Some(_) => return Ok(EnrollOutcome::CodeUsed),
                    None => {
                        let exists = c.prepare_cached("SELECT 1 FROM devices WHERE id = ?1")?.exists([key_id.as_str()])?;
                        if exists {
                            return Ok(EnrollOutcome::DeviceExists);
                        }
                        c.execute(
                            "INSERT INTO devices (id, public_key, token_hash, code_hash, enrolled_at_ms)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                key_id.as_str(),
                                public_key.to_sec1(),
                                token_hash.as_bytes().as_slice(),
                                code_hash.as_bytes().as_slice(),
                                now_ms
                            ],
                        )?;
                        let mut ins = c.prepare_cached(
                            "INSERT OR IGNORE INTO device_stations (device_id, station_id) VALUES (?1, ?2)",
                        )?;
                        for s in from_json::<Vec<String>>(&stations, "code stations")? {
                            ins.execute(params![key_id.as_str(), s])?;
                        }
                        c.execute(
                            "UPDATE enrollment_codes SET device_id = ?2, used_at_ms = ?3 WHERE code_hash = ?1",
                            params![code_hash.as_bytes().as_slice(), key_id.as_str(), now_ms],
                        )?;
                        regions::add_device(c, key_id.as_str())?;
                    }
                }
                Ok(EnrollOutcome::Enrolled(SqliteRepo::load_device(c, key_id.as_str(), public_key.to_sec1().to_vec())?))
            })
            .await
    }

    async fn device_by_token(&self, token_hash: Sha256) -> RepoResult<Option<Device>> {
        self.db
            .read(move |c| {
                let row: Option<(String, Vec<u8>)> = c
                    .prepare_cached("SELECT id, public_key FROM devices WHERE token_hash = ?1")?
                    .query_row([token_hash.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                row.map(|(id, key)| SqliteRepo::load_device(c, &id, key)).transpose()
            })
            .await
    }

    async fn touch_device(&self, device: KeyId, now_ms: TimestampMs) -> RepoResult<()> {
        self.db
            .write(move |c| {
                c.prepare_cached("UPDATE devices SET last_seen_at_ms = ?2 WHERE id = ?1")?
                    .execute(params![device.as_str(), now_ms])?;
                Ok(())
            })
            .await
    }

    async fn device_package(&self, device: &Device) -> RepoResult<Option<PackageDoc>> {
        let device = device.clone();
        self.db.read(move |c| build_package(c, &device)).await
    }

    async fn store_records(
        &self,
        device: KeyId,
        records: Vec<NewRecord>,
        now_ms: TimestampMs,
    ) -> RepoResult<Vec<StoreOutcome>> {
        self.db.write(move |c| store_records(c, device.as_str(), &records, now_ms)).await
    }

    async fn expected_photo(
        &self,
        device: &KeyId,
        capture_id: Uuid,
        sha256: Sha256,
    ) -> RepoResult<PhotoLookup> {
        let device = device.clone();
        self.db
            .read(move |c| {
                let pk: Option<i64> = c
                    .prepare_cached("SELECT pk FROM captures WHERE device_id = ?1 AND capture_id = ?2")?
                    .query_row(params![device.as_str(), capture_id.to_string()], |r| r.get(0))
                    .optional()?;
                let Some(capture_pk) = pk else { return Ok(PhotoLookup::NoCapture) };
                let row: Option<(i64, Option<String>)> = c
                    .prepare_cached(
                        "SELECT size, receipt_json FROM capture_photos WHERE capture_pk = ?1 AND sha256 = ?2 LIMIT 1",
                    )?
                    .query_row(params![capture_pk, sha256.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let Some((size, receipt)) = row else { return Ok(PhotoLookup::NotDeclared) };
                Ok(PhotoLookup::Declared(ExpectedPhoto {
                    capture_pk,
                    size: u64::try_from(size).map_err(|_| corrupt("photo size"))?,
                    receipt: receipt.as_deref().map(|r| from_json(r, "receipt")).transpose()?,
                }))
            })
            .await
    }

    async fn photo_received(
        &self,
        capture_pk: i64,
        sha256: Sha256,
        receipt: SignedReceipt,
    ) -> RepoResult<SignedReceipt> {
        self.db
            .write(move |c| {
                let existing: Option<String> = c
                    .query_row(
                        "SELECT receipt_json FROM capture_photos
                          WHERE capture_pk = ?1 AND sha256 = ?2 AND receipt_json IS NOT NULL LIMIT 1",
                        params![capture_pk, sha256.as_bytes().as_slice()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(existing) = existing {
                    return from_json(&existing, "receipt");
                }
                c.execute(
                    "UPDATE capture_photos SET receipt_json = ?3, received_at_ms = ?4
                      WHERE capture_pk = ?1 AND sha256 = ?2",
                    params![
                        capture_pk,
                        sha256.as_bytes().as_slice(),
                        to_json(&receipt)?,
                        receipt.receipt.received_at_ms
                    ],
                )?;
                c.execute(
                    "INSERT INTO photo_events (capture_pk, at_ms) VALUES (?1, ?2)",
                    params![capture_pk, receipt.receipt.received_at_ms],
                )?;
                Ok(receipt)
            })
            .await
    }

    async fn create_upload(&self, upload: Upload, now_ms: TimestampMs) -> RepoResult<()> {
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO uploads (id, device_id, capture_id, capture_pk, sha256, length, offset, metadata,
                                          created_at_ms, expires_at_ms, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active')",
                    params![
                        upload.id,
                        upload.device_id.as_str(),
                        upload.capture_id.to_string(),
                        upload.capture_pk,
                        upload.sha256.as_bytes().as_slice(),
                        i64_of(upload.length),
                        i64_of(upload.offset),
                        upload.metadata,
                        now_ms,
                        upload.expires_at_ms
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn upload(&self, id: &str) -> RepoResult<Option<Upload>> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                let row = c
                    .prepare_cached(
                        "SELECT device_id, capture_id, capture_pk, sha256, length, offset, metadata, expires_at_ms,
                                state, receipt_json
                           FROM uploads WHERE id = ?1",
                    )?
                    .query_row([&id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, Vec<u8>>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, i64>(7)?,
                            r.get::<_, String>(8)?,
                            r.get::<_, Option<String>>(9)?,
                        ))
                    })
                    .optional()?;
                let Some((device, capture, capture_pk, sha, length, offset, metadata, expires, state, receipt)) = row
                else {
                    return Ok(None);
                };
                Ok(Some(Upload {
                    id,
                    device_id: device.parse::<KeyId>().map_err(|_| corrupt("device id"))?,
                    capture_id: Uuid::parse_str(&capture).map_err(|_| corrupt("capture id"))?,
                    capture_pk,
                    sha256: sha_of(sha)?,
                    length: u64::try_from(length).map_err(|_| corrupt("length"))?,
                    offset: u64::try_from(offset).map_err(|_| corrupt("offset"))?,
                    metadata,
                    expires_at_ms: expires,
                    state: upload_state(&state)?,
                    receipt: receipt.as_deref().map(|r| from_json(r, "receipt")).transpose()?,
                }))
            })
            .await
    }

    async fn set_upload_offset(&self, id: &str, offset: u64) -> RepoResult<()> {
        let id = id.to_owned();
        self.db
            .write(move |c| {
                c.prepare_cached("UPDATE uploads SET offset = ?2 WHERE id = ?1 AND state = 'active'")?
                    .execute(params![id, i64_of(offset)])?;
                Ok(())
            })
            .await
    }

    async fn end_upload(
        &self,
        id: &str,
        state: UploadState,
        receipt: Option<SignedReceipt>,
    ) -> RepoResult<()> {
        let id = id.to_owned();
        let receipt = receipt.as_ref().map(to_json).transpose()?;
        self.db
            .write(move |c| {
                let offset_sql = if state == UploadState::Complete { "length" } else { "offset" };
                c.execute(
                    &format!(
                        "UPDATE uploads SET state = ?2, receipt_json = ?3, offset = {offset_sql}
                          WHERE id = ?1 AND state = 'active'"
                    ),
                    params![id, upload_state_str(state), receipt],
                )?;
                Ok(())
            })
            .await
    }

    async fn expired_uploads(&self, now_ms: TimestampMs) -> RepoResult<Vec<String>> {
        self.db
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT id FROM uploads WHERE state = 'active' AND expires_at_ms < ?1")?;
                Ok(stmt.query_map([now_ms], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    async fn review(
        &self,
        target: ReviewTarget,
        status: ReviewStatus,
        comment: Option<String>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<ReviewOutcome> {
        self.db.write(move |c| review(c, &target, status, comment, &actor, now_ms)).await
    }

    async fn refresh_tally(&self, budget: usize) -> RepoResult<crate::repo::TallyProgress> {
        self.db.write(move |c| tally::refresh(c, budget)).await
    }

    async fn feed(&self, device: &KeyId, after: u64, limit: usize) -> RepoResult<Vec<FeedEvent>> {
        let device = device.clone();
        self.db
            .read(move |c| {
                // Two index range scans (this device's events, everyone's events) merged by seq,
                // rather than one scan over every device's events.
                let mut stmt = c.prepare_cached(
                    "SELECT seq, at_ms, change_json FROM (
                         SELECT seq, at_ms, change_json FROM feed WHERE device_id = ?1 AND seq > ?2
                         UNION ALL
                         SELECT seq, at_ms, change_json FROM feed WHERE device_id IS NULL AND seq > ?2
                     ) ORDER BY seq LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![device.as_str(), i64_of(after), limit as i64], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, at_ms, change) = row?;
                    out.push(FeedEvent {
                        seq: u64::try_from(seq).map_err(|_| corrupt("feed seq"))?,
                        at_ms,
                        change: from_json(&change, "feed change")?,
                    });
                }
                Ok(out)
            })
            .await
    }
}
