//! `testigo bench sync`: what the sync engine costs on field links.
//!
//! Each scenario runs a real phone core (a simulated watcher) against the embedded server through
//! the fault proxy, and reads byte counts from the proxy (TCP payload: HTTP headers and bodies;
//! TCP/IP headers not counted) and times from the core's sync observer:
//!
//! 1. **record**: bytes on the wire to deliver one capture record (one request and its receipt),
//!    and per record in a batch of ten; the feed poll that follows each run is measured apart and
//!    subtracted.
//! 2. **link-up**: on GPRS, with the link down, a sealed capture waits; the link comes up and the
//!    time until the record's verified receipt is stored is measured.
//! 3. **interruptions**: a photo on EDGE whose connection is reset at random points; the bytes sent
//!    beyond a clean run of the same photo, divided by the resets.
//! 4. **photos**: upload time of one acta photo (a 12-megapixel camera photo through the phone's
//!    pipeline) on each profile, against the link's own limit, size × 8 ÷ bandwidth.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use testigo_core::{CancelToken, OutboxKind, SyncEvent, SyncObserver, SyncOptions, SyncOutcome};
use testigo_sim::server::LocalServer;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::{FaultProxy, Faults, LinkProfile, SampleElection};

/// Arguments of `bench sync`.
#[derive(Args, Clone)]
pub struct SyncArgs {
    /// Repetitions of the link-up and interruption scenarios.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Run only these scenarios (record, link-up, interruptions, photos); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Events with the time they happened.
#[derive(Default)]
struct Timeline(Mutex<Vec<(Instant, SyncEvent)>>);

impl SyncObserver for Timeline {
    fn on_event(&self, event: &SyncEvent) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push((Instant::now(), event.clone()));
    }
}

impl Timeline {
    fn first(&self, f: impl Fn(&SyncEvent) -> bool) -> Option<Instant> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|(_, e)| f(e)).map(|(t, _)| *t)
    }
}

struct Rig {
    _server: LocalServer,
    proxy: FaultProxy,
    phone: Watcher,
    election: SampleElection,
    _dir: tempfile::TempDir,
}

/// A server, a proxy on `profile` and one phone enrolled through it for `stations` stations.
fn rig(seed: u64, stations: usize, profile: LinkProfile) -> Result<Rig, Error> {
    let election = SampleElection::new(seed, stations);
    let server = LocalServer::start(&election)?;
    let proxy = FaultProxy::start(server.addr, LinkProfile::CLEAN, Faults::none(), seed)?;
    let ids: Vec<String> = election.package.stations.iter().map(|s| s.id.clone()).collect();
    let code = server.codes(&[ids])?.remove(0);
    let dir = tempfile::tempdir()?;
    let phone = Watcher::open(dir.path(), seed)?;
    phone.enroll(&proxy.url(), &code)?;
    proxy.set_profile(profile);
    Ok(Rig { _server: server, proxy, phone, election, _dir: dir })
}

fn now() -> SyncOptions {
    SyncOptions { ignore_backoff: true, ..SyncOptions::default() }
}

fn sync_idle(phone: &Watcher) -> Result<(), Error> {
    let r = phone.sync(Duration::from_secs(900), &CancelToken::new())?;
    if r.outcome != SyncOutcome::Idle {
        return Err(format!("sync did not finish: {r:?}").into());
    }
    Ok(())
}

fn up_down(rig: &Rig) -> (u64, u64) {
    // The proxy counts a chunk after writing it on; let the last answer's count land.
    std::thread::sleep(Duration::from_millis(200));
    let s = rig.proxy.stats();
    (s.bytes_up, s.bytes_down)
}

fn record_bytes() -> Result<serde_json::Value, Error> {
    let rig = rig(101, 12, LinkProfile::CLEAN)?;
    let style = CaptureStyle { photos: false, mistake_rate: 0.0, ..CaptureStyle::default() };
    // A feed poll alone (nothing to send), to subtract.
    let before = up_down(&rig);
    rig.phone.store.sync(&now(), &CancelToken::new())?;
    let after = up_down(&rig);
    let poll = (bytes_between(before.0, after.0, 0)?, bytes_between(before.1, after.1, 0)?);
    let captured = rig.phone.capture(&rig.election, 0, &style)?;
    let record_json = rig
        .phone
        .store
        .capture(captured.capture_id)?
        .signed
        .map(|s| serde_json::to_vec(&s).map(|v| v.len()))
        .transpose()?
        .unwrap_or(0);
    let before = up_down(&rig);
    rig.phone.store.sync(&now(), &CancelToken::new())?;
    let after = up_down(&rig);
    let one = (bytes_between(before.0, after.0, poll.0)?, bytes_between(before.1, after.1, poll.1)?);
    for i in 1..11 {
        rig.phone.capture(&rig.election, i, &style)?;
    }
    let before = up_down(&rig);
    rig.phone.store.sync(&now(), &CancelToken::new())?;
    let after = up_down(&rig);
    let ten = (bytes_between(before.0, after.0, poll.0)?, bytes_between(before.1, after.1, poll.1)?);
    Ok(serde_json::json!({
        "signed_record_json_bytes": record_json,
        "one_record": { "up": one.0, "down": one.1, "total": one.0 + one.1 },
        "per_record_in_batch_of_10": { "up": ten.0 / 10, "down": ten.1 / 10, "total": (ten.0 + ten.1) / 10 },
        "feed_poll": { "up": poll.0, "down": poll.1 },
    }))
}

fn link_up(runs: usize) -> Result<Vec<f64>, Error> {
    let rig = rig(102, runs, LinkProfile::GPRS)?;
    // Records only: the photo that would follow is measured in the photo scenario.
    let style = CaptureStyle { photos: false, mistake_rate: 0.0, ..CaptureStyle::default() };
    let mut out = Vec::new();
    for i in 0..runs {
        rig.proxy.set_faults(Faults { down: true, ..Faults::none() });
        let captured = rig.phone.capture(&rig.election, i, &style)?;
        // The phone tries while the link is down, and fails.
        let r = rig.phone.store.sync(&now(), &CancelToken::new())?;
        if !matches!(r.outcome, SyncOutcome::Pending { .. }) {
            return Err(format!("expected the link to be down: {r:?}").into());
        }
        let timeline = Arc::new(Timeline::default());
        let _handle = rig.phone.store.observe_sync(timeline.clone());
        rig.proxy.set_faults(Faults::none());
        let up = Instant::now();
        rig.phone.store.sync(&now(), &CancelToken::new())?;
        let receipt = timeline
            .first(|e| matches!(e, SyncEvent::ItemDelivered { capture_id, kind: OutboxKind::Record, .. } if *capture_id == captured.capture_id))
            .ok_or("no record receipt")?;
        out.push(receipt.duration_since(up).as_secs_f64());
    }
    Ok(out)
}

/// Bytes sent up to deliver one photo (and its record) on EDGE, with `resets` connection resets;
/// the same acta (same seed) every time, so the same photo.
fn photo_bytes_up(resets: u64) -> Result<(u64, u64, u64), Error> {
    let rig = rig(103, 1, LinkProfile::EDGE)?;
    let style = CaptureStyle { photo_size: (4000, 3000), mistake_rate: 0.0, ..CaptureStyle::default() };
    let captured = rig.phone.capture(&rig.election, 0, &style)?;
    if resets > 0 {
        rig.proxy.set_faults(Faults {
            reset: 1.0,
            reset_min: 8_000,
            reset_within: 250_000,
            reset_down_share: 0.0,
            reset_limit: resets,
            ..Faults::none()
        });
    }
    let before = rig.proxy.stats();
    sync_idle(&rig.phone)?;
    let after = rig.proxy.stats();
    Ok((after.bytes_up - before.bytes_up, after.resets - before.resets, captured.photo_bytes))
}

fn photo_time(profile: LinkProfile) -> Result<(f64, u64), Error> {
    let rig = rig(104, 1, profile)?;
    let style = CaptureStyle { photo_size: (4000, 3000), mistake_rate: 0.0, ..CaptureStyle::default() };
    let captured = rig.phone.capture(&rig.election, 0, &style)?;
    let timeline = Arc::new(Timeline::default());
    let _handle = rig.phone.store.observe_sync(timeline.clone());
    sync_idle(&rig.phone)?;
    let photo = |e: &SyncEvent, delivered: bool| match e {
        SyncEvent::Sending { kind: OutboxKind::Photo(_), .. } => !delivered,
        SyncEvent::ItemDelivered { kind: OutboxKind::Photo(_), .. } => delivered,
        _ => false,
    };
    let start = timeline.first(|e| photo(e, false)).ok_or("no photo upload")?;
    let end = timeline.first(|e| photo(e, true)).ok_or("no photo receipt")?;
    Ok((end.duration_since(start).as_secs_f64(), captured.photo_bytes))
}

/// Runs `bench sync`.
pub fn run(args: &SyncArgs) -> Result<(), Box<dyn std::error::Error>> {
    let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    let go = || -> Result<serde_json::Value, Error> {
        let mut report = serde_json::Map::new();
        if wants("record") {
            report.insert("record".into(), record_bytes()?);
        }
        if wants("link-up") {
            let secs = link_up(args.runs)?;
            report.insert(
                "link_up_to_receipt_gprs_s".into(),
                secs.iter().map(|s| (s * 100.0).round() / 100.0).collect::<Vec<_>>().into(),
            );
        }
        if wants("interruptions") {
            let (clean, _, size) = photo_bytes_up(0)?;
            let mut interruptions = Vec::new();
            for r in 0..args.runs {
                let (faulty, resets, _) = photo_bytes_up(2 + r as u64)?;
                let resent = faulty.saturating_sub(clean) as f64 / resets.max(1) as f64;
                interruptions.push(
                    serde_json::json!({ "resets": resets, "bytes_up": faulty, "resent_per_reset": resent.round() }),
                );
            }
            report.insert("photo_clean_edge_bytes_up".into(), clean.into());
            report.insert("photo_bytes".into(), size.into());
            report.insert("interruptions_edge".into(), interruptions.into());
        }
        if !wants("photos") {
            return Ok(report.into());
        }
        let mut photos = Vec::new();
        for profile in [LinkProfile::GPRS, LinkProfile::EDGE, LinkProfile::THREE_G] {
            let (secs, bytes) = photo_time(profile)?;
            let limit = bytes as f64 * 8.0 / profile.up_bps as f64;
            photos.push(serde_json::json!({
                "profile": profile.name, "photo_bytes": bytes, "seconds": (secs * 10.0).round() / 10.0,
                "link_limit_seconds": (limit * 10.0).round() / 10.0, "ratio": (secs / limit * 100.0).round() / 100.0,
            }));
        }
        report.insert("photo_upload".into(), photos.into());
        Ok(report.into())
    };
    let report = go().map_err(|e| e.to_string())?;
    if args.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// Bytes counted between two readings of the proxy's counter, less a known overhead; an error
/// (not a wrapped-around figure) if the counts do not add up.
fn bytes_between(before: u64, after: u64, less: u64) -> Result<u64, Error> {
    after.checked_sub(before).and_then(|d| d.checked_sub(less)).ok_or_else(|| {
        format!("the proxy counted {before} then {after} bytes, less {less}: not a measurement").into()
    })
}
