//! A whole election night on one machine: the field simulation behind `testigo demo`.
//!
//! A server starts on the embedded default with a synthetic election; simulated watchers — each a
//! real phone store driving the real sync engine — are enrolled for the tables (some tables get
//! two watchers); each photographs its actas, types the numbers (some with mistakes, which the
//! core flags and the watcher corrects, before or after sealing), and syncs through the fault
//! proxy over field-like links with outages. Meanwhile the server's dashboard fills up. At the end
//! the invariants are checked against the truth the simulation knows: every sealed capture on the
//! server exactly once, every photo byte-exact, a receipt on every phone for everything it sent,
//! and the tally equal to the sum of the actas.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testigo_core::{CancelToken, OutboxState, Store};
use testigo_protocol::Sha256;

use testigo_testkit::sample::{CONTEST_ID, SampleElection, acta_counts};
use testigo_testkit::{FaultProxy, Faults, LinkProfile, ProxyStats, Rng};

use crate::server::LocalServer;
use crate::watcher::{CaptureStyle, Watcher};

/// Result type of the field simulation.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The network the watchers sync over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkProfile {
    /// A mix of links (three phones in five on 3G, the rest on EDGE) whose connections reset,
    /// stall, black-hole, truncate and meet proxy errors, and a network-wide outage of 3 s every
    /// 40 s (the first at 30 s).
    Field,
    /// GPRS speeds, no faults.
    Gprs,
    /// 3G speeds, no faults.
    ThreeG,
    /// Loopback, no faults.
    Clean,
}

impl NetworkProfile {
    /// The profile with this name (`field`, `gprs`, `3g`, `clean`).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "field" => Some(Self::Field),
            "gprs" => Some(Self::Gprs),
            "3g" => Some(Self::ThreeG),
            "clean" => Some(Self::Clean),
            _ => None,
        }
    }

    /// The name [`NetworkProfile::by_name`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Field => "field",
            Self::Gprs => "gprs",
            Self::ThreeG => "3g",
            Self::Clean => "clean",
        }
    }

    /// The links phones get, with the share of phones on each.
    fn links(self) -> Vec<(LinkProfile, f64)> {
        match self {
            Self::Field => vec![(LinkProfile::THREE_G, 0.6), (LinkProfile::EDGE, 0.4)],
            Self::Gprs => vec![(LinkProfile::GPRS, 1.0)],
            Self::ThreeG => vec![(LinkProfile::THREE_G, 1.0)],
            Self::Clean => vec![(LinkProfile::CLEAN, 1.0)],
        }
    }

    fn faults(self) -> Faults {
        match self {
            // Field faults, with radio drops about once a megabyte.
            Self::Field => Faults { reset_mean_bytes: 1_000_000, ..Faults::field() },
            _ => Faults::none(),
        }
    }
}

/// How the night goes.
#[derive(Debug, Clone)]
pub struct FieldOptions {
    /// Tables in the election.
    pub stations: usize,
    /// Watchers (each a phone).
    pub watchers: usize,
    /// Share of tables a second watcher also covers.
    pub double_cover: f64,
    /// Chance that a watcher mistypes an acta.
    pub mistake_rate: f64,
    /// The network.
    pub profile: NetworkProfile,
    /// Seed of everything random.
    pub seed: u64,
    /// The phones' camera frame (the acta's QR code reads reliably from 2400 × 1800 up).
    pub photo_size: (u32, u32),
    /// Watchers photographing at once (photo work is CPU-bound).
    pub parallel_captures: usize,
    /// How long watchers may keep trying to sync.
    pub deadline: Duration,
}

impl Default for FieldOptions {
    fn default() -> Self {
        FieldOptions {
            stations: 200,
            watchers: 200,
            double_cover: 0.15,
            mistake_rate: 0.15,
            profile: NetworkProfile::Field,
            seed: 1,
            photo_size: (2400, 1800),
            parallel_captures: std::thread::available_parallelism().map_or(2, |n| n.get()).max(1),
            deadline: Duration::from_secs(600),
        }
    }
}

/// Progress while the night goes on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldProgress {
    /// Captures to make in all (corrections not included).
    pub captures_total: u64,
    /// Captures sealed so far.
    pub captures_sealed: u64,
    /// Watchers done syncing.
    pub watchers_done: u64,
    /// Watchers in all.
    pub watchers_total: u64,
    /// Tables the server counts (as its dashboard shows).
    pub tables_reported: u64,
    /// Tables in all.
    pub tables_total: u64,
    /// Records the server holds.
    pub records_received: u64,
    /// Photos the server holds.
    pub photos_received: u64,
}

/// What the delivery check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Sealed records on the phones.
    pub records_sealed: u64,
    /// Those the server holds.
    pub records_delivered: u64,
    /// Photos the phones' records declare.
    pub photos_sealed: u64,
    /// Those the server holds, byte-exact.
    pub photos_delivered: u64,
    /// Records the server holds more than once, or holds without any phone having sealed them.
    pub duplicates: u64,
    /// Photos the server holds whose bytes do not hash to what the record declares.
    pub hash_mismatches: u64,
    /// Outbox items on the phones that are not delivered.
    pub undelivered_items: u64,
    /// Receipts the phones hold that verify with the server key (one is due for every record
    /// and every photo).
    pub receipts: u64,
    /// Receipts that do not verify with the server key.
    pub bad_receipts: u64,
}

impl Delivery {
    /// Whether everything arrived once, intact, with its proof.
    pub fn complete(&self) -> bool {
        self.records_delivered == self.records_sealed
            && self.photos_delivered == self.photos_sealed
            && self.duplicates == 0
            && self.hash_mismatches == 0
            && self.undelivered_items == 0
            && self.bad_receipts == 0
            && self.receipts == self.records_sealed + self.photos_sealed
    }
}

/// What a phone sealed, as the server must end up holding it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SealedRecord {
    /// The device key id.
    pub device: String,
    /// The capture id.
    pub capture: String,
    /// SHA-256 of the record's canonical bytes.
    pub record_sha256: Sha256,
    /// The photos' SHA-256, in page order.
    pub photos: Vec<Sha256>,
}

/// Every sealed capture in a phone's store.
pub fn sealed_records(store: &Store) -> Result<Vec<SealedRecord>> {
    let mut out = Vec::new();
    for summary in store.captures()? {
        let Some(signed) = store.capture(summary.id)?.signed else { continue };
        out.push(SealedRecord {
            device: store.device().key_id.to_string(),
            capture: summary.id.to_string(),
            record_sha256: signed.record.record_sha256(),
            photos: signed.record.photos.iter().map(|p| p.sha256).collect(),
        });
    }
    Ok(out)
}

/// Compares what the phones sealed with what the server holds (see [`Delivery`]).
pub fn check_delivery(server: &LocalServer, phones: &[&Store]) -> Result<Delivery> {
    let mut d = Delivery::default();
    let mut sealed: BTreeMap<(String, String), Sha256> = BTreeMap::new();
    let mut declared: BTreeSet<(String, String, Sha256)> = BTreeSet::new();
    let key = server.key();
    for store in phones {
        for r in sealed_records(store)? {
            for p in &r.photos {
                declared.insert((r.device.clone(), r.capture.clone(), *p));
            }
            sealed.insert((r.device, r.capture), r.record_sha256);
        }
        d.undelivered_items += store.outbox()?.iter().filter(|i| i.state != OutboxState::Done).count() as u64;
        for r in store.receipts(None)? {
            if r.receipt.verify(&key).is_ok() {
                d.receipts += 1;
            } else {
                d.bad_receipts += 1;
            }
        }
    }
    d.records_sealed = sealed.len() as u64;
    d.photos_sealed = declared.len() as u64;
    let db = server.db()?;
    let mut seen = BTreeSet::new();
    let mut stmt = db.prepare("SELECT device_id, capture_id, record_sha256 FROM captures")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))?
    {
        let (device, capture, sha) = row?;
        let sha = Sha256::from_slice(&sha)?;
        let key = (device, capture);
        if sealed.get(&key) == Some(&sha) && seen.insert(key) {
            d.records_delivered += 1;
        } else {
            d.duplicates += 1;
        }
    }
    let mut stmt = db.prepare(
        "SELECT c.device_id, c.capture_id, p.sha256 FROM capture_photos p JOIN captures c ON c.pk = p.capture_pk
          WHERE p.receipt_json IS NOT NULL",
    )?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))?
    {
        let (device, capture, sha) = row?;
        let sha = Sha256::from_slice(&sha)?;
        let bytes = server.block_on(server.state.blobs.get(&sha))?;
        match bytes {
            Some(b) if Sha256::digest(&b) == sha && declared.contains(&(device, capture, sha)) => {
                d.photos_delivered += 1
            }
            _ => d.hash_mismatches += 1,
        }
    }
    Ok(d)
}

/// The report of a night.
#[derive(Debug, Clone)]
pub struct FieldReport {
    /// The options it ran with.
    pub options: FieldOptions,
    /// Tables in the election.
    pub tables_total: u64,
    /// Tables the server counts.
    pub tables_reported: u64,
    /// Watchers.
    pub watchers: u64,
    /// Tables covered by two watchers.
    pub double_covered: u64,
    /// Delivery, as checked.
    pub delivery: Delivery,
    /// Whether the server's tally equals the sum of the actas, field by field.
    pub tally_matches: bool,
    /// Fields where it does not: (field, server, truth).
    pub tally_differences: Vec<(String, i64, i64)>,
    /// Typing mistakes made.
    pub mistakes_injected: u64,
    /// Of those, flagged by the core's validation before the watcher moved on.
    pub mistakes_flagged: u64,
    /// Mistakes corrected after sealing, by a superseding capture.
    pub corrections_after_sealing: u64,
    /// Actas that carry a QR code.
    pub qr_on_acta: u64,
    /// Of those, read by the phone from its photo.
    pub qr_read: u64,
    /// Seconds from the start until the server counted 50, 90 and 100 % of the tables.
    pub time_to_50_s: Option<f64>,
    /// See `time_to_50_s`.
    pub time_to_90_s: Option<f64>,
    /// See `time_to_50_s`.
    pub time_to_100_s: Option<f64>,
    /// Bytes through the network, phone to server and back (TCP payload).
    pub bytes_up: u64,
    /// See `bytes_up`.
    pub bytes_down: u64,
    /// Faults the network inflicted.
    pub faults: ProxyStats,
    /// Network-wide outages.
    pub outages: u64,
    /// Seconds the whole night took.
    pub duration_s: f64,
    /// When each watcher was done (everything delivered), seconds from the start, sorted.
    pub watchers_done_s: Vec<f64>,
}

impl FieldReport {
    /// Whether every invariant holds.
    pub fn ok(&self) -> bool {
        self.delivery.complete() && self.tally_matches && self.tables_reported == self.tables_total
    }
}

/// A counting semaphore: at most `n` watchers photograph at once.
struct Slots {
    free: Mutex<usize>,
    wake: std::sync::Condvar,
}

struct Slot<'a>(&'a Slots);

impl Slots {
    fn new(n: usize) -> Self {
        Slots { free: Mutex::new(n), wake: std::sync::Condvar::new() }
    }

    fn acquire(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.wake.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.wake.notify_one();
    }
}

/// One watcher's plan.
struct Plan {
    index: usize,
    seed: u64,
    stations: Vec<usize>,
}

#[derive(Default)]
struct Tallies {
    mistakes: AtomicU64,
    flagged: AtomicU64,
    corrected_after: AtomicU64,
    qr_on_acta: AtomicU64,
    qr_read: AtomicU64,
    sealed: AtomicU64,
    done: AtomicU64,
}

fn server_counts(server: &LocalServer) -> Result<(u64, u64, u64)> {
    let root = server.block_on(server.state.coord.region_by_path(String::new()))?.ok_or("no region tree")?;
    let view =
        server.block_on(server.state.coord.region_view(root.id, CONTEST_ID.into()))?.ok_or("no root")?;
    let s = view.region.stats;
    Ok((s.stations_reported, s.records, s.photos_received))
}

/// Runs the night. `progress` is called about four times a second. The server is returned so the
/// caller can keep serving its dashboard.
pub fn run(
    options: &FieldOptions,
    progress: &(dyn Fn(&FieldProgress) + Sync),
) -> Result<(FieldReport, LocalServer)> {
    let started = Instant::now();
    let election = SampleElection::new(options.seed, options.stations.max(1));
    let server = LocalServer::start(&election)?;
    // One proxy per kind of link; each watcher is behind one of them.
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
    let phones_dir = tempfile::tempdir()?;

    // Who covers what: round robin, and a second watcher for some tables.
    let n = election.package.stations.len();
    let w = options.watchers.clamp(1, n.max(1));
    let mut plans: Vec<Plan> = (0..w)
        .map(|i| Plan {
            index: i,
            seed: options.seed.wrapping_mul(10_007).wrapping_add(i as u64),
            stations: vec![],
        })
        .collect();
    if proxies.is_empty() {
        return Err("no network profile".into());
    }
    let mut rng = Rng::stream(options.seed, 0xF1E1);
    let mut double = 0;
    for i in 0..n {
        if let Some(p) = plans.get_mut(i % w) {
            p.stations.push(i);
        }
        if w > 1
            && rng.chance(options.double_cover)
            && let Some(p) = plans.get_mut((i + 1) % w)
        {
            p.stations.push(i);
            double += 1;
        }
    }
    let assignments: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            p.stations
                .iter()
                .filter_map(|i| election.package.stations.get(*i).map(|s| s.id.clone()))
                .collect()
        })
        .collect();
    let codes = server.codes(&assignments)?;
    let captures_total: u64 = plans.iter().map(|p| p.stations.len() as u64).sum();

    // Each watcher's link, by its place in the list, so the shares hold exactly.
    let link_of = |index: usize| -> Option<&FaultProxy> {
        let place = index as f64 / w as f64;
        let mut cumulative = 0.0;
        let found = proxies.iter().find(|(_, share)| {
            cumulative += share;
            place < cumulative
        });
        found.or(proxies.last()).map(|(p, _)| p)
    };
    let tallies = Tallies::default();
    let capture_slots = Arc::new(Slots::new(options.parallel_captures.max(1)));
    let cancel = CancelToken::new();
    let thresholds: Mutex<[Option<f64>; 3]> = Mutex::new([None; 3]);
    let outages = AtomicU64::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let watchers: Mutex<Vec<Watcher>> = Mutex::new(Vec::new());
    let finished: Mutex<Vec<f64>> = Mutex::new(Vec::new());
    // A deadline beyond what the clock can hold is a day: the night is over long before.
    let deadline = started.checked_add(options.deadline).unwrap_or(started + Duration::from_secs(86_400));

    std::thread::scope(|s| {
        for (plan, code) in plans.iter().zip(&codes) {
            let (tallies, capture_slots, cancel, failures, watchers) =
                (&tallies, &capture_slots, &cancel, &failures, &watchers);
            let finished = &finished;
            let (election, phones_dir) = (&election, &phones_dir);
            let link = link_of(plan.index);
            s.spawn(move || {
                let result = (|| -> Result<()> {
                    let proxy = link.ok_or("no network")?;
                    let watcher =
                        Watcher::open(&phones_dir.path().join(format!("phone-{}", plan.seed)), plan.seed)?;
                    // Enrollment goes through the same field link: try again as an app would.
                    let mut tries = 0;
                    loop {
                        match watcher.enroll(&proxy.url(), code) {
                            Ok(()) => break,
                            Err(testigo_core::Error::Network(_) | testigo_core::Error::InvalidServer(_))
                                if tries < 60 && Instant::now() < deadline =>
                            {
                                tries += 1;
                                if cancel.sleep(Duration::from_millis(500)) {
                                    return Ok(());
                                }
                            }
                            Err(e) => return Err(e.into()),
                        }
                    }
                    // The package comes with enrollment, unless the link broke just then: then the
                    // first syncs bring it.
                    while watcher.store.package()?.is_none() {
                        if Instant::now() >= deadline {
                            return Err("no election package before the deadline".into());
                        }
                        let options = testigo_core::SyncOptions {
                            ignore_backoff: true,
                            max_duration: Duration::from_secs(30),
                        };
                        watcher.store.sync(&options, cancel)?;
                        if watcher.store.package()?.is_none() && cancel.sleep(Duration::from_millis(500)) {
                            return Ok(());
                        }
                    }
                    let style = CaptureStyle {
                        mistake_rate: options.mistake_rate,
                        photo_size: options.photo_size,
                        photo_quality: 88,
                        photos: true,
                    };
                    for (k, station) in plan.stations.iter().enumerate() {
                        let c = {
                            let _slot = capture_slots.acquire();
                            watcher.capture_checked(election, *station, &style, k % 2 == 0)?
                        };
                        tallies.sealed.fetch_add(1, Ordering::Relaxed);
                        if c.mistake.is_some() {
                            tallies.mistakes.fetch_add(1, Ordering::Relaxed);
                        }
                        if c.mistake_flagged {
                            tallies.flagged.fetch_add(1, Ordering::Relaxed);
                        }
                        if c.corrected_after_sealing {
                            tallies.corrected_after.fetch_add(1, Ordering::Relaxed);
                        }
                        if c.has_qr {
                            tallies.qr_on_acta.fetch_add(1, Ordering::Relaxed);
                        }
                        if c.qr_read {
                            tallies.qr_read.fetch_add(1, Ordering::Relaxed);
                        }
                        // Send what is sealed so far while the next acta is photographed.
                        let quick = testigo_core::SyncOptions {
                            ignore_backoff: false,
                            max_duration: Duration::from_secs(5),
                        };
                        watcher.store.sync(&quick, cancel)?;
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    // A watcher out of time is not done: what it holds shows in the delivery check.
                    if watcher.sync(left, cancel)?.outcome == testigo_core::SyncOutcome::Idle {
                        finished
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(started.elapsed().as_secs_f64());
                    }
                    watchers.lock().unwrap_or_else(|e| e.into_inner()).push(watcher);
                    Ok(())
                })();
                if let Err(e) = result {
                    failures.lock().unwrap_or_else(|e| e.into_inner()).push(e.to_string());
                    // One watcher failing ends the night: the others stop instead of running on
                    // to the deadline before the error is told.
                    cancel.cancel();
                }
                tallies.done.fetch_add(1, Ordering::Relaxed);
            });
        }

        // The night's clock: progress, thresholds, outages.
        s.spawn(|| {
            let mut next_outage = started + Duration::from_secs(30);
            let mut outage_ends: Option<Instant> = None;
            loop {
                let now = Instant::now();
                if options.profile == NetworkProfile::Field {
                    if outage_ends.is_some_and(|t| now >= t) {
                        for (p, _) in &proxies {
                            p.set_faults(options.profile.faults());
                        }
                        outage_ends = None;
                    } else if outage_ends.is_none() && now >= next_outage {
                        for (p, _) in &proxies {
                            p.set_faults(Faults { down: true, ..Faults::none() });
                        }
                        outages.fetch_add(1, Ordering::Relaxed);
                        outage_ends = Some(now + Duration::from_secs(3));
                        next_outage = now + Duration::from_secs(40);
                    }
                }
                if let Ok((reported, records, photos)) = server_counts(&server) {
                    let elapsed = started.elapsed().as_secs_f64();
                    let mut t = thresholds.lock().unwrap_or_else(|e| e.into_inner());
                    for (slot, share) in t.iter_mut().zip([0.5, 0.9, 1.0]) {
                        if slot.is_none() && reported as f64 >= share * n as f64 {
                            *slot = Some(elapsed);
                        }
                    }
                    progress(&FieldProgress {
                        captures_total,
                        captures_sealed: tallies.sealed.load(Ordering::Relaxed),
                        watchers_done: tallies.done.load(Ordering::Relaxed),
                        watchers_total: w as u64,
                        tables_reported: reported,
                        tables_total: n as u64,
                        records_received: records,
                        photos_received: photos,
                    });
                }
                if tallies.done.load(Ordering::Relaxed) >= w as u64 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            if outage_ends.is_some() {
                for (p, _) in &proxies {
                    p.set_faults(options.profile.faults());
                }
            }
        });
    });
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = failures.first() {
        return Err(format!("{} watcher(s) failed; the first: {first}", failures.len()).into());
    }

    // Let the tally take in the last arrivals, then check everything against the truth.
    server.block_on(testigo_server::repo::settle_tally(
        server.state.repo.as_ref(),
        testigo_server::TALLY_BATCH,
    ))?;
    let settled_s = started.elapsed().as_secs_f64();
    let watchers = watchers.into_inner().unwrap_or_else(|e| e.into_inner());
    let stores: Vec<&Store> = watchers.iter().map(|w| &w.store).collect();
    let delivery = check_delivery(&server, &stores)?;
    let (tables_reported, _, _) = server_counts(&server)?;
    let root = server.block_on(server.state.coord.region_by_path(String::new()))?.ok_or("no root")?;
    let tally = server.block_on(server.state.coord.tally(root.id, CONTEST_ID.into()))?;
    let mut truth: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..n {
        let spec = election.acta(i).ok_or("acta")?;
        let c = acta_counts(&spec);
        for (k, v) in c.counts.into_iter().chain(c.extra) {
            *truth.entry(k).or_default() += i64::from(v);
        }
    }
    let fields: BTreeSet<&String> = truth.keys().chain(tally.keys()).collect();
    let tally_differences: Vec<(String, i64, i64)> = fields
        .into_iter()
        .filter_map(|f| {
            let (a, b) = (tally.get(f).copied().unwrap_or(0), truth.get(f).copied().unwrap_or(0));
            (a != b).then(|| (f.clone(), a, b))
        })
        .collect();
    let stats = proxies.iter().map(|(p, _)| p.stats()).fold(ProxyStats::default(), |a, b| ProxyStats {
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
    });
    let mut t = *thresholds.lock().unwrap_or_else(|e| e.into_inner());
    // Thresholds crossed only by the tally's last refresh were crossed when it settled.
    for (slot, share) in t.iter_mut().zip([0.5, 0.9, 1.0]) {
        if slot.is_none() && tables_reported as f64 >= share * n as f64 {
            *slot = Some(settled_s);
        }
    }
    let [t50, t90, t100] = t;
    let report = FieldReport {
        options: options.clone(),
        tables_total: n as u64,
        tables_reported,
        watchers: w as u64,
        double_covered: double,
        delivery,
        tally_matches: tally_differences.is_empty(),
        tally_differences,
        mistakes_injected: tallies.mistakes.load(Ordering::Relaxed),
        mistakes_flagged: tallies.flagged.load(Ordering::Relaxed),
        corrections_after_sealing: tallies.corrected_after.load(Ordering::Relaxed),
        qr_on_acta: tallies.qr_on_acta.load(Ordering::Relaxed),
        qr_read: tallies.qr_read.load(Ordering::Relaxed),
        time_to_50_s: t50,
        time_to_90_s: t90,
        time_to_100_s: t100,
        bytes_up: stats.bytes_up,
        bytes_down: stats.bytes_down,
        faults: stats,
        outages: outages.load(Ordering::Relaxed),
        duration_s: started.elapsed().as_secs_f64(),
        watchers_done_s: {
            let mut f = finished.into_inner().unwrap_or_else(|e| e.into_inner());
            f.sort_by(f64::total_cmp);
            f
        },
    };
    drop(proxies);
    // The phones' stores live in the temporary directory until here; the server lives on.
    drop(watchers);
    drop(phones_dir);
    Ok((report, server))
}
