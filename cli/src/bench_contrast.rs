//! `testigo bench contrast`: official results against a million actas; `testigo bench
//! quickcount`: the quick count's coverage and interval width over many simulated elections.
//!
//! Contrast setup (timed separately): a sample election of `--stations` tables imported, one
//! signed, receipted capture per table (its true numbers) stored as intake stores them, the
//! tally settled; then the authority's file written in Testigo's CSV format with `--altered`
//! percent of the tables changed (votes moved between two parties). Timed: the import (read,
//! check, store whole), the full recompute of the contrast (the tally worker's contrast step
//! over every table, both sides), a second round changing a tenth of the tables again, and the
//! contrast pages requested `--runs` times through the router.

use std::time::{Duration, Instant};

use clap::Args;
use testigo_server::repo::analysis::FrameTable;
use testigo_server::services::official::{self, ImportRequest};
use testigo_server::services::quickcount::{self, StratumSample};
use testigo_server::services::review::Reviewer;
use testigo_server::{Limits, now_ms, open_data_dir};
use testigo_testkit::{Rng, SampleElection};

use crate::bench_seed::Error;

/// Arguments of `bench contrast`.
#[derive(Args, Clone)]
pub struct ContrastArgs {
    /// Tables in the election; each gets one capture and official numbers.
    #[arg(long, default_value_t = 1_000_000)]
    stations: usize,
    /// Devices the captures come from.
    #[arg(long, default_value_t = 2_000)]
    devices: usize,
    /// Percentage of tables the authority's file alters.
    #[arg(long, default_value_t = 2.0)]
    altered: f64,
    /// Requests per page.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Keep the data in this directory (created); a temporary one otherwise.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

/// The authority's CSV for `sample` (Testigo's format): the truth, with about `altered` of the
/// tables changed, chosen by `seed`; and how many were.
fn official_csv(sample: &SampleElection, altered: f64, seed: u64) -> Result<(Vec<u8>, u64), Error> {
    let contest = sample.package.contests.first().ok_or("no contest")?;
    let mut out = String::with_capacity(sample.package.stations.len() * 160);
    out.push_str("table");
    for o in &contest.options {
        out.push(',');
        out.push_str(&o.id);
    }
    out.push_str(",nulos\n");
    let mut rng = Rng::stream(seed, 0xBE7C);
    let mut changed = 0;
    for (i, station) in sample.package.stations.iter().enumerate() {
        let truth = testigo_testkit::sample::acta_counts(&sample.acta(i).ok_or("no acta")?);
        let mut counts: Vec<u32> =
            contest.options.iter().map(|o| truth.counts.get(&o.id).copied().unwrap_or(0)).collect();
        if rng.chance(altered) {
            let from = (0..counts.len()).max_by_key(|&k| counts.get(k).copied().unwrap_or(0)).unwrap_or(0);
            let to = (from + 1) % counts.len().max(1);
            let moved = rng.int(1, 30).min(counts.get(from).copied().unwrap_or(0));
            if moved > 0 {
                if let Some(c) = counts.get_mut(from) {
                    *c -= moved;
                }
                if let Some(c) = counts.get_mut(to) {
                    *c += moved;
                }
                changed += 1;
            }
        }
        out.push_str(&station.id);
        for c in counts {
            out.push(',');
            out.push_str(&c.to_string());
        }
        out.push_str(&format!(",{}\n", truth.extra.get("nulos").copied().unwrap_or(0)));
    }
    Ok((out.into_bytes(), changed))
}

/// Runs `bench contrast`.
pub fn contrast(args: &ContrastArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

async fn go(args: ContrastArgs) -> Result<(), Error> {
    let tmp = tempfile::tempdir()?;
    let dir = args.data.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let state = open_data_dir(&dir, Limits::default())?;
    let mut setup = serde_json::Map::new();
    let t = Instant::now();
    let seeded = crate::bench_seed::election(&state, args.stations, args.devices).await?;
    crate::bench_seed::captures(&state, &seeded, None, |_| true).await?;
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    setup.insert("seed_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    let (file, altered) = official_csv(&seeded.sample, args.altered / 100.0, 1)?;
    setup.insert("write_file_s".into(), secs(t.elapsed()).into());
    setup.insert("file_bytes".into(), file.len().into());

    let operator = Reviewer::operator("bench");
    let mut timed = serde_json::Map::new();
    let t = Instant::now();
    let req = ImportRequest {
        source: "round 1".into(),
        file_name: "round-1.csv".into(),
        content: file,
        mapping: None,
    };
    official::import(&state, &operator, req).await.map_err(|e| e.to_string())?;
    timed.insert("import_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    timed.insert("recompute_s".into(), secs(t.elapsed()).into());
    let (_, view) = official::national(&state, None).await?;
    if view.contrast.differing != altered {
        return Err(format!(
            "the contrast found {} differing tables, the file altered {altered}",
            view.contrast.differing
        )
        .into());
    }
    timed.insert("differing".into(), view.contrast.differing.into());

    // A second round: a tenth of the tables again, some of them corrected.
    let (file2, _) = official_csv(&seeded.sample, args.altered / 100.0, 2)?;
    let text = String::from_utf8(file2)?;
    let round2: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || i % 10 == 0)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let t = Instant::now();
    let req = ImportRequest {
        source: "round 2".into(),
        file_name: "round-2.csv".into(),
        content: round2.into_bytes(),
        mapping: None,
    };
    official::import(&state, &operator, req).await.map_err(|e| e.to_string())?;
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    timed.insert("round2_import_and_recompute_s".into(), secs(t.elapsed()).into());

    // The pages.
    testigo_server::services::accounts::create_user(
        state.coord.as_ref(),
        "bench",
        "bench password 1",
        "",
        testigo_server::repo::coord::Role::Admin,
        "cli",
        now_ms(),
    )
    .await?;
    let app = testigo_server::app(state.clone());
    let cookie = crate::bench_seed::sign_in(&app, "bench").await?;
    let first_state = view.view.children.iter().max_by_key(|c| c.node.stations).map_or(0, |c| c.node.id);
    let pages = [
        ("contrast: whole election", "/dash/contrast".to_owned()),
        ("contrast: by table", "/dash/contrast?sort=table".to_owned()),
        ("contrast: page 100", "/dash/contrast?page=100&sort=table".to_owned()),
        ("contrast: matching, page 1000", "/dash/contrast?status=match&page=1000".to_owned()),
        ("contrast: a state", format!("/dash/contrast?region={first_state}")),
        ("acta with official numbers", String::new()),
        ("printable report", "/dash/contrast/report".to_owned()),
        ("discrepancies CSV (all)", "/dash/contrast.csv".to_owned()),
        ("public contrast page", "/en/contrast/".to_owned()),
    ];
    let (rows, _) = official::tables(
        &state,
        testigo_server::repo::analysis::ContrastSide::Current,
        "",
        &official::contest(&state, None).await?,
        testigo_server::repo::analysis::ContrastStatus::Differs,
        true,
        0,
        1,
    )
    .await?;
    let acta =
        rows.first().and_then(|r| r.capture_pk).map(|pk| format!("/dash/captures/{pk}")).unwrap_or_default();
    let mut results = Vec::new();
    for (name, path) in pages {
        let path = if path.is_empty() { acta.clone() } else { path };
        results.push(crate::bench_seed::time_page(&app, &cookie, name, &path, args.runs).await?);
    }
    let report =
        serde_json::json!({ "stations": args.stations, "setup": setup, "timed": timed, "pages": results });
    if args.json {
        println!("{report}");
    } else {
        println!("setup: {}", serde_json::Value::Object(setup));
        println!("timed: {}", serde_json::Value::Object(timed));
        for r in results.iter() {
            println!(
                "{:<32} p50 {:>8} ms   max {:>8} ms   {:>10} bytes   {}",
                r["page"].as_str().unwrap_or(""),
                r["p50_ms"],
                r["max_ms"],
                r["bytes"],
                r["path"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// Arguments of `bench quickcount`.
#[derive(Args, Clone)]
pub struct QuickcountArgs {
    /// Simulated elections (each its own seed, with its own regional swing).
    #[arg(long, default_value_t = 200)]
    elections: u64,
    /// Tables in each election.
    #[arg(long, default_value_t = 30_000)]
    stations: usize,
    /// Sample sizes, comma-separated.
    #[arg(long, default_value = "500,1500,3000")]
    sizes: String,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

/// Runs `bench quickcount`: for every election and size, a sample drawn and every sample table
/// reported; coverage of the 95% intervals of the three leading candidates, and the leader's
/// mean margin.
pub fn quick_count(args: &QuickcountArgs) -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<u64> = args.sizes.split(',').map(|s| s.trim().parse()).collect::<Result<_, _>>()?;
    let mut inside = vec![0u64; sizes.len()];
    let mut total = vec![0u64; sizes.len()];
    let mut margins = vec![0f64; sizes.len()];
    let started = Instant::now();
    for seed in 0..args.elections {
        let e = SampleElection::new(20_000 + seed, args.stations);
        let contest = e.package.contests.first().ok_or("no contest")?;
        let candidates: Vec<(String, String)> =
            contest.candidates.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
        let mut frame = Vec::with_capacity(e.package.stations.len());
        let mut truth = std::collections::HashMap::new();
        let mut votes = vec![0f64; candidates.len()];
        let mut valid = 0f64;
        let state_of: std::collections::HashMap<&str, &str> = e
            .package
            .centers
            .iter()
            .map(|c| (c.id.as_str(), c.region.first().map_or("", String::as_str)))
            .collect();
        for (i, s) in e.package.stations.iter().enumerate() {
            let stratum = state_of.get(s.center_id.as_str()).copied().unwrap_or_default().to_owned();
            frame.push(FrameTable {
                station_id: s.id.clone(),
                stratum,
                registered: u64::from(s.registered_voters),
            });
            let counts = testigo_testkit::sample::acta_counts(&e.acta(i).ok_or("no acta")?).counts;
            let per: Vec<f64> = contest
                .candidates
                .iter()
                .map(|c| {
                    contest
                        .options
                        .iter()
                        .filter(|o| o.candidate_id == c.id)
                        .map(|o| f64::from(counts.get(&o.id).copied().unwrap_or(0)))
                        .sum()
                })
                .collect();
            let x: f64 = per.iter().sum();
            for (v, p) in votes.iter_mut().zip(&per) {
                *v += p;
            }
            valid += x;
            truth.insert(s.id.clone(), (per, x));
        }
        for (k, &size) in sizes.iter().enumerate() {
            let d = quickcount::draw(&frame, size, &format!("bench {seed}"))?;
            let mut strata: std::collections::BTreeMap<&str, StratumSample> = d
                .strata
                .iter()
                .map(|s| (s.name.as_str(), StratumSample { tables: s.tables, reports: Vec::new() }))
                .collect();
            for (id, stratum) in &d.tables {
                if let (Some(s), Some(t)) = (strata.get_mut(stratum.as_str()), truth.get(id)) {
                    s.reports.push(t.clone());
                }
            }
            let strata: Vec<StratumSample> = strata.into_values().collect();
            let est = quickcount::estimate(&strata, &candidates, size);
            let (Some(inside), Some(total), Some(margin)) =
                (inside.get_mut(k), total.get_mut(k), margins.get_mut(k))
            else {
                continue;
            };
            for s in est.shares.iter().take(3) {
                let c = candidates.iter().position(|c| c.0 == s.id).unwrap_or(0);
                let exact = votes.get(c).copied().unwrap_or(0.0) / valid.max(1.0);
                *total += 1;
                *inside += u64::from((s.share - exact).abs() <= s.margin);
            }
            *margin += est.shares.first().map_or(0.0, |s| s.margin);
        }
    }
    let rows: Vec<serde_json::Value> = sizes
        .iter()
        .enumerate()
        .map(|(k, size)| {
            let (i, t, m) = (
                inside.get(k).copied().unwrap_or(0),
                total.get(k).copied().unwrap_or(0),
                margins.get(k).copied().unwrap_or(0.0),
            );
            serde_json::json!({
                "size": size,
                "coverage": i as f64 / t.max(1) as f64,
                "intervals": t,
                "leader_margin_mean": m / args.elections.max(1) as f64,
            })
        })
        .collect();
    let report = serde_json::json!({ "elections": args.elections, "stations": args.stations, "sizes": rows, "seconds": secs(started.elapsed()) });
    if args.json {
        println!("{report}");
    } else {
        for r in &rows {
            println!(
                "sample {:>6}: coverage {:.1}% of {} intervals; the leader's margin ±{:.2} points on average",
                r["size"],
                100.0 * r["coverage"].as_f64().unwrap_or(0.0),
                r["intervals"],
                100.0 * r["leader_margin_mean"].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(())
}
