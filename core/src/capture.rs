//! The capture lifecycle: draft → (counts, photos, notes) → seal → sync.
//!
//! A draft can change freely and be discarded. Sealing builds the [`CaptureRecord`], signs its
//! canonical bytes with the device key and, in one transaction, marks the capture sealed and puts
//! the record and each photo in the outbox. From then on the capture never changes (SQLite
//! triggers enforce it too); a mistake is corrected by a new capture that supersedes it.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::qr::{self, MAX_QR_PAYLOAD, QrCounts};
use testigo_protocol::{
    CaptureRecord, ElectionPackage, PhotoRef, PublicKey, Sha256, Signature, SignedCapture, Warning,
};
use uuid::Uuid;

use crate::crypto::{sync_dir, write_atomic};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::outbox;
use crate::photo::prepare;
use crate::status::{OutboxTally, ReportingStatus};
use crate::store::{PHOTO_TMP_DIR, Store, now_ms};
use crate::validation::{ActaNumbers, FieldSlot, check_count, check_notes, validate};

/// The most photos (pages) one capture may hold.
pub const MAX_PAGES: usize = testigo_protocol::capture::MAX_PAGES;

/// Whether a capture can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CaptureState {
    /// Editable; not sent.
    Draft,
    /// Signed, immutable, in the outbox.
    Sealed,
}

/// A capture in full.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Capture {
    /// The capture's id (UUIDv7, made on this phone).
    pub id: Uuid,
    /// The station.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// Draft or sealed.
    pub state: CaptureState,
    /// Where it stands in delivery.
    pub status: ReportingStatus,
    /// Votes per ballot option, as typed so far.
    pub counts: BTreeMap<String, u32>,
    /// Extra counts per field, as typed so far.
    pub extra_counts: BTreeMap<String, u32>,
    /// Notes.
    pub notes: String,
    /// The QR code's text, when read.
    pub qr_payload: Option<String>,
    /// The photos, in page order.
    pub photos: Vec<PhotoRef>,
    /// For a draft, the warnings it would be sealed with now; for a sealed capture, the warnings
    /// it was sealed with.
    pub warnings: Vec<Warning>,
    /// The capture this one corrects.
    pub supersedes: Option<Uuid>,
    /// The sealed capture that corrects this one.
    pub superseded_by: Option<Uuid>,
    /// When the draft was created (phone clock).
    pub created_at_ms: i64,
    /// When it was sealed (phone clock).
    pub sealed_at_ms: Option<i64>,
    /// The signed record, once sealed.
    pub signed: Option<SignedCapture>,
}

/// One line of the captures list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaptureSummary {
    /// The capture's id.
    pub id: Uuid,
    /// The station.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// Draft or sealed.
    pub state: CaptureState,
    /// Where it stands in delivery.
    pub status: ReportingStatus,
    /// Number of photos.
    pub photos: u32,
    /// The capture this one corrects.
    pub supersedes: Option<Uuid>,
    /// When the draft was created.
    pub created_at_ms: i64,
    /// When it was sealed.
    pub sealed_at_ms: Option<i64>,
}

struct DraftRow {
    station_id: String,
    contest_id: String,
    state: CaptureState,
    counts: BTreeMap<String, u32>,
    extra_counts: BTreeMap<String, u32>,
    notes: String,
    qr_payload: Option<String>,
    supersedes: Option<Uuid>,
    created_at_ms: i64,
    sealed_at_ms: Option<i64>,
    signed_json: Option<String>,
}

fn parse_map(json: &str) -> Result<BTreeMap<String, u32>> {
    serde_json::from_str(json).map_err(|_| Error::Corrupt("stored counts".into()))
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| Error::Corrupt("stored capture id".into()))
}

fn load_row(c: &Connection, id: Uuid) -> Result<DraftRow> {
    let row = c
        .query_row(
            "SELECT station_id, contest_id, state, counts_json, extra_counts_json, notes, qr_payload,
                    supersedes, created_at_ms, sealed_at_ms, signed_json
               FROM captures WHERE id = ?1",
            [id.to_string()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            },
        )
        .optional()?
        .ok_or(Error::NoSuchCapture)?;
    let (
        station_id,
        contest_id,
        state,
        counts,
        extra,
        notes,
        qr_payload,
        supersedes,
        created,
        sealed,
        signed,
    ) = row;
    Ok(DraftRow {
        station_id,
        contest_id,
        state: if state == "sealed" { CaptureState::Sealed } else { CaptureState::Draft },
        counts: parse_map(&counts)?,
        extra_counts: parse_map(&extra)?,
        notes,
        qr_payload,
        supersedes: supersedes.as_deref().map(parse_uuid).transpose()?,
        created_at_ms: created,
        sealed_at_ms: sealed,
        signed_json: signed,
    })
}

fn load_draft(c: &Connection, id: Uuid) -> Result<DraftRow> {
    let row = load_row(c, id)?;
    if row.state != CaptureState::Draft {
        return Err(Error::NotDraft);
    }
    Ok(row)
}

fn load_photos(c: &Connection, id: Uuid) -> Result<Vec<PhotoRef>> {
    let mut stmt = c.prepare_cached(
        "SELECT cp.page, p.sha256, p.original_sha256, p.size, p.width, p.height
           FROM capture_photos cp JOIN photos p ON p.sha256 = cp.sha256
          WHERE cp.capture_id = ?1 ORDER BY cp.page",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, u64>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    let bad = |_| Error::Corrupt("stored photo hash".into());
    let mut out = Vec::new();
    for row in rows {
        let (page, sha, original, size, width, height) = row?;
        out.push(PhotoRef {
            page,
            sha256: Sha256::from_slice(&sha).map_err(bad)?,
            original_sha256: Sha256::from_slice(&original).map_err(bad)?,
            size,
            width,
            height,
        });
    }
    Ok(out)
}

fn touch(c: &Connection, id: Uuid) -> Result<()> {
    c.execute("UPDATE captures SET updated_at_ms = ?2 WHERE id = ?1", params![id.to_string(), now_ms()])?;
    Ok(())
}

fn package_station_contest<'p>(
    package: &'p ElectionPackage,
    station_id: &str,
    contest_id: &str,
) -> Result<(&'p testigo_protocol::election::Station, &'p testigo_protocol::election::Contest)> {
    let station = package.station(station_id).ok_or_else(|| Error::UnknownStation(station_id.to_owned()))?;
    let contest = package.contest(contest_id).ok_or_else(|| Error::UnknownContest(contest_id.to_owned()))?;
    Ok((station, contest))
}

impl Store {
    /// Starts a draft capture of `contest_id`'s acta at `station_id`.
    pub fn new_capture(&self, station_id: &str, contest_id: &str) -> Result<Uuid> {
        self.write(|tx| {
            let package = load_package(tx)?.ok_or(Error::NoPackage)?;
            package_station_contest(&package, station_id, contest_id)?;
            if !package.is_assigned(station_id) {
                return Err(Error::StationNotAssigned(station_id.to_owned()));
            }
            let id = Uuid::now_v7();
            let now = now_ms();
            tx.execute(
                "INSERT INTO captures (id, station_id, contest_id, state, created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, ?3, 'draft', ?4, ?4)",
                params![id.to_string(), station_id, contest_id, now],
            )?;
            Ok(id)
        })
    }

    /// Sets (or, with `None`, clears) one count of a draft: a ballot option or an extra field.
    pub fn set_count(&self, id: Uuid, field: &str, value: Option<u32>) -> Result<()> {
        self.set_counts(id, &BTreeMap::from([(field.to_owned(), value)]))
    }

    /// Sets several counts of a draft at once; all or nothing.
    pub fn set_counts(&self, id: Uuid, values: &BTreeMap<String, Option<u32>>) -> Result<()> {
        self.write(|tx| {
            let mut row = load_draft(tx, id)?;
            let package = load_package(tx)?.ok_or(Error::NoPackage)?;
            let (_, contest) = package_station_contest(&package, &row.station_id, &row.contest_id)?;
            for (field, value) in values {
                let map = match check_count(contest, field, *value)? {
                    FieldSlot::Option => &mut row.counts,
                    FieldSlot::Extra => &mut row.extra_counts,
                };
                match value {
                    Some(v) => map.insert(field.clone(), *v),
                    None => map.remove(field),
                };
            }
            let counts = serde_json::to_string(&row.counts).map_err(Error::internal)?;
            let extra = serde_json::to_string(&row.extra_counts).map_err(Error::internal)?;
            tx.execute(
                "UPDATE captures SET counts_json = ?2, extra_counts_json = ?3 WHERE id = ?1",
                params![id.to_string(), counts, extra],
            )?;
            touch(tx, id)
        })
    }

    /// Replaces a draft's notes.
    pub fn set_notes(&self, id: Uuid, notes: &str) -> Result<()> {
        check_notes(notes)?;
        self.write(|tx| {
            load_draft(tx, id)?;
            tx.execute("UPDATE captures SET notes = ?2 WHERE id = ?1", params![id.to_string(), notes])?;
            touch(tx, id)
        })
    }

    /// Adds a photo of the acta to a draft as its next page and returns its reference.
    ///
    /// The camera's bytes go through the photo pipeline ([`crate::photo`]): decoded, turned
    /// upright, stripped of every piece of metadata, downsized and re-encoded; the reference keeps
    /// the SHA-256 of both the original and the stored photo. When the pipeline finds the acta's
    /// QR code and the draft has none yet, its text is kept with the draft (see
    /// [`Store::qr_counts`]). Attaching a photo the capture already holds returns that page.
    ///
    /// The photo file is written (encrypted, atomically) before the row that refers to it, so a
    /// crash at any point leaves either no reference or a complete file.
    pub fn attach_photo(&self, id: Uuid, bytes: &[u8]) -> Result<PhotoRef> {
        self.read(|c| load_draft(c, id).map(|_| ()))?;
        let prepared = prepare(bytes, &self.photo_options)?;
        let sha = prepared.sha256;
        let mut conn = self.writer_conn();
        let draft = load_draft(&conn, id)?;
        let photos = load_photos(&conn, id)?;
        if let Some(existing) = photos.iter().find(|p| p.sha256 == sha) {
            return Ok(existing.clone());
        }
        if photos.len() >= MAX_PAGES {
            return Err(Error::TooManyPages(MAX_PAGES));
        }
        let qr_payload = match (&draft.qr_payload, &prepared.qr_payload) {
            (None, Some(text)) => {
                let package = load_package(&conn)?.ok_or(Error::NoPackage)?;
                let (_, contest) = package_station_contest(&package, &draft.station_id, &draft.contest_id)?;
                // Only a code that reads as this contest's acta is kept: another QR on the paper
                // (a URL, a sticker) is ignored.
                contest.acta_qr.as_ref().and_then(|f| qr::parse(f, contest, text).ok()).map(|_| text.clone())
            }
            _ => None,
        };
        let known: bool = conn
            .query_row("SELECT 1 FROM photos WHERE sha256 = ?1", [sha.as_bytes().as_slice()], |_| Ok(()))
            .optional()?
            .is_some();
        let path = self.photo_path(&sha);
        let wrote_file = !known && !path.exists();
        if wrote_file {
            let sealed = self.keys.seal_photo(&sha, &prepared.jpeg)?;
            let tmp_dir = self.photo_dir().join(PHOTO_TMP_DIR);
            let name = self.keys.photo_file_name(&sha);
            write_atomic(&tmp_dir, &name, &sealed)?;
            std::fs::rename(tmp_dir.join(&name), &path)?;
            sync_dir(&self.photo_dir())?;
        }
        let page = u32::try_from(photos.len() + 1).unwrap_or(u32::MAX);
        let photo = PhotoRef {
            page,
            sha256: sha,
            original_sha256: prepared.original_sha256,
            size: prepared.jpeg.len() as u64,
            width: prepared.width,
            height: prepared.height,
        };
        let result = (|| -> Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT OR IGNORE INTO photos (sha256, original_sha256, mime, size, width, height, stored_at_ms,
                                               thumbnail)
                 VALUES (?1, ?2, 'image/jpeg', ?3, ?4, ?5, ?6, ?7)",
                params![
                    sha.as_bytes().as_slice(),
                    photo.original_sha256.as_bytes().as_slice(),
                    photo.size,
                    photo.width,
                    photo.height,
                    now_ms(),
                    prepared.thumbnail
                ],
            )?;
            tx.execute(
                "INSERT INTO capture_photos (capture_id, page, sha256) VALUES (?1, ?2, ?3)",
                params![id.to_string(), page, sha.as_bytes().as_slice()],
            )?;
            if let Some(text) = &qr_payload {
                tx.execute(
                    "UPDATE captures SET qr_payload = ?2 WHERE id = ?1",
                    params![id.to_string(), text],
                )?;
            }
            touch(&tx, id)?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = result {
            if wrote_file {
                // Nothing refers to the file; remove it now (open would remove it otherwise).
                let _removed = std::fs::remove_file(&path);
            }
            return Err(e);
        }
        Ok(photo)
    }

    /// Sets (or clears) the text of the acta's QR code, e.g. from the app's own barcode scanner.
    /// Text that does not read as this contest's acta is refused.
    pub fn set_qr_payload(&self, id: Uuid, payload: Option<&str>) -> Result<()> {
        self.write(|tx| {
            let draft = load_draft(tx, id)?;
            if let Some(text) = payload {
                if text.len() > MAX_QR_PAYLOAD {
                    return Err(Error::QrUnreadable("too long".into()));
                }
                let package = load_package(tx)?.ok_or(Error::NoPackage)?;
                let (_, contest) = package_station_contest(&package, &draft.station_id, &draft.contest_id)?;
                let format = contest
                    .acta_qr
                    .as_ref()
                    .ok_or_else(|| Error::QrUnreadable("this acta has no QR code".into()))?;
                qr::parse(format, contest, text).map_err(|e| Error::QrUnreadable(e.to_string()))?;
            }
            tx.execute(
                "UPDATE captures SET qr_payload = ?2 WHERE id = ?1",
                params![id.to_string(), payload],
            )?;
            touch(tx, id)
        })
    }

    /// The numbers read from the capture's QR code, to prefill the form; `None` when no code was
    /// read. Typed numbers that differ are flagged `qr_mismatch` by validation.
    pub fn qr_counts(&self, id: Uuid) -> Result<Option<QrCounts>> {
        self.read(|c| {
            let row = load_row(c, id)?;
            let package = load_package(c)?.ok_or(Error::NoPackage)?;
            Ok(qr_counts_of(&package, &row))
        })
    }

    /// The thumbnail of a stored photo, for list screens.
    pub fn thumbnail(&self, sha: &Sha256) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT thumbnail FROM photos WHERE sha256 = ?1",
                [sha.as_bytes().as_slice()],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
        })
    }

    /// Removes a draft's photo on `page`; later pages move up by one.
    pub fn remove_photo(&self, id: Uuid, page: u32) -> Result<()> {
        let orphan = self.write(|tx| {
            load_draft(tx, id)?;
            let sha: Vec<u8> = tx
                .query_row(
                    "SELECT sha256 FROM capture_photos WHERE capture_id = ?1 AND page = ?2",
                    params![id.to_string(), page],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(Error::NoSuchPage(page))?;
            tx.execute(
                "DELETE FROM capture_photos WHERE capture_id = ?1 AND page = ?2",
                params![id.to_string(), page],
            )?;
            // Later pages move up one at a time, in order, so (capture, page) never collides.
            let later: Vec<u32> = {
                let mut stmt = tx.prepare(
                    "SELECT page FROM capture_photos WHERE capture_id = ?1 AND page > ?2 ORDER BY page",
                )?;
                stmt.query_map(params![id.to_string(), page], |r| r.get(0))?.collect::<Result<_, _>>()?
            };
            for p in later {
                tx.execute(
                    "UPDATE capture_photos SET page = ?3 WHERE capture_id = ?1 AND page = ?2",
                    params![id.to_string(), p, p - 1],
                )?;
            }
            touch(tx, id)?;
            drop_photo_if_unused(tx, &sha)
        })?;
        self.remove_photo_files(orphan)
    }

    /// Deletes a draft and its photos. Sealed captures cannot be discarded.
    pub fn discard(&self, id: Uuid) -> Result<()> {
        let orphans = self.write(|tx| {
            load_draft(tx, id)?;
            let shas: Vec<Vec<u8>> = {
                let mut stmt = tx.prepare("SELECT sha256 FROM capture_photos WHERE capture_id = ?1")?;
                stmt.query_map([id.to_string()], |r| r.get(0))?.collect::<Result<_, _>>()?
            };
            tx.execute("DELETE FROM captures WHERE id = ?1", [id.to_string()])?;
            let mut orphans = Vec::new();
            for sha in shas {
                orphans.extend(drop_photo_if_unused(tx, &sha)?);
            }
            Ok(orphans)
        })?;
        self.remove_photo_files(orphans)
    }

    fn remove_photo_files(&self, shas: impl IntoIterator<Item = Sha256>) -> Result<()> {
        for sha in shas {
            match std::fs::remove_file(self.photo_path(&sha)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The photo's bytes, decrypted and checked against its hash.
    pub fn read_photo(&self, sha: &Sha256) -> Result<Vec<u8>> {
        let known = self.read(|c| {
            Ok(c.prepare_cached("SELECT 1 FROM photos WHERE sha256 = ?1")?
                .exists([sha.as_bytes().as_slice()])?)
        })?;
        if !known {
            return Err(Error::NoSuchPhoto);
        }
        let stored = std::fs::read(self.photo_path(sha)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::PhotoDamaged(sha.to_hex()),
            _ => Error::Io(e),
        })?;
        self.keys.open_photo(sha, &stored)
    }

    /// A capture in full.
    pub fn capture(&self, id: Uuid) -> Result<Capture> {
        self.read(|c| {
            let row = load_row(c, id)?;
            let photos = load_photos(c, id)?;
            let tally = OutboxTally::of(c, &id.to_string())?;
            let superseded_by = sealed_successor(c, id)?;
            let signed: Option<SignedCapture> = row
                .signed_json
                .as_deref()
                .map(|j| serde_json::from_str(j).map_err(|_| Error::Corrupt("stored signed record".into())))
                .transpose()?;
            let warnings = match &signed {
                Some(s) => s.record.warnings.clone(),
                None => {
                    let package = load_package(c)?.ok_or(Error::NoPackage)?;
                    let qr = qr_counts_of(&package, &row).map(|q| q.all());
                    match package_station_contest(&package, &row.station_id, &row.contest_id) {
                        Ok((station, contest)) => validate(&ActaNumbers {
                            contest,
                            station,
                            counts: &row.counts,
                            extra_counts: &row.extra_counts,
                            photos: photos.len(),
                            qr_counts: qr.as_ref(),
                        }),
                        Err(_) => Vec::new(),
                    }
                }
            };
            Ok(Capture {
                id,
                status: tally.status(row.state == CaptureState::Sealed),
                station_id: row.station_id,
                contest_id: row.contest_id,
                state: row.state,
                counts: row.counts,
                extra_counts: row.extra_counts,
                notes: row.notes,
                qr_payload: row.qr_payload,
                photos,
                warnings,
                supersedes: row.supersedes,
                superseded_by,
                created_at_ms: row.created_at_ms,
                sealed_at_ms: row.sealed_at_ms,
                signed,
            })
        })
    }

    /// Every capture, newest first.
    pub fn captures(&self) -> Result<Vec<CaptureSummary>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                // One pass over pages and outbox each, grouped, rather than a lookup per capture.
                "SELECT c.id, c.station_id, c.contest_id, c.state, c.supersedes, c.created_at_ms, c.sealed_at_ms,
                        ifnull(p.pages, 0), ifnull(o.parked, 0), ifnull(o.pending, 0)
                   FROM captures c
                   LEFT JOIN (SELECT capture_id, count(*) AS pages FROM capture_photos GROUP BY capture_id) p
                          ON p.capture_id = c.id
                   LEFT JOIN (SELECT capture_id,
                                     count(*) FILTER (WHERE state = 'parked') AS parked,
                                     count(*) FILTER (WHERE state = 'pending') AS pending
                                FROM outbox GROUP BY capture_id) o
                          ON o.capture_id = c.id
                  ORDER BY c.created_at_ms DESC, c.id DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, u32>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, i64>(9)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, station_id, contest_id, state, supersedes, created, sealed, photos, parked, pending) = row?;
                let state = if state == "sealed" { CaptureState::Sealed } else { CaptureState::Draft };
                out.push(CaptureSummary {
                    id: parse_uuid(&id)?,
                    station_id,
                    contest_id,
                    state,
                    status: OutboxTally { parked, pending }.status(state == CaptureState::Sealed),
                    photos,
                    supersedes: supersedes.as_deref().map(parse_uuid).transpose()?,
                    created_at_ms: created,
                    sealed_at_ms: sealed,
                });
            }
            Ok(out)
        })
    }

    /// Seals a draft: validates it, signs its record with the device key and, in the same
    /// transaction, marks it sealed and enqueues the record and then each photo for sending.
    ///
    /// Warnings never stop a seal; they travel inside the signed record.
    pub fn seal(&self, id: Uuid) -> Result<SignedCapture> {
        let mut conn = self.writer_conn();
        let row = load_draft(&conn, id)?;
        let package = load_package(&conn)?.ok_or(Error::NoPackage)?;
        let (station, contest) = package_station_contest(&package, &row.station_id, &row.contest_id)?;
        let photos = load_photos(&conn, id)?;
        if let Some(target) = row.supersedes {
            check_supersedable(&conn, target, &row.station_id, &row.contest_id)?;
        }
        let qr = qr_counts_of(&package, &row).map(|q| q.all());
        let warnings = validate(&ActaNumbers {
            contest,
            station,
            counts: &row.counts,
            extra_counts: &row.extra_counts,
            photos: photos.len(),
            qr_counts: qr.as_ref(),
        });
        let record = CaptureRecord {
            format: CAPTURE_FORMAT,
            id,
            election_id: package.election.id.clone(),
            package_version: package.version,
            contest_id: row.contest_id.clone(),
            station_id: row.station_id.clone(),
            counts: row.counts.clone(),
            extra_counts: row.extra_counts.clone(),
            photos: photos.clone(),
            qr_payload: row.qr_payload.clone(),
            device_time_ms: now_ms(),
            supersedes: row.supersedes,
            notes: row.notes.clone(),
            warnings,
            device_key_id: self.device.key_id.clone(),
        };
        let signed = self.sign_record(record)?;
        let json = serde_json::to_string(&signed).map_err(Error::internal)?;
        let now = now_ms();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE captures SET state = 'sealed', signed_json = ?2, record_sha256 = ?3, sealed_at_ms = ?4,
                    updated_at_ms = ?4
              WHERE id = ?1 AND state = 'draft'",
            params![id.to_string(), json, signed.record.record_sha256().as_bytes().as_slice(), now],
        )?;
        if changed != 1 {
            return Err(Error::NotDraft);
        }
        outbox::enqueue(&tx, id, &photos, now)?;
        // check_supersedable ran under the same writer lock, and the partial unique index on
        // `supersedes` would refuse a second sealed successor anyway.
        tx.commit()?;
        Ok(signed)
    }

    fn sign_record(&self, record: CaptureRecord) -> Result<SignedCapture> {
        let bytes = record.canonical_bytes();
        let signature = Signature(self.signer.sign(&bytes).map_err(|e| Error::Signer(e.0))?);
        let key: &PublicKey = &self.device.public_key;
        // A platform signer that returns garbage must fail here, on the phone, not on the server.
        key.verify(&bytes, &signature).map_err(|_| Error::Signer("signature does not verify".into()))?;
        Ok(SignedCapture { record, signature })
    }

    /// Starts a correction of a sealed capture: a new draft for the same station and contest,
    /// with the same counts, notes and photos, that supersedes it once sealed.
    pub fn supersede(&self, id: Uuid) -> Result<Uuid> {
        self.write(|tx| {
            let old = load_row(tx, id)?;
            if old.state != CaptureState::Sealed {
                return Err(Error::CannotSupersede("only a sealed capture can be corrected"));
            }
            check_supersedable(tx, id, &old.station_id, &old.contest_id)?;
            let new_id = Uuid::now_v7();
            let now = now_ms();
            let counts = serde_json::to_string(&old.counts).map_err(Error::internal)?;
            let extra = serde_json::to_string(&old.extra_counts).map_err(Error::internal)?;
            tx.execute(
                "INSERT INTO captures (id, station_id, contest_id, state, counts_json, extra_counts_json, notes,
                                       qr_payload, supersedes, created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params![
                    new_id.to_string(),
                    old.station_id,
                    old.contest_id,
                    counts,
                    extra,
                    old.notes,
                    old.qr_payload,
                    id.to_string(),
                    now
                ],
            )?;
            tx.execute(
                "INSERT INTO capture_photos (capture_id, page, sha256)
                 SELECT ?1, page, sha256 FROM capture_photos WHERE capture_id = ?2",
                params![new_id.to_string(), id.to_string()],
            )?;
            Ok(new_id)
        })
    }
}

/// The QR numbers of a capture, when it has a QR text that reads as its contest's acta.
fn qr_counts_of(package: &ElectionPackage, row: &DraftRow) -> Option<QrCounts> {
    let contest = package.contest(&row.contest_id)?;
    qr::parse(contest.acta_qr.as_ref()?, contest, row.qr_payload.as_deref()?).ok()
}

fn check_supersedable(c: &Connection, target: Uuid, station_id: &str, contest_id: &str) -> Result<()> {
    let row = load_row(c, target)?;
    if row.state != CaptureState::Sealed {
        return Err(Error::CannotSupersede("only a sealed capture can be corrected"));
    }
    if row.station_id != station_id || row.contest_id != contest_id {
        return Err(Error::CannotSupersede("a correction must be for the same station and contest"));
    }
    if sealed_successor(c, target)?.is_some() {
        return Err(Error::AlreadySuperseded);
    }
    Ok(())
}

/// The sealed capture that supersedes `id`, if any (there is at most one).
fn sealed_successor(c: &Connection, id: Uuid) -> Result<Option<Uuid>> {
    let successor: Option<String> = c
        .query_row(
            "SELECT id FROM captures WHERE supersedes = ?1 AND state = 'sealed'",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    successor.as_deref().map(parse_uuid).transpose()
}

/// Deletes the photo row if no capture refers to it any more; returns its hash so the caller
/// removes the file after the transaction commits.
fn drop_photo_if_unused(tx: &Connection, sha: &[u8]) -> Result<Option<Sha256>> {
    let deleted = tx.execute(
        "DELETE FROM photos WHERE sha256 = ?1
            AND NOT EXISTS (SELECT 1 FROM capture_photos WHERE sha256 = ?1)
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE photo_sha256 = ?1)",
        [sha],
    )?;
    if deleted == 0 {
        return Ok(None);
    }
    Ok(Some(Sha256::from_slice(sha).map_err(|_| Error::Corrupt("stored photo hash".into()))?))
}
