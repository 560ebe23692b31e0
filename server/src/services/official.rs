//! The authority's results and the contrast: importing a round of official per-table results
//! (all or nothing, kept whole), and what the dashboard, the admin API, the command line and
//! the portal read of the contrast — a region's sums, the list of tables by difference, one
//! table, the CSV of every discrepancy.

use std::collections::BTreeMap;

use testigo_protocol::election::Contest;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::official::{self, FileFormat, Mapping, OfficialFileError};
use crate::repo::analysis::{
    ContrastQuery, ContrastSide, ContrastStatus, NewOfficialImport, OfficialImport, RegionContrast,
    TableContrast, UnknownTable,
};
use crate::repo::coord::RegionView;
use crate::services::review::Reviewer;
use crate::services::tally::{self, CandidateTotal};

/// The mappings shipped with Testigo, by name (`server/mappings/`).
pub const SHIPPED_MAPPINGS: [(&str, &str); 2] = [
    ("prep-csv", include_str!("../../mappings/prep-csv.json")),
    ("per-table-json", include_str!("../../mappings/per-table-json.json")),
];

/// A shipped mapping by name.
pub fn shipped_mapping(name: &str) -> Option<Result<Mapping, OfficialFileError>> {
    SHIPPED_MAPPINGS.iter().find(|(n, _)| *n == name).map(|(_, text)| Mapping::from_json(text))
}

/// A file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Where it came from (e.g. "CNE, second bulletin"), shown in the history.
    pub source: String,
    /// The file's name; `.json` selects JSON when no mapping is given.
    pub file_name: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// How to read it; `None` for Testigo's own format.
    pub mapping: Option<Mapping>,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file or its mapping is malformed.
    #[error("{0}")]
    File(#[from] OfficialFileError),
    /// Rows name tables the election lacks (the first few).
    #[error("line {}: the election has no table {}", .0.first().map_or(0, |u| u.line), .0.first().map_or("", |u| u.station_id.as_str()))]
    UnknownTables(Vec<UnknownTable>),
    /// Anything else (permission, storage).
    #[error(transparent)]
    App(#[from] AppError),
}

/// The longest source or file name kept.
const MAX_NAME: usize = 200;

/// Imports a round of official results: every row checked first, then stored whole in one
/// transaction, or nothing. Only a reviewer of the whole election may import.
pub async fn import(
    state: &AppState,
    who: &Reviewer,
    req: ImportRequest,
) -> Result<OfficialImport, ImportError> {
    if !who.is_admin() {
        return Err(AppError::Forbidden(
            "importing official results needs a reviewer for the whole election",
        )
        .into());
    }
    if req.source.trim().is_empty() || req.source.len() > MAX_NAME || req.file_name.len() > MAX_NAME {
        return Err(AppError::BadRequest(format!("the source must be 1 to {MAX_NAME} bytes")).into());
    }
    let election = state.repo.election().await.map_err(AppError::from)?.ok_or(AppError::NoElection)?;
    let mapping = req.mapping.unwrap_or_else(|| {
        Mapping::native(if req.file_name.to_ascii_lowercase().ends_with(".json") {
            FileFormat::Json
        } else {
            FileFormat::Csv
        })
    });
    let content = req.content;
    let contests = election.contests.clone();
    let mapping_for_read = mapping.clone();
    // Reading a national file takes seconds: off the async threads.
    let (file, content) = tokio::task::spawn_blocking(move || {
        official::read(&content, &mapping_for_read, &contests).map(|f| (f, content))
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading the file: {e}")))??;
    let new = NewOfficialImport {
        source: req.source.trim().to_owned(),
        file_name: req.file_name,
        content,
        mapping_json: mapping.to_json(),
        rows: file.rows,
        actor: who.name.clone(),
        now_ms: crate::now_ms(),
    };
    match state.analysis.import_official(new).await.map_err(AppError::from)? {
        Ok(done) => Ok(done),
        Err(unknown) => Err(ImportError::UnknownTables(unknown)),
    }
}

/// A region's contrast and its children's, within a scope.
pub struct RegionContrastView {
    /// The region (with its children and ancestors).
    pub view: RegionView,
    /// The region's own sums.
    pub contrast: RegionContrast,
    /// Per child region, in the view's order.
    pub children: Vec<RegionContrast>,
    /// The differing tables' difference per candidate (ours minus official), largest first.
    pub candidates: Vec<CandidateTotal>,
}

/// The contrast of `region` (the scope's root if `None`) for `contest`, on `side`.
pub async fn region(
    state: &AppState,
    side: ContrastSide,
    scope: &str,
    region: Option<i64>,
    contest: &Contest,
) -> AppResult<RegionContrastView> {
    let view = tally::region_in_scope(state, scope, region, contest).await?;
    let contrast = state.analysis.region_contrast(view.region.node.id, contest.id.clone(), side).await?;
    let mut children = Vec::with_capacity(view.children.len());
    for child in &view.children {
        children.push(state.analysis.region_contrast(child.node.id, contest.id.clone(), side).await?);
    }
    let mut candidates = tally::candidate_totals(contest, &contrast.difference);
    candidates.sort_by(|a, b| b.votes.abs().cmp(&a.votes.abs()).then(a.id.cmp(&b.id)));
    Ok(RegionContrastView { view, contrast, children, candidates })
}

/// The contrast of the whole election (or the contest named) for the command line: the contest
/// and the root region's view.
pub async fn national(state: &AppState, contest: Option<&str>) -> AppResult<(Contest, RegionContrastView)> {
    let (_, contest) = tally::contest(state, contest).await?;
    let view = region(state, ContrastSide::Current, "", None, &contest).await?;
    Ok((contest, view))
}

/// The contest a command names (the first if none), for the command line.
pub async fn contest(state: &AppState, wanted: Option<&str>) -> AppResult<Contest> {
    Ok(tally::contest(state, wanted).await?.1)
}

/// One page of the contrast's tables on `side` within a scope, and how many there are in all.
#[allow(clippy::too_many_arguments)]
pub async fn tables(
    state: &AppState,
    side: ContrastSide,
    scope: &str,
    contest: &Contest,
    status: ContrastStatus,
    by_difference: bool,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<TableContrast>, u64)> {
    let query = ContrastQuery {
        side,
        scope: scope.to_owned(),
        contest: contest.id.clone(),
        status,
        by_difference,
        offset,
        limit: limit.min(500),
    };
    let rows = state.analysis.contrast_tables(query).await?;
    // The region's sums hold the count (a scope is a region); counting rows is the fallback.
    let total = match state.coord.region_by_path(scope.to_owned()).await? {
        Some(node) => {
            let sums = state.analysis.region_contrast(node.id, contest.id.clone(), side).await?;
            match status {
                ContrastStatus::Match => sums.matching,
                ContrastStatus::Differs => sums.differing,
                ContrastStatus::OnlyOfficial => sums.only_official,
                ContrastStatus::OnlyOurs => sums.only_ours,
            }
        }
        None => state.analysis.contrast_count(side, scope.to_owned(), contest.id.clone(), status).await?,
    };
    Ok((rows, total))
}

/// One table's contrast on `side`, if it lies in `scope` and either side has numbers.
pub async fn table(
    state: &AppState,
    side: ContrastSide,
    scope: &str,
    station: &str,
    contest: &Contest,
) -> AppResult<Option<TableContrast>> {
    let row = state.analysis.table_contrast(station.to_owned(), contest.id.clone(), side).await?;
    Ok(row.filter(|r| crate::repo::coord::within_scope(&r.region_path, scope)))
}

/// Every table whose numbers differ, or that only one side has, within `scope`, as CSV: one line
/// per table, largest difference first, with both sets of numbers for every field of the
/// contest (`ours:<field>`, `official:<field>`; empty where a side has none).
pub async fn discrepancies_csv(state: &AppState, scope: &str, contest: &Contest) -> AppResult<Vec<u8>> {
    let fields: Vec<&str> = contest
        .options
        .iter()
        .map(|o| o.id.as_str())
        .chain(contest.count_fields.iter().map(|f| f.id.as_str()))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> =
        ["table_id", "center_id", "center_name", "region", "status", "difference"].map(String::from).to_vec();
    for f in &fields {
        header.push(format!("ours:{f}"));
        header.push(format!("official:{f}"));
    }
    let bad = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
    out.write_record(&header).map_err(bad)?;
    const PAGE: u64 = 500;
    for status in [ContrastStatus::Differs, ContrastStatus::OnlyOfficial, ContrastStatus::OnlyOurs] {
        let mut offset = 0;
        loop {
            let query = ContrastQuery {
                side: ContrastSide::Current,
                scope: scope.to_owned(),
                contest: contest.id.clone(),
                status,
                by_difference: true,
                offset,
                limit: PAGE,
            };
            let rows = state.analysis.contrast_tables(query).await?;
            for r in &rows {
                let mut line = vec![
                    r.station_id.clone(),
                    r.center_id.clone(),
                    r.center_name.clone(),
                    r.region_path.clone(),
                    r.status.as_str().to_owned(),
                    r.difference.to_string(),
                ];
                let value = |side: &Option<BTreeMap<String, i64>>, f: &str| {
                    side.as_ref().and_then(|m| m.get(f)).map_or(String::new(), i64::to_string)
                };
                for f in &fields {
                    line.push(value(&r.ours, f));
                    line.push(value(&r.official, f));
                }
                out.write_record(&line).map_err(bad)?;
            }
            if (rows.len() as u64) < PAGE {
                break;
            }
            offset += PAGE;
        }
    }
    out.into_inner().map_err(|e| AppError::Internal(format!("writing CSV: {e}")))
}

/// What the printable contrast report holds: the region's contrast, the largest
/// discrepancies with the acta each table counts with, and the imports.
pub struct Report {
    /// The region's sums, its regions and the difference per candidate.
    pub view: RegionContrastView,
    /// The largest discrepancies, each with our acta in full (photos, hashes, signature).
    pub largest: Vec<(TableContrast, Option<crate::repo::coord::CaptureDetail>)>,
    /// Every import, oldest first.
    pub imports: Vec<OfficialImport>,
}

/// The report of `region` (the scope's root if `None`) with its `largest` discrepancies.
pub async fn report(
    state: &AppState,
    scope: &str,
    region: Option<i64>,
    contest: &Contest,
    largest: u64,
) -> AppResult<Report> {
    let view = self::region(state, ContrastSide::Current, scope, region, contest).await?;
    let path = view.view.region.node.path.clone();
    let (rows, _) =
        tables(state, ContrastSide::Current, &path, contest, ContrastStatus::Differs, true, 0, largest)
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let detail = match row.capture_pk {
            Some(pk) => state.coord.capture_detail(pk).await?,
            None => None,
        };
        out.push((row, detail));
    }
    let imports = state.analysis.official_imports().await?;
    Ok(Report { view, largest: out, imports })
}
