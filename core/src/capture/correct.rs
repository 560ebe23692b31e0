//! Corrections: a sealed capture never changes, so a mistake is corrected by a new draft that
//! supersedes it once sealed. A capture is superseded at most once (checked here, and by a
//! partial unique index in the schema).

use rusqlite::{Connection, params};
use uuid::Uuid;

use super::CaptureState;
use super::row::{load_row, sealed_successor};
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

impl Store {
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

/// Whether `target` may be superseded by a capture of this station and contest.
pub(super) fn check_supersedable(
    c: &Connection,
    target: Uuid,
    station_id: &str,
    contest_id: &str,
) -> Result<()> {
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
