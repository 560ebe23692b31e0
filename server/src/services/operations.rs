//! The night's operations, for coordinators: which tables are late (no acta yet, or its photo
//! missing) with the devices that should report them, and finding anything by code, name or
//! capture id — always within the coordinator's region.

use testigo_protocol::election::Contest;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::ReviewTarget;
use crate::repo::coord::{Coordinator, LateCursor, LateFilter, LateTable, RegionView, within_scope};
use crate::repo::publication::SearchHit;
use crate::services::portal::{MAX_QUERY_CHARS, SEARCH_LIMIT};

/// Late tables listed per page.
pub const LATE_PAGE: usize = 100;

/// A region's late tables: the region (for its numbers and place) and one page of tables.
pub struct Late {
    /// The region, in the coordinator's scope.
    pub view: RegionView,
    /// A page of its late tables, in the order of regions, centers and table numbers.
    pub tables: Vec<LateTable>,
    /// Where the next page starts, when there may be one.
    pub next: Option<LateCursor>,
}

/// The late tables of `region` (the scope's root when `None`) for `contest`.
pub async fn late(
    state: &AppState,
    user: &Coordinator,
    region: Option<i64>,
    contest: &Contest,
    filter: LateFilter,
    after: Option<LateCursor>,
) -> AppResult<Late> {
    let view = crate::services::tally::region_in_scope(state, &user.scope_path, region, contest).await?;
    let tables = state
        .coord
        .late_tables(view.region.node.path.clone(), contest.id.clone(), filter, after, LATE_PAGE)
        .await?;
    let next = (tables.len() == LATE_PAGE).then(|| tables.last().map(|t| t.cursor)).flatten();
    Ok(Late { view, tables, next })
}

/// What a coordinator's search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A table, a center or a region (as the portal's search finds them).
    Place(SearchHit),
    /// A capture, by its id.
    Capture {
        /// Its row id.
        pk: i64,
        /// Its table.
        station_id: String,
    },
}

/// Tables, centers and regions whose code or name matches `query`, and the capture whose id it
/// is, all within `user`'s region (at most the portal's limit).
pub async fn search(
    state: &AppState,
    user: &Coordinator,
    contest: &Contest,
    query: &str,
) -> AppResult<Vec<Found>> {
    let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    if let Ok(id) = Uuid::parse_str(&query) {
        // An id no capture has, or several devices' (ambiguous), finds nothing here.
        if let Ok(pk) = state.coord.find_capture(ReviewTarget::CaptureId(id)).await? {
            let d = state.coord.capture_detail(pk).await?.ok_or(AppError::NotFound)?;
            if within_scope(&d.row.region_path, &user.scope_path) {
                found.push(Found::Capture { pk, station_id: d.row.station_id });
            }
        }
    }
    for hit in state.public.public_search(query, SEARCH_LIMIT).await? {
        let path = match &hit {
            SearchHit::Station { id, .. } => {
                match state.coord.station(id.clone(), contest.id.clone()).await? {
                    Some((row, _)) => row.region_path,
                    None => continue,
                }
            }
            SearchHit::Center { region_path, .. } => region_path.clone(),
            SearchHit::Region(node) => node.path.clone(),
        };
        if within_scope(&path, &user.scope_path) {
            found.push(Found::Place(hit));
        }
    }
    Ok(found)
}
