//! The night's other sources: the simulated authority, which publishes per-table results (the
//! truth, with a share of tables altered) as a PREP-style CSV that the server imports with the
//! shipped mapping, and the quick count drawn before the night and estimated at its end.

use std::collections::BTreeSet;

use testigo_server::repo::analysis::{ContrastSide, ContrastStatus};
use testigo_server::services::official::{self, ImportRequest};
use testigo_server::services::quickcount;
use testigo_server::services::review::Reviewer;
use testigo_testkit::sample::{CONTEST_ID, acta_counts};
use testigo_testkit::{Rng, SampleElection};

use super::FieldOptions;
use super::Result;
use crate::server::LocalServer;

/// What the contrast with the simulated authority found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContrastCheck {
    /// Tables the authority altered.
    pub altered: u64,
    /// Tables the contrast found differing.
    pub differing: u64,
    /// Whether the differing tables are exactly the altered ones we hold an acta for.
    pub exact: bool,
}

/// What the quick count said at the end of the night.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuickCountCheck {
    /// Sample tables drawn, and in.
    pub sample: u64,
    /// Sample tables that reported.
    pub reported: u64,
    /// The leader: name, estimated share, its 95% margin, its true share.
    pub leader: (String, f64, f64, f64),
    /// Candidates whose true share lies within their 95% margin, of all.
    pub within: (u64, u64),
    /// Whether the two leading candidates' true shares lie within 3.29 standard errors (their
    /// 99.9% intervals): the question a quick count answers is who leads, and small shares
    /// from a small sample are where the normal approximation is weakest.
    pub within_999: bool,
}

/// Draws the quick-count sample before the night (a fifth of the tables, at least 30 or all).
pub fn draw(server: &LocalServer, options: &FieldOptions) -> Result<()> {
    let size = (options.stations as u64 / 5).max(30).min(options.stations as u64);
    server.block_on(quickcount::draw_sample(
        &server.state,
        &Reviewer::operator("demo"),
        size,
        &format!("demo seed {}", options.seed),
    ))?;
    Ok(())
}

/// The authority publishes (truth, `altered` share of tables changed by moving votes between two
/// parties), the server imports it, and the contrast must find exactly the altered tables among
/// those our watchers reported.
pub fn contrast(
    server: &LocalServer,
    election: &SampleElection,
    options: &FieldOptions,
) -> Result<ContrastCheck> {
    let contest = election.package.contests.first().ok_or("no contest")?;
    let mut rng = Rng::stream(options.seed, 0x0FF1);
    let mut csv = String::from("PRESIDENCIA\nSimulated authority\nCorte final\nCLAVE_CASILLA");
    for o in &contest.options {
        csv.push('|');
        csv.push_str(&o.party);
    }
    csv.push_str("|NULOS|TOTAL_VOTOS_CALCULADOS\n");
    let mut altered = BTreeSet::new();
    for (i, station) in election.package.stations.iter().enumerate() {
        let spec = election.acta(i).ok_or("no acta")?;
        let truth = acta_counts(&spec);
        let mut counts: Vec<u32> =
            contest.options.iter().map(|o| truth.counts.get(&o.id).copied().unwrap_or(0)).collect();
        if rng.chance(options.official_altered) {
            // Votes moved from the table's strongest party to another one.
            let from = (0..counts.len()).max_by_key(|&k| counts.get(k).copied().unwrap_or(0)).unwrap_or(0);
            let to =
                (from + 1 + rng.int(0, counts.len().saturating_sub(2) as u32) as usize) % counts.len().max(1);
            let moved = rng.int(1, 40).min(counts.get(from).copied().unwrap_or(0));
            if moved > 0 && from != to {
                if let Some(c) = counts.get_mut(from) {
                    *c -= moved;
                }
                if let Some(c) = counts.get_mut(to) {
                    *c += moved;
                }
                altered.insert(station.id.clone());
            }
        }
        csv.push_str(&station.id);
        for c in &counts {
            csv.push('|');
            csv.push_str(&c.to_string());
        }
        let extra = |id: &str| truth.extra.get(id).copied().unwrap_or(0);
        csv.push_str(&format!("|{}|{}\n", extra("nulos"), extra("votantes")));
    }
    let mapping = official::shipped_mapping("prep-csv").ok_or("no prep-csv mapping")??;
    server.block_on(official::import(
        &server.state,
        &Reviewer::operator("demo"),
        ImportRequest {
            source: "simulated authority".into(),
            file_name: "presidencia.csv".into(),
            content: csv.into_bytes(),
            mapping: Some(mapping),
        },
    ))?;
    super::check::settle_tally(server)?;
    let contest_info = server.block_on(official::contest(&server.state, Some(CONTEST_ID)))?;
    let all = |status: ContrastStatus| -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let mut offset = 0;
        loop {
            let (rows, _) = server.block_on(official::tables(
                &server.state,
                ContrastSide::Current,
                "",
                &contest_info,
                status,
                false,
                offset,
                500,
            ))?;
            out.extend(rows.iter().map(|r| r.station_id.clone()));
            if rows.len() < 500 {
                return Ok(out);
            }
            offset += 500;
        }
    };
    let differing = all(ContrastStatus::Differs)?;
    let missing = all(ContrastStatus::OnlyOfficial)?;
    let ours: BTreeSet<String> =
        election.package.stations.iter().map(|s| s.id.clone()).filter(|s| !missing.contains(s)).collect();
    let expected: BTreeSet<String> = altered.intersection(&ours).cloned().collect();
    Ok(ContrastCheck {
        altered: altered.len() as u64,
        differing: differing.len() as u64,
        exact: differing == expected,
    })
}

/// The quick count at the end of the night against the truth.
pub fn quick_count(server: &LocalServer, election: &SampleElection) -> Result<QuickCountCheck> {
    let contest = election.package.contests.first().ok_or("no contest")?;
    let Some((_, est)) = server.block_on(quickcount::current(&server.state, contest))? else {
        return Err("no quick-count sample".into());
    };
    let mut votes = vec![0f64; contest.candidates.len()];
    let mut valid = 0f64;
    for i in 0..election.package.stations.len() {
        let truth = acta_counts(&election.acta(i).ok_or("no acta")?);
        for o in &contest.options {
            let v = f64::from(truth.counts.get(&o.id).copied().unwrap_or(0));
            valid += v;
            if let Some(slot) =
                contest.candidates.iter().position(|c| c.id == o.candidate_id).and_then(|k| votes.get_mut(k))
            {
                *slot += v;
            }
        }
    }
    let true_share = |id: &str| {
        contest
            .candidates
            .iter()
            .position(|c| c.id == id)
            .and_then(|k| votes.get(k))
            .map_or(0.0, |v| v / valid.max(1.0))
    };
    let within = est.shares.iter().filter(|s| (s.share - true_share(&s.id)).abs() <= s.margin).count() as u64;
    let within_999 = est.shares.iter().take(2).all(|s| {
        (s.share - true_share(&s.id)).abs() <= s.margin / quickcount::Z95 * 3.290_526_731_491_926 + 1e-12
    });
    let leader = est
        .shares
        .first()
        .map(|s| (s.name.clone(), s.share, s.margin, true_share(&s.id)))
        .unwrap_or_default();
    Ok(QuickCountCheck {
        sample: est.sample,
        reported: est.reported,
        leader,
        within: (within, est.shares.len() as u64),
        within_999,
    })
}
