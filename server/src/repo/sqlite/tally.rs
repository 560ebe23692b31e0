//! The tally worker: keeps the dashboard's aggregates in step with what arrives.
//!
//! Intake only inserts rows; it never touches an aggregate, so it stays fast under load. The
//! worker (a writer job, run every half second by the server and on demand by tests and
//! benchmarks) reads three inputs past its cursors, in bounded batches:
//!
//! 1. new captures: each gets its region path, links the capture it supersedes, and counts in
//!    its region and every ancestor (records, photos declared, with warnings, arrivals per minute);
//!    its table becomes dirty;
//! 2. photo receipts (`photo_events`): photos received per region and minute;
//! 3. dirty tables (from 1, and from reviews in `tally_dirty`): the table's current capture is
//!    chosen again — the latest received that is neither superseded nor rejected — and if it
//!    changed, the old capture's numbers are taken out of every ancestor's tally and the new one's
//!    put in, with the table's reporting and registered voters.
//!
//! All deltas of a batch are summed per (region, field) in memory and applied at the end, so a
//! batch of thousands of captures costs a few hundred row updates, and any page reads small
//! aggregate tables instead of scanning a million captures. The dashboard lags by a batch at most.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::repo::{RepoResult, TallyProgress};

#[derive(Deserialize)]
struct CountsOnly {
    record: CountsInner,
}

#[derive(Deserialize)]
struct CountsInner {
    #[serde(default)]
    counts: BTreeMap<String, u32>,
    #[serde(default)]
    extra_counts: BTreeMap<String, u32>,
}

fn counts_of(signed_json: &str) -> BTreeMap<String, i64> {
    match serde_json::from_str::<CountsOnly>(signed_json) {
        Ok(c) => {
            c.record.counts.into_iter().chain(c.record.extra_counts).map(|(k, v)| (k, i64::from(v))).collect()
        }
        // Stored records were checked at intake; an unreadable one counts for nothing rather
        // than stopping the tally of every other table.
        Err(_) => BTreeMap::new(),
    }
}

#[derive(Default)]
struct Deltas {
    tally: HashMap<(i64, String, String), i64>,
    /// stations_reported, registered_reported, records, photos_declared, photos_received,
    /// with_warnings.
    stats: HashMap<(i64, String), [i64; 6]>,
    /// records, photos.
    activity: HashMap<(i64, i64), [i64; 2]>,
}

struct Tree {
    parent: HashMap<i64, Option<i64>>,
    by_path: HashMap<String, i64>,
    root: i64,
}

impl Tree {
    fn load(c: &Connection) -> RepoResult<Tree> {
        let mut parent = HashMap::new();
        let mut by_path = HashMap::new();
        let mut root = 0;
        let mut stmt = c.prepare_cached("SELECT id, parent_id, path FROM regions")?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
        })? {
            let (id, p, path) = row?;
            if p.is_none() {
                root = id;
            }
            parent.insert(id, p);
            by_path.insert(path, id);
        }
        Ok(Tree { parent, by_path, root })
    }

    /// The node and all its ancestors up to the root.
    fn chain(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::with_capacity(5);
        let mut node = Some(id);
        while let Some(n) = node {
            out.push(n);
            node = self.parent.get(&n).copied().flatten();
            if out.len() > 64 {
                break;
            }
        }
        out
    }
}

/// Runs one bounded refresh (at most `budget` items of each input) in the caller's transaction.
pub(crate) fn refresh(c: &Connection, budget: usize) -> RepoResult<TallyProgress> {
    let mut progress = TallyProgress::default();
    let has_election: bool = c.prepare_cached("SELECT 1 FROM regions LIMIT 1")?.exists([])?;
    if !has_election {
        return Ok(progress);
    }
    let tree = Tree::load(c)?;
    let (mut capture_cursor, mut photo_cursor): (i64, i64) =
        c.query_row("SELECT capture_cursor, photo_cursor FROM tally_state WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut deltas = Deltas::default();
    let mut dirty: BTreeSet<(String, String)> = BTreeSet::new();

    // 1. New captures.
    {
        let mut stmt = c.prepare_cached(
            "SELECT c.pk, c.station_id, c.contest_id, c.device_id, c.supersedes, c.received_at_ms, c.warnings,
                    ce.region_id, r.path, (SELECT count(*) FROM capture_photos p WHERE p.capture_pk = c.pk),
                    c.capture_id
               FROM captures c
               LEFT JOIN stations s ON s.id = c.station_id
               LEFT JOIN centers ce ON ce.id = s.center_id
               LEFT JOIN regions r ON r.id = ce.region_id
              WHERE c.pk > ?1 ORDER BY c.pk LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![capture_cursor, budget as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, String>(10)?,
            ))
        })?;
        let mut set =
            c.prepare_cached("UPDATE captures SET region_path = ?2, photos_declared = ?3 WHERE pk = ?1")?;
        // A correction names the capture it replaces; either may arrive first. The replaced
        // capture's table is recounted too (a correction may name another table).
        let mut link = c.prepare_cached(
            "UPDATE captures SET superseded_by = ?1 WHERE device_id = ?2 AND capture_id = ?3 AND superseded_by IS NULL
             RETURNING station_id, contest_id",
        )?;
        let mut link_late = c.prepare_cached(
            "UPDATE captures SET superseded_by =
                    (SELECT min(x.pk) FROM captures x WHERE x.device_id = ?2 AND x.supersedes = ?3)
              WHERE pk = ?1 AND EXISTS (SELECT 1 FROM captures x WHERE x.device_id = ?2 AND x.supersedes = ?3)",
        )?;
        for row in rows {
            let (pk, station, contest, device, supersedes, received, warnings, region, path, photos, id) =
                row?;
            let region = region.unwrap_or(tree.root);
            set.execute(params![pk, path.unwrap_or_default(), photos])?;
            if let Some(old) = supersedes {
                let replaced = link
                    .query_map(params![pk, device, old], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<(String, String)>, _>>()?;
                dirty.extend(replaced);
            }
            link_late.execute(params![pk, device, id])?;
            let minute = received.div_euclid(60_000);
            for a in tree.chain(region) {
                let s = deltas.stats.entry((a, contest.clone())).or_default();
                s[2] += 1;
                s[3] += photos;
                s[5] += i64::from(warnings > 0);
                deltas.activity.entry((a, minute)).or_default()[0] += 1;
            }
            dirty.insert((station, contest));
            capture_cursor = pk;
            progress.captures += 1;
        }
    }

    // 2. Photo receipts, for captures already taken in.
    {
        let mut stmt = c.prepare_cached(
            "SELECT e.seq, e.capture_pk, e.at_ms, c.region_path, c.contest_id FROM photo_events e
               JOIN captures c ON c.pk = e.capture_pk
              WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![photo_cursor, budget as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut bump =
            c.prepare_cached("UPDATE captures SET photos_received = photos_received + 1 WHERE pk = ?1")?;
        for row in rows {
            let (seq, capture_pk, at_ms, path, contest) = row?;
            if capture_pk > capture_cursor {
                break;
            }
            let region = path.and_then(|p| tree.by_path.get(&p).copied()).unwrap_or(tree.root);
            bump.execute([capture_pk])?;
            for a in tree.chain(region) {
                deltas.stats.entry((a, contest.clone())).or_default()[4] += 1;
                deltas.activity.entry((a, at_ms.div_euclid(60_000))).or_default()[1] += 1;
            }
            photo_cursor = seq;
            progress.photos += 1;
        }
    }

    // 3. Dirty tables: from this batch and from reviews.
    {
        let mut stmt = c.prepare_cached("SELECT station_id, contest_id FROM tally_dirty LIMIT ?1")?;
        let queued: Vec<(String, String)> =
            stmt.query_map([budget as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let mut done =
            c.prepare_cached("DELETE FROM tally_dirty WHERE station_id = ?1 AND contest_id = ?2")?;
        for (s, k) in &queued {
            done.execute(params![s, k])?;
        }
        dirty.extend(queued);
    }
    {
        let mut current = c.prepare_cached(
            "SELECT pk, signed_json FROM captures
              WHERE station_id = ?1 AND contest_id = ?2 AND superseded_by IS NULL AND review_status != 'rejected'
              ORDER BY received_at_ms DESC, pk DESC LIMIT 1",
        )?;
        let mut stored = c.prepare_cached(
            "SELECT capture_pk, counts_json FROM station_current WHERE station_id = ?1 AND contest_id = ?2",
        )?;
        let mut place = c.prepare_cached(
            "SELECT ce.region_id, s.registered_voters FROM stations s JOIN centers ce ON ce.id = s.center_id WHERE s.id = ?1",
        )?;
        let mut upsert = c.prepare_cached(
            "INSERT INTO station_current (station_id, contest_id, capture_pk, counts_json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (station_id, contest_id) DO UPDATE SET capture_pk = excluded.capture_pk,
                counts_json = excluded.counts_json",
        )?;
        let mut remove =
            c.prepare_cached("DELETE FROM station_current WHERE station_id = ?1 AND contest_id = ?2")?;
        for (station, contest) in dirty {
            let now: Option<(i64, String)> =
                current.query_row(params![station, contest], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let before: Option<(i64, String)> =
                stored.query_row(params![station, contest], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if now.as_ref().map(|n| n.0) == before.as_ref().map(|b| b.0) {
                continue;
            }
            let (region, registered): (Option<i64>, i64) =
                place.query_row([&station], |r| Ok((r.get(0)?, r.get(1)?))).optional()?.unwrap_or((None, 0));
            let chain = tree.chain(region.unwrap_or(tree.root));
            let old_counts: BTreeMap<String, i64> =
                before.as_ref().and_then(|b| serde_json::from_str(&b.1).ok()).unwrap_or_default();
            let new_counts = now.as_ref().map(|n| counts_of(&n.1)).unwrap_or_default();
            let reported = i64::from(now.is_some()) - i64::from(before.is_some());
            for a in &chain {
                for (field, v) in &new_counts {
                    *deltas.tally.entry((*a, contest.clone(), field.clone())).or_default() += v;
                }
                for (field, v) in &old_counts {
                    *deltas.tally.entry((*a, contest.clone(), field.clone())).or_default() -= v;
                }
                let s = deltas.stats.entry((*a, contest.clone())).or_default();
                s[0] += reported;
                s[1] += reported * registered;
            }
            match now {
                Some((pk, _)) => {
                    let json = serde_json::to_string(&new_counts).unwrap_or_else(|_| "{}".into());
                    upsert.execute(params![station, contest, pk, json])?;
                }
                None => {
                    remove.execute(params![station, contest])?;
                }
            }
            progress.stations += 1;
        }
    }

    // Apply.
    {
        let mut t = c.prepare_cached(
            "INSERT INTO region_tally (region_id, contest_id, field_id, votes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, contest_id, field_id) DO UPDATE SET votes = votes + excluded.votes",
        )?;
        for ((region, contest, field), v) in deltas.tally {
            if v != 0 {
                t.execute(params![region, contest, field, v])?;
            }
        }
        let mut s = c.prepare_cached(
            "INSERT INTO region_stats (region_id, contest_id, stations_reported, registered_reported, records,
                                       photos_declared, photos_received, with_warnings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (region_id, contest_id) DO UPDATE SET
                stations_reported = stations_reported + excluded.stations_reported,
                registered_reported = registered_reported + excluded.registered_reported,
                records = records + excluded.records,
                photos_declared = photos_declared + excluded.photos_declared,
                photos_received = photos_received + excluded.photos_received,
                with_warnings = with_warnings + excluded.with_warnings",
        )?;
        for ((region, contest), d) in deltas.stats {
            s.execute(params![region, contest, d[0], d[1], d[2], d[3], d[4], d[5]])?;
        }
        let mut a = c.prepare_cached(
            "INSERT INTO region_activity (region_id, minute, records, photos) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, minute) DO UPDATE SET records = records + excluded.records,
                photos = photos + excluded.photos",
        )?;
        for ((region, minute), d) in deltas.activity {
            a.execute(params![region, minute, d[0], d[1]])?;
        }
        c.execute(
            "UPDATE tally_state SET capture_cursor = ?1, photo_cursor = ?2 WHERE id = 1",
            params![capture_cursor, photo_cursor],
        )?;
    }
    Ok(progress)
}
