//! `testigo bench events`: many open dashboards listening to `/dash/events` at once.
//!
//! A server with a sample election runs on a loopback port in this process; `--listeners`
//! connections sign in once (one session, as many tabs) and open the event stream over real TCP.
//! Then `--pulses` tally passes are announced, one every `--every-ms`, and each listener notes
//! when its event arrived. Reported: connections held, the process's resident memory before and
//! after they opened (client and server ends of every connection: one process holds both), and
//! the time from an announcement to each listener's event (p50, p99, max).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use testigo_server::{Limits, now_ms, open_data_dir};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::bench_seed::Error;

/// Arguments of `bench events`.
#[derive(Args, Clone)]
pub struct EventsArgs {
    /// Open dashboards.
    #[arg(long, default_value_t = 2_000)]
    listeners: usize,
    /// Tally passes announced.
    #[arg(long, default_value_t = 20)]
    pulses: usize,
    /// Time between announcements, in milliseconds.
    #[arg(long, default_value_t = 500)]
    every_ms: u64,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

/// Resident memory of this process, in MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

/// Runs `bench events`.
pub fn run(args: &EventsArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

/// One listener: opens the stream, then for each event it reads, records the pulse number and
/// the instant it arrived.
async fn listen(
    addr: std::net::SocketAddr,
    cookie: String,
    opened: Arc<tokio::sync::Barrier>,
    heard: Arc<Mutex<Vec<(u64, Instant)>>>,
    pulses: usize,
) -> Result<(), Error> {
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "GET /dash/events HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).await?;
    let mut buf = vec![0u8; 8192];
    let mut text = String::new();
    // The response's head.
    while !text.contains("\r\n\r\n") {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Err("the event stream closed before it began".into());
        }
        text.push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or_default()));
    }
    if !text.starts_with("HTTP/1.1 200") {
        return Err(format!("the event stream answered {}", text.lines().next().unwrap_or_default()).into());
    }
    opened.wait().await;
    // Until the last announcement is heard (a listener that fell behind hears the latest once).
    let mut last = 0;
    while last < pulses as u64 {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Err("the event stream closed".into());
        }
        let at = Instant::now();
        let chunk = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned();
        for line in chunk.lines() {
            if let Some(id) = line.strip_prefix("id: ").and_then(|v| v.trim().parse::<u64>().ok()) {
                heard.lock().map_err(|_| "poisoned")?.push((id, at));
                last = id;
            }
        }
    }
    Ok(())
}

async fn go(args: EventsArgs) -> Result<(), Error> {
    let tmp = tempfile::tempdir()?;
    let state = open_data_dir(tmp.path(), Limits::default())?;
    crate::bench_seed::election(&state, 100, 1).await?;
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
    let cookie = crate::bench_seed::sign_in(&testigo_server::app(state.clone()), "bench").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(testigo_server::serve(listener, state.clone(), std::future::pending()));
    let before = rss_mib();

    let opened = Arc::new(tokio::sync::Barrier::new(args.listeners + 1));
    let heard: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..args.listeners {
        let (cookie, opened, heard) = (cookie.clone(), opened.clone(), heard.clone());
        tasks.push(tokio::spawn(listen(addr, cookie, opened, heard, args.pulses)));
    }
    opened.wait().await;
    let open = state.live.listeners();
    let after = rss_mib();

    let mut sent = Vec::new();
    let busy = testigo_server::repo::TallyProgress { captures: 1, ..Default::default() };
    for _ in 0..args.pulses {
        tokio::time::sleep(Duration::from_millis(args.every_ms)).await;
        sent.push(Instant::now());
        state.live.pulse(&busy, now_ms());
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .map_err(|_| "a listener never heard")???;
    }
    let heard = heard.lock().map_err(|_| "poisoned")?.clone();
    let mut delays: Vec<f64> = heard
        .iter()
        .filter_map(|(id, at)| {
            let sent = sent.get(usize::try_from(*id).ok()?.checked_sub(1)?)?;
            Some(at.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
        })
        .collect();
    delays.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((delays.len() as f64 - 1.0) * q).round() as usize;
        delays.get(i).map_or(0.0, |v| (v * 10.0).round() / 10.0)
    };
    let report = serde_json::json!({
        "listeners": args.listeners,
        "open_streams": open,
        "pulses": args.pulses,
        "events_heard": heard.len(),
        "events_coalesced": (args.listeners * args.pulses).saturating_sub(heard.len()),
        "rss_before_mib": before,
        "rss_with_listeners_mib": after,
        "per_listener_kib": if args.listeners > 0 { (((after - before) * 1024.0 / args.listeners as f64) * 10.0).round() / 10.0 } else { 0.0 },
        "delay_p50_ms": at(0.5),
        "delay_p99_ms": at(0.99),
        "delay_max_ms": at(1.0),
    });
    if open != args.listeners {
        return Err(format!("not every stream stayed open: {report}").into());
    }
    if args.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
