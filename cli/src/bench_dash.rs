//! `testigo bench dashboard`: the coordinators' pages with a million stations and captures.
//!
//! Setup (timed separately, not part of the page figures): a sample election of `--stations`
//! tables is imported; `--devices` devices are enrolled, each for a share of the tables; one
//! capture per table is signed (a device key held in `ring`), given its signed receipt, and
//! stored through the repository in batches, as intake stores them; the tally worker then runs
//! until it has taken everything in. Then every page a coordinator opens is requested through the
//! router `--runs` times, signed in as a coordinator who sees everything, and the median and
//! slowest times are reported per page.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Args;
use testigo_server::{Limits, now_ms, open_data_dir};

use crate::bench_seed::Error;

/// Arguments of `bench dashboard`.
#[derive(Args, Clone)]
pub struct DashArgs {
    /// Stations (tables) in the election; each gets one capture.
    #[arg(long, default_value_t = 1_000_000)]
    stations: usize,
    /// Devices the captures come from.
    #[arg(long, default_value_t = 2_000)]
    devices: usize,
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
    (d.as_secs_f64() * 10.0).round() / 10.0
}

/// Runs `bench dashboard`.
pub fn run(args: &DashArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

async fn go(args: DashArgs) -> Result<(), Error> {
    let tmp = tempfile::tempdir()?;
    let dir = args.data.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let state = open_data_dir(&dir, Limits::default())?;
    let mut setup = serde_json::Map::new();

    let t = Instant::now();
    let seeded = crate::bench_seed::election(&state, args.stations, args.devices).await?;
    setup.insert("import_enroll_s".into(), secs(t.elapsed()).into());
    let contest_id = seeded.contest_id.clone();

    // One capture per table: signed, receipted, stored in batches as intake stores them.
    let t = Instant::now();
    let stored = crate::bench_seed::captures(&state, &seeded, None, |_| true).await?;
    setup.insert("captures".into(), stored.into());
    setup.insert("store_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    setup.insert("tally_s".into(), secs(t.elapsed()).into());

    // A coordinator who sees everything, and one who sees the largest state.
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

    // The pages: the whole election, one state, municipality and parish down to a center,
    // a table, an acta, the tally at two levels, batches with and without a filter, devices.
    let root = state.coord.region_by_path(String::new()).await?.ok_or("root")?;
    let mut node = root.clone();
    let mut levels = vec![("region: whole election".to_owned(), format!("/dash/regions/{}", root.id))];
    for depth in ["state", "municipality", "parish"] {
        let view = state.coord.region_view(node.id, contest_id.clone()).await?.ok_or("region")?;
        let Some(child) = view.children.into_iter().max_by_key(|c| c.node.stations) else { break };
        node = child.node;
        levels.push((format!("region: {depth}"), format!("/dash/regions/{}", node.id)));
    }
    let state_id =
        levels.get(1).map(|(_, p)| p.rsplit('/').next().unwrap_or("0").to_owned()).unwrap_or_default();
    let view = state.coord.region_view(node.id, contest_id.clone()).await?.ok_or("leaf")?;
    let center = view.centers.first().ok_or("no center")?.clone();
    let (_, stations) = state.coord.center(center.id.clone(), contest_id.clone()).await?.ok_or("center")?;
    let station = stations.first().ok_or("no station")?.clone();
    let pk = station.current_pk.ok_or("no capture")?;
    let state_path = state
        .coord
        .region_view(state_id.parse().unwrap_or(0), contest_id.clone())
        .await?
        .map(|v| v.region.node.path)
        .ok_or("state")?;
    testigo_server::services::accounts::create_user(
        state.coord.as_ref(),
        "state",
        "bench password 1",
        &state_path,
        testigo_server::repo::coord::Role::Reviewer,
        "cli",
        now_ms(),
    )
    .await?;
    let scoped = crate::bench_seed::sign_in(&app, "state").await?;
    let mut pages = levels;
    pages.extend([
        ("center".to_owned(), format!("/dash/centers/{}", center.id)),
        ("table".to_owned(), format!("/dash/stations/{}", station.id)),
        ("acta".to_owned(), format!("/dash/captures/{pk}")),
        ("tally: whole election".to_owned(), "/dash/tally".to_owned()),
        ("tally: state".to_owned(), format!("/dash/tally?region={state_id}")),
        ("batches".to_owned(), "/dash/batches".to_owned()),
        ("batches: with warnings".to_owned(), "/dash/batches?filter=warnings".to_owned()),
        ("devices".to_owned(), "/dash/devices".to_owned()),
        ("scoped to a state: batches".to_owned(), "/dash/batches".to_owned()),
        ("scoped to a state: warnings".to_owned(), "/dash/batches?filter=warnings".to_owned()),
        ("scoped to a state: devices".to_owned(), "/dash/devices".to_owned()),
        ("missing: whole election".to_owned(), "/dash/missing".to_owned()),
        ("missing: state".to_owned(), format!("/dash/missing?region={state_id}")),
        ("missing: parish".to_owned(), format!("/dash/missing?region={}", node.id)),
        ("missing: without photo".to_owned(), "/dash/missing?filter=no_photo".to_owned()),
        ("missing: watchers disagree".to_owned(), "/dash/missing?filter=disagree".to_owned()),
        (
            "search: a table code".to_owned(),
            format!("/dash/search?q={}", &station.id[..station.id.len().min(6)]),
        ),
        ("search: a word of many center names".to_owned(), "/dash/search?q=Liceo".to_owned()),
        ("scoped to a state: search".to_owned(), "/dash/search?q=Escuela".to_owned()),
    ]);
    let mut results = Vec::new();
    for (name, path) in &pages {
        let cookie = if name.starts_with("scoped") { &scoped } else { &cookie };
        results.push(crate::bench_seed::time_page(&app, cookie, name, path, args.runs).await?);
    }
    let mut counts = BTreeMap::new();
    counts.insert("stations", args.stations);
    counts.insert("devices", seeded.device_count());
    let report = serde_json::json!({ "setup": setup, "counts": counts, "pages": results });
    if args.json {
        println!("{report}");
    } else {
        println!("setup: {}", serde_json::Value::Object(setup));
        for r in report.get("pages").and_then(|p| p.as_array()).into_iter().flatten() {
            println!(
                "{:<26} p50 {:>7} ms   max {:>7} ms   {:>7} bytes   {}",
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
