//! [`Coordination`] on SQLite: the dashboard's reads (aggregates, never scans of all captures)
//! and the coordinators' accounts and sessions.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::{KeyId, Sha256, SignedCapture, SignedReceipt, TimestampMs};

use super::regions::subtree_bounds;
use super::{SqliteRepo, corrupt, from_json, reviews};
use crate::repo::coord::*;
use crate::repo::{RepoResult, ReviewOutcome, ReviewTarget};

pub(super) const REGION_COLUMNS: &str =
    "r.id, r.parent_id, r.depth, r.name, r.path, r.stations, r.registered";
const STATS_COLUMNS: &str =
    "ifnull(s.stations_reported, 0), ifnull(s.registered_reported, 0), ifnull(s.records, 0),
     ifnull(s.photos_declared, 0), ifnull(s.photos_received, 0), ifnull(s.with_warnings, 0),
     ifnull(s.unreviewed, 0), ifnull(s.disputed, 0), ifnull(s.no_photo, 0), ifnull(s.warned, 0),
     ifnull(s.disagree, 0)";
const CAPTURE_COLUMNS: &str =
    "c.pk, c.device_id, c.capture_id, c.station_id, c.contest_id, c.received_at_ms, c.warnings,
     c.review_status, c.photos_declared, c.photos_received, c.superseded_by, ifnull(c.region_path, '')";

pub(super) const AUDIT_COLUMNS: &str = "seq, at_ms, actor, action, capture_pk, detail_json";

/// An audit entry from [`AUDIT_COLUMNS`]; its details must read back as JSON.
pub(super) fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RepoResult<AuditEntry>> {
    let (seq, at_ms, actor, action, capture_pk, detail): (i64, i64, String, String, Option<i64>, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    Ok(from_json(&detail, "audit detail").map(|detail| AuditEntry {
        seq,
        at_ms,
        actor,
        action,
        capture_pk,
        detail,
    }))
}

/// A device's contact from its two nullable columns.
pub(super) fn contact(name: Option<String>, phone: Option<String>) -> Option<DeviceContact> {
    Some(DeviceContact { name: name?, phone: phone? })
}

pub(super) fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(super) fn region_node(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RegionNode> {
    Ok(RegionNode {
        id: r.get(at)?,
        parent_id: r.get(at + 1)?,
        depth: r.get(at + 2)?,
        name: r.get(at + 3)?,
        path: r.get(at + 4)?,
        stations: u(r.get(at + 5)?),
        registered: u(r.get(at + 6)?),
    })
}

fn region_stats(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RegionStats> {
    Ok(RegionStats {
        stations_reported: u(r.get(at)?),
        registered_reported: u(r.get(at + 1)?),
        records: u(r.get(at + 2)?),
        photos_declared: u(r.get(at + 3)?),
        photos_received: u(r.get(at + 4)?),
        with_warnings: u(r.get(at + 5)?),
        attention: Attention {
            unreviewed: u(r.get(at + 6)?),
            disputed: u(r.get(at + 7)?),
            no_photo: u(r.get(at + 8)?),
            warned: u(r.get(at + 9)?),
            disagree: u(r.get(at + 10)?),
        },
    })
}

fn capture_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaptureRow> {
    let status: String = r.get(7)?;
    Ok(CaptureRow {
        pk: r.get(0)?,
        device_id: r.get(1)?,
        capture_id: r.get(2)?,
        station_id: r.get(3)?,
        contest_id: r.get(4)?,
        received_at_ms: r.get(5)?,
        warnings: u(r.get(6)?),
        review_status: status.parse().unwrap_or(ReviewStatus::Unreviewed),
        photos_declared: u(r.get(8)?),
        photos_received: u(r.get(9)?),
        superseded_by: r.get(10)?,
        region_path: r.get(11)?,
    })
}

fn region_row(c: &Connection, id: i64, contest: &str) -> RepoResult<Option<RegionRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {REGION_COLUMNS}, {STATS_COLUMNS} FROM regions r
           LEFT JOIN region_stats s ON s.region_id = r.id AND s.contest_id = ?2 WHERE r.id = ?1"
    ))?
    .query_row(params![id, contest], |r| {
        Ok(RegionRow { node: region_node(r, 0)?, stats: region_stats(r, 7)? })
    })
    .optional()?)
}

fn station_row(c: &Connection, station: &str, contest: &str) -> RepoResult<Option<StationRow>> {
    Ok(c.prepare_cached(
        "SELECT s.id, s.number, s.registered_voters, s.center_id, ce.name, ifnull(r.path, ''),
                (SELECT capture_pk FROM station_current sc WHERE sc.station_id = s.id AND sc.contest_id = ?2),
                (SELECT count(*) FROM captures c WHERE c.station_id = s.id AND c.contest_id = ?2),
                ifnull(f.unreviewed, 0), ifnull(f.disputed, 0), ifnull(f.no_photo, 0), ifnull(f.warned, 0),
                ifnull(f.disagree, 0)
           FROM stations s JOIN centers ce ON ce.id = s.center_id LEFT JOIN regions r ON r.id = ce.region_id
           LEFT JOIN station_flags f ON f.station_id = s.id AND f.contest_id = ?2
          WHERE s.id = ?1",
    )?
    .query_row(params![station, contest], |r| {
        Ok(StationRow {
            id: r.get(0)?,
            number: r.get(1)?,
            registered: u(r.get(2)?),
            center_id: r.get(3)?,
            center_name: r.get(4)?,
            region_path: r.get(5)?,
            current_pk: r.get(6)?,
            captures: u(r.get(7)?),
            flags: Attention {
                unreviewed: u(r.get(8)?),
                disputed: u(r.get(9)?),
                no_photo: u(r.get(10)?),
                warned: u(r.get(11)?),
                disagree: u(r.get(12)?),
            },
        })
    })
    .optional()?)
}

fn center_rows(
    c: &Connection,
    where_sql: &str,
    arg: &dyn rusqlite::ToSql,
    contest: &str,
) -> RepoResult<Vec<CenterRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT ce.id, ce.name, ifnull(r.path, ''),
                (SELECT count(*) FROM stations s WHERE s.center_id = ce.id),
                (SELECT ifnull(sum(registered_voters), 0) FROM stations s WHERE s.center_id = ce.id),
                (SELECT count(*) FROM stations s JOIN station_current sc ON sc.station_id = s.id AND sc.contest_id = ?2
                  WHERE s.center_id = ce.id),
                (SELECT count(*) FROM stations s JOIN captures c ON c.station_id = s.id AND c.contest_id = ?2
                  WHERE s.center_id = ce.id)
           FROM centers ce LEFT JOIN regions r ON r.id = ce.region_id
          WHERE {where_sql} ORDER BY ce.position"
    ))?;
    let rows = stmt.query_map(params![arg, contest], |r| {
        Ok(CenterRow {
            id: r.get(0)?,
            name: r.get(1)?,
            region_path: r.get(2)?,
            stations: u(r.get(3)?),
            registered: u(r.get(4)?),
            reported: u(r.get(5)?),
            records: u(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Joins that give a `device_stations x` row its region as `r`.
const STATION_PLACE: &str = "JOIN stations s ON s.id = x.station_id JOIN centers ce ON ce.id = s.center_id JOIN regions r ON r.id = ce.region_id";

/// The SQL condition (on `alias.region_path` or a path column) that keeps rows inside `scope`,
/// with its two bound values, or nothing for the whole election.
fn scope_sql(column: &str, scope: &str) -> (String, Vec<String>) {
    if scope.is_empty() {
        return ("1 = 1".into(), vec![]);
    }
    let (lo, hi) = subtree_bounds(scope);
    (
        format!("({column} = ?{{a}} OR ({column} >= ?{{b}} AND {column} < ?{{c}}))"),
        vec![scope.to_owned(), lo, hi],
    )
}

#[async_trait]
impl Coordination for SqliteRepo {
    async fn refused_records(&self, scope: String, limit: usize) -> RepoResult<Vec<RefusedRecord>> {
        self.db.read(move |c| super::operations::refused_records(c, scope, limit)).await
    }

    async fn enrollment_codes(&self, limit: usize) -> RepoResult<(u64, u64, Vec<UnusedCode>)> {
        self.db.read(move |c| super::operations::enrollment_codes(c, limit)).await
    }

    async fn audit_log(
        &self,
        query: Option<String>,
        actions: Vec<String>,
        before_seq: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<AuditEntry>> {
        self.db.read(move |c| super::operations::audit_log(c, query, &actions, before_seq, limit)).await
    }

    async fn tally_verified_only(&self) -> RepoResult<bool> {
        self.db.read(super::operations::tally_verified_only).await
    }

    async fn set_tally_verified_only(&self, on: bool, actor: String, now_ms: TimestampMs) -> RepoResult<()> {
        self.db.write(move |c| super::operations::set_tally_verified_only(c, on, actor, now_ms)).await
    }

    async fn station_devices(&self, station_id: String) -> RepoResult<Vec<AssignedDevice>> {
        self.db.read(move |c| super::late::station_devices(c, &station_id)).await
    }

    async fn set_assignment(
        &self,
        station_id: String,
        device: String,
        assigned: bool,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<AssignOutcome> {
        self.db
            .write(move |c| {
                super::operations::set_assignment(c, &station_id, &device, assigned, &actor, now_ms)
            })
            .await
    }

    async fn set_device_contact(
        &self,
        device: String,
        contact: Option<DeviceContact>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<bool> {
        self.db.write(move |c| super::operations::set_device_contact(c, device, contact, actor, now_ms)).await
    }

    async fn table_choice(&self, station: String, contest: String) -> RepoResult<Option<TableChoice>> {
        self.db.read(move |c| super::operations::table_choice(c, station, contest)).await
    }

    async fn choose_capture(
        &self,
        station: String,
        contest: String,
        capture_pk: Option<i64>,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<ChoiceOutcome> {
        self.db
            .write(move |c| {
                super::operations::choose_capture(c, station, contest, capture_pk, reason, actor, now_ms)
            })
            .await
    }

    async fn late_tables(
        &self,
        path: String,
        contest: String,
        filter: LateFilter,
        after: Option<LateCursor>,
        limit: usize,
    ) -> RepoResult<Vec<LateTable>> {
        self.db.read(move |c| super::late::late_tables(c, &path, &contest, filter, after, limit)).await
    }

    async fn create_coordinator(
        &self,
        name: String,
        password_hash: String,
        scope_path: String,
        role: Role,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<i64, AccountError>> {
        self.db
            .write(move |c| {
                super::accounts::create(c, &name, &password_hash, &scope_path, role, &actor, now_ms)
            })
            .await
    }

    async fn accounts(&self) -> RepoResult<Vec<Account>> {
        self.db.read(super::accounts::list).await
    }

    async fn change_account(
        &self,
        id: i64,
        change: AccountChange,
        actor: Coordinator,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<(), AccountError>> {
        self.db.write(move |c| super::accounts::change(c, id, &change, &actor, now_ms)).await
    }

    async fn coordinator_by_name(&self, name: String) -> RepoResult<Option<(Coordinator, String)>> {
        self.db.read(move |c| super::accounts::by_name(c, &name)).await
    }

    async fn create_session(
        &self,
        token_hash: Sha256,
        kind: SessionKind,
        coordinator_id: i64,
        csrf: String,
        now_ms: TimestampMs,
        expires_at_ms: TimestampMs,
    ) -> RepoResult<()> {
        self.db
            .write(move |c| {
                super::accounts::create_session(
                    c,
                    token_hash,
                    kind,
                    coordinator_id,
                    &csrf,
                    now_ms,
                    expires_at_ms,
                )
            })
            .await
    }

    async fn session(
        &self,
        token_hash: Sha256,
        kind: SessionKind,
        now_ms: TimestampMs,
    ) -> RepoResult<Option<(Coordinator, String)>> {
        self.db.read(move |c| super::accounts::session(c, token_hash, kind, now_ms)).await
    }

    async fn end_session(&self, token_hash: Sha256, kind: SessionKind) -> RepoResult<()> {
        self.db.write(move |c| super::accounts::end_session(c, token_hash, kind)).await
    }

    async fn region_by_path(&self, path: String) -> RepoResult<Option<RegionNode>> {
        self.db
            .read(move |c| {
                Ok(c.prepare_cached(&format!("SELECT {REGION_COLUMNS} FROM regions r WHERE r.path = ?1"))?
                    .query_row([path], |r| region_node(r, 0))
                    .optional()?)
            })
            .await
    }

    async fn region_view(&self, region_id: i64, contest: String) -> RepoResult<Option<RegionView>> {
        self.db
            .read(move |c| {
                let Some(region) = region_row(c, region_id, &contest)? else { return Ok(None) };
                let mut ancestors = Vec::new();
                let mut parent = region.node.parent_id;
                while let Some(p) = parent {
                    let node = c
                        .prepare_cached(&format!("SELECT {REGION_COLUMNS} FROM regions r WHERE r.id = ?1"))?
                        .query_row([p], |r| region_node(r, 0))?;
                    parent = node.parent_id;
                    ancestors.push(node);
                    if ancestors.len() > 64 {
                        return Err(corrupt("region tree"));
                    }
                }
                ancestors.reverse();
                let children = c
                    .prepare_cached(&format!(
                        "SELECT {REGION_COLUMNS}, {STATS_COLUMNS} FROM regions r
                           LEFT JOIN region_stats s ON s.region_id = r.id AND s.contest_id = ?2
                          WHERE r.parent_id = ?1 ORDER BY r.name"
                    ))?
                    .query_map(params![region_id, contest], |r| {
                        Ok(RegionRow { node: region_node(r, 0)?, stats: region_stats(r, 7)? })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let centers = center_rows(c, "ce.region_id = ?1", &region_id, &contest)?;
                Ok(Some(RegionView { region, ancestors, children, centers }))
            })
            .await
    }

    async fn tally(&self, region_id: i64, contest: String) -> RepoResult<BTreeMap<String, i64>> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT field_id, votes FROM region_tally WHERE region_id = ?1 AND contest_id = ?2",
                )?;
                Ok(stmt
                    .query_map(params![region_id, contest], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn activity(&self, region_id: i64, since_minute: i64) -> RepoResult<Vec<ActivityPoint>> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT minute, records, photos FROM region_activity
                      WHERE region_id = ?1 AND minute >= ?2 ORDER BY minute",
                )?;
                Ok(stmt
                    .query_map(params![region_id, since_minute], |r| {
                        Ok(ActivityPoint { minute: r.get(0)?, records: u(r.get(1)?), photos: u(r.get(2)?) })
                    })?
                    .collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn center(
        &self,
        center_id: String,
        contest: String,
    ) -> RepoResult<Option<(CenterRow, Vec<StationRow>)>> {
        self.db
            .read(move |c| {
                let Some(center) = center_rows(c, "ce.id = ?1", &center_id, &contest)?.into_iter().next()
                else {
                    return Ok(None);
                };
                let ids: Vec<String> = c
                    .prepare_cached("SELECT id FROM stations WHERE center_id = ?1 ORDER BY number, position")?
                    .query_map([&center_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let mut stations = Vec::new();
                for id in ids {
                    stations.extend(station_row(c, &id, &contest)?);
                }
                Ok(Some((center, stations)))
            })
            .await
    }

    async fn station(
        &self,
        station_id: String,
        contest: String,
    ) -> RepoResult<Option<(StationRow, Vec<CaptureRow>)>> {
        self.db
            .read(move |c| {
                let Some(station) = station_row(c, &station_id, &contest)? else { return Ok(None) };
                let captures = c
                    .prepare_cached(&format!(
                        "SELECT {CAPTURE_COLUMNS} FROM captures c WHERE c.station_id = ?1 AND c.contest_id = ?2
                          ORDER BY c.received_at_ms DESC, c.pk DESC LIMIT 200"
                    ))?
                    .query_map(params![station_id, contest], capture_row)?
                    .collect::<Result<_, _>>()?;
                Ok(Some((station, captures)))
            })
            .await
    }

    async fn capture_detail(&self, pk: i64) -> RepoResult<Option<CaptureDetail>> {
        self.db
            .read(move |c| {
                let row: Option<(CaptureRow, String, String, Option<String>)> = c
                    .prepare_cached(&format!(
                        "SELECT {CAPTURE_COLUMNS}, c.signed_json, c.receipt_json, c.supersedes FROM captures c
                          WHERE c.pk = ?1"
                    ))?
                    .query_row([pk], |r| Ok((capture_row(r)?, r.get(12)?, r.get(13)?, r.get(14)?)))
                    .optional()?;
                let Some((row, signed, receipt, _)) = row else { return Ok(None) };
                let signed: SignedCapture = from_json(&signed, "signed record")?;
                let receipt: SignedReceipt = from_json(&receipt, "receipt")?;
                let station = station_row(c, &row.station_id, &row.contest_id)?.ok_or_else(|| corrupt("station"))?;
                let counted = station.current_pk == Some(pk);
                let photos = c
                    .prepare_cached(
                        "SELECT page, sha256, size, receipt_json FROM capture_photos WHERE capture_pk = ?1 ORDER BY page",
                    )?
                    .query_map([pk], |r| {
                        Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<String>>(3)?))
                    })?
                    .map(|row| {
                        let (page, sha, size, receipt) = row?;
                        Ok(PhotoDetail {
                            page,
                            sha256: Sha256::from_slice(&sha).map_err(|_| corrupt("photo hash"))?,
                            size: u(size),
                            receipt: receipt.as_deref().map(|r| from_json(r, "receipt")).transpose()?,
                        })
                    })
                    .collect::<RepoResult<Vec<_>>>()?;
                // The correction chain: back through `supersedes`, forward through `superseded_by`.
                let by_pk = |pk: i64| -> RepoResult<Option<(CaptureRow, Option<String>)>> {
                    Ok(c.prepare_cached(&format!("SELECT {CAPTURE_COLUMNS}, c.supersedes FROM captures c WHERE c.pk = ?1"))?
                        .query_row([pk], |r| Ok((capture_row(r)?, r.get(12)?)))
                        .optional()?)
                };
                let mut history = vec![row.clone()];
                let mut back = c
                    .query_row("SELECT supersedes FROM captures WHERE pk = ?1", [pk], |r| r.get::<_, Option<String>>(0))?;
                while let Some(old) = back {
                    let prev: Option<i64> = c
                        .prepare_cached("SELECT pk FROM captures WHERE device_id = ?1 AND capture_id = ?2")?
                        .query_row(params![row.device_id, old], |r| r.get(0))
                        .optional()?;
                    let Some((prev_row, prev_back)) = prev.map(&by_pk).transpose()?.flatten() else { break };
                    history.insert(0, prev_row);
                    back = prev_back;
                    if history.len() > 100 {
                        break;
                    }
                }
                let mut next = row.superseded_by;
                while let Some(n) = next {
                    let Some((next_row, _)) = by_pk(n)? else { break };
                    next = next_row.superseded_by;
                    history.push(next_row);
                    if history.len() > 200 {
                        break;
                    }
                }
                let mut others = Vec::new();
                let rows: Vec<(CaptureRow, String)> = c
                    .prepare_cached(&format!(
                        "SELECT {CAPTURE_COLUMNS}, c.signed_json FROM captures c
                          WHERE c.station_id = ?1 AND c.contest_id = ?2 AND c.pk != ?3
                          ORDER BY c.received_at_ms DESC LIMIT 50"
                    ))?
                    .query_map(params![row.station_id, row.contest_id, pk], |r| Ok((capture_row(r)?, r.get(12)?)))?
                    .collect::<Result<_, _>>()?;
                for (other, json) in rows {
                    let s: SignedCapture = from_json(&json, "signed record")?;
                    let all = s.record.counts.into_iter().chain(s.record.extra_counts).collect();
                    others.push((other, all));
                }
                let audit = c
                    .prepare_cached(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE capture_pk = ?1 ORDER BY seq"))?
                    .query_map([pk], audit_row)?
                    .map(|row| row?)
                    .collect::<RepoResult<Vec<_>>>()?;
                let device_revoked: Option<(TimestampMs, String)> = c
                    .query_row(
                        "SELECT revoked_at_ms, ifnull(revoked_reason, '') FROM devices WHERE id = ?1 AND revoked_at_ms IS NOT NULL",
                        [&row.device_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                Ok(Some(CaptureDetail {
                    row,
                    counted,
                    signed,
                    receipt,
                    photos,
                    station,
                    history,
                    others,
                    audit,
                    device_revoked,
                }))
            })
            .await
    }

    async fn batches(
        &self,
        scope: String,
        filter: BatchFilter,
        before_pk: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<CaptureRow>> {
        self.db
            .read(move |c| {
                let (scope_cond, scope_args) = scope_sql("c.region_path", &scope);
                let scope_cond = scope_cond.replace("{a}", "3").replace("{b}", "4").replace("{c}", "5");
                let filter_cond = match filter {
                    BatchFilter::All => "1 = 1",
                    BatchFilter::Warnings => "c.warnings > 0",
                    BatchFilter::Disputed => "c.review_status = 'disputed'",
                    BatchFilter::Unreviewed => "c.review_status = 'unreviewed'",
                    BatchFilter::MissingPhoto => "c.photos_received < c.photos_declared",
                    BatchFilter::Disagree => {
                        "EXISTS (SELECT 1 FROM station_flags f WHERE f.station_id = c.station_id
                                   AND f.contest_id = c.contest_id AND f.disagree = 1)"
                    }
                };
                let sql = format!(
                    "SELECT {CAPTURE_COLUMNS} FROM captures c
                      WHERE c.pk < ?1 AND c.region_path IS NOT NULL AND {scope_cond} AND {filter_cond}
                      ORDER BY c.pk DESC LIMIT ?2"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let before = before_pk.unwrap_or(i64::MAX);
                let limit = limit as i64;
                let rows = match scope_args.as_slice() {
                    [a, b, d] => stmt
                        .query_map(params![before, limit, a, b, d], capture_row)?
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => {
                        stmt.query_map(params![before, limit], capture_row)?.collect::<Result<Vec<_>, _>>()?
                    }
                };
                Ok(rows)
            })
            .await
    }

    async fn devices(
        &self,
        scope: String,
        now_ms: TimestampMs,
        limit: usize,
    ) -> RepoResult<(DeviceSummary, Vec<DeviceRow>)> {
        self.db
            .read(move |c| {
                let (cond, args) = scope_sql("x.region_path", &scope);
                let place = |column: &str| {
                    scope_sql(column, &scope).0.replace("{a}", "3").replace("{b}", "4").replace("{c}", "5")
                };
                // What a device shows is limited to the scope too: its tables there, its records there.
                // (The whole election needs no join to find a table's place.)
                let (station_in_scope, record_in_scope) = (place("r.path"), place("c.region_path"));
                let station_place = if scope.is_empty() { "" } else { STATION_PLACE };
                // In scope: a device with a station in the subtree (every device for the root).
                let in_scope = if args.is_empty() {
                    "1 = 1".to_owned()
                } else {
                    format!(
                        "d0.id IN (SELECT x.device_id FROM device_regions x WHERE {})",
                        cond.replace("{a}", "3").replace("{b}", "4").replace("{c}", "5")
                    )
                };
                let summary_sql = format!(
                    "SELECT count(*),
                            count(*) FILTER (WHERE d0.last_seen_at_ms >= ?1 - 900000),
                            count(*) FILTER (WHERE d0.last_seen_at_ms >= ?1 - 3600000),
                            count(*) FILTER (WHERE d0.last_seen_at_ms IS NULL)
                       FROM devices d0 WHERE ?2 = ?2 AND {in_scope}"
                );
                let list_sql = format!(
                    "SELECT d.id, d.enrolled_at_ms, d.last_seen_at_ms,
                            (SELECT count(*) FROM captures c WHERE c.device_id = d.id AND {record_in_scope}),
                            (SELECT group_concat(station_id, ' ') FROM
                                (SELECT x.station_id FROM device_stations x {station_place}
                                  WHERE x.device_id = d.id AND {station_in_scope} ORDER BY x.station_id LIMIT 5)),
                            (SELECT count(*) FROM device_stations x {station_place}
                              WHERE x.device_id = d.id AND {station_in_scope}),
                            d.revoked_at_ms, k.name, k.phone
                       FROM (SELECT d0.* FROM devices d0 WHERE ?1 = ?1 AND {in_scope}
                              ORDER BY d0.revoked_at_ms IS NOT NULL, ifnull(d0.last_seen_at_ms, 0), d0.id LIMIT ?2) d
                       LEFT JOIN device_contacts k ON k.device_id = d.id
                      ORDER BY d.revoked_at_ms IS NOT NULL, ifnull(d.last_seen_at_ms, 0), d.id"
                );
                let summary = |r: &rusqlite::Row<'_>| {
                    Ok(DeviceSummary {
                        total: u(r.get(0)?),
                        last_15_min: u(r.get(1)?),
                        last_hour: u(r.get(2)?),
                        never: u(r.get(3)?),
                    })
                };
                let row = |r: &rusqlite::Row<'_>| {
                    let stations: Option<String> = r.get(4)?;
                    Ok(DeviceRow {
                        id: r.get(0)?,
                        enrolled_at_ms: r.get(1)?,
                        last_seen_at_ms: r.get(2)?,
                        records: u(r.get(3)?),
                        stations: stations
                            .unwrap_or_default()
                            .split(' ')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        station_count: u(r.get(5)?),
                        revoked_at_ms: r.get(6)?,
                        contact: contact(r.get(7)?, r.get(8)?),
                    })
                };
                let limit = limit as i64;
                let (totals, rows) = match args.as_slice() {
                    [a, b, d] => (
                        c.prepare_cached(&summary_sql)?.query_row(params![now_ms, 0, a, b, d], summary)?,
                        c.prepare_cached(&list_sql)?.query_map(params![0, limit, a, b, d], row)?.collect::<Result<Vec<_>, _>>()?,
                    ),
                    _ => (
                        c.prepare_cached(&summary_sql)?.query_row(params![now_ms, 0], summary)?,
                        c.prepare_cached(&list_sql)?.query_map(params![0, limit], row)?.collect::<Result<Vec<_>, _>>()?,
                    ),
                };
                Ok((totals, rows))
            })
            .await
    }

    async fn find_capture(&self, target: ReviewTarget) -> RepoResult<Result<i64, ReviewOutcome>> {
        self.db.read(move |c| reviews::find(c, &target, "pk", |r| r.get(0))).await
    }

    async fn photo_in_scope(&self, sha256: Sha256, scope: String) -> RepoResult<bool> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT ifnull(c.region_path, '') FROM capture_photos p JOIN captures c ON c.pk = p.capture_pk
                      WHERE p.sha256 = ?1 AND p.receipt_json IS NOT NULL",
                )?;
                let paths: Vec<String> =
                    stmt.query_map([sha256.as_bytes().as_slice()], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok(paths.iter().any(|p| super::regions::within(p, &scope)))
            })
            .await
    }

    async fn device_regions(&self, device: KeyId) -> RepoResult<Option<Vec<String>>> {
        self.db
            .read(move |c| {
                if !c.prepare_cached("SELECT 1 FROM devices WHERE id = ?1")?.exists([device.as_str()])? {
                    return Ok(None);
                }
                let mut stmt =
                    c.prepare_cached("SELECT region_path FROM device_regions WHERE device_id = ?1")?;
                let paths =
                    stmt.query_map([device.as_str()], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                Ok(Some(paths))
            })
            .await
    }
}
