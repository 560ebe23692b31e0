//! The night itself: every watcher on a thread of its own, and a clock.
//!
//! A watcher enrolls through its link (trying again as an app would), waits for the election
//! package, then for each of its tables photographs the acta, types the numbers and checks them —
//! every other acta before sealing, the rest after, when a mistake is corrected by a superseding
//! capture — and sends what is sealed while it photographs the next. At the end it syncs until it
//! is idle or the deadline passes. Photographing is CPU-bound, so only `parallel_captures`
//! watchers do it at once ([`Slots`]). One watcher failing ends the night for all: the others are
//! cancelled rather than left to run on to the deadline before the error is told.
//!
//! A watcher without a data link (the censored profile) sends each sealed record as SMS through
//! the carrier to the gateway and takes the receipt SMS back, sending again what got no answer;
//! when its actas are done it hands its outbox, sealed, to its runner, who travels, carries the
//! bundles and syncs them through a link; then the watcher's own link returns, and its feed tells
//! it what arrived (it sends nothing twice).
//!
//! The clock, four times a second, cuts the whole network for the field profile's outages and
//! restores it, notes when the server's count crossed 50, 90 and 100 % of the tables
//! ([`Crossings`]), and reports progress, until every watcher is done.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use testigo_core::{CancelToken, OutboxKind, OutboxState, Store, SyncOptions, SyncOutcome};
use testigo_testkit::{FaultProxy, Faults, SampleElection};

use super::check::server_counts;
use super::plan::{Plan, RunnerPlan, WatcherPlan};
use super::{FieldOptions, FieldProgress, NetworkProfile, Result};
use crate::server::LocalServer;
use crate::sms::{CarrierStats, SmsCarrier, SmsGateway};
use crate::watcher::{CaptureStyle, Watcher};

/// The secret the night's SMS gateway presents to the server.
pub(super) const SMS_SECRET: &str = "demo-sms-gateway";

/// Rounds of sending again the records whose receipt SMS did not come, a few seconds apart.
const SMS_ROUNDS: usize = 6;

/// How the night went, for the report and the checks.
pub(super) struct Night {
    /// What the watchers' captures went through.
    pub(super) captures: CaptureCounts,
    /// Network-wide outages.
    pub(super) outages: u64,
    /// When the server's count crossed each share of the tables.
    pub(super) crossings: Crossings,
    /// When each watcher was done (everything delivered), seconds from the start, sorted.
    pub(super) watchers_done_s: Vec<f64>,
    /// What the SMS carrier did.
    pub(super) sms: CarrierStats,
    /// Receipts the phones took from SMS.
    pub(super) receipts_by_sms: u64,
    /// The watchers that saw the night through. Declared before `_phones_dir`, so they are
    /// dropped first: their stores live in it.
    watchers: Vec<Watcher>,
    /// The temporary directory of the phones' stores.
    _phones_dir: tempfile::TempDir,
}

impl Night {
    /// The phones' stores, for checking what they hold.
    pub(super) fn stores(&self) -> Vec<&Store> {
        self.watchers.iter().map(|w| &w.store).collect()
    }
}

/// What the watchers' captures went through, counted.
#[derive(Debug, Default)]
pub(super) struct CaptureCounts {
    /// Typing mistakes made.
    pub(super) mistakes: u64,
    /// Of those, flagged by the core's validation.
    pub(super) flagged: u64,
    /// Mistakes corrected after sealing, by a superseding capture.
    pub(super) corrected_after_sealing: u64,
    /// Actas that carry a QR code.
    pub(super) qr_on_acta: u64,
    /// Of those, read by the phone from its photo.
    pub(super) qr_read: u64,
}

/// When the server's count first reached 50, 90 and 100 % of the tables, in seconds from the
/// start.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Crossings(pub(super) [Option<f64>; 3]);

impl Crossings {
    const SHARES: [f64; 3] = [0.5, 0.9, 1.0];

    /// Notes `at` for each share that `reported` tables of `tables` reach for the first time.
    pub(super) fn mark(&mut self, reported: u64, tables: usize, at: f64) {
        for (slot, share) in self.0.iter_mut().zip(Self::SHARES) {
            if slot.is_none() && reported as f64 >= share * tables as f64 {
                *slot = Some(at);
            }
        }
    }
}

/// Runs the night: the watchers of `plan` against `server`, until each is done, has failed or
/// has run out of time.
pub(super) fn run(
    options: &FieldOptions,
    election: &SampleElection,
    server: &LocalServer,
    plan: &Plan,
    started: Instant,
    progress: &(dyn Fn(&FieldProgress) + Sync),
) -> Result<Night> {
    let phones_dir = tempfile::tempdir()?;
    let shared = Shared {
        options,
        election,
        phones: phones_dir.path(),
        started,
        // A deadline beyond what the clock can hold is a day: the night is over long before.
        deadline: started.checked_add(options.deadline).unwrap_or(started + Duration::from_secs(86_400)),
        cancel: CancelToken::new(),
        slots: Slots::new(options.parallel_captures.max(1)),
        tallies: Tallies::default(),
        failures: Mutex::default(),
        watchers: Mutex::default(),
        finished: Mutex::default(),
        server,
        // The coordinators run two gateway numbers: a message's parts may come in through both.
        carrier: SmsCarrier::new(SmsGateway::new(&server.url(), SMS_SECRET), options.seed)
            .and(SmsGateway::new(&server.url(), SMS_SECRET)),
        inboxes: plan.runners.iter().map(|_| Mutex::default()).collect(),
        runners_done: plan.runners.iter().map(|_| AtomicBool::new(false)).collect(),
    };
    let (crossings, outages) = std::thread::scope(|s| {
        for watcher in &plan.watchers {
            let (shared, link) = (&shared, plan.link_of(watcher.index));
            s.spawn(move || shared.watch(watcher, link));
        }
        for (i, runner) in plan.runners.iter().enumerate() {
            let (shared, link) = (&shared, plan.link_of(i));
            s.spawn(move || shared.run_runner(i, runner, link));
        }
        clock(&shared, plan, server, progress)
    });
    let failures = shared.failures.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = failures.first() {
        return Err(format!("{} watcher(s) failed; the first: {first}", failures.len()).into());
    }
    let t = &shared.tallies;
    let mut watchers_done_s = shared.finished.into_inner().unwrap_or_else(|e| e.into_inner());
    watchers_done_s.sort_by(f64::total_cmp);
    Ok(Night {
        captures: CaptureCounts {
            mistakes: t.mistakes.load(Ordering::Relaxed),
            flagged: t.flagged.load(Ordering::Relaxed),
            corrected_after_sealing: t.corrected_after.load(Ordering::Relaxed),
            qr_on_acta: t.qr_on_acta.load(Ordering::Relaxed),
            qr_read: t.qr_read.load(Ordering::Relaxed),
        },
        outages,
        crossings,
        watchers_done_s,
        sms: shared.carrier.stats(),
        receipts_by_sms: t.receipts_by_sms.load(Ordering::Relaxed),
        watchers: shared.watchers.into_inner().unwrap_or_else(|e| e.into_inner()),
        _phones_dir: phones_dir,
    })
}

/// What the watchers' threads share while the night goes on.
struct Shared<'a> {
    options: &'a FieldOptions,
    election: &'a SampleElection,
    /// Where the phones' stores go, one directory each.
    phones: &'a Path,
    started: Instant,
    /// When the watchers stop trying.
    deadline: Instant,
    /// Cancelled when a watcher fails.
    cancel: CancelToken,
    slots: Slots,
    tallies: Tallies,
    /// Why watchers failed.
    failures: Mutex<Vec<String>>,
    /// The watchers that saw the night through.
    watchers: Mutex<Vec<Watcher>>,
    /// When each watcher was done, seconds from the start.
    finished: Mutex<Vec<f64>>,
    server: &'a LocalServer,
    /// The mobile network's SMS, to the gateway and back.
    carrier: SmsCarrier,
    /// The bundles each runner has been handed.
    inboxes: Vec<Mutex<Vec<Vec<u8>>>>,
    /// Whether each runner is done (delivered, failed or out of time).
    runners_done: Vec<AtomicBool>,
}

/// Counts kept by the watchers' threads as they go.
#[derive(Default)]
struct Tallies {
    mistakes: AtomicU64,
    flagged: AtomicU64,
    corrected_after: AtomicU64,
    qr_on_acta: AtomicU64,
    qr_read: AtomicU64,
    sealed: AtomicU64,
    done: AtomicU64,
    receipts_by_sms: AtomicU64,
}

impl Shared<'_> {
    /// One watcher's night, on its own thread.
    fn watch(&self, plan: &WatcherPlan, link: Option<&FaultProxy>) {
        if let Err(e) = self.try_watch(plan, link) {
            self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(e.to_string());
            self.cancel.cancel();
        }
        self.tallies.done.fetch_add(1, Ordering::Relaxed);
    }

    fn try_watch(&self, plan: &WatcherPlan, link: Option<&FaultProxy>) -> Result<()> {
        let proxy = link.ok_or("no network")?;
        let watcher = Watcher::open(&self.phones.join(format!("phone-{}", plan.seed)), plan.seed)?;
        if self.enroll(&watcher, proxy, &plan.code)?.is_break() || self.await_package(&watcher)?.is_break() {
            return Ok(());
        }
        let style = CaptureStyle {
            mistake_rate: self.options.mistake_rate,
            photo_size: self.options.photo_size,
            photo_quality: 88,
            photos: true,
        };
        let mut by_sms = HashSet::new();
        for (k, station) in plan.stations.iter().enumerate() {
            self.capture(&watcher, *station, &style, k % 2 == 0)?;
            if plan.runner.is_some() {
                self.send_by_sms(&watcher, plan, &mut by_sms)?;
            } else {
                // Send what is sealed so far while the next acta is photographed.
                let quick = SyncOptions { ignore_backoff: false, max_duration: Duration::from_secs(5) };
                watcher.store.sync(&quick, &self.cancel)?;
            }
        }
        if let Some(runner) = plan.runner {
            self.without_a_link(&watcher, plan, runner)?;
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        // A watcher out of time is not done: what it holds shows in the delivery check.
        if watcher.sync(left, &self.cancel)?.outcome == SyncOutcome::Idle {
            self.finished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.started.elapsed().as_secs_f64());
        }
        self.watchers.lock().unwrap_or_else(|e| e.into_inner()).push(watcher);
        Ok(())
    }

    /// Sends by SMS every sealed record not sent so far, and takes the receipts that come back.
    fn send_by_sms(
        &self,
        watcher: &Watcher,
        plan: &WatcherPlan,
        sent: &mut HashSet<uuid::Uuid>,
    ) -> Result<()> {
        for id in pending_records(watcher)? {
            if sent.insert(id) {
                self.sms_round(watcher, plan, id)?;
            }
        }
        Ok(())
    }

    /// One record's SMS through the carrier, and its receipt back.
    fn sms_round(&self, watcher: &Watcher, plan: &WatcherPlan, id: uuid::Uuid) -> Result<()> {
        let texts = watcher.store.sms_for(id)?;
        watcher.store.sms_sent(id)?;
        let from = format!("+58414{:07}", plan.index);
        for reply in self.carrier.carry(self.server, &from, &texts)? {
            if watcher.store.accept_sms_receipt(&reply)?.is_some() {
                self.tallies.receipts_by_sms.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// The rest of a night without a data link: the records whose receipt SMS did not come are
    /// sent again, a few rounds; the outbox, sealed, goes to the runner; then the watcher waits
    /// for the runner, and its own link returns (the caller syncs).
    fn without_a_link(&self, watcher: &Watcher, plan: &WatcherPlan, runner: usize) -> Result<()> {
        for _ in 0..SMS_ROUNDS {
            let waiting = pending_records(watcher)?;
            if waiting.is_empty() || Instant::now() >= self.deadline {
                break;
            }
            if self.cancel.sleep(Duration::from_secs(2)) {
                return Ok(());
            }
            for id in waiting {
                self.sms_round(watcher, plan, id)?;
            }
        }
        let bundle = watcher.store.export_bundle()?;
        self.inboxes
            .get(runner)
            .ok_or("no such runner")?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(bundle);
        let done = self.runners_done.get(runner).ok_or("no such runner")?;
        while !done.load(Ordering::Acquire) && Instant::now() < self.deadline {
            if self.cancel.sleep(Duration::from_millis(200)) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// One runner's night, on its own thread: waits for the bundles of the watchers it carries
    /// for, travels to a link, carries them and syncs.
    fn run_runner(&self, index: usize, plan: &RunnerPlan, link: Option<&FaultProxy>) {
        if let Err(e) = self.try_runner(index, plan, link) {
            self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(format!("runner: {e}"));
            self.cancel.cancel();
        }
        if let Some(done) = self.runners_done.get(index) {
            done.store(true, Ordering::Release);
        }
    }

    fn try_runner(&self, index: usize, plan: &RunnerPlan, link: Option<&FaultProxy>) -> Result<()> {
        let proxy = link.ok_or("no network")?;
        let runner = Watcher::open(&self.phones.join(format!("runner-{}", plan.seed)), plan.seed)?;
        if self.enroll(&runner, proxy, &plan.code)?.is_break() || self.await_package(&runner)?.is_break() {
            return Ok(());
        }
        let inbox = self.inboxes.get(index).ok_or("no inbox")?;
        while inbox.lock().unwrap_or_else(|e| e.into_inner()).len() < plan.carries {
            if Instant::now() >= self.deadline || self.cancel.sleep(Duration::from_millis(200)) {
                return Ok(());
            }
        }
        // The way to a place with a link.
        if self.cancel.sleep(Duration::from_secs(2)) {
            return Ok(());
        }
        let bundles: Vec<Vec<u8>> = std::mem::take(&mut *inbox.lock().unwrap_or_else(|e| e.into_inner()));
        for b in &bundles {
            runner.store.carry_bundle(b)?;
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        runner.sync(left, &self.cancel)?;
        Ok(())
    }

    /// Enrollment goes through the same field link: try again as an app would. Breaks when the
    /// night is cancelled.
    fn enroll(&self, watcher: &Watcher, proxy: &FaultProxy, code: &str) -> Result<ControlFlow<()>> {
        let mut tries = 0;
        loop {
            match watcher.enroll(&proxy.url(), code) {
                Ok(()) => return Ok(ControlFlow::Continue(())),
                Err(testigo_core::Error::Network(_) | testigo_core::Error::InvalidServer(_))
                    if tries < 60 && Instant::now() < self.deadline =>
                {
                    tries += 1;
                    if self.cancel.sleep(Duration::from_millis(500)) {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The package comes with enrollment, unless the link broke just then: then the first syncs
    /// bring it. Breaks when the night is cancelled.
    fn await_package(&self, watcher: &Watcher) -> Result<ControlFlow<()>> {
        while watcher.store.package()?.is_none() {
            if Instant::now() >= self.deadline {
                return Err("no election package before the deadline".into());
            }
            let options = SyncOptions { ignore_backoff: true, max_duration: Duration::from_secs(30) };
            watcher.store.sync(&options, &self.cancel)?;
            if watcher.store.package()?.is_none() && self.cancel.sleep(Duration::from_millis(500)) {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Captures one station's acta carefully (see [`Watcher::capture_checked`]) and counts what
    /// it went through.
    fn capture(
        &self,
        watcher: &Watcher,
        station: usize,
        style: &CaptureStyle,
        check_first: bool,
    ) -> Result<()> {
        let c = {
            let _slot = self.slots.acquire();
            watcher.capture_checked(self.election, station, style, check_first)?
        };
        let t = &self.tallies;
        t.sealed.fetch_add(1, Ordering::Relaxed);
        for (happened, count) in [
            (c.mistake.is_some(), &t.mistakes),
            (c.mistake_flagged, &t.flagged),
            (c.corrected_after_sealing, &t.corrected_after),
            (c.has_qr, &t.qr_on_acta),
            (c.qr_read, &t.qr_read),
        ] {
            if happened {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

/// The night's clock: outages, crossings and progress, four times a second until every watcher
/// is done. Returns the crossings and the number of outages.
fn clock(
    shared: &Shared<'_>,
    plan: &Plan,
    server: &LocalServer,
    progress: &(dyn Fn(&FieldProgress) + Sync),
) -> (Crossings, u64) {
    let (options, started) = (shared.options, shared.started);
    let watchers_total = plan.watchers.len() as u64;
    let captures_total = plan.captures_total();
    let mut crossings = Crossings::default();
    let mut outages = 0;
    let mut next_outage = started + Duration::from_secs(30);
    let mut outage_ends: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if options.profile == NetworkProfile::Field {
            if outage_ends.is_some_and(|t| now >= t) {
                plan.set_faults(&options.profile.faults());
                outage_ends = None;
            } else if outage_ends.is_none() && now >= next_outage {
                plan.set_faults(&Faults { down: true, ..Faults::none() });
                outages += 1;
                outage_ends = Some(now + Duration::from_secs(3));
                next_outage = now + Duration::from_secs(40);
            }
        }
        if let Ok((reported, records, photos)) = server_counts(server) {
            crossings.mark(reported, plan.tables, started.elapsed().as_secs_f64());
            progress(&FieldProgress {
                captures_total,
                captures_sealed: shared.tallies.sealed.load(Ordering::Relaxed),
                watchers_done: shared.tallies.done.load(Ordering::Relaxed),
                watchers_total,
                tables_reported: reported,
                tables_total: plan.tables as u64,
                records_received: records,
                photos_received: photos,
            });
        }
        if shared.tallies.done.load(Ordering::Relaxed) >= watchers_total {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    if outage_ends.is_some() {
        plan.set_faults(&options.profile.faults());
    }
    (crossings, outages)
}

/// A counting semaphore: at most `n` watchers photograph at once.
struct Slots {
    free: Mutex<usize>,
    wake: Condvar,
}

/// A place among the photographers, given back when dropped.
struct Slot<'a>(&'a Slots);

impl Slots {
    fn new(n: usize) -> Self {
        Slots { free: Mutex::new(n), wake: Condvar::new() }
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

/// The captures whose record still waits for its receipt.
fn pending_records(watcher: &Watcher) -> Result<Vec<uuid::Uuid>> {
    Ok(watcher
        .store
        .outbox()?
        .into_iter()
        .filter(|i| i.kind == OutboxKind::Record && i.state == OutboxState::Pending)
        .map(|i| i.capture_id)
        .collect())
}
