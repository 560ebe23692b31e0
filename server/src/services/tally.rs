//! What the coordinators read of the count: which contest a view is about, a region's numbers
//! within the reader's scope, and the tally per candidate. The dashboard, the admin API (and the
//! public portal to come) all read through here, so a scope is checked one way everywhere.

use std::collections::BTreeMap;
use std::sync::Arc;

use testigo_protocol::election::Contest;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::ElectionInfo;
use crate::repo::coord::{RegionView, within_scope};

/// The election and the contest a view is about: the one `wanted` names, else the first.
/// No election yet is [`AppError::NoElection`]; a contest the election lacks is "not found".
pub(crate) async fn contest(
    state: &AppState,
    wanted: Option<&str>,
) -> AppResult<(Arc<ElectionInfo>, Contest)> {
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let contest = match wanted {
        Some(id) => election.contest(id).cloned().ok_or(AppError::NotFound)?,
        None => election.contests.first().cloned().ok_or(AppError::NoElection)?,
    };
    Ok((election, contest))
}

/// A region's view for `contest`, if the region lies in `scope`; "not found" otherwise (the
/// same answer as for a region that does not exist). `None` for `region` is the scope's root.
pub(crate) async fn region_in_scope(
    state: &AppState,
    scope: &str,
    region: Option<i64>,
    contest: &Contest,
) -> AppResult<RegionView> {
    let region_id = match region {
        Some(id) => id,
        None => state.coord.region_by_path(scope.to_owned()).await?.ok_or(AppError::NotFound)?.id,
    };
    let view = state.coord.region_view(region_id, contest.id.clone()).await?.ok_or(AppError::NotFound)?;
    if !within_scope(&view.region.node.path, scope) {
        return Err(AppError::NotFound);
    }
    Ok(view)
}

/// One candidate's votes, summed over their party lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateTotal {
    /// The candidate's id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their votes.
    pub votes: i64,
}

/// The tally of a region within `scope`: its view, the votes per field (ballot options and extra
/// counts) and per candidate.
pub(crate) struct Tally {
    /// The region.
    pub(crate) view: RegionView,
    /// Votes per ballot option and extra count field.
    pub(crate) votes: BTreeMap<String, i64>,
    /// Votes per candidate, most first.
    pub(crate) candidates: Vec<CandidateTotal>,
    /// The sum over the ballot options.
    pub(crate) valid: i64,
}

/// The tally of `region` (the scope's root if `None`) for `contest`, within `scope`.
pub(crate) async fn tally(
    state: &AppState,
    scope: &str,
    region: Option<i64>,
    contest: &Contest,
) -> AppResult<Tally> {
    let view = region_in_scope(state, scope, region, contest).await?;
    let votes = state.coord.tally(view.region.node.id, contest.id.clone()).await?;
    let candidates = candidate_totals(contest, &votes);
    let valid = contest.options.iter().map(|o| votes.get(&o.id).copied().unwrap_or(0)).sum();
    Ok(Tally { view, votes, candidates, valid })
}

/// Votes per candidate (summing their party lines), most first, ties by id.
pub(crate) fn candidate_totals(contest: &Contest, votes: &BTreeMap<String, i64>) -> Vec<CandidateTotal> {
    let mut totals: Vec<CandidateTotal> = contest
        .candidates
        .iter()
        .map(|c| {
            let votes = contest
                .options
                .iter()
                .filter(|o| o.candidate_id == c.id)
                .map(|o| votes.get(&o.id).copied().unwrap_or(0))
                .sum();
            CandidateTotal { id: c.id.clone(), name: c.name.clone(), votes }
        })
        .collect();
    totals.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)));
    totals
}

/// Sets whether tables count only with a verified capture (verified by double entry, by a
/// verifier or by a coordinator's review) instead of their latest standing one. Only an
/// administrator may; every table is counted again.
pub async fn set_verified_only(
    state: &AppState,
    who: &crate::services::review::Reviewer,
    on: bool,
) -> AppResult<()> {
    if !who.is_admin() {
        return Err(AppError::Forbidden("only an administrator may change what counts"));
    }
    Ok(state.coord.set_tally_verified_only(on, who.name.clone(), crate::now_ms()).await?)
}
