//! [`Analysis`] on SQLite: official results, the contrast (its worker step, run by the tally
//! worker after the tally's own steps) and the quick count's sample.
//!
//! The contrast is kept like the tally: a table becomes dirty (`contrast_dirty`) when its
//! current capture changes (tally step 3) or an import gives it official numbers; the step
//! compares the two sets of numbers, stores the table's row in `contrast`, and moves the
//! table's old row out of every ancestor's sums and the new one in (`region_contrast`,
//! `region_contrast_votes`), summed per row in memory and written once per batch.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::Sha256;

use super::SqliteRepo;
use super::tally::Tree;
use crate::repo::RepoResult;
use crate::repo::analysis::{
    Analysis, ContrastQuery, ContrastSide, ContrastStatus, FrameTable, NewOfficialImport, OfficialImport,
    RegionContrast, SampleReport, StoredDraw, StratumSize, TableContrast, UnknownTable,
};

/// How many unknown tables an import refusal names.
const UNKNOWN_SHOWN: usize = 10;

fn import(c: &Connection, new: &NewOfficialImport) -> RepoResult<Result<OfficialImport, Vec<UnknownTable>>> {
    let mut known = c.prepare_cached("SELECT 1 FROM stations WHERE id = ?1")?;
    let mut unknown = Vec::new();
    for row in &new.rows {
        if !known.exists([&row.station_id])? {
            unknown.push(UnknownTable { line: row.line, station_id: row.station_id.clone() });
            if unknown.len() >= UNKNOWN_SHOWN {
                break;
            }
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(unknown));
    }
    let sha = Sha256::digest(&new.content);
    let id: i64 = c.query_row(
        "INSERT INTO official_imports (source, file_name, sha256, content, bytes, mapping_json, tables, imported_at_ms, actor)
         VALUES (?1, ?2, ?3, ?4, ?9, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            new.source,
            new.file_name,
            sha.as_bytes().as_slice(),
            new.content,
            new.mapping_json,
            new.rows.len() as i64,
            new.now_ms,
            new.actor,
            new.content.len() as i64
        ],
        |r| r.get(0),
    )?;
    let mut result = c.prepare_cached(
        "INSERT INTO official_results (import_id, station_id, contest_id, line, counts_json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut current = c.prepare_cached(
        "INSERT INTO official_current (station_id, contest_id, import_id, counts_json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (station_id, contest_id) DO UPDATE SET import_id = excluded.import_id,
            counts_json = excluded.counts_json",
    )?;
    // Until the first import the worker keeps no contrast (see `refresh`); the first one makes
    // every table with a capture of ours dirty, so each gets its row.
    let first: bool = !c.prepare_cached("SELECT 1 FROM official_imports WHERE id != ?1")?.exists([id])?;
    if first {
        c.execute(
            "INSERT OR IGNORE INTO contrast_dirty (station_id, contest_id)
             SELECT station_id, contest_id FROM station_current
             UNION SELECT station_id, contest_id FROM published_current",
            [],
        )?;
    }
    let mut dirty = c.prepare_cached(
        "INSERT INTO contrast_dirty (station_id, contest_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for row in &new.rows {
        result.execute(params![id, row.station_id, row.contest_id, row.line as i64, row.counts_json])?;
        current.execute(params![row.station_id, row.contest_id, id, row.counts_json])?;
        dirty.execute(params![row.station_id, row.contest_id])?;
    }
    let detail = serde_json::json!({ "import": id, "source": new.source, "sha256": sha.to_hex(), "tables": new.rows.len() });
    super::audit(c, new.now_ms, &new.actor, "official_import", None, &detail)?;
    Ok(Ok(OfficialImport {
        id,
        source: new.source.clone(),
        file_name: new.file_name.clone(),
        sha256: sha.to_hex(),
        bytes: new.content.len() as u64,
        tables: new.rows.len() as u64,
        imported_at_ms: new.now_ms,
    }))
}

fn imports(c: &Connection) -> RepoResult<Vec<OfficialImport>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, source, file_name, sha256, bytes, tables, imported_at_ms FROM official_imports ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let sha: Vec<u8> = r.get(3)?;
        Ok(OfficialImport {
            id: r.get(0)?,
            source: r.get(1)?,
            file_name: r.get(2)?,
            sha256: hex::encode(sha),
            bytes: r.get::<_, i64>(4)?.max(0) as u64,
            tables: r.get::<_, i64>(5)?.max(0) as u64,
            imported_at_ms: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks a table's contrast for recomputing (its current capture changed).
pub(super) fn mark_dirty(c: &Connection, station: &str, contest: &str) -> RepoResult<()> {
    c.prepare_cached(
        "INSERT INTO contrast_dirty (station_id, contest_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute(params![station, contest])?;
    Ok(())
}

/// A table's contrast row as stored.
struct Row {
    status: ContrastStatus,
    differences: BTreeMap<String, i64>,
}

/// Compares our numbers with the official ones over the fields the authority gives.
/// Stored counts as `(field, votes)` pairs in key order, read without copying the keys (field
/// ids need no JSON escapes; one that does is read the slow way). The contrast step reads
/// three of these per table: at a million tables building a map of owned keys for each was
/// most of its time.
struct Counts<'a>(Vec<(Cow<'a, str>, i64)>);

impl<'a> Counts<'a> {
    fn parse(json: &'a str) -> Counts<'a> {
        let mut pairs: Vec<(Cow<'a, str>, i64)> = match serde_json::from_str::<Pairs<'a>>(json) {
            Ok(Pairs(p)) => p.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect(),
            Err(_) => serde_json::from_str::<BTreeMap<String, i64>>(json)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), v))
                .collect(),
        };
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Counts(pairs)
    }

    fn get(&self, field: &str) -> Option<i64> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(field)).ok().and_then(|i| self.0.get(i)).map(|p| p.1)
    }
}

/// A JSON object of counts as borrowed pairs (see [`Counts`]).
struct Pairs<'a>(Vec<(&'a str, i64)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of counts")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Pairs<'a>, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(48));
                while let Some((k, v)) = map.next_entry::<&'de str, i64>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

fn compare(
    ours: Option<&Counts<'_>>,
    official: Option<&Counts<'_>>,
) -> Option<(ContrastStatus, BTreeMap<String, i64>)> {
    match (ours, official) {
        (None, None) => None,
        (Some(_), None) => Some((ContrastStatus::OnlyOurs, BTreeMap::new())),
        (None, Some(_)) => Some((ContrastStatus::OnlyOfficial, BTreeMap::new())),
        (Some(ours), Some(official)) => {
            let differences: BTreeMap<String, i64> = official
                .0
                .iter()
                .filter_map(|(field, v)| {
                    let d = ours.get(field).unwrap_or(0) - v;
                    (d != 0).then(|| (field.to_string(), d))
                })
                .collect();
            let status = if differences.is_empty() { ContrastStatus::Match } else { ContrastStatus::Differs };
            Some((status, differences))
        }
    }
}

/// Changes per region to `region_contrast` and `region_contrast_votes`.
#[derive(Default)]
struct Deltas {
    counts: HashMap<(i64, String, ContrastSide), [i64; 4]>,
    votes: HashMap<(i64, String, ContrastSide, String), i64>,
}

impl Deltas {
    fn add(&mut self, chain: &[i64], contest: &str, side: ContrastSide, row: &Row, sign: i64) {
        let slot = match row.status {
            ContrastStatus::Match => 0,
            ContrastStatus::Differs => 1,
            ContrastStatus::OnlyOfficial => 2,
            ContrastStatus::OnlyOurs => 3,
        };
        for &node in chain {
            if let Some(n) = self.counts.entry((node, contest.to_owned(), side)).or_default().get_mut(slot) {
                *n += sign;
            }
            for (field, d) in &row.differences {
                *self.votes.entry((node, contest.to_owned(), side, field.clone())).or_default() += sign * d;
            }
        }
    }

    fn apply(self, c: &Connection) -> RepoResult<()> {
        let mut counts = c.prepare_cached(
            "INSERT INTO region_contrast (region_id, contest_id, side, matching, differing, only_official, only_ours)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (region_id, contest_id, side) DO UPDATE SET matching = matching + excluded.matching,
                differing = differing + excluded.differing, only_official = only_official + excluded.only_official,
                only_ours = only_ours + excluded.only_ours",
        )?;
        for ((region, contest, side), [m, d, o, u]) in self.counts {
            counts.execute(params![region, contest, side.as_str(), m, d, o, u])?;
        }
        let mut votes = c.prepare_cached(
            "INSERT INTO region_contrast_votes (region_id, contest_id, side, field_id, difference) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (region_id, contest_id, side, field_id) DO UPDATE SET difference = difference + excluded.difference",
        )?;
        for ((region, contest, side, field), d) in self.votes {
            if d != 0 {
                votes.execute(params![region, contest, side.as_str(), field, d])?;
            }
        }
        Ok(())
    }
}

/// The contrast step of the tally worker: recomputes both sides of at most `budget` dirty
/// tables. Returns how many tables it did.
pub(super) fn refresh(c: &Connection, tree: &Tree, budget: usize) -> RepoResult<usize> {
    let queued: Vec<(String, String)> = c
        .prepare_cached("SELECT station_id, contest_id FROM contrast_dirty LIMIT ?1")?
        .query_map([budget as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if queued.is_empty() {
        return Ok(0);
    }
    // Before any official results there is nothing to contrast with: the first import marks
    // every table with a capture of ours dirty again.
    if !c.prepare_cached("SELECT 1 FROM official_imports LIMIT 1")?.exists([])? {
        c.execute("DELETE FROM contrast_dirty", [])?;
        return Ok(0);
    }
    let mut done =
        c.prepare_cached("DELETE FROM contrast_dirty WHERE station_id = ?1 AND contest_id = ?2")?;
    let mut current = c.prepare_cached(
        "SELECT counts_json FROM station_current WHERE station_id = ?1 AND contest_id = ?2",
    )?;
    let mut published = c.prepare_cached(
        "SELECT counts_json FROM published_current WHERE station_id = ?1 AND contest_id = ?2",
    )?;
    let mut official = c.prepare_cached(
        "SELECT counts_json FROM official_current WHERE station_id = ?1 AND contest_id = ?2",
    )?;
    let mut stored = c.prepare_cached(
        "SELECT status, differences_json FROM contrast WHERE station_id = ?1 AND contest_id = ?2 AND side = ?3",
    )?;
    let mut place = c.prepare_cached(
        "SELECT ce.region_id, coalesce(r.path, '') FROM stations s JOIN centers ce ON ce.id = s.center_id
           LEFT JOIN regions r ON r.id = ce.region_id WHERE s.id = ?1",
    )?;
    let mut upsert = c.prepare_cached(
        "INSERT INTO contrast (station_id, contest_id, side, status, region_id, region_path, difference, differences_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (station_id, contest_id, side) DO UPDATE SET status = excluded.status,
            region_id = excluded.region_id, region_path = excluded.region_path,
            difference = excluded.difference, differences_json = excluded.differences_json",
    )?;
    let mut remove =
        c.prepare_cached("DELETE FROM contrast WHERE station_id = ?1 AND contest_id = ?2 AND side = ?3")?;
    let mut deltas = Deltas::default();
    let mut public_changed = false;
    for (station, contest) in &queued {
        done.execute(params![station, contest])?;
        let theirs_json: Option<String> =
            official.query_row(params![station, contest], |r| r.get(0)).optional()?;
        let theirs = theirs_json.as_deref().map(Counts::parse);
        let (region, path): (Option<i64>, String) = place
            .query_row([station], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((None, String::new()));
        let chain = tree.chain(region.unwrap_or(tree.root));
        for side in [ContrastSide::Current, ContrastSide::Published] {
            let source = match side {
                ContrastSide::Current => &mut current,
                ContrastSide::Published => &mut published,
            };
            let ours_json: Option<String> =
                source.query_row(params![station, contest], |r| r.get(0)).optional()?;
            let ours = ours_json.as_deref().map(Counts::parse);
            let now = compare(ours.as_ref(), theirs.as_ref());
            let before: Option<Row> = stored
                .query_row(params![station, contest, side.as_str()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
                .and_then(|(status, json)| {
                    Some(Row {
                        status: ContrastStatus::parse(&status)?,
                        differences: serde_json::from_str(&json).ok()?,
                    })
                });
            let same = match (&before, &now) {
                (Some(b), Some((status, diffs))) => b.status == *status && &b.differences == diffs,
                (None, None) => true,
                _ => false,
            };
            if same {
                continue;
            }
            public_changed |= side == ContrastSide::Published;
            if let Some(old) = &before {
                deltas.add(&chain, contest, side, old, -1);
            }
            match now {
                Some((status, differences)) => {
                    let difference: i64 = differences.values().map(|d| d.abs()).sum();
                    let json = serde_json::to_string(&differences).unwrap_or_else(|_| "{}".into());
                    upsert.execute(params![
                        station,
                        contest,
                        side.as_str(),
                        status.as_str(),
                        region,
                        path,
                        difference,
                        json
                    ])?;
                    deltas.add(&chain, contest, side, &Row { status, differences }, 1);
                }
                None => {
                    remove.execute(params![station, contest, side.as_str()])?;
                }
            }
        }
    }
    deltas.apply(c)?;
    if public_changed {
        c.execute("UPDATE contrast_state SET public_generation = public_generation + 1 WHERE id = 1", [])?;
    }
    Ok(queued.len())
}

fn region_contrast(
    c: &Connection,
    region: i64,
    contest: &str,
    side: ContrastSide,
) -> RepoResult<RegionContrast> {
    let mut out = c
        .prepare_cached(
            "SELECT matching, differing, only_official, only_ours FROM region_contrast
              WHERE region_id = ?1 AND contest_id = ?2 AND side = ?3",
        )?
        .query_row(params![region, contest, side.as_str()], |r| {
            Ok(RegionContrast {
                matching: r.get::<_, i64>(0)?.max(0) as u64,
                differing: r.get::<_, i64>(1)?.max(0) as u64,
                only_official: r.get::<_, i64>(2)?.max(0) as u64,
                only_ours: r.get::<_, i64>(3)?.max(0) as u64,
                difference: BTreeMap::new(),
            })
        })
        .optional()?
        .unwrap_or_default();
    let mut votes = c.prepare_cached(
        "SELECT field_id, difference FROM region_contrast_votes WHERE region_id = ?1 AND contest_id = ?2 AND difference != 0",
    )?;
    for row in
        votes.query_map(params![region, contest], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
    {
        let (field, d) = row?;
        out.difference.insert(field, d);
    }
    Ok(out)
}

/// The columns `table_row` reads, from `contrast k` joined with the side's own captures
/// (`station_current` or `published_current`, as `sc`).
fn table_columns(side: ContrastSide) -> String {
    let ours = match side {
        ContrastSide::Current => "station_current",
        ContrastSide::Published => "published_current",
    };
    format!(
        "k.station_id, s.center_id, ce.name, s.number, k.region_path, k.status, k.difference,
         k.differences_json, sc.counts_json, sc.capture_pk, oc.counts_json, oc.import_id
         FROM contrast k JOIN stations s ON s.id = k.station_id JOIN centers ce ON ce.id = s.center_id
         LEFT JOIN {ours} sc ON sc.station_id = k.station_id AND sc.contest_id = k.contest_id
         LEFT JOIN official_current oc ON oc.station_id = k.station_id AND oc.contest_id = k.contest_id"
    )
}

fn table_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TableContrast> {
    let json = |i: usize| -> rusqlite::Result<Option<BTreeMap<String, i64>>> {
        Ok(r.get::<_, Option<String>>(i)?.map(|j| serde_json::from_str(&j).unwrap_or_default()))
    };
    let status: String = r.get(5)?;
    Ok(TableContrast {
        station_id: r.get(0)?,
        center_id: r.get(1)?,
        center_name: r.get(2)?,
        number: r.get(3)?,
        region_path: r.get(4)?,
        status: ContrastStatus::parse(&status).unwrap_or(ContrastStatus::Differs),
        difference: r.get(6)?,
        differences: json(7)?.unwrap_or_default(),
        ours: json(8)?,
        capture_pk: r.get(9)?,
        official: json(10)?,
        import_id: r.get(11)?,
    })
}

/// `path` and everything beneath it, as a LIKE pattern's prefix (with `\` escaping).
fn scope_pattern(scope: &str) -> String {
    let escaped = scope.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("{escaped}/%")
}

fn contrast_tables(c: &Connection, q: &ContrastQuery) -> RepoResult<Vec<TableContrast>> {
    // Only differing tables have a difference; any other list in "difference" order is in table
    // order.
    // (The partial index is chosen only where the query names its condition literally.)
    let (index, status, order) = if q.by_difference && q.status == ContrastStatus::Differs {
        ("contrast_by_difference", "'differs'", "difference DESC, station_id")
    } else {
        ("contrast_by_table", "?2", "station_id")
    };
    // The page is chosen on a covering index alone; only its rows are then read and joined.
    let sql = format!(
        "SELECT {} WHERE k.side = ?7 AND k.contest_id = ?1 AND k.station_id IN (
            SELECT station_id FROM contrast INDEXED BY {index}
             WHERE side = ?7 AND contest_id = ?1 AND status = {status} AND ?2 = ?2
               AND (?3 = '' OR region_path = ?3 OR region_path LIKE ?4 ESCAPE '\\')
             ORDER BY {order} LIMIT ?5 OFFSET ?6)
         ORDER BY k.{}",
        table_columns(q.side),
        order.replace(", ", ", k.")
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            q.contest,
            q.status.as_str(),
            q.scope,
            scope_pattern(&q.scope),
            q.limit.min(i64::MAX as u64) as i64,
            q.offset.min(i64::MAX as u64) as i64,
            q.side.as_str()
        ],
        table_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn contrast_count(
    c: &Connection,
    side: ContrastSide,
    scope: &str,
    contest: &str,
    status: ContrastStatus,
) -> RepoResult<u64> {
    let n: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM contrast k WHERE k.side = ?5 AND k.contest_id = ?1 AND k.status = ?2
               AND (?3 = '' OR k.region_path = ?3 OR k.region_path LIKE ?4 ESCAPE '\\')",
        )?
        .query_row(params![contest, status.as_str(), scope, scope_pattern(scope), side.as_str()], |r| {
            r.get(0)
        })?;
    Ok(n.max(0) as u64)
}

fn table_contrast(
    c: &Connection,
    station: &str,
    contest: &str,
    side: ContrastSide,
) -> RepoResult<Option<TableContrast>> {
    let sql = format!(
        "SELECT {} WHERE k.station_id = ?1 AND k.contest_id = ?2 AND k.side = ?3",
        table_columns(side)
    );
    Ok(c.prepare_cached(&sql)?.query_row(params![station, contest, side.as_str()], table_row).optional()?)
}

fn sampling_frame(c: &Connection) -> RepoResult<Vec<FrameTable>> {
    let mut stmt = c.prepare_cached(
        "SELECT s.id, coalesce(r.path, ''), s.registered_voters FROM stations s JOIN centers ce ON ce.id = s.center_id
           LEFT JOIN regions r ON r.id = ce.region_id ORDER BY s.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let path: String = r.get(1)?;
        Ok(FrameTable {
            station_id: r.get(0)?,
            stratum: path.split('/').next().unwrap_or_default().to_owned(),
            registered: r.get::<_, i64>(2)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn store_draw(c: &Connection, draw: &StoredDraw, tables: &[(String, String)], actor: &str) -> RepoResult<()> {
    c.execute("DELETE FROM quickcount_sample", [])?;
    let strata = serde_json::to_string(&draw.strata).unwrap_or_else(|_| "[]".into());
    c.execute(
        "INSERT INTO quickcount (id, seed, size, strata_json, drawn_at_ms) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET seed = excluded.seed, size = excluded.size,
            strata_json = excluded.strata_json, drawn_at_ms = excluded.drawn_at_ms",
        params![draw.seed, draw.size as i64, strata, draw.drawn_at_ms],
    )?;
    let mut insert =
        c.prepare_cached("INSERT INTO quickcount_sample (station_id, stratum) VALUES (?1, ?2)")?;
    for (station, stratum) in tables {
        insert.execute(params![station, stratum])?;
    }
    let detail = serde_json::json!({ "seed": draw.seed, "size": draw.size });
    super::audit(c, draw.drawn_at_ms, actor, "quickcount_draw", None, &detail)?;
    Ok(())
}

fn load_draw(c: &Connection) -> RepoResult<Option<StoredDraw>> {
    let row: Option<(String, i64, String, i64)> = c
        .prepare_cached("SELECT seed, size, strata_json, drawn_at_ms FROM quickcount WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((seed, size, strata, drawn_at_ms)) = row else { return Ok(None) };
    let strata: Vec<StratumSize> = serde_json::from_str(&strata)
        .map_err(|e| crate::repo::RepoError::Corrupt(format!("quick count strata: {e}")))?;
    Ok(Some(StoredDraw { seed, size: size.max(0) as u64, strata, drawn_at_ms }))
}

fn sample_reports(c: &Connection, contest: &str) -> RepoResult<Vec<SampleReport>> {
    let mut stmt = c.prepare_cached(
        "SELECT q.station_id, q.stratum, sc.counts_json, c.received_at_ms FROM quickcount_sample q
           LEFT JOIN station_current sc ON sc.station_id = q.station_id AND sc.contest_id = ?1
           LEFT JOIN captures c ON c.pk = sc.capture_pk
          ORDER BY q.station_id",
    )?;
    let rows = stmt.query_map([contest], |r| {
        Ok(SampleReport {
            station_id: r.get(0)?,
            stratum: r.get(1)?,
            counts: r.get::<_, Option<String>>(2)?.map(|j| serde_json::from_str(&j).unwrap_or_default()),
            received_at_ms: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[async_trait]
impl Analysis for SqliteRepo {
    async fn import_official(
        &self,
        new: NewOfficialImport,
    ) -> RepoResult<Result<OfficialImport, Vec<UnknownTable>>> {
        self.db.write(move |c| import(c, &new)).await
    }

    async fn official_imports(&self) -> RepoResult<Vec<OfficialImport>> {
        self.db.read(imports).await
    }

    async fn region_contrast(
        &self,
        region_id: i64,
        contest: String,
        side: ContrastSide,
    ) -> RepoResult<RegionContrast> {
        self.db.read(move |c| region_contrast(c, region_id, &contest, side)).await
    }

    async fn contrast_tables(&self, query: ContrastQuery) -> RepoResult<Vec<TableContrast>> {
        self.db.read(move |c| contrast_tables(c, &query)).await
    }

    async fn contrast_count(
        &self,
        side: ContrastSide,
        scope: String,
        contest: String,
        status: ContrastStatus,
    ) -> RepoResult<u64> {
        self.db.read(move |c| contrast_count(c, side, &scope, &contest, status)).await
    }

    async fn table_contrast(
        &self,
        station_id: String,
        contest: String,
        side: ContrastSide,
    ) -> RepoResult<Option<TableContrast>> {
        self.db.read(move |c| table_contrast(c, &station_id, &contest, side)).await
    }

    async fn public_contrast_generation(&self) -> RepoResult<u64> {
        self.db
            .read(|c| {
                let n: i64 =
                    c.query_row("SELECT public_generation FROM contrast_state WHERE id = 1", [], |r| {
                        r.get(0)
                    })?;
                Ok(n.max(0) as u64)
            })
            .await
    }

    async fn sampling_frame(&self) -> RepoResult<Vec<FrameTable>> {
        self.db.read(sampling_frame).await
    }

    async fn store_draw(
        &self,
        draw: StoredDraw,
        tables: Vec<(String, String)>,
        actor: String,
    ) -> RepoResult<()> {
        self.db.write(move |c| store_draw(c, &draw, &tables, &actor)).await
    }

    async fn draw(&self) -> RepoResult<Option<StoredDraw>> {
        self.db.read(load_draw).await
    }

    async fn sample_reports(&self, contest: String) -> RepoResult<Vec<SampleReport>> {
        self.db.read(move |c| sample_reports(c, &contest)).await
    }
}
