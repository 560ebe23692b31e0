//! [`Publishing`] on SQLite: the append-only `publications` history (triggers refuse updates and
//! deletes), the standing public capture per table (`published_current`) and the published sums
//! per region (`pub_region_tally`, `pub_region_stats`), all changed in the act's transaction.
//!
//! [`Publishing`]: crate::repo::publication::Publishing

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::publication::{PublicCursor, PublicationEntry, PublishedHow, PublishedTable};
use testigo_protocol::{KeyId, TimestampMs};
use uuid::Uuid;

use super::public_reads::*;
use super::regions::subtree_bounds;
use super::tally::{Tree, counts_of};
use super::{corrupt, from_json};
use crate::repo::RepoResult;
use crate::repo::publication::*;

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Changes to the published sums, summed in memory and written once.
#[derive(Default)]
struct PubDeltas {
    votes: HashMap<(i64, String, String), i64>,
    stats: HashMap<(i64, String), (i64, i64)>,
}

impl PubDeltas {
    /// Takes `old` out of and puts `new` into every region above `station`'s center.
    fn change(
        &mut self,
        c: &Connection,
        tree: &Tree,
        station: &str,
        contest: &str,
        old: Option<&BTreeMap<String, i64>>,
        new: Option<&BTreeMap<String, i64>>,
    ) -> RepoResult<()> {
        let (region, registered): (Option<i64>, i64) = c
            .prepare_cached(
                "SELECT ce.region_id, s.registered_voters FROM stations s JOIN centers ce ON ce.id = s.center_id
                  WHERE s.id = ?1",
            )?
            .query_row([station], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((None, 0));
        let counted = i64::from(new.is_some()) - i64::from(old.is_some());
        for node in tree.chain(region.unwrap_or(tree.root)) {
            for (field, v) in new.into_iter().flatten() {
                *self.votes.entry((node, contest.to_owned(), field.clone())).or_default() += v;
            }
            for (field, v) in old.into_iter().flatten() {
                *self.votes.entry((node, contest.to_owned(), field.clone())).or_default() -= v;
            }
            let s = self.stats.entry((node, contest.to_owned())).or_default();
            s.0 += counted;
            s.1 += counted * registered;
        }
        Ok(())
    }

    fn apply(self, c: &Connection) -> RepoResult<()> {
        let mut votes = c.prepare_cached(
            "INSERT INTO pub_region_tally (region_id, contest_id, field_id, votes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, contest_id, field_id) DO UPDATE SET votes = votes + excluded.votes",
        )?;
        for ((region, contest, field), v) in self.votes {
            if v != 0 {
                votes.execute(params![region, contest, field, v])?;
            }
        }
        let mut stats = c.prepare_cached(
            "INSERT INTO pub_region_stats (region_id, contest_id, stations, registered) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region_id, contest_id) DO UPDATE SET stations = stations + excluded.stations,
                registered = registered + excluded.registered",
        )?;
        for ((region, contest), (n, registered)) in self.stats {
            if n != 0 || registered != 0 {
                stats.execute(params![region, contest, n, registered])?;
            }
        }
        Ok(())
    }
}

/// A table's standing publication: its seq, its capture's row id, its counts.
type Standing = (i64, i64, BTreeMap<String, i64>);

/// The standing publication of a table.
pub(super) fn standing(c: &Connection, station: &str, contest: &str) -> RepoResult<Option<Standing>> {
    let row: Option<(i64, i64, String)> = c
        .prepare_cached(
            "SELECT seq, capture_pk, counts_json FROM published_current WHERE station_id = ?1 AND contest_id = ?2",
        )?
        .query_row(params![station, contest], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(seq, pk, json)| Ok((seq, pk, from_json(&json, "published counts")?))).transpose()
}

/// Makes `(seq, pk, counts)` (or nothing) the standing publication of a table, with the sums.
fn set_standing(
    c: &Connection,
    tree: &Tree,
    deltas: &mut PubDeltas,
    station: &str,
    contest: &str,
    now: Option<Standing>,
) -> RepoResult<()> {
    let before = standing(c, station, contest)?;
    deltas.change(c, tree, station, contest, before.as_ref().map(|b| &b.2), now.as_ref().map(|n| &n.2))?;
    super::analysis::mark_dirty(c, station, contest)?;
    match now {
        Some((seq, pk, counts)) => {
            let json = serde_json::to_string(&counts).map_err(|e| corrupt(&e.to_string()))?;
            c.prepare_cached(
                "INSERT INTO published_current (station_id, contest_id, seq, capture_pk, counts_json)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (station_id, contest_id) DO UPDATE SET seq = excluded.seq,
                    capture_pk = excluded.capture_pk, counts_json = excluded.counts_json",
            )?
            .execute(params![station, contest, seq, pk, json])?;
        }
        None => {
            c.prepare_cached("DELETE FROM published_current WHERE station_id = ?1 AND contest_id = ?2")?
                .execute(params![station, contest])?;
        }
    }
    Ok(())
}

/// What one capture publication did.
enum One {
    Published,
    Already,
    Nothing,
}

/// Publishes capture `pk` (once), making it its table's standing publication.
fn publish_one(
    c: &Connection,
    tree: &Tree,
    deltas: &mut PubDeltas,
    pk: i64,
    how: PublishedHow,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<One> {
    let row: Option<(String, String, String, String)> = c
        .prepare_cached(
            "SELECT station_id, contest_id, signed_json, review_status FROM captures WHERE pk = ?1",
        )?
        .query_row([pk], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((station, contest, signed_json, status)) = row else { return Ok(One::Nothing) };
    if status == ReviewStatus::Rejected.as_str() {
        return Ok(One::Nothing);
    }
    let done: bool = c
        .prepare_cached("SELECT 1 FROM publications WHERE capture_pk = ?1 AND action = 'publish'")?
        .exists([pk])?;
    if done {
        return Ok(One::Already);
    }
    let replaces = standing(c, &station, &contest)?.map(|s| s.0);
    let seq: i64 = c
        .prepare_cached(
            "INSERT INTO publications (at_ms, action, station_id, contest_id, capture_pk, how, replaces_seq, actor)
             VALUES (?1, 'publish', ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq",
        )?
        .query_row(params![now_ms, station, contest, pk, how.as_str(), replaces, actor], |r| r.get(0))?;
    set_standing(c, tree, deltas, &station, &contest, Some((seq, pk, counts_of(&signed_json))))?;
    Ok(One::Published)
}

/// Publishes what `target` names (see [`Publishing::publish`]).
pub(super) fn publish(
    c: &Connection,
    target: &PublishTarget,
    contest: &str,
    how: PublishedHow,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<PublishReport> {
    let tree = Tree::load(c)?;
    let pks: Vec<Option<i64>> = match target {
        PublishTarget::Capture(pk) => vec![Some(*pk)],
        PublishTarget::Station(id) => vec![
            c.prepare_cached(
                "SELECT capture_pk FROM station_current WHERE station_id = ?1 AND contest_id = ?2",
            )?
            .query_row(params![id, contest], |r| r.get(0))
            .optional()?,
        ],
        PublishTarget::Region(path) => {
            let (lo, hi) = subtree_bounds(path);
            let all = path.is_empty();
            c.prepare_cached(
                "SELECT sc.capture_pk FROM stations s JOIN centers ce ON ce.id = s.center_id
                   JOIN regions r ON r.id = ce.region_id
                   LEFT JOIN station_current sc ON sc.station_id = s.id AND sc.contest_id = ?4
                  WHERE ?5 OR r.path = ?1 OR (r.path >= ?2 AND r.path < ?3)
                  ORDER BY s.position",
            )?
            .query_map(params![path, lo, hi, contest, all], |r| r.get(0))?
            .collect::<Result<_, _>>()?
        }
    };
    let mut report = PublishReport::default();
    let mut deltas = PubDeltas::default();
    for pk in pks {
        let one = match pk {
            Some(pk) => publish_one(c, &tree, &mut deltas, pk, how, actor, now_ms)?,
            None => One::Nothing,
        };
        match one {
            One::Published => report.published += 1,
            One::Already => report.already += 1,
            One::Nothing => report.nothing += 1,
        }
    }
    deltas.apply(c)?;
    report.seq = last_seq(c)?;
    let (kind, what) = match target {
        PublishTarget::Capture(pk) => ("capture", pk.to_string()),
        PublishTarget::Station(id) => ("station", id.clone()),
        PublishTarget::Region(path) => ("region", path.clone()),
    };
    let detail = serde_json::json!({
        kind: what, "contest": contest, "published": report.published, "already": report.already,
    });
    let pk = match target {
        PublishTarget::Capture(pk) => Some(*pk),
        _ => None,
    };
    super::audit(c, now_ms, actor, "publish", pk, &detail)?;
    Ok(report)
}

/// Publishes capture `pk` because it was just verified, if the setting says so and no correction
/// of it from the same device has arrived. Runs in the review's transaction.
pub(super) fn on_verified(c: &Connection, pk: i64, actor: &str, now_ms: TimestampMs) -> RepoResult<()> {
    let on: bool =
        c.query_row("SELECT on_verification FROM publication_settings WHERE id = 1", [], |r| r.get(0))?;
    let corrected: bool = c
        .prepare_cached(
            "SELECT 1 FROM captures c WHERE c.pk = ?1 AND (c.superseded_by IS NOT NULL OR EXISTS
                (SELECT 1 FROM captures x WHERE x.device_id = c.device_id AND x.supersedes = c.capture_id))",
        )?
        .exists([pk])?;
    if on && !corrected {
        let tree = Tree::load(c)?;
        let mut deltas = PubDeltas::default();
        publish_one(c, &tree, &mut deltas, pk, PublishedHow::OnVerification, actor, now_ms)?;
        deltas.apply(c)?;
    }
    Ok(())
}

/// Withdraws capture `pk` (see [`Publishing::withdraw`]).
pub(super) fn withdraw(
    c: &Connection,
    pk: i64,
    reason: &str,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<WithdrawOutcome> {
    let published: Option<(String, String)> = c
        .prepare_cached(
            "SELECT station_id, contest_id FROM publications WHERE capture_pk = ?1 AND action = 'publish'",
        )?
        .query_row([pk], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((station, contest)) = published else { return Ok(WithdrawOutcome::NotPublished) };
    let withdrawn: bool = c
        .prepare_cached("SELECT 1 FROM publications WHERE capture_pk = ?1 AND action = 'withdraw'")?
        .exists([pk])?;
    if withdrawn {
        return Ok(WithdrawOutcome::AlreadyWithdrawn);
    }
    let seq: i64 = c
        .prepare_cached(
            "INSERT INTO publications (at_ms, action, station_id, contest_id, capture_pk, reason, actor)
             VALUES (?1, 'withdraw', ?2, ?3, ?4, ?5, ?6) RETURNING seq",
        )?
        .query_row(params![now_ms, station, contest, pk, reason, actor], |r| r.get(0))?;
    // The table now stands on its latest publication not withdrawn, if any.
    let next: Option<(i64, i64, String)> = c
        .prepare_cached(
            "SELECT p.seq, p.capture_pk, c.signed_json FROM publications p JOIN captures c ON c.pk = p.capture_pk
              WHERE p.station_id = ?1 AND p.contest_id = ?2 AND p.action = 'publish'
                AND NOT EXISTS (SELECT 1 FROM publications w WHERE w.capture_pk = p.capture_pk AND w.action = 'withdraw')
              ORDER BY p.seq DESC LIMIT 1",
        )?
        .query_row(params![station, contest], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let tree = Tree::load(c)?;
    let mut deltas = PubDeltas::default();
    let now = next.map(|(s, p, json)| (s, p, counts_of(&json)));
    set_standing(c, &tree, &mut deltas, &station, &contest, now)?;
    deltas.apply(c)?;
    let entry = entries(c, "p.seq = ?1", seq)?.into_iter().next().ok_or_else(|| corrupt("publication"))?;
    super::audit(
        c,
        now_ms,
        actor,
        "withdraw",
        Some(pk),
        &serde_json::json!({ "station": station, "reason": reason }),
    )?;
    Ok(WithdrawOutcome::Withdrawn(entry))
}

/// Recomputes the published sums from the standing publications (after the region tree is
/// rebuilt by a new election import).
pub(super) fn rebuild_sums(c: &Connection) -> RepoResult<()> {
    c.execute_batch("DELETE FROM pub_region_tally; DELETE FROM pub_region_stats;")?;
    let tree = Tree::load(c)?;
    let rows: Vec<(String, String, String)> = c
        .prepare("SELECT station_id, contest_id, counts_json FROM published_current")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut deltas = PubDeltas::default();
    for (station, contest, json) in rows {
        let counts: BTreeMap<String, i64> = from_json(&json, "published counts")?;
        deltas.change(c, &tree, &station, &contest, None, Some(&counts))?;
    }
    deltas.apply(c)
}

/// The last seq, 0 before the first act.
pub(super) fn last_seq(c: &Connection) -> RepoResult<u64> {
    Ok(u(c.query_row("SELECT ifnull(max(seq), 0) FROM publications", [], |r| r.get(0))?))
}

pub(super) fn settings(c: &Connection) -> RepoResult<bool> {
    Ok(c.query_row("SELECT on_verification FROM publication_settings WHERE id = 1", [], |r| r.get(0))?)
}

pub(super) fn set_settings(c: &Connection, on: bool, actor: &str, now_ms: TimestampMs) -> RepoResult<()> {
    c.execute("UPDATE publication_settings SET on_verification = ?1 WHERE id = 1", [on])?;
    super::audit(
        c,
        now_ms,
        actor,
        "publication_setting",
        None,
        &serde_json::json!({ "on_verification": on }),
    )?;
    Ok(())
}

/// Publication entries matching `filter` (on `p`, one bound value), in seq order.
pub(super) fn entries(
    c: &Connection,
    filter: &str,
    arg: impl rusqlite::ToSql,
) -> RepoResult<Vec<PublicationEntry>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT p.seq, p.action, p.at_ms, p.station_id, p.contest_id, c.capture_id, c.device_id, p.how,
                p.replaces_seq, p.reason
           FROM publications p JOIN captures c ON c.pk = p.capture_pk
          WHERE {filter} ORDER BY p.seq"
    ))?;
    let rows = stmt.query_map([arg], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, Option<String>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, action, at_ms, station_id, contest_id, capture_id, device, how, replaces, reason) = row?;
        out.push(PublicationEntry {
            seq: u(seq),
            action: action.parse().map_err(|()| corrupt("publication action"))?,
            at_ms,
            station_id,
            contest_id,
            capture_id: Uuid::parse_str(&capture_id).map_err(|_| corrupt("capture id"))?,
            device_key_id: device.parse::<KeyId>().map_err(|_| corrupt("device id"))?,
            how: how.map(|h| h.parse().map_err(|()| corrupt("publication how"))).transpose()?,
            replaces: replaces.map(u),
            reason,
        });
    }
    Ok(out)
}

pub(super) fn publications(c: &Connection, after: u64, limit: usize) -> RepoResult<Vec<PublicationEntry>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut all = entries(c, "p.seq > ?1", after)?;
    all.truncate(limit);
    Ok(all)
}

#[async_trait::async_trait]
impl Publishing for super::SqliteRepo {
    async fn publish(
        &self,
        target: PublishTarget,
        contest: String,
        how: PublishedHow,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<PublishReport> {
        self.db.write(move |c| publish(c, &target, &contest, how, &actor, now_ms)).await
    }

    async fn withdraw(
        &self,
        capture_pk: i64,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<WithdrawOutcome> {
        self.db.write(move |c| withdraw(c, capture_pk, &reason, &actor, now_ms)).await
    }

    async fn publish_on_verification(&self) -> RepoResult<bool> {
        self.db.read(settings).await
    }

    async fn set_publish_on_verification(
        &self,
        on: bool,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<()> {
        self.db.write(move |c| set_settings(c, on, &actor, now_ms)).await
    }

    async fn public_version(&self) -> RepoResult<PublicCursor> {
        self.db.read(cursor).await
    }

    async fn changed_tables(&self, since: PublicCursor) -> RepoResult<Vec<String>> {
        self.db.read(move |c| changed_tables(c, since)).await
    }

    async fn open_data(&self, contest: String) -> RepoResult<Vec<OpenDataRow>> {
        self.db.read(move |c| open_data(c, &contest)).await
    }

    async fn published_records(&self) -> RepoResult<Vec<(PublicationEntry, String, String)>> {
        self.db.read(published_records).await
    }

    async fn public_region(
        &self,
        region_id: Option<i64>,
        contest: String,
    ) -> RepoResult<Option<PublicRegion>> {
        self.db.read(move |c| public_region(c, region_id, &contest)).await
    }

    async fn public_center(&self, center_id: String, contest: String) -> RepoResult<Option<PublicCenter>> {
        self.db.read(move |c| public_center(c, &center_id, &contest)).await
    }

    async fn public_table(&self, station_id: String, contest: String) -> RepoResult<Option<PublishedTable>> {
        self.db.read(move |c| public_table(c, &station_id, &contest)).await
    }

    async fn public_table_page(
        &self,
        station_id: String,
        contest: String,
    ) -> RepoResult<Option<(PublishedTable, Vec<crate::repo::coord::RegionNode>)>> {
        self.db.read(move |c| public_table_page(c, &station_id, &contest)).await
    }

    async fn public_search(&self, query: String, limit: usize) -> RepoResult<Vec<SearchHit>> {
        self.db.read(move |c| public_search(c, &query, limit)).await
    }

    async fn replace_voters(
        &self,
        voters: Vec<(testigo_protocol::Sha256, String)>,
    ) -> RepoResult<Result<u64, Vec<String>>> {
        self.db.write(move |c| replace_voters(c, &voters)).await
    }

    async fn voter_lookup_on(&self) -> RepoResult<bool> {
        self.db.read(|c| Ok(c.prepare_cached("SELECT 1 FROM voter_tables LIMIT 1")?.exists([])?)).await
    }

    async fn voter_table(&self, voter_hash: testigo_protocol::Sha256) -> RepoResult<Option<String>> {
        self.db
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT v.station_id FROM voter_tables v JOIN stations s ON s.id = v.station_id
                      WHERE v.voter_hash = ?1",
                )?
                .query_row([voter_hash.as_bytes().as_slice()], |r| r.get(0))
                .optional()?)
            })
            .await
    }

    async fn photo_is_public(&self, sha256: testigo_protocol::Sha256) -> RepoResult<bool> {
        self.db
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT 1 FROM capture_photos p JOIN publications pub ON pub.capture_pk = p.capture_pk
                      WHERE p.sha256 = ?1 AND p.receipt_json IS NOT NULL AND pub.action = 'publish' LIMIT 1",
                )?
                .exists([sha256.as_bytes().as_slice()])?)
            })
            .await
    }

    async fn publications(&self, after_seq: u64, limit: usize) -> RepoResult<Vec<PublicationEntry>> {
        self.db.read(move |c| publications(c, after_seq, limit)).await
    }
}

/// Replaces the voter look-up (one write job: all or nothing); unknown tables refuse it all.
fn replace_voters(
    tx: &Connection,
    voters: &[(testigo_protocol::Sha256, String)],
) -> RepoResult<Result<u64, Vec<String>>> {
    let mut unknown = std::collections::BTreeSet::new();
    {
        let mut known = tx.prepare_cached("SELECT 1 FROM stations WHERE id = ?1")?;
        for (_, station) in voters {
            if !unknown.contains(station) && !known.exists([station])? {
                unknown.insert(station.clone());
            }
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(unknown.into_iter().collect()));
    }
    tx.execute("DELETE FROM voter_tables", [])?;
    let mut n = 0u64;
    {
        let mut insert = tx
            .prepare_cached("INSERT OR REPLACE INTO voter_tables (voter_hash, station_id) VALUES (?1, ?2)")?;
        for (hash, station) in voters {
            n += insert.execute(rusqlite::params![hash.as_bytes().as_slice(), station])? as u64;
        }
    }
    Ok(Ok(n))
}
