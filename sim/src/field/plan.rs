//! The night's plan, made before anyone moves: who covers which tables, with which enrollment
//! code, behind which link.
//!
//! Tables go round robin to the watchers, and with the chance `double_cover` the next watcher
//! covers a table too, so the server meets two captures of one acta as it would in the field. The
//! network is one fault proxy per kind of link in the profile; watchers are put behind them by
//! their place in the list, so the shares hold exactly rather than on average. In the censored
//! profile a share of the watchers has no data link tonight; each of them is given a runner (one
//! for every four), a phone of its own that carries their bundles to a link.

use testigo_testkit::{FaultProxy, Faults, ProxyStats, Rng, SampleElection};

use super::{FieldOptions, Result};
use crate::server::LocalServer;

/// Who does what tonight, and the links they do it over.
pub(super) struct Plan {
    /// Tables in the election.
    pub(super) tables: usize,
    /// The watchers, in order.
    pub(super) watchers: Vec<WatcherPlan>,
    /// Tables covered by two watchers.
    pub(super) double_covered: u64,
    /// The runners, who carry the bundles of watchers without a data link.
    pub(super) runners: Vec<RunnerPlan>,
    /// One proxy per kind of link, with the share of watchers behind it.
    proxies: Vec<(FaultProxy, f64)>,
}

/// One runner's part.
pub(super) struct RunnerPlan {
    /// The seed of its phone.
    pub(super) seed: u64,
    /// Its enrollment code (for one table of a watcher it carries for: a runner is a watcher
    /// too, with no acta of its own to send tonight).
    pub(super) code: String,
    /// How many watchers' bundles it waits for.
    pub(super) carries: usize,
}

/// One watcher's part.
pub(super) struct WatcherPlan {
    /// Its place in the list (which decides its link).
    pub(super) index: usize,
    /// The seed of its phone and of everything it does.
    pub(super) seed: u64,
    /// The indexes of the stations it covers, in the order it visits them.
    pub(super) stations: Vec<usize>,
    /// Its one-time enrollment code, bound to those stations.
    pub(super) code: String,
    /// The runner who carries its bundle, when it has no data link tonight.
    pub(super) runner: Option<usize>,
}

impl Plan {
    /// Starts the network and plans the night for `election` on `server`.
    pub(super) fn make(
        options: &FieldOptions,
        election: &SampleElection,
        server: &LocalServer,
    ) -> Result<Plan> {
        let proxies: Vec<(FaultProxy, f64)> = options
            .profile
            .links()
            .into_iter()
            .enumerate()
            .map(|(i, (link, share))| {
                Ok((
                    FaultProxy::start(
                        server.addr,
                        link,
                        options.profile.faults(),
                        options.seed.wrapping_add(i as u64),
                    )?,
                    share,
                ))
            })
            .collect::<Result<_>>()?;
        if proxies.is_empty() {
            return Err("no network profile".into());
        }
        let tables = election.package.stations.len();
        let (covers, double_covered) = cover(options, tables);
        let assignments: Vec<Vec<String>> = covers
            .iter()
            .map(|stations| {
                stations
                    .iter()
                    .filter_map(|i| election.package.stations.get(*i).map(|s| s.id.clone()))
                    .collect()
            })
            .collect();
        // One code per assignment, in the same order.
        let codes = server.codes(&assignments)?;
        let mut watchers: Vec<WatcherPlan> = covers
            .into_iter()
            .zip(codes)
            .enumerate()
            .map(|(index, (stations, code))| WatcherPlan {
                index,
                seed: options.seed.wrapping_mul(10_007).wrapping_add(index as u64),
                stations,
                code,
                runner: None,
            })
            .collect();
        let runners = cut(options, election, server, &mut watchers)?;
        Ok(Plan { tables, watchers, double_covered, runners, proxies })
    }

    /// Captures to make in all (corrections not included).
    pub(super) fn captures_total(&self) -> u64 {
        self.watchers.iter().map(|w| w.stations.len() as u64).sum()
    }

    /// The link of the watcher at `index`.
    pub(super) fn link_of(&self, index: usize) -> Option<&FaultProxy> {
        let place = index as f64 / self.watchers.len() as f64;
        let mut cumulative = 0.0;
        let found = self.proxies.iter().find(|(_, share)| {
            cumulative += share;
            place < cumulative
        });
        found.or(self.proxies.last()).map(|(p, _)| p)
    }

    /// Gives every link these faults (an outage, or the end of one).
    pub(super) fn set_faults(&self, faults: &Faults) {
        for (p, _) in &self.proxies {
            p.set_faults(faults.clone());
        }
    }

    /// What went through the whole network, summed over the links.
    pub(super) fn network_stats(&self) -> ProxyStats {
        self.proxies.iter().map(|(p, _)| p.stats()).fold(ProxyStats::default(), |a, b| ProxyStats {
            connections: a.connections + b.connections,
            bytes_up: a.bytes_up + b.bytes_up,
            bytes_down: a.bytes_down + b.bytes_down,
            resets: a.resets + b.resets,
            stalls: a.stalls + b.stalls,
            blackholes: a.blackholes + b.blackholes,
            truncations: a.truncations + b.truncations,
            errors_5xx: a.errors_5xx + b.errors_5xx,
            portal_answers: a.portal_answers + b.portal_answers,
            refused: a.refused + b.refused,
        })
    }
}

/// Chooses the watchers without a data link (the profile's share, at least one when there is a
/// share and more than one watcher) and gives them runners, one for every four.
fn cut(
    options: &FieldOptions,
    election: &SampleElection,
    server: &LocalServer,
    watchers: &mut [WatcherPlan],
) -> Result<Vec<RunnerPlan>> {
    let share = options.profile.cut_share();
    if share <= 0.0 || watchers.len() < 2 {
        return Ok(Vec::new());
    }
    let mut rng = Rng::stream(options.seed, 0xC07);
    let mut chosen: Vec<usize> = (0..watchers.len()).filter(|_| rng.chance(share)).collect();
    if chosen.is_empty() {
        chosen.push(0);
    }
    let n_runners = chosen.len().div_ceil(4);
    let mut firsts: Vec<Option<String>> = vec![None; n_runners];
    let mut carries = vec![0usize; n_runners];
    for (k, &w) in chosen.iter().enumerate() {
        let r = k % n_runners;
        if let Some(plan) = watchers.get_mut(w) {
            plan.runner = Some(r);
            if let (Some(slot), Some(first)) = (firsts.get_mut(r), plan.stations.first()) {
                slot.get_or_insert_with(|| {
                    election.package.stations.get(*first).map(|s| s.id.clone()).unwrap_or_default()
                });
            }
        }
        if let Some(c) = carries.get_mut(r) {
            *c += 1;
        }
    }
    let assignments: Vec<Vec<String>> = firsts.into_iter().map(|f| f.into_iter().collect()).collect();
    let codes = server.codes(&assignments)?;
    Ok(codes
        .into_iter()
        .zip(carries)
        .enumerate()
        .map(|(i, (code, carries))| RunnerPlan {
            seed: options.seed.wrapping_mul(20_011).wrapping_add(i as u64),
            code,
            carries,
        })
        .collect())
}

/// The stations each watcher covers, and how many tables got a second watcher: round robin over
/// at most one watcher per table, the next watcher also covering a table with the chance
/// `double_cover`.
fn cover(options: &FieldOptions, tables: usize) -> (Vec<Vec<usize>>, u64) {
    let w = options.watchers.clamp(1, tables.max(1));
    let mut covers = vec![Vec::new(); w];
    let mut rng = Rng::stream(options.seed, 0xF1E1);
    let mut double = 0;
    for i in 0..tables {
        if let Some(c) = covers.get_mut(i % w) {
            c.push(i);
        }
        if w > 1
            && rng.chance(options.double_cover)
            && let Some(c) = covers.get_mut((i + 1) % w)
        {
            c.push(i);
            double += 1;
        }
    }
    (covers, double)
}
