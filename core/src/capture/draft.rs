//! Drafts: starting one, typing its counts, notes and QR text, and discarding it. Every edit is
//! checked against the election package before anything changes, and changes nothing when it is
//! refused.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};
use testigo_protocol::qr::{self, MAX_QR_PAYLOAD};
use uuid::Uuid;

use super::photos::drop_photo_if_unused;
use super::row::{load_draft, package_station_contest};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};
use crate::validation::{FieldSlot, check_count, check_notes};

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
}

/// Marks a draft changed now.
pub(super) fn touch(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    tx.execute("UPDATE captures SET updated_at_ms = ?2 WHERE id = ?1", params![id.to_string(), now_ms()])?;
    Ok(())
}
