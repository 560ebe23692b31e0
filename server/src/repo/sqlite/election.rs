//! The election: the coordinators' package as imported, and each device's tailored copy of it.
//!
//! One server holds one election. Its contests are kept as JSON (a few KB); its centers and
//! stations as rows, because there may be a million of them, and a device's package is cut from
//! those rows when it asks (its stations, their centers, its assignment). Versions only move
//! forward; a newer one is announced to every device through the feed, and one that would strand
//! an enrolled device (or an unused code) by removing its station is refused.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::api::Change;
use testigo_protocol::election::{
    Assignment, Contest, Election, ElectionPackage, PACKAGE_FORMAT, PollingCenter, Station,
};
use testigo_protocol::{Sha256, TimestampMs};

use super::{corrupt, feed, from_json, i64_of, regions, to_json};
use crate::repo::{
    Device, ElectionInfo, ImportError, ImportOutcome, PackageDoc, Reach, RepoError, RepoResult,
};

/// The stored package's hash, which changes with every import that changes anything.
pub(super) fn stored_sha(c: &Connection) -> RepoResult<Option<Vec<u8>>> {
    Ok(c.query_row("SELECT package_sha256 FROM election WHERE id = 1", [], |r| r.get(0)).optional()?)
}

/// The imported election with its package hash, if any.
pub(super) fn load(c: &Connection) -> RepoResult<Option<(Vec<u8>, ElectionInfo)>> {
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

/// Imports a validated package (see [`crate::repo::Repo::import_election`]).
pub(super) fn import(
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
        feed::append(c, None, now_ms, &Change::Package { version: full.version })?;
    }
    Ok(Ok(outcome))
}

/// The stations among `ids` that the election does not have.
pub(super) fn unknown_stations(c: &Connection, ids: Vec<String>) -> RepoResult<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT 1 FROM stations WHERE id = ?1")?;
    let mut unknown = Vec::new();
    for id in ids {
        if !stmt.exists([&id])? {
            unknown.push(id);
        }
    }
    Ok(unknown)
}

/// The package as `device` gets it: its stations, their centers and its assignment, with an
/// entity tag from the version and the content.
pub(super) fn device_package(
    c: &Connection,
    device: &Device,
    reach: Reach,
) -> RepoResult<Option<PackageDoc>> {
    let Some((_, info)) = load(c)? else { return Ok(None) };
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
        bundle_key: Some(reach.bundle_key),
        sms_numbers: reach.sms_numbers,
    };
    let json = serde_json::to_vec(&package).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    let digest = Sha256::digest(&json).to_hex();
    let etag = format!("\"{}-{}\"", package.version, digest.get(..16).unwrap_or(&digest));
    Ok(Some(PackageDoc { json: Arc::new(json), etag }))
}
