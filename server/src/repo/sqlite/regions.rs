//! The region tree: one node per distinct prefix of the centers' region paths, under a root
//! (path `''`, the whole election). Each node knows how many stations and registered voters lie
//! beneath it, so coverage is a division, not a scan.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::repo::RepoResult;

/// Joins region names into a path. Names never contain '/' after import (it is replaced).
pub(crate) fn join(names: &[String]) -> String {
    names.iter().map(|n| n.replace('/', "-")).collect::<Vec<_>>().join("/")
}

pub(crate) use crate::repo::coord::within_scope as within;

/// The half-open range of paths strictly below or at `scope`, for index range scans:
/// `path = scope OR (path >= scope || '/' AND path < scope || '0')` ('0' follows '/').
pub(crate) fn subtree_bounds(scope: &str) -> (String, String) {
    (format!("{scope}/"), format!("{scope}0"))
}

/// Rebuilds the tree from the centers and stations just imported, resets everything the tally
/// worker derived from the old tree (it recomputes from the captures), and sums the published
/// numbers again over the new tree.
pub(crate) fn rebuild(c: &Connection) -> RepoResult<()> {
    c.execute_batch(
        "UPDATE centers SET region_id = NULL;
         DELETE FROM regions;
         DELETE FROM station_current; DELETE FROM tally_dirty; DELETE FROM region_tally;
         DELETE FROM region_stats; DELETE FROM region_activity;
         UPDATE captures SET region_path = NULL, superseded_by = NULL, photos_received = 0;
         UPDATE tally_state SET capture_cursor = 0, photo_cursor = 0;",
    )?;
    // Nodes, created as paths are met: id by path.
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut parents: HashMap<i64, Option<i64>> = HashMap::new();
    let mut insert =
        c.prepare("INSERT INTO regions (parent_id, depth, name, path) VALUES (?1, ?2, ?3, ?4)")?;
    insert.execute(params![None::<i64>, 0, "", ""])?;
    let root = c.last_insert_rowid();
    ids.insert(String::new(), root);
    parents.insert(root, None);
    let centers: Vec<(String, String)> = {
        let mut stmt = c.prepare("SELECT id, region_json FROM centers ORDER BY position")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    };
    let mut set_region = c.prepare("UPDATE centers SET region_id = ?2 WHERE id = ?1")?;
    let mut leaf_of_center: HashMap<String, i64> = HashMap::new();
    for (center, region_json) in centers {
        let names: Vec<String> = serde_json::from_str(&region_json).unwrap_or_default();
        let mut parent = root;
        for depth in 1..=names.len() {
            let path = join(names.get(..depth).unwrap_or_default());
            let id = match ids.get(&path) {
                Some(id) => *id,
                None => {
                    let name = names.get(depth - 1).cloned().unwrap_or_default();
                    insert.execute(params![parent, depth as i64, name, path])?;
                    let id = c.last_insert_rowid();
                    ids.insert(path, id);
                    parents.insert(id, Some(parent));
                    id
                }
            };
            parent = id;
        }
        set_region.execute(params![center, parent])?;
        leaf_of_center.insert(center, parent);
    }
    // Stations and registered voters, counted at each leaf and carried up to the root.
    let mut totals: HashMap<i64, (i64, i64)> = HashMap::new();
    {
        let mut stmt =
            c.prepare("SELECT center_id, count(*), sum(registered_voters) FROM stations GROUP BY center_id")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (center, n, registered) = row?;
            let mut node = leaf_of_center.get(&center).copied();
            while let Some(id) = node {
                let t = totals.entry(id).or_default();
                t.0 += n;
                t.1 += registered;
                node = parents.get(&id).copied().flatten();
            }
        }
    }
    let mut update = c.prepare("UPDATE regions SET stations = ?2, registered = ?3 WHERE id = ?1")?;
    for (id, (n, registered)) in totals {
        update.execute(params![id, n, registered])?;
    }
    c.execute_batch(
        "DELETE FROM device_regions;
         INSERT OR IGNORE INTO device_regions (region_path, device_id)
         SELECT r.path, ds.device_id FROM device_stations ds JOIN stations s ON s.id = ds.station_id
           JOIN centers ce ON ce.id = s.center_id JOIN regions r ON r.id = ce.region_id;",
    )?;
    // What is public stays public; its sums follow the new tree.
    super::publication::rebuild_sums(c)?;
    Ok(())
}

/// Records the regions a newly enrolled device reports from.
pub(crate) fn add_device(c: &Connection, device: &str) -> RepoResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO device_regions (region_path, device_id)
         SELECT r.path, ds.device_id FROM device_stations ds JOIN stations s ON s.id = ds.station_id
           JOIN centers ce ON ce.id = s.center_id JOIN regions r ON r.id = ce.region_id
          WHERE ds.device_id = ?1",
        [device],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_scopes() {
        assert_eq!(join(&["Zulia".into(), "Mara/caibo".into()]), "Zulia/Mara-caibo");
        assert!(within("Zulia/Maracaibo", "Zulia"));
        assert!(within("Zulia", "Zulia"));
        assert!(within("Zulia", ""));
        assert!(!within("Zuliana", "Zulia"));
        assert!(!within("Lara", "Zulia"));
        let (lo, hi) = subtree_bounds("Zulia");
        assert!(
            "Zulia/Maracaibo".as_bytes() >= lo.as_bytes() && "Zulia/Maracaibo".as_bytes() < hi.as_bytes()
        );
        assert!(!("Zuliana".as_bytes() >= lo.as_bytes() && "Zuliana".as_bytes() < hi.as_bytes()));
    }
}
