//! The tally worker: keeps the dashboard's aggregates in step with what arrives.
//!
//! Intake only inserts rows; it never touches an aggregate, so it stays fast under load. The
//! worker (a writer job, run every half second by the server and on demand by tests and
//! benchmarks) reads three inputs past its cursors, in bounded batches:
//!
//! 1. new captures: each gets its region path, links the capture it supersedes, and counts in
//!    its region and every ancestor (records, photos declared, with warnings, arrivals per minute);
//!    its table becomes dirty;
//! 2. photo receipts (`photo_events`): photos received per region and minute; a capture whose
//!    photos are all in enters the verification desk (`desk.rs`);
//! 3. dirty tables (from 1 and 2, and from reviews in `tally_dirty`): the table's current capture
//!    is chosen again — the one a coordinator chose, else the latest received, that is neither
//!    superseded nor rejected (and verified, when the coordinators count only verified actas,
//!    `tally_settings`) — and if it
//!    changed, the old capture's numbers are taken out of every ancestor's tally and the new one's
//!    put in, with the table's reporting and registered voters; the table's attention flags
//!    (unreviewed, disputed, photo missing, warnings, phones that disagree: `station_flags`) are
//!    judged again and their changes summed up the tree the same way;
//! 4. tables whose contrast with the official numbers is dirty (from 3, and from official
//!    imports): see `analysis.rs`.
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

pub(super) fn counts_of(signed_json: &str) -> BTreeMap<String, i64> {
    match serde_json::from_str::<CountsOnly>(signed_json) {
        Ok(c) => {
            c.record.counts.into_iter().chain(c.record.extra_counts).map(|(k, v)| (k, i64::from(v))).collect()
        }
        // Stored records were checked at intake; an unreadable one counts for nothing rather
        // than stopping the tally of every other table.
        Err(_) => BTreeMap::new(),
    }
}

/// One batch's changes to the aggregates, summed per row in memory and written once at the end
/// by [`Deltas::apply`]. Each map is keyed by its table's primary key.
#[derive(Default)]
struct Deltas {
    /// Votes to add per (region, contest, field) in `region_tally`.
    votes: HashMap<(i64, String, String), i64>,
    /// Changes per (region, contest) to `region_stats`.
    stats: HashMap<(i64, String), StatsDelta>,
    /// Changes per (region, minute) to `region_activity`.
    activity: HashMap<(i64, i64), ActivityDelta>,
}

/// What to add to one `region_stats` row; each field is the column of the same name.
#[derive(Default)]
struct StatsDelta {
    stations_reported: i64,
    registered_reported: i64,
    records: i64,
    photos_declared: i64,
    photos_received: i64,
    with_warnings: i64,
    /// Attention flags, in tables: the columns of the same names.
    unreviewed: i64,
    disputed: i64,
    no_photo: i64,
    warned: i64,
    disagree: i64,
}

/// What to add to one `region_activity` row (arrivals in one minute).
#[derive(Default)]
struct ActivityDelta {
    records: i64,
    photos: i64,
}

impl Deltas {
    fn votes(&mut self, region: i64, contest: &str, field: &str) -> &mut i64 {
        self.votes.entry((region, contest.to_owned(), field.to_owned())).or_default()
    }

    fn stats(&mut self, region: i64, contest: &str) -> &mut StatsDelta {
        self.stats.entry((region, contest.to_owned())).or_default()
    }

    /// The activity row of the minute `at_ms` falls in.
    fn activity(&mut self, region: i64, at_ms: i64) -> &mut ActivityDelta {
        self.activity.entry((region, at_ms.div_euclid(60_000))).or_default()
    }

    /// Adds every delta to its row, creating rows as needed.
    fn apply(self, c: &Connection) -> RepoResult<()> {
        let mut votes = c.prepare_cached(
            "INSERT INTO region_tally (region_id, contest_id, field_id, votes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, contest_id, field_id) DO UPDATE SET votes = votes + excluded.votes",
        )?;
        for ((region, contest, field), v) in self.votes {
            if v != 0 {
                votes.execute(params![region, contest, field, v])?;
            }
        }
        let mut stats = c.prepare_cached(
            "INSERT INTO region_stats (region_id, contest_id, stations_reported, registered_reported, records,
                                       photos_declared, photos_received, with_warnings, unreviewed, disputed,
                                       no_photo, warned, disagree)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (region_id, contest_id) DO UPDATE SET
                stations_reported = stations_reported + excluded.stations_reported,
                registered_reported = registered_reported + excluded.registered_reported,
                records = records + excluded.records,
                photos_declared = photos_declared + excluded.photos_declared,
                photos_received = photos_received + excluded.photos_received,
                with_warnings = with_warnings + excluded.with_warnings,
                unreviewed = unreviewed + excluded.unreviewed,
                disputed = disputed + excluded.disputed,
                no_photo = no_photo + excluded.no_photo,
                warned = warned + excluded.warned,
                disagree = disagree + excluded.disagree",
        )?;
        for ((region, contest), d) in self.stats {
            stats.execute(params![
                region,
                contest,
                d.stations_reported,
                d.registered_reported,
                d.records,
                d.photos_declared,
                d.photos_received,
                d.with_warnings,
                d.unreviewed,
                d.disputed,
                d.no_photo,
                d.warned,
                d.disagree
            ])?;
        }
        let mut activity = c.prepare_cached(
            "INSERT INTO region_activity (region_id, minute, records, photos) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, minute) DO UPDATE SET records = records + excluded.records,
                photos = photos + excluded.photos",
        )?;
        for ((region, minute), d) in self.activity {
            activity.execute(params![region, minute, d.records, d.photos])?;
        }
        Ok(())
    }
}

/// The region tree in memory: each node's parent, nodes by path, the root.
pub(super) struct Tree {
    parent: HashMap<i64, Option<i64>>,
    pub(super) by_path: HashMap<String, i64>,
    pub(super) root: i64,
}

impl Tree {
    /// Reads the whole tree (a few thousand rows for a national election).
    pub(super) fn load(c: &Connection) -> RepoResult<Tree> {
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
    pub(super) fn chain(&self, id: i64) -> Vec<i64> {
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

/// A capture past the cursor, as the first input reads it.
struct NewCapture {
    pk: i64,
    station: String,
    contest: String,
    device: String,
    capture_id: String,
    /// The capture id it corrects, if it is a correction.
    supersedes: Option<String>,
    received_at_ms: i64,
    warnings: i64,
    /// Its station's region; `None` for a station the election no longer has (counted at the root).
    region: Option<i64>,
    path: Option<String>,
    /// Photos the record declares.
    photos: i64,
}

impl NewCapture {
    /// The columns of the first input's query, in order.
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<NewCapture> {
        Ok(NewCapture {
            pk: r.get(0)?,
            station: r.get(1)?,
            contest: r.get(2)?,
            device: r.get(3)?,
            supersedes: r.get(4)?,
            received_at_ms: r.get(5)?,
            warnings: r.get(6)?,
            region: r.get(7)?,
            path: r.get(8)?,
            photos: r.get(9)?,
            capture_id: r.get(10)?,
        })
    }
}

/// A photo receipt past the cursor, with what it counts towards.
struct PhotoReceipt {
    seq: i64,
    capture_pk: i64,
    at_ms: i64,
    /// The capture's region path, as the first input stored it.
    path: Option<String>,
    contest: String,
    /// The capture's table (a photo may change what its table needs).
    station: String,
}

impl PhotoReceipt {
    /// The columns of the second input's query, in order.
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<PhotoReceipt> {
        Ok(PhotoReceipt {
            seq: r.get(0)?,
            capture_pk: r.get(1)?,
            at_ms: r.get(2)?,
            path: r.get(3)?,
            contest: r.get(4)?,
            station: r.get(5)?,
        })
    }
}

/// A standing capture of a dirty table, as step 3 reads it.
struct Standing {
    pk: i64,
    signed_json: String,
    device: String,
    review: String,
    photos_declared: i64,
    photos_received: i64,
    warnings: i64,
    /// A coordinator chose it to stand for its table.
    chosen: bool,
}

impl Standing {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Standing> {
        Ok(Standing {
            pk: r.get(0)?,
            signed_json: r.get(1)?,
            device: r.get(2)?,
            review: r.get(3)?,
            photos_declared: r.get(4)?,
            photos_received: r.get(5)?,
            warnings: r.get(6)?,
            chosen: r.get(7)?,
        })
    }
}

/// What a table needs a coordinator for (each 0 or 1), judged by the capture it counts with,
/// and by the latest capture of each phone for `disagree`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    unreviewed: i64,
    disputed: i64,
    no_photo: i64,
    warned: i64,
    disagree: i64,
}

impl Flags {
    /// The flags of a table whose standing captures are `rows`, newest first.
    fn of(rows: &[Standing]) -> Flags {
        let Some(current) = rows.first() else { return Flags::default() };
        // The latest capture of each phone: watchers disagree when two phones' numbers differ.
        let mut latest: Vec<&Standing> = Vec::new();
        for r in rows {
            if !latest.iter().any(|l| l.device == r.device) {
                latest.push(r);
            }
        }
        // A coordinator's choice settles a disagreement.
        let disagree = !current.chosen && latest.len() > 1 && {
            let first = counts_of(&current.signed_json);
            latest.iter().skip(1).any(|r| counts_of(&r.signed_json) != first)
        };
        Flags {
            unreviewed: i64::from(current.review == "unreviewed"),
            disputed: i64::from(current.review == "disputed"),
            no_photo: i64::from(current.photos_received < current.photos_declared),
            warned: i64::from(current.warnings > 0),
            disagree: i64::from(disagree),
        }
    }

    /// Adds `sign` times these flags to a region's changes.
    fn add_to(self, d: &mut StatsDelta, sign: i64) {
        d.unreviewed += sign * self.unreviewed;
        d.disputed += sign * self.disputed;
        d.no_photo += sign * self.no_photo;
        d.warned += sign * self.warned;
        d.disagree += sign * self.disagree;
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
        let rows = stmt.query_map(params![capture_cursor, budget as i64], NewCapture::read)?;
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
            let capture = row?;
            let region = capture.region.unwrap_or(tree.root);
            set.execute(params![capture.pk, capture.path.unwrap_or_default(), capture.photos])?;
            if let Some(old) = &capture.supersedes {
                let replaced = link
                    .query_map(params![capture.pk, capture.device, old], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<(String, String)>, _>>()?;
                dirty.extend(replaced);
            }
            link_late.execute(params![capture.pk, capture.device, capture.capture_id])?;
            for node in tree.chain(region) {
                let stats = deltas.stats(node, &capture.contest);
                stats.records += 1;
                stats.photos_declared += capture.photos;
                stats.with_warnings += i64::from(capture.warnings > 0);
                deltas.activity(node, capture.received_at_ms).records += 1;
            }
            dirty.insert((capture.station, capture.contest));
            capture_cursor = capture.pk;
            progress.captures += 1;
        }
    }

    // 2. Photo receipts, for captures already taken in.
    {
        let mut stmt = c.prepare_cached(
            "SELECT e.seq, e.capture_pk, e.at_ms, c.region_path, c.contest_id, c.station_id FROM photo_events e
               JOIN captures c ON c.pk = e.capture_pk
              WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![photo_cursor, budget as i64], PhotoReceipt::read)?;
        let mut bump =
            c.prepare_cached("UPDATE captures SET photos_received = photos_received + 1 WHERE pk = ?1")?;
        for row in rows {
            let photo = row?;
            if photo.capture_pk > capture_cursor {
                break;
            }
            let region = photo.path.and_then(|p| tree.by_path.get(&p).copied()).unwrap_or(tree.root);
            bump.execute([photo.capture_pk])?;
            super::desk::enter(c, photo.capture_pk, photo.at_ms)?;
            for node in tree.chain(region) {
                deltas.stats(node, &photo.contest).photos_received += 1;
                deltas.activity(node, photo.at_ms).photos += 1;
            }
            dirty.insert((photo.station, photo.contest));
            photo_cursor = photo.seq;
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
        // Every standing capture of the table, the one a coordinator chose first, then newest
        // first: the first is the one it counts with; all of them tell whether watchers disagree.
        let mut standing = c.prepare_cached(
            "SELECT pk, signed_json, device_id, review_status, photos_declared, photos_received, warnings,
                    pk = ifnull((SELECT capture_pk FROM station_choice WHERE station_id = ?1 AND contest_id = ?2), 0)
               FROM captures
              WHERE station_id = ?1 AND contest_id = ?2 AND superseded_by IS NULL AND review_status != 'rejected'
              ORDER BY 8 DESC, received_at_ms DESC, pk DESC",
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
        let mut flags_before = c.prepare_cached(
            "SELECT unreviewed, disputed, no_photo, warned, disagree FROM station_flags
              WHERE station_id = ?1 AND contest_id = ?2",
        )?;
        let mut flags_set = c.prepare_cached(
            "INSERT INTO station_flags (station_id, contest_id, unreviewed, disputed, no_photo, warned, disagree)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (station_id, contest_id) DO UPDATE SET unreviewed = excluded.unreviewed,
                disputed = excluded.disputed, no_photo = excluded.no_photo, warned = excluded.warned,
                disagree = excluded.disagree",
        )?;
        let mut flags_clear =
            c.prepare_cached("DELETE FROM station_flags WHERE station_id = ?1 AND contest_id = ?2")?;
        let verified_only: bool =
            c.query_row("SELECT verified_only FROM tally_settings WHERE id = 1", [], |r| r.get(0))?;
        for (station, contest) in dirty {
            let rows: Vec<Standing> =
                standing.query_map(params![station, contest], Standing::read)?.collect::<Result<_, _>>()?;
            // Counting only verified captures: the first verified one, if any.
            let now: Option<(i64, String)> = rows
                .iter()
                .find(|r| !verified_only || r.review == "verified")
                .map(|r| (r.pk, r.signed_json.clone()));
            let before: Option<(i64, String)> =
                stored.query_row(params![station, contest], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let flags = Flags::of(&rows);
            let old_flags = flags_before
                .query_row(params![station, contest], |r| {
                    Ok(Flags {
                        unreviewed: r.get(0)?,
                        disputed: r.get(1)?,
                        no_photo: r.get(2)?,
                        warned: r.get(3)?,
                        disagree: r.get(4)?,
                    })
                })
                .optional()?
                .unwrap_or_default();
            let same_capture = now.as_ref().map(|n| n.0) == before.as_ref().map(|b| b.0);
            if same_capture && flags == old_flags {
                continue;
            }
            let (region, registered): (Option<i64>, i64) =
                place.query_row([&station], |r| Ok((r.get(0)?, r.get(1)?))).optional()?.unwrap_or((None, 0));
            let chain = tree.chain(region.unwrap_or(tree.root));
            if flags != old_flags {
                for &node in &chain {
                    flags.add_to(deltas.stats(node, &contest), 1);
                    old_flags.add_to(deltas.stats(node, &contest), -1);
                }
                if flags == Flags::default() {
                    flags_clear.execute(params![station, contest])?;
                } else {
                    flags_set.execute(params![
                        station,
                        contest,
                        flags.unreviewed,
                        flags.disputed,
                        flags.no_photo,
                        flags.warned,
                        flags.disagree
                    ])?;
                }
            }
            if same_capture {
                continue;
            }
            let old_counts: BTreeMap<String, i64> =
                before.as_ref().and_then(|b| serde_json::from_str(&b.1).ok()).unwrap_or_default();
            let new_counts = now.as_ref().map(|n| counts_of(&n.1)).unwrap_or_default();
            // +1 when the table starts counting, -1 when it stops (its only capture rejected), 0
            // when one capture replaces another.
            let reported = i64::from(now.is_some()) - i64::from(before.is_some());
            for &node in &chain {
                for (field, v) in &new_counts {
                    *deltas.votes(node, &contest, field) += v;
                }
                for (field, v) in &old_counts {
                    *deltas.votes(node, &contest, field) -= v;
                }
                let stats = deltas.stats(node, &contest);
                stats.stations_reported += reported;
                stats.registered_reported += reported * registered;
            }
            super::analysis::mark_dirty(c, &station, &contest)?;
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

    deltas.apply(c)?;
    // 4. The contrast with the official numbers, for tables whose numbers changed on either side.
    progress.contrasts = super::analysis::refresh(c, &tree, budget)?;
    c.execute(
        "UPDATE tally_state SET capture_cursor = ?1, photo_cursor = ?2 WHERE id = 1",
        params![capture_cursor, photo_cursor],
    )?;
    Ok(progress)
}
