//! What the public reads: the portal's pages and its static mirror (to come) call these, so what
//! is public is decided in one place — published captures, their photos once received, and the
//! published sums; never a coordinator's name, a watcher's enrollment, or anything unpublished.

use std::collections::BTreeMap;
use std::sync::Arc;

use testigo_protocol::Sha256;
use testigo_protocol::election::Contest;
use testigo_protocol::publication::PublishedTable;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::ElectionInfo;
use crate::repo::analysis::{ContrastSide, ContrastStatus, OfficialImport, TableContrast};
use crate::repo::coord::RegionNode;
use crate::repo::publication::{PublicCenter, PublicRegion, SearchHit};
use crate::services::tally::{CandidateTotal, candidate_totals};

/// The longest search query read, in characters.
pub const MAX_QUERY_CHARS: usize = 64;

/// Search results per query.
pub const SEARCH_LIMIT: usize = 50;

/// What every public page depends on: the election, the contest shown, and how far what is
/// public has changed (`version`). Together they make the pages' validator.
#[derive(Clone)]
pub(crate) struct Context {
    /// The election.
    pub(crate) election: Arc<ElectionInfo>,
    /// The contest the portal shows (the election's first).
    pub(crate) contest: Contest,
    /// How far what is public has changed ([`crate::repo::Publishing::public_version`]).
    pub(crate) cursor: testigo_protocol::publication::PublicCursor,
    /// The official results imported so far (their history is public).
    pub(crate) official: Vec<OfficialImport>,
    /// How far the public side of the contrast has changed.
    pub(crate) contrast: u64,
}

impl Context {
    /// A validator for a page derived from this context: the election's package version, the
    /// public version and the page's own key (its path and language).
    pub(crate) fn etag(&self, page: &str) -> String {
        let digest = Sha256::digest(page.as_bytes()).to_string();
        let short = digest.get(..12).unwrap_or(&digest);
        format!(
            "W/\"{}-{}-{}-{}-{short}-{}\"",
            self.election.version,
            self.cursor.total(),
            self.official.len(),
            self.contrast,
            env!("CARGO_PKG_VERSION")
        )
    }

    /// What the pages were rendered for: they change when any part of it does.
    pub(crate) fn generation(&self) -> (u64, u64, u64, u64) {
        (self.election.version, self.cursor.total(), self.official.len() as u64, self.contrast)
    }

    /// The import a table's official numbers came from.
    pub(crate) fn import(&self, id: i64) -> Option<&OfficialImport> {
        self.official.iter().find(|i| i.id == id)
    }
}

/// The context now; [`AppError::NoElection`] before an election is imported.
pub(crate) async fn context(state: &AppState) -> AppResult<Context> {
    let (election, contest) = crate::services::tally::contest(state, None).await?;
    let cursor = state.public.public_version().await?;
    let official = state.analysis.official_imports().await?;
    let contrast = state.analysis.public_contrast_generation().await?;
    Ok(Context { election, contest, cursor, official, contrast })
}

/// A region's public numbers and its candidates' published votes.
pub(crate) struct Region {
    /// The region, its children and centers.
    pub(crate) region: PublicRegion,
    /// Votes per candidate, most first.
    pub(crate) candidates: Vec<CandidateTotal>,
    /// Sum of the ballot options' votes.
    pub(crate) valid: i64,
}

/// The region `id` (the whole election for `None`), or "not found".
pub(crate) async fn region(state: &AppState, ctx: &Context, id: Option<i64>) -> AppResult<Region> {
    let region = state.public.public_region(id, ctx.contest.id.clone()).await?.ok_or(AppError::NotFound)?;
    let candidates = candidate_totals(&ctx.contest, &region.votes);
    let valid = ctx.contest.options.iter().map(|o| region.votes.get(&o.id).copied().unwrap_or(0)).sum();
    Ok(Region { region, candidates, valid })
}

/// A center and its tables, or "not found".
pub(crate) async fn center(state: &AppState, ctx: &Context, id: &str) -> AppResult<PublicCenter> {
    state.public.public_center(id.to_owned(), ctx.contest.id.clone()).await?.ok_or(AppError::NotFound)
}

/// A table's publication, or "not found" for no such table.
pub(crate) async fn table(state: &AppState, ctx: &Context, id: &str) -> AppResult<PublishedTable> {
    state.public.public_table(id.to_owned(), ctx.contest.id.clone()).await?.ok_or(AppError::NotFound)
}

/// A table's publication and its center's regions (for the breadcrumbs), or "not found".
pub(crate) async fn table_page(
    state: &AppState,
    ctx: &Context,
    id: &str,
) -> AppResult<(PublishedTable, Vec<RegionNode>)> {
    state.public.public_table_page(id.to_owned(), ctx.contest.id.clone()).await?.ok_or(AppError::NotFound)
}

/// Tables, centers and regions matching `query` (trimmed, at most [`MAX_QUERY_CHARS`]).
pub(crate) async fn search(state: &AppState, query: &str) -> AppResult<Vec<SearchHit>> {
    let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state.public.public_search(query, SEARCH_LIMIT).await?)
}

/// Voter look-ups one address may make in a burst, and how fast they come back (per second):
/// enough for a family, too few to walk a register.
const VOTER_BURST: u32 = 10;
const VOTER_PER_S: f64 = 0.1;

/// Whether the voter look-up is on (an operator imported a voter file).
pub(crate) async fn voter_lookup_on(state: &AppState) -> AppResult<bool> {
    Ok(state.public.voter_lookup_on().await?)
}

/// The table of the voter with ID number `raw`, asked from address `ip`: `None` when the
/// look-up is off, the number is not in the voter file or has no letters or digits. Each
/// address may ask [`VOTER_BURST`] times, then once every ten seconds.
pub(crate) async fn voter_table(state: &AppState, ip: &str, raw: &str) -> AppResult<Option<String>> {
    let Some(id) = crate::services::publication::normalize_voter_id(raw) else {
        return Ok(None);
    };
    if let Err(retry_after_s) = state.rate.take(&format!("voter:{ip}"), VOTER_BURST, VOTER_PER_S) {
        return Err(AppError::RateLimited { retry_after_s });
    }
    Ok(state.public.voter_table(state.key.voter_hash(&id)).await?)
}

/// A published photo's bytes, or "not found" (no such photo, or not published).
pub(crate) async fn photo(state: &AppState, sha256: Sha256) -> AppResult<Vec<u8>> {
    if !state.public.photo_is_public(sha256).await? {
        return Err(AppError::NotFound);
    }
    state.blobs.get(&sha256).await.map_err(|e| AppError::Internal(e.to_string()))?.ok_or(AppError::NotFound)
}

/// The numbers an acta's QR code carries, keyed like the record's counts, when the record kept
/// the QR text and the election's QR format reads it.
pub(crate) fn qr_counts(ctx: &Context, payload: Option<&str>) -> Option<BTreeMap<String, u32>> {
    let format = ctx.contest.acta_qr.as_ref()?;
    testigo_protocol::qr::parse(format, &ctx.contest, payload?).ok().map(|q| q.all())
}

/// A published table's official numbers (compared with its published acta), if the authority
/// gave any.
pub(crate) async fn official_numbers(
    state: &AppState,
    ctx: &Context,
    id: &str,
) -> AppResult<Option<TableContrast>> {
    if ctx.official.is_empty() {
        return Ok(None);
    }
    let row =
        state.analysis.table_contrast(id.to_owned(), ctx.contest.id.clone(), ContrastSide::Published).await?;
    Ok(row.filter(|r| r.official.is_some()))
}

/// How many of the largest public discrepancies the contrast page lists.
pub const CONTRAST_LIST: u64 = 100;

/// The public contrast: published actas against the official numbers, nationally, per
/// first-level region, and the largest discrepancies.
pub(crate) struct PublicContrast {
    /// The national sums.
    pub(crate) view: crate::services::official::RegionContrastView,
    /// The published tables that differ most, largest first.
    pub(crate) largest: Vec<TableContrast>,
}

/// The public contrast (published actas only), or "not found" before any official import.
pub(crate) async fn contrast(state: &AppState, ctx: &Context) -> AppResult<PublicContrast> {
    if ctx.official.is_empty() {
        return Err(AppError::NotFound);
    }
    let view =
        crate::services::official::region(state, ContrastSide::Published, "", None, &ctx.contest).await?;
    let (largest, _) = crate::services::official::tables(
        state,
        ContrastSide::Published,
        "",
        &ctx.contest,
        ContrastStatus::Differs,
        true,
        0,
        CONTRAST_LIST,
    )
    .await?;
    Ok(PublicContrast { view, largest })
}
