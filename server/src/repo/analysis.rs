//! The count checked against others: the [`Analysis`] trait beside [`super::Repo`], with the
//! authority's official results (every import kept whole, the latest per table standing), the
//! contrast of each table with them (kept by the tally worker, like the tally), and the quick
//! count's sample.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::Serialize;
use testigo_protocol::TimestampMs;

use super::RepoResult;
use crate::official::OfficialRow;

/// An import of official results, checked and ready to store.
#[derive(Debug, Clone)]
pub struct NewOfficialImport {
    /// Where it came from (the authority's name for the round, a URL).
    pub source: String,
    /// The file's name.
    pub file_name: String,
    /// The file's bytes, kept whole.
    pub content: Vec<u8>,
    /// The mapping it was read with, as JSON.
    pub mapping_json: String,
    /// One row per table.
    pub rows: Vec<OfficialRow>,
    /// Who imported it (for the audit).
    pub actor: String,
    /// When.
    pub now_ms: TimestampMs,
}

/// One stored import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialImport {
    /// Its number, in order of import.
    pub id: i64,
    /// Where it came from.
    pub source: String,
    /// The file's name.
    pub file_name: String,
    /// The file's SHA-256 (hex).
    pub sha256: String,
    /// The file's size.
    pub bytes: u64,
    /// Tables it gave.
    pub tables: u64,
    /// When it was imported.
    pub imported_at_ms: TimestampMs,
}

/// A table whose official numbers name a table the election lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTable {
    /// The line of the file.
    pub line: u64,
    /// The table id it names.
    pub station_id: String,
}

/// How a table's acta compares with the official numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContrastStatus {
    /// Every count the authority gives equals the acta's.
    Match,
    /// At least one count differs.
    Differs,
    /// The authority gives numbers; no acta of ours counts for the table.
    OnlyOfficial,
    /// An acta of ours counts; the authority gives no numbers.
    OnlyOurs,
}

impl ContrastStatus {
    /// The stable name (`match`, `differs`, `only_official`, `only_ours`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContrastStatus::Match => "match",
            ContrastStatus::Differs => "differs",
            ContrastStatus::OnlyOfficial => "only_official",
            ContrastStatus::OnlyOurs => "only_ours",
        }
    }

    /// The status of a stable name.
    pub fn parse(s: &str) -> Option<ContrastStatus> {
        [
            ContrastStatus::Match,
            ContrastStatus::Differs,
            ContrastStatus::OnlyOfficial,
            ContrastStatus::OnlyOurs,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Which of our captures a table is contrasted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContrastSide {
    /// The capture the table counts with now (the coordinators' view).
    Current,
    /// The table's published capture (the public's view).
    Published,
}

impl ContrastSide {
    /// The stable name (`current`, `published`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContrastSide::Current => "current",
            ContrastSide::Published => "published",
        }
    }
}

/// A region's contrast with the official numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionContrast {
    /// Tables with both our acta and official numbers, all equal.
    pub matching: u64,
    /// Tables with both, some number different.
    pub differing: u64,
    /// Tables with official numbers only.
    pub only_official: u64,
    /// Tables with our acta only.
    pub only_ours: u64,
    /// Over the differing tables, per field: ours minus official.
    pub difference: BTreeMap<String, i64>,
}

impl RegionContrast {
    /// Tables compared (both sets of numbers).
    pub fn compared(&self) -> u64 {
        self.matching + self.differing
    }
}

/// One table in the contrast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableContrast {
    /// The table's id.
    pub station_id: String,
    /// Its center's id and name, and its number.
    pub center_id: String,
    /// The center's name.
    pub center_name: String,
    /// The table's number in its center.
    pub number: u32,
    /// Its region's path.
    pub region_path: String,
    /// How it compares.
    pub status: ContrastStatus,
    /// The sum of the absolute differences.
    pub difference: i64,
    /// Per differing field: ours minus official.
    pub differences: BTreeMap<String, i64>,
    /// Our acta's numbers, if one counts.
    pub ours: Option<BTreeMap<String, i64>>,
    /// Our capture (the one that counts, or the published one), if any.
    pub capture_pk: Option<i64>,
    /// The official numbers, if any.
    pub official: Option<BTreeMap<String, i64>>,
    /// The import they came from.
    pub import_id: Option<i64>,
}

/// Which tables a contrast list shows, and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContrastQuery {
    /// Which of our captures.
    pub side: ContrastSide,
    /// Only tables in this region path and below (`""`: all).
    pub scope: String,
    /// The contest.
    pub contest: String,
    /// Only tables with this status.
    pub status: ContrastStatus,
    /// Largest difference first (else by table id).
    pub by_difference: bool,
    /// Rows to skip.
    pub offset: u64,
    /// At most this many rows.
    pub limit: u64,
}

/// A table of the quick count's sampling frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameTable {
    /// The table's id.
    pub station_id: String,
    /// Its stratum (the first level of its region path).
    pub stratum: String,
    /// Its registered voters.
    pub registered: u64,
}

/// A drawn quick-count sample, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDraw {
    /// The published seed.
    pub seed: String,
    /// The sample's size.
    pub size: u64,
    /// Per stratum: its tables and the sample drawn from it.
    pub strata: Vec<StratumSize>,
    /// When it was drawn.
    pub drawn_at_ms: TimestampMs,
}

/// A stratum's size and its share of the sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StratumSize {
    /// The stratum's name.
    pub name: String,
    /// Tables in it (N_h).
    pub tables: u64,
    /// Registered voters in it.
    pub registered: u64,
    /// Tables drawn from it (n_h).
    pub sample: u64,
}

/// A sample table as the night stands: its stratum and the numbers that count for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleReport {
    /// The table's id.
    pub station_id: String,
    /// Its stratum.
    pub stratum: String,
    /// The numbers of the acta that counts for it, if one has arrived.
    pub counts: Option<BTreeMap<String, i64>>,
    /// When that acta arrived.
    pub received_at_ms: Option<TimestampMs>,
}

/// Official results, the contrast and the quick count's sample. See the module doc.
#[async_trait]
pub trait Analysis: Send + Sync + 'static {
    /// Stores an import whole, in one transaction: the file, its SHA-256, every row; each
    /// table's official numbers become the import's (the latest stands), and the contrast of
    /// each is recomputed by the tally worker. Earlier imports are never changed. If a row names
    /// a table the election lacks, nothing is stored and the first such rows are returned.
    async fn import_official(
        &self,
        import: NewOfficialImport,
    ) -> RepoResult<Result<OfficialImport, Vec<UnknownTable>>>;

    /// Every import, oldest first.
    async fn official_imports(&self) -> RepoResult<Vec<OfficialImport>>;

    /// A region's contrast (the region and everything beneath it) for `contest`.
    async fn region_contrast(
        &self,
        region_id: i64,
        contest: String,
        side: ContrastSide,
    ) -> RepoResult<RegionContrast>;

    /// Tables of the contrast, filtered and ordered as asked.
    async fn contrast_tables(&self, query: ContrastQuery) -> RepoResult<Vec<TableContrast>>;

    /// How many tables `contrast_tables` would list without offset and limit.
    async fn contrast_count(
        &self,
        side: ContrastSide,
        scope: String,
        contest: String,
        status: ContrastStatus,
    ) -> RepoResult<u64>;

    /// One table's contrast, if either side has numbers for it.
    async fn table_contrast(
        &self,
        station_id: String,
        contest: String,
        side: ContrastSide,
    ) -> RepoResult<Option<TableContrast>>;

    /// A number that changes whenever the public side of the contrast changes (the portal's
    /// pages depend on it).
    async fn public_contrast_generation(&self) -> RepoResult<u64>;

    /// Every table of the election with its stratum and registered voters (the frame a quick
    /// count is drawn from), in table id order.
    async fn sampling_frame(&self) -> RepoResult<Vec<FrameTable>>;

    /// Replaces the quick-count sample (before election day) and writes the audit entry.
    async fn store_draw(
        &self,
        draw: StoredDraw,
        tables: Vec<(String, String)>,
        actor: String,
    ) -> RepoResult<()>;

    /// The drawn sample, if any.
    async fn draw(&self) -> RepoResult<Option<StoredDraw>>;

    /// The sample's tables with the numbers that count for each in `contest`.
    async fn sample_reports(&self, contest: String) -> RepoResult<Vec<SampleReport>>;
}
