//! The night's operations reads: late tables (no acta yet, an acta whose photo has not
//! arrived, or watchers who disagree) with the devices that should report them and when each was last heard from.
//!
//! Walked from the centers (`centers_by_region`) of the regions in the subtree, in the order of
//! (region, center, table number), so a page is found without sorting the election: a table
//! that reported is skipped by one primary-key probe of `station_current`.

use rusqlite::{Connection, params};

use crate::repo::RepoResult;
use crate::repo::coord::{AssignedDevice, LateCursor, LateFilter, LateTable};

pub(super) fn late_tables(
    c: &Connection,
    path: &str,
    contest: &str,
    filter: LateFilter,
    after: Option<LateCursor>,
    limit: usize,
) -> RepoResult<Vec<LateTable>> {
    // Only regions the aggregates say hold a late table are walked (a region whose tables all
    // reported costs nothing, however large): those with fewer tables reported than it has, or
    // whose flags (see `tally.rs`) count such a table. The aggregates lag intake by a worker
    // batch.
    let (pruned, condition) = match filter.flag() {
        None => (
            "r.stations > ifnull(rs.stations_reported, 0)".to_owned(),
            "NOT EXISTS (SELECT 1 FROM station_current sc WHERE sc.station_id = s.id AND sc.contest_id = ?2)"
                .to_owned(),
        ),
        Some(flag) => (
            format!("ifnull(rs.{flag}, 0) > 0"),
            format!(
                "EXISTS (SELECT 1 FROM station_flags f WHERE f.station_id = s.id AND f.contest_id = ?2 AND f.{flag} = 1)"
            ),
        ),
    };
    let sql = format!(
        "SELECT s.id, s.number, ce.id, ce.name, r.path, ce.region_id, ce.position,
                (SELECT sc.capture_pk FROM station_current sc WHERE sc.station_id = s.id AND sc.contest_id = ?2)
           FROM regions r
           LEFT JOIN region_stats rs ON rs.region_id = r.id AND rs.contest_id = ?2
           JOIN centers ce ON ce.region_id = r.id
           JOIN stations s ON s.center_id = ce.id
          WHERE (?1 = '' OR r.path = ?1 OR (r.path > ?1 || '/' AND r.path < ?1 || '0'))
            AND {pruned}
            AND (ce.region_id, ce.position, s.number) > (?3, ?4, ?5)
            AND {condition}
          ORDER BY ce.region_id, ce.position, s.number LIMIT ?6"
    );
    let after = after.unwrap_or(LateCursor { region_id: i64::MIN, center_position: i64::MIN, number: 0 });
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![path, contest, after.region_id, after.center_position, after.number, limit as i64],
        |r| {
            Ok(LateTable {
                station_id: r.get(0)?,
                number: r.get(1)?,
                center_id: r.get(2)?,
                center_name: r.get(3)?,
                region_path: r.get(4)?,
                cursor: LateCursor { region_id: r.get(5)?, center_position: r.get(6)?, number: r.get(1)? },
                capture_pk: r.get(7)?,
                devices: Vec::new(),
            })
        },
    )?;
    let mut out = rows.collect::<Result<Vec<_>, _>>()?;
    for table in &mut out {
        table.devices = station_devices(c, &table.station_id)?;
    }
    Ok(out)
}

/// The phones assigned to a table, most recently heard from first (at most ten).
pub(super) fn station_devices(c: &Connection, station_id: &str) -> RepoResult<Vec<AssignedDevice>> {
    let mut devices = c.prepare_cached(
        "SELECT d.id, d.last_seen_at_ms, d.revoked_at_ms IS NOT NULL, k.name, k.phone FROM device_stations x
           JOIN devices d ON d.id = x.device_id
           LEFT JOIN device_contacts k ON k.device_id = d.id
          WHERE x.station_id = ?1 ORDER BY ifnull(d.last_seen_at_ms, 0) DESC, d.id LIMIT 10",
    )?;
    let rows = devices.query_map([station_id], |r| {
        Ok(AssignedDevice {
            id: r.get(0)?,
            last_seen_at_ms: r.get(1)?,
            revoked: r.get(2)?,
            contact: super::coord::contact(r.get(3)?, r.get(4)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
