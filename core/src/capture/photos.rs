//! A draft's photos: attaching one (through the photo pipeline, file before row), removing one,
//! and reading stored photos and thumbnails back. A photo file is removed only after the
//! transaction that drops its last reference has committed.

use rusqlite::{OptionalExtension, Transaction, params};
use testigo_protocol::capture::{MAX_CAPTURE_PHOTO_BYTES, MAX_PHOTO_BYTES};
use testigo_protocol::qr;
use testigo_protocol::{PhotoRef, Sha256};
use uuid::Uuid;

use super::MAX_PAGES;
use super::draft::touch;
use super::row::{load_draft, load_photos, package_station_contest};
use crate::crypto::{sync_dir, write_atomic};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::photo::prepare;
use crate::store::{PHOTO_TMP_DIR, Store, in_transaction, now_ms};

impl Store {
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
        // The record's limits (the server refuses a record past them): never reached by photos
        // the pipeline made, but checked here so a phone cannot seal what will be refused.
        let size = prepared.jpeg.len() as u64;
        let declared: u64 = photos.iter().map(|p| p.size).sum();
        if size > MAX_PHOTO_BYTES || declared.saturating_add(size) > MAX_CAPTURE_PHOTO_BYTES {
            return Err(Error::PhotoTooLarge("the stored photos would exceed what a record may carry"));
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
        let result = in_transaction(&mut conn, |tx| {
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
            touch(tx, id)
        });
        if let Err(e) = result {
            if wrote_file {
                // Nothing refers to the file; remove it now (open would remove it otherwise).
                let _removed = std::fs::remove_file(&path);
            }
            return Err(e);
        }
        Ok(photo)
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

    pub(super) fn remove_photo_files(&self, shas: impl IntoIterator<Item = Sha256>) -> Result<()> {
        for sha in shas {
            match std::fs::remove_file(self.photo_path(&sha)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// Deletes the photo row if no capture refers to it any more; returns its hash so the caller
/// removes the file after the transaction commits.
pub(super) fn drop_photo_if_unused(tx: &Transaction<'_>, sha: &[u8]) -> Result<Option<Sha256>> {
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
