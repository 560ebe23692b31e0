//! How a capture is read back from the database: its row, its photos, and the package context
//! (station, contest, QR numbers) every step checks it against.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use testigo_protocol::election::{Contest, Station};
use testigo_protocol::qr::{self, QrCounts};
use testigo_protocol::{ElectionPackage, PhotoRef, Sha256};
use uuid::Uuid;

use super::CaptureState;
use crate::error::{Error, Result};

/// A capture's row as stored (a draft or a sealed capture).
pub(super) struct CaptureRow {
    pub(super) station_id: String,
    pub(super) contest_id: String,
    pub(super) state: CaptureState,
    pub(super) counts: BTreeMap<String, u32>,
    pub(super) extra_counts: BTreeMap<String, u32>,
    pub(super) notes: String,
    pub(super) qr_payload: Option<String>,
    pub(super) supersedes: Option<Uuid>,
    pub(super) created_at_ms: i64,
    pub(super) sealed_at_ms: Option<i64>,
    pub(super) signed_json: Option<String>,
}

/// A stored count map (`counts_json`, `extra_counts_json`).
pub(super) fn parse_map(json: &str) -> Result<BTreeMap<String, u32>> {
    serde_json::from_str(json).map_err(|_| Error::Corrupt("stored counts".into()))
}

/// A stored capture id.
pub(super) fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| Error::Corrupt("stored capture id".into()))
}

/// The capture `id`, draft or sealed; [`Error::NoSuchCapture`] when there is none.
pub(super) fn load_row(c: &Connection, id: Uuid) -> Result<CaptureRow> {
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
    Ok(CaptureRow {
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

/// The capture `id` if it is still a draft; [`Error::NotDraft`] once sealed.
pub(super) fn load_draft(c: &Connection, id: Uuid) -> Result<CaptureRow> {
    let row = load_row(c, id)?;
    if row.state != CaptureState::Draft {
        return Err(Error::NotDraft);
    }
    Ok(row)
}

/// The capture's photos, in page order.
pub(super) fn load_photos(c: &Connection, id: Uuid) -> Result<Vec<PhotoRef>> {
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

/// The capture's station and contest in the package; an error when the package lacks either.
pub(super) fn package_station_contest<'p>(
    package: &'p ElectionPackage,
    station_id: &str,
    contest_id: &str,
) -> Result<(&'p Station, &'p Contest)> {
    let station = package.station(station_id).ok_or_else(|| Error::UnknownStation(station_id.to_owned()))?;
    let contest = package.contest(contest_id).ok_or_else(|| Error::UnknownContest(contest_id.to_owned()))?;
    Ok((station, contest))
}

/// The QR numbers of a capture, when it has a QR text that reads as its contest's acta.
pub(super) fn qr_counts_of(package: &ElectionPackage, row: &CaptureRow) -> Option<QrCounts> {
    let contest = package.contest(&row.contest_id)?;
    qr::parse(contest.acta_qr.as_ref()?, contest, row.qr_payload.as_deref()?).ok()
}

/// The sealed capture that supersedes `id`, if any (there is at most one).
pub(super) fn sealed_successor(c: &Connection, id: Uuid) -> Result<Option<Uuid>> {
    let successor: Option<String> = c
        .query_row(
            "SELECT id FROM captures WHERE supersedes = ?1 AND state = 'sealed'",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    successor.as_deref().map(parse_uuid).transpose()
}
