//! `testigo bench desk`: the verification desk's hand-out under many volunteers at once.
//!
//! Setup (timed apart): a sample election; one capture with its photo stored and receipted for
//! each of `--actas` tables; the tally worker puts them on the desk; `--clerks` coordinator
//! accounts, each signed in to the dashboard. Then every clerk, at the same time, asks the
//! dashboard for their next acta (`GET /dash/transcribe`: the hand-out in the writer, the capture
//! and the page) and saves an entry (`POST /dash/transcribe/{pk}`), `--rounds` times, through
//! the router as a browser's requests would arrive. Reported: the hand-out's and the entry's
//! latencies (p50, p99, max), entries per second, and what the desk holds afterwards — each
//! capture handed out at most twice, never twice to one clerk (counted from the pages served).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use testigo_server::{Limits, now_ms, open_data_dir};
use tower::ServiceExt as _;

use crate::bench_seed::Error;

/// Arguments of `bench desk`.
#[derive(Args, Clone)]
pub struct DeskArgs {
    /// Tables in the election.
    #[arg(long, default_value_t = 20_000)]
    stations: usize,
    /// Tables whose acta (with its photo) is on the desk.
    #[arg(long, default_value_t = 2_000)]
    actas: usize,
    /// Volunteers transcribing at once.
    #[arg(long, default_value_t = 200)]
    clerks: usize,
    /// Actas each volunteer transcribes.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Time a volunteer spends typing an acta, at most, in milliseconds (each waits a spread
    /// share of it, so requests arrive as from people, not in lockstep); 0 sends every request
    /// of a round at the same instant (the worst case).
    #[arg(long, default_value_t = 2_000)]
    typing_ms: u64,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// p50, p99 and max of `times`, in milliseconds.
fn spread(mut times: Vec<Duration>) -> serde_json::Value {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().map_or(0.0, ms)
    };
    serde_json::json!({ "n": times.len(), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0) })
}

/// Runs `bench desk`.
pub fn run(args: &DeskArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

/// One clerk's requests: the hand-out and entry times, and the captures they were handed.
struct ClerkRun {
    id: usize,
    hand_outs: Vec<Duration>,
    entries: Vec<Duration>,
    handed: Vec<i64>,
}

async fn clerk(
    app: axum::Router,
    id: usize,
    cookie: String,
    rounds: usize,
    typing_ms: u64,
) -> Result<ClerkRun, Error> {
    let mut run = ClerkRun { id, hand_outs: Vec::new(), entries: Vec::new(), handed: Vec::new() };
    // Volunteers sit down at different moments: each first waits a share of the typing time.
    if typing_ms > 0 {
        tokio::time::sleep(Duration::from_millis(typing_ms * ((id * 7919) % 1000) as u64 / 1000)).await;
    }
    for round in 0..rounds {
        let t = Instant::now();
        let r = app
            .clone()
            .oneshot(
                axum::http::Request::get("/dash/transcribe")
                    .header("cookie", &cookie)
                    .body(axum::body::Body::empty())?,
            )
            .await?;
        let html = String::from_utf8(axum::body::to_bytes(r.into_body(), 16 << 20).await?.to_vec())?;
        run.hand_outs.push(t.elapsed());
        let Some(at) = html.find("action=\"/dash/transcribe/") else { break };
        let rest = html.get(at + 25..).unwrap_or_default();
        let pk: i64 = rest.get(..rest.find('"').unwrap_or(0)).unwrap_or_default().parse()?;
        let csrf_at = html.find("name=\"csrf\" value=\"").ok_or("no csrf")? + 19;
        let csrf_rest = html.get(csrf_at..).unwrap_or_default();
        let csrf = csrf_rest.get(..csrf_rest.find('"').unwrap_or(0)).unwrap_or_default();
        // Every field the form has, typed as 7.
        let mut body = format!("csrf={csrf}");
        for part in html.split("name=\"f_").skip(1) {
            if let Some(field) = part.split('"').next() {
                body.push_str(&format!("&f_{field}=7"));
            }
        }
        run.handed.push(pk);
        // Typing: a share of `typing_ms` spread over clerks and rounds (a fixed permutation).
        if typing_ms > 0 {
            let share = ((id * 7919 + round * 104_729) % 1000) as u64;
            tokio::time::sleep(Duration::from_millis(typing_ms * share / 1000)).await;
        }
        let t = Instant::now();
        let r = app
            .clone()
            .oneshot(
                axum::http::Request::post(format!("/dash/transcribe/{pk}"))
                    .header("cookie", &cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(body))?,
            )
            .await?;
        if r.status() != axum::http::StatusCode::SEE_OTHER {
            return Err(format!("an entry answered {}", r.status()).into());
        }
        run.entries.push(t.elapsed());
    }
    Ok(run)
}

async fn go(args: DeskArgs) -> Result<(), Error> {
    let tmp = tempfile::tempdir()?;
    let state = open_data_dir(tmp.path(), Limits::default())?;
    let mut setup = serde_json::Map::new();
    let t = Instant::now();
    let seeded = crate::bench_seed::election(&state, args.stations, (args.stations / 10).max(1)).await?;
    let photo = crate::bench_seed::BenchPhoto::new()?;
    let every = (args.stations / args.actas.max(1)).max(1);
    let stored =
        crate::bench_seed::captures(&state, &seeded, Some(&photo), |i| i.is_multiple_of(every)).await?;
    testigo_server::repo::settle_tally(state.repo.as_ref(), 20_000).await?;
    setup.insert("actas".into(), stored.into());
    setup.insert("seed_s".into(), ((t.elapsed().as_secs_f64() * 10.0).round() / 10.0).into());
    let t = Instant::now();
    let app = testigo_server::app(state.clone());
    let mut cookies = Vec::new();
    for i in 0..args.clerks {
        let name = format!("clerk{i}");
        testigo_server::services::accounts::create_user(
            state.coord.as_ref(),
            &name,
            "bench password 1",
            "",
            testigo_server::repo::coord::Role::Reviewer,
            "cli",
            now_ms(),
        )
        .await?;
        cookies.push(crate::bench_seed::sign_in(&app, &name).await?);
    }
    setup.insert("accounts_s".into(), ((t.elapsed().as_secs_f64() * 10.0).round() / 10.0).into());

    let start = Arc::new(tokio::sync::Barrier::new(args.clerks));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (i, cookie) in cookies.into_iter().enumerate() {
        let (app, start, rounds, typing) = (app.clone(), start.clone(), args.rounds, args.typing_ms);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            clerk(app, i, cookie, rounds, typing).await
        }));
    }
    let mut runs = Vec::new();
    for task in tasks {
        runs.push(task.await??);
    }
    let wall = t.elapsed();
    // What the pages handed out: no capture to more than two clerks, none twice to one.
    let mut per_capture: HashMap<i64, HashSet<usize>> = HashMap::new();
    let mut repeated = 0usize;
    for run in &runs {
        for pk in &run.handed {
            if !per_capture.entry(*pk).or_default().insert(run.id) {
                repeated += 1;
            }
        }
    }
    let over_two = per_capture.values().filter(|c| c.len() > 2).count();
    let entries: usize = runs.iter().map(|r| r.entries.len()).sum();
    let counts = state.desk.desk_counts(String::new()).await?;
    let mut desk = BTreeMap::new();
    desk.insert("transcribing", counts.transcribing);
    desk.insert("verify", counts.verify);
    desk.insert("confirmed", counts.confirmed);
    let report = serde_json::json!({
        "setup": setup,
        "clerks": args.clerks,
        "rounds": args.rounds,
        "typing_ms": args.typing_ms,
        "hand_out": spread(runs.iter().flat_map(|r| r.hand_outs.clone()).collect()),
        "entry": spread(runs.iter().flat_map(|r| r.entries.clone()).collect()),
        "entries": entries,
        "entries_per_s": ((entries as f64 / wall.as_secs_f64()) * 10.0).round() / 10.0,
        "captures_handed_to_more_than_two": over_two,
        "captures_handed_twice_to_one_clerk": repeated,
        "desk_after": desk,
    });
    if over_two > 0 || repeated > 0 {
        return Err(format!("the desk handed work out twice: {report}").into());
    }
    if args.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
