//! The public's reads on SQLite (see [`crate::repo::Publishing`]): regions, centers and tables
//! as the portal shows them, search, the open data, and the cursor that tells a page or a mirror
//! what changed. The writes (publishing, withdrawing, the sums) are in `publication.rs`.

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::publication::{
    PUBLICATION_FORMAT, PublicAction, PublicCursor, PublicationEntry, PublishedCapture, PublishedTable,
};
use testigo_protocol::{PublicKey, SignedCapture, SignedReceipt};

use super::coord::{REGION_COLUMNS, region_node};
use super::publication::{entries, standing};
use super::{corrupt, from_json};
use crate::repo::RepoResult;
use crate::repo::coord::RegionNode;
use crate::repo::publication::*;

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// How far what is public has changed: three append-only logs' last positions.
pub(super) fn cursor(c: &Connection) -> RepoResult<PublicCursor> {
    Ok(c.query_row(
        "SELECT ifnull((SELECT max(seq) FROM publications), 0), ifnull((SELECT max(seq) FROM audit_log), 0),
                ifnull((SELECT max(seq) FROM photo_events), 0)",
        [],
        |r| Ok(PublicCursor { publications: u(r.get(0)?), reviews: u(r.get(1)?), photos: u(r.get(2)?) }),
    )?)
}

/// Tables whose public pages may differ from what they were at `since`.
pub(super) fn changed_tables(c: &Connection, since: PublicCursor) -> RepoResult<Vec<String>> {
    let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let mut stmt = c.prepare_cached(
        "SELECT station_id FROM publications WHERE seq > ?1
         UNION SELECT c.station_id FROM audit_log a JOIN captures c ON c.pk = a.capture_pk
                WHERE a.seq > ?2 AND EXISTS (SELECT 1 FROM publications p WHERE p.capture_pk = c.pk)
         UNION SELECT c.station_id FROM photo_events e JOIN captures c ON c.pk = e.capture_pk
                WHERE e.seq > ?3 AND EXISTS (SELECT 1 FROM publications p WHERE p.capture_pk = c.pk)",
    )?;
    let rows =
        stmt.query_map(params![i(since.publications), i(since.reviews), i(since.photos)], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One row per table, with its standing publication (see [`Publishing::open_data`]).
pub(super) fn open_data(c: &Connection, contest: &str) -> RepoResult<Vec<OpenDataRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT s.id, s.number, ce.id, ce.name, ifnull(r.path, ''), s.registered_voters,
                pc.seq, pc.counts_json, cap.pk, cap.capture_id, cap.device_id, cap.review_status, cap.record_sha256
           FROM stations s JOIN centers ce ON ce.id = s.center_id LEFT JOIN regions r ON r.id = ce.region_id
           LEFT JOIN published_current pc ON pc.station_id = s.id AND pc.contest_id = ?1
           LEFT JOIN captures cap ON cap.pk = pc.capture_pk
          ORDER BY s.position",
    )?;
    let mut photos = c.prepare_cached(
        "SELECT sha256 FROM capture_photos WHERE capture_pk = ?1 AND receipt_json IS NOT NULL ORDER BY page",
    )?;
    let rows = stmt.query_map([contest], |r| {
        Ok((
            OpenDataRow {
                station_id: r.get(0)?,
                number: r.get(1)?,
                center_id: r.get(2)?,
                center_name: r.get(3)?,
                region_path: r.get(4)?,
                registered: u(r.get(5)?),
                standing: None,
            },
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, Option<String>>(9)?,
            r.get::<_, Option<String>>(10)?,
            r.get::<_, Option<String>>(11)?,
            r.get::<_, Option<Vec<u8>>>(12)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut table, seq, counts, pk, capture_id, device, review, record_sha) = row?;
        if let (Some(seq), Some(counts), Some(pk), Some(capture_id), Some(device), Some(review), Some(sha)) =
            (seq, counts, pk, capture_id, device, review, record_sha)
        {
            let shas = photos
                .query_map([pk], |r| r.get::<_, Vec<u8>>(0))?
                .map(|b| super::sha_of(b?))
                .collect::<RepoResult<Vec<_>>>()?;
            table.standing = Some(OpenDataCapture {
                seq: u(seq),
                capture_id,
                device_key_id: device,
                review,
                record_sha256: super::sha_of(sha)?,
                counts: from_json(&counts, "published counts")?,
                photos: shas,
            });
        }
        out.push(table);
    }
    Ok(out)
}

/// Every act of publication with its capture's signed record and receipt, as stored.
pub(super) fn published_records(c: &Connection) -> RepoResult<Vec<(PublicationEntry, String, String)>> {
    let entries = entries(c, "p.seq > ?1", 0i64)?;
    let mut stmt = c.prepare_cached(
        "SELECT c.signed_json, c.receipt_json FROM publications p JOIN captures c ON c.pk = p.capture_pk WHERE p.seq = ?1",
    )?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let seq = i64::try_from(e.seq).unwrap_or(i64::MAX);
        let (signed, receipt): (String, String) = stmt.query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.push((e, signed, receipt));
    }
    Ok(out)
}

fn region_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PublicRegionRow> {
    Ok(PublicRegionRow {
        node: region_node(r, 0)?,
        stats: PublicStats { stations: u(r.get(7)?), registered: u(r.get(8)?) },
    })
}

fn center_rows(
    c: &Connection,
    filter: &str,
    arg: &dyn rusqlite::ToSql,
    contest: &str,
) -> RepoResult<Vec<PublicCenterRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT ce.id, ce.name, ifnull(r.path, ''),
                (SELECT count(*) FROM stations s WHERE s.center_id = ce.id),
                (SELECT ifnull(sum(registered_voters), 0) FROM stations s WHERE s.center_id = ce.id),
                (SELECT count(*) FROM stations s JOIN published_current pc ON pc.station_id = s.id AND pc.contest_id = ?2
                  WHERE s.center_id = ce.id)
           FROM centers ce LEFT JOIN regions r ON r.id = ce.region_id
          WHERE {filter} ORDER BY ce.position"
    ))?;
    let rows = stmt.query_map(params![arg, contest], |r| {
        Ok(PublicCenterRow {
            id: r.get(0)?,
            name: r.get(1)?,
            region_path: r.get(2)?,
            stations: u(r.get(3)?),
            registered: u(r.get(4)?),
            published: u(r.get(5)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn ancestors(c: &Connection, mut parent: Option<i64>) -> RepoResult<Vec<RegionNode>> {
    let mut out = Vec::new();
    while let Some(p) = parent {
        let node = c
            .prepare_cached(&format!("SELECT {REGION_COLUMNS} FROM regions r WHERE r.id = ?1"))?
            .query_row([p], |r| region_node(r, 0))?;
        parent = node.parent_id;
        out.push(node);
        if out.len() > 64 {
            return Err(corrupt("region tree"));
        }
    }
    out.reverse();
    Ok(out)
}

pub(super) fn public_region(
    c: &Connection,
    region_id: Option<i64>,
    contest: &str,
) -> RepoResult<Option<PublicRegion>> {
    let with_stats = format!(
        "SELECT {REGION_COLUMNS}, ifnull(s.stations, 0), ifnull(s.registered, 0) FROM regions r
           LEFT JOIN pub_region_stats s ON s.region_id = r.id AND s.contest_id = ?2"
    );
    let region = match region_id {
        Some(id) => c
            .prepare_cached(&format!("{with_stats} WHERE r.id = ?1"))?
            .query_row(params![id, contest], region_row)
            .optional()?,
        None => c
            .prepare_cached(&format!("{with_stats} WHERE r.parent_id IS NULL AND ?1 IS NULL"))?
            .query_row(params![None::<i64>, contest], region_row)
            .optional()?,
    };
    let Some(region) = region else { return Ok(None) };
    let id = region.node.id;
    let ancestors = ancestors(c, region.node.parent_id)?;
    let children = c
        .prepare_cached(&format!("{with_stats} WHERE r.parent_id = ?1 ORDER BY r.name"))?
        .query_map(params![id, contest], region_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let centers = center_rows(c, "ce.region_id = ?1", &id, contest)?;
    let votes = c
        .prepare_cached(
            "SELECT field_id, votes FROM pub_region_tally WHERE region_id = ?1 AND contest_id = ?2",
        )?
        .query_map(params![id, contest], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Some(PublicRegion { region, ancestors, children, centers, votes }))
}

pub(super) fn public_table_page(
    c: &Connection,
    station_id: &str,
    contest: &str,
) -> RepoResult<Option<(PublishedTable, Vec<RegionNode>)>> {
    let Some(table) = public_table(c, station_id, contest)? else { return Ok(None) };
    let region_id: Option<i64> = c
        .prepare_cached("SELECT region_id FROM centers WHERE id = ?1")?
        .query_row([table.center_id.as_str()], |r| r.get(0))
        .optional()?
        .flatten();
    let mut region = ancestors(c, region_id)?;
    region.retain(|n| n.parent_id.is_some());
    Ok(Some((table, region)))
}

pub(super) fn public_center(
    c: &Connection,
    center_id: &str,
    contest: &str,
) -> RepoResult<Option<PublicCenter>> {
    let Some(center) = center_rows(c, "ce.id = ?1", &center_id, contest)?.into_iter().next() else {
        return Ok(None);
    };
    let region_id: Option<i64> = c
        .prepare_cached("SELECT region_id FROM centers WHERE id = ?1")?
        .query_row([center_id], |r| r.get(0))?;
    let mut region = ancestors(c, region_id)?;
    region.retain(|n| n.parent_id.is_some());
    let stations = c
        .prepare_cached(
            "SELECT s.id, s.number, s.registered_voters, pc.seq FROM stations s
               LEFT JOIN published_current pc ON pc.station_id = s.id AND pc.contest_id = ?2
              WHERE s.center_id = ?1 ORDER BY s.number, s.position",
        )?
        .query_map(params![center_id, contest], |r| {
            Ok(PublicStationRow {
                id: r.get(0)?,
                number: r.get(1)?,
                registered: u(r.get(2)?),
                standing_seq: r.get::<_, Option<i64>>(3)?.map(u),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(PublicCenter { center, region, stations }))
}

pub(super) fn public_table(
    c: &Connection,
    station_id: &str,
    contest: &str,
) -> RepoResult<Option<PublishedTable>> {
    let place: Option<(u32, i64, String, String, Option<String>)> = c
        .prepare_cached(
            "SELECT s.number, s.registered_voters, ce.id, ce.name, r.path FROM stations s
               JOIN centers ce ON ce.id = s.center_id LEFT JOIN regions r ON r.id = ce.region_id
              WHERE s.id = ?1",
        )?
        .query_row([station_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let Some((number, registered, center_id, center_name, path)) = place else { return Ok(None) };
    let election_id: String = c
        .query_row("SELECT election_id FROM election WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let standing = standing(c, station_id, contest)?.map(|s| u(s.0));
    let all = entries(c, "p.station_id = ?1", station_id)?;
    let all: Vec<PublicationEntry> = all.into_iter().filter(|e| e.contest_id == contest).collect();
    let mut captures = Vec::new();
    for entry in all.iter().rev().filter(|e| e.action == PublicAction::Publish) {
        let withdrawn = all
            .iter()
            .find(|w| {
                w.action == PublicAction::Withdraw
                    && w.capture_id == entry.capture_id
                    && w.device_key_id == entry.device_key_id
            })
            .cloned();
        let (pk, signed_json, receipt_json, review, key): (i64, String, String, String, Vec<u8>) = c
            .prepare_cached(
                "SELECT c.pk, c.signed_json, c.receipt_json, c.review_status, d.public_key
                   FROM captures c JOIN devices d ON d.id = c.device_id
                  WHERE c.device_id = ?1 AND c.capture_id = ?2",
            )?
            .query_row(params![entry.device_key_id.as_str(), entry.capture_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        let photo_receipts = c
            .prepare_cached(
                "SELECT receipt_json FROM capture_photos WHERE capture_pk = ?1 AND receipt_json IS NOT NULL ORDER BY page",
            )?
            .query_map([pk], |r| r.get::<_, String>(0))?
            .map(|j| from_json::<SignedReceipt>(&j?, "photo receipt"))
            .collect::<RepoResult<Vec<_>>>()?;
        captures.push(PublishedCapture {
            published: entry.clone(),
            withdrawn,
            review: review.parse().map_err(|()| corrupt("review status"))?,
            device_key: PublicKey::from_sec1(&key).map_err(|_| corrupt("device key"))?,
            signed: from_json::<SignedCapture>(&signed_json, "signed record")?,
            receipt: from_json::<SignedReceipt>(&receipt_json, "receipt")?,
            photo_receipts,
        });
    }
    Ok(Some(PublishedTable {
        format: PUBLICATION_FORMAT,
        election_id,
        station_id: station_id.to_owned(),
        number,
        center_id,
        center_name,
        region: path
            .filter(|p| !p.is_empty())
            .map(|p| p.split('/').map(str::to_owned).collect())
            .unwrap_or_default(),
        registered_voters: u(registered),
        contest_id: contest.to_owned(),
        standing,
        captures,
    }))
}

pub(super) fn public_search(c: &Connection, query: &str, limit: usize) -> RepoResult<Vec<SearchHit>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    // LIKE with our own escape character: the query's `%` and `_` match themselves.
    let escaped: String = q
        .chars()
        .flat_map(|ch| if matches!(ch, '%' | '_' | '\\') { vec!['\\', ch] } else { vec![ch] })
        .collect();
    let prefix = format!("{escaped}%");
    let contains = format!("%{escaped}%");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut hits = Vec::new();
    let stations = c
        .prepare_cached(
            "SELECT s.id, s.number, ce.name FROM stations s JOIN centers ce ON ce.id = s.center_id
              WHERE s.id LIKE ?1 ESCAPE '\\' ORDER BY s.id LIMIT ?2",
        )?
        .query_map(params![prefix, limit], |r| {
            Ok(SearchHit::Station { id: r.get(0)?, number: r.get(1)?, center: r.get(2)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    hits.extend(stations);
    let centers = c
        .prepare_cached(
            "SELECT ce.id, ce.name, ifnull(r.path, '') FROM centers ce LEFT JOIN regions r ON r.id = ce.region_id
              WHERE ce.id LIKE ?1 ESCAPE '\\' OR ce.name LIKE ?2 ESCAPE '\\' ORDER BY ce.position LIMIT ?3",
        )?
        .query_map(params![prefix, contains, limit], |r| {
            Ok(SearchHit::Center { id: r.get(0)?, name: r.get(1)?, region_path: r.get(2)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    hits.extend(centers);
    let regions = c
        .prepare_cached(&format!(
            "SELECT {REGION_COLUMNS} FROM regions r WHERE r.parent_id IS NOT NULL AND r.name LIKE ?1 ESCAPE '\\'
              ORDER BY r.depth, r.name LIMIT ?2"
        ))?
        .query_map(params![contains, limit], |r| region_node(r, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    hits.extend(regions.into_iter().map(SearchHit::Region));
    hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(hits)
}
