//! `testigo bench portal`: the public portal with every table published.
//!
//! Setup (timed, reported apart): a sample election of `--stations` tables is imported and
//! `--devices` devices enrolled; every table but the last `--new` gets one signed, receipted
//! capture with its own photo (a phone-pipeline JPEG, stored and receipted as a finished upload
//! would be), and everything is published. Timed: the full static export (`testigo publish
//! export`) into `DATA/mirror`; then the last `--new` tables' actas arrive and are published and
//! the export runs again (incremental). Then the national page and a table page are requested
//! through the portal's router `--runs` times (handler, SQL, HTML; no socket): the first
//! renders the page, the others find it kept; and their bytes. Load from another process (`wrk`) is
//! `scripts/bench-portal.sh`, which serves the data directory this leaves.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use clap::Args;
use testigo_server::services::publication::{Publish, publish};
use testigo_server::services::review::Reviewer;
use testigo_server::{Limits, open_data_dir};
use tower::ServiceExt as _;

use crate::bench_seed::Error;

/// Arguments of `bench portal`.
#[derive(Args, Clone)]
pub struct PortalArgs {
    /// Tables in the election; each gets one published acta.
    #[arg(long, default_value_t = 30_000)]
    stations: usize,
    /// Devices the actas come from.
    #[arg(long, default_value_t = 300)]
    devices: usize,
    /// Actas that arrive after the first export (the incremental export's work).
    #[arg(long, default_value_t = 100)]
    new: usize,
    /// Requests per page through the router.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Keep the data (and the export, in DATA/mirror) in this directory; a temporary one
    /// otherwise.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

/// Runs `bench portal`.
pub fn run(args: &PortalArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

async fn go(args: PortalArgs) -> Result<(), Error> {
    let tmp = tempfile::tempdir()?;
    let dir = args.data.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let state = open_data_dir(&dir, Limits::default())?;
    let operator = Reviewer::operator("bench");
    let first = args.stations.saturating_sub(args.new);
    let mut setup = serde_json::Map::new();

    let t = Instant::now();
    let seeded = crate::bench_seed::election(&state, args.stations, args.devices).await?;
    let photo = crate::bench_seed::BenchPhoto::new()?;
    setup.insert("import_enroll_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    let stored = crate::bench_seed::captures(&state, &seeded, Some(&photo), |i| i < first).await?;
    setup.insert("actas".into(), stored.into());
    setup.insert("store_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    let published = publish(&state, &operator, Publish::Region(String::new()), None).await?;
    setup.insert("published".into(), published.published.into());
    setup.insert("publish_s".into(), secs(t.elapsed()).into());

    let out = dir.join("mirror");
    let t = Instant::now();
    let full = testigo_server::mirror::export(&state, &out).await?;
    let full_s = secs(t.elapsed());

    let t = Instant::now();
    let late = crate::bench_seed::captures(&state, &seeded, Some(&photo), |i| i >= first).await?;
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    let more = publish(&state, &operator, Publish::Region(String::new()), None).await?;
    setup.insert("late_actas".into(), late.into());
    setup.insert("late_published".into(), more.published.into());
    setup.insert("late_store_publish_s".into(), secs(t.elapsed()).into());
    let t = Instant::now();
    let incremental = testigo_server::mirror::export(&state, &out).await?;
    let incremental_s = secs(t.elapsed());

    // The pages: the national page and a table from the middle of the election.
    let table = seeded.sample.package.stations.get(first / 2).ok_or("no table")?.id.clone();
    let app = testigo_server::public_app(state.clone());
    let mut pages = Vec::new();
    for (name, path) in [("national", "/es/".to_owned()), ("table", format!("/es/tables/{table}/"))] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..args.runs.max(2) {
            let req = Request::get(path.as_str()).body(Body::empty())?;
            let t = Instant::now();
            let r = app.clone().oneshot(req).await?;
            let status = r.status();
            let body = axum::body::to_bytes(r.into_body(), 16 * 1024 * 1024).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if !status.is_success() {
                return Err(format!("{path} answered {status}").into());
            }
            bytes = body.len();
        }
        // The first request renders the page; the others find it kept.
        let rendered = times.remove(0);
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times.get(((times.len() - 1) as f64 * q) as usize).copied().unwrap_or(0.0);
        let ms = |v: f64| (v * 100.0).round() / 100.0;
        pages.push(serde_json::json!({
            "page": name, "path": path, "bytes": bytes, "rendered_ms": ms(rendered),
            "kept_p50_ms": ms(at(0.5)), "kept_p99_ms": ms(at(0.99)),
        }));
    }
    let export = |r: &testigo_server::mirror::ExportReport, s: f64| {
        serde_json::json!({
            "full": r.full, "tables": r.tables, "written": r.written, "unchanged": r.unchanged,
            "photos": r.photos, "files": r.files, "seconds": s,
        })
    };
    let report = serde_json::json!({
        "stations": args.stations,
        "setup": setup,
        "export_full": export(&full, full_s),
        "export_incremental": export(&incremental, incremental_s),
        "pages": pages,
        "mirror": out.display().to_string(),
    });
    if args.json {
        println!("{report}");
    } else {
        println!("setup: {}", serde_json::Value::Object(setup));
        println!(
            "full export: {} tables, {} files written, {} photos linked, {full_s} s",
            full.tables, full.written, full.photos
        );
        println!(
            "incremental export after {late} new actas: {} tables, {} files written, {} photos linked, {incremental_s} s",
            incremental.tables, incremental.written, incremental.photos
        );
        for p in report.get("pages").and_then(|p| p.as_array()).into_iter().flatten() {
            println!(
                "{:<9} rendered {:>6} ms   kept p50 {:>6} ms, p99 {:>6} ms   {:>6} bytes   {}",
                p["page"].as_str().unwrap_or(""),
                p["rendered_ms"],
                p["kept_p50_ms"],
                p["kept_p99_ms"],
                p["bytes"],
                p["path"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}
