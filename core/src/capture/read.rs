//! Captures as the app reads them: one in full (with the warnings a draft would be sealed with
//! now), the list, and the numbers its QR code offers as a prefill.

use testigo_protocol::SignedCapture;
use testigo_protocol::qr::QrCounts;
use uuid::Uuid;

use super::row::{
    load_photos, load_row, package_station_contest, parse_uuid, qr_counts_of, sealed_successor,
};
use super::{Capture, CaptureState, CaptureSummary};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::status::OutboxTally;
use crate::store::Store;
use crate::validation::{ActaNumbers, validate};

impl Store {
    /// The numbers read from the capture's QR code, to prefill the form; `None` when no code was
    /// read. Typed numbers that differ are flagged `qr_mismatch` by validation.
    pub fn qr_counts(&self, id: Uuid) -> Result<Option<QrCounts>> {
        self.read(|c| {
            let row = load_row(c, id)?;
            let package = load_package(c)?.ok_or(Error::NoPackage)?;
            Ok(qr_counts_of(&package, &row))
        })
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
}
