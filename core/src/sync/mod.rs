//! The sync engine: gets every sealed capture to the server exactly once, as fast as the link
//! allows, and never loses anything however the link or the app dies.
//!
//! # Design
//!
//! The outbox ([`crate::OutboxItem`]) is the queue and the only state: every step that changes
//! what is known about an item is written to the store before the next request, so a run killed
//! at any instant resumes where it stood. [`crate::Store::sync`] runs once through the lanes and
//! returns; the app calls it whenever a path may exist (a periodic job, a button, a connectivity
//! change) and the returned [`SyncReport`] says when trying again makes sense.
//!
//! Lanes, in order, so that the numbers arrive first even on a 40 kbit/s link:
//!
//! 1. **Records** (`records.rs`): sealed records in batches (`POST /v1/captures`), each batch
//!    sized so a request takes a few seconds on the measured link (1 to 100 records).
//! 2. **Feed** (`feed.rs`): review states for this phone's captures and package updates
//!    (`GET /v1/feed`, then `GET /v1/package` with `If-None-Match` when a new version exists).
//! 3. **Photos** (`photos.rs`): by tus 1.0 with a SHA-256 checksum per chunk; the upload URL is
//!    stored, so an upload resumes from the offset the server reports after any interruption,
//!    also after a restart (`409` → `HEAD` → resume; `404`/`410` → create again; `460` → resend the
//!    chunk). Chunks are sized to the link (16 KiB to 1 MiB, a few seconds each), so an
//!    interruption wastes little. A photo goes only after its record is delivered.
//!
//! Delivered means a receipt signed by the server key learned at enrollment, naming exactly what
//! was sent (the record's canonical SHA-256; the photo's SHA-256 and size). Anything else — a
//! captive portal's `200`, a proxy's HTML, a truncated body, a receipt that does not verify — is a
//! failure of the link, never a delivery.
//!
//! Failures come in three classes:
//! - **link** (no connection, timeout, broken or garbled answer, `5xx`, `429`): the run stops and
//!   the whole engine backs off (capped exponential with jitter, `Retry-After` honoured), reset by
//!   any progress;
//! - **item** (`423` on an upload, a `400` for one record): that item backs off alone and the run
//!   goes on with the others — one bad item never blocks the queue;
//! - **permanent** (the server refused the record, or the photo is not the one declared, or the
//!   photo's file on this phone is missing or damaged): the item is parked with its reason for the
//!   watcher to see, and the run goes on with the others; [`crate::Store::retry_parked`] puts it
//!   back. Nothing is ever dropped silently.
//!
//! Progress goes to every [`SyncObserver`] registered with [`crate::Store::observe_sync`]; a
//! [`CancelToken`] stops a run promptly, even mid-request.
//!
//! Files: this one holds the run (`Store::sync`, one `Pass` through the lanes, failure classes)
//! and the queue calls of the store's API; `engine.rs` the in-memory state a store keeps for
//! syncing (transport, observers, run lock, learned link); `link.rs` the link estimate that sizes
//! chunks and batches; `backoff.rs` when to try again; `state.rs` what the engine keeps in the
//! database; `enroll.rs` enrollment; `records.rs`, `feed.rs` and `photos.rs` the lanes;
//! `observer.rs` progress events; `transport.rs` HTTP.

mod backoff;
mod bundles;
mod engine;
mod enroll;
mod feed;
mod link;
mod observer;
mod photos;
mod pinning;
mod records;
mod sms;
pub(crate) mod state;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use testigo_protocol::TimestampMs;
use uuid::Uuid;

pub use self::bundles::CarriedBundle;
pub(crate) use self::engine::Engine;
use self::link::LinkEstimate;
pub(crate) use self::link::timeout_for;
pub use self::observer::{ObserverHandle, SyncEvent, SyncObserver};
pub use self::state::{Enrollment, Review, StoredReceipt};
pub use self::transport::{
    CancelToken, HttpTransport, MAX_RESPONSE_BYTES, Method, Request, Response, Transport, TransportError,
};
pub use testigo_protocol::enrollment::{EnrollmentUri, parse_enrollment_uri};

use self::state::{DueItem, ServerConfig};
use crate::error::{Error, Result};
use crate::outbox::{self, OutboxItem, OutboxKind};
use crate::store::{Store, now_ms};

/// How a run behaves.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncOptions {
    /// Try now, everything, even if the last run or an item asked to wait (the watcher pressed
    /// "send now").
    pub ignore_backoff: bool,
    /// Stop starting new requests after this long (the OS gives background work a budget).
    pub max_duration: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { ignore_backoff: false, max_duration: Duration::from_secs(9 * 60) }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncOutcome {
    /// Everything sealed is delivered (or parked, waiting for the watcher).
    Idle,
    /// Work remains; try again at `retry_at_ms` (the link failed, or items are backing off).
    Pending {
        /// When another run may make progress (ms since the epoch).
        retry_at_ms: TimestampMs,
    },
    /// The run was cancelled.
    Cancelled,
    /// The run's time budget ran out with work remaining.
    OutOfTime,
    /// The phone is not enrolled yet.
    NotEnrolled,
    /// The server refused the device's token: enroll again.
    Unauthorized,
    /// Another run is in progress on this store.
    Busy,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// How it ended.
    pub outcome: SyncOutcome,
    /// Records delivered in this run.
    pub records_delivered: u32,
    /// Photos delivered in this run.
    pub photos_delivered: u32,
    /// Items parked in this run.
    pub parked: u32,
    /// Review states received in this run.
    pub reviews: u32,
    /// Whether a new election package was installed.
    pub package_updated: bool,
    /// Why a package the server offered was not installed, if it was not.
    pub package_error: Option<String>,
    /// Request bodies sent (bytes).
    pub bytes_sent: u64,
    /// Response bodies received (bytes).
    pub bytes_received: u64,
    /// Items still pending after the run.
    pub pending: u32,
    /// Why the link failed, when the run ended on a link failure.
    pub link_error: Option<String>,
    /// Bundles carried for other watchers that the server acknowledged in this run.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub bundles_forwarded: u32,
}

/// Why a pass stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The link failed; back off (at least `retry_after`).
    Link(&'static str, Option<Duration>),
    Cancelled,
    Unauthorized,
    OutOfTime,
    /// A local failure (database, photo files).
    Local(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Local(e)
    }
}

impl From<TransportError> for Stop {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Cancelled => Stop::Cancelled,
            TransportError::Timeout => Stop::Link("timed out", None),
            TransportError::Connect => Stop::Link("cannot connect", None),
            TransportError::Broken => Stop::Link("the connection broke", None),
            TransportError::TooLarge => Stop::Link("the answer is too large", None),
            TransportError::Invalid(_) => Stop::Link("the server address is not usable", None),
        }
    }
}

/// One run's working state.
pub(crate) struct Pass<'a> {
    pub(crate) store: &'a Store,
    pub(crate) cfg: ServerConfig,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) cancel: &'a CancelToken,
    pub(crate) report: SyncReport,
    /// No new request after this (`None`: a budget beyond the clock's range, no limit).
    pub(crate) deadline: Option<Instant>,
    /// Items that failed on their own in this run (not retried again in it).
    pub(crate) skipped: Vec<i64>,
    pub(crate) item_failures_in_a_row: u32,
    /// Records per batch may shrink when the server refuses a batch as malformed or too large.
    pub(crate) batch_cap: usize,
    /// Try items even before their next attempt is due ("send now").
    pub(crate) ignore_waits: bool,
    /// Whether any request of this run got an answer.
    pub(crate) answered: bool,
    /// Whether the last request got an answer.
    pub(crate) last_ok: bool,
    /// Photo bytes the server confirmed in this run (progress, even before a photo completes).
    pub(crate) bytes_confirmed: u64,
}

impl<'a> Pass<'a> {
    /// A run for the store enrolled as `cfg`, within `options`' budget.
    pub(crate) fn new(
        store: &'a Store,
        cfg: ServerConfig,
        transport: Arc<dyn Transport>,
        cancel: &'a CancelToken,
        options: &SyncOptions,
    ) -> Pass<'a> {
        Pass {
            store,
            cfg,
            transport,
            cancel,
            report: empty_report(SyncOutcome::Idle),
            deadline: backoff::deadline(options.max_duration),
            skipped: Vec::new(),
            item_failures_in_a_row: 0,
            batch_cap: 100,
            ignore_waits: options.ignore_backoff,
            answered: false,
            last_ok: false,
            bytes_confirmed: 0,
        }
    }

    /// Items whose next attempt is due by this time are tried now.
    pub(crate) fn due_by(&self) -> TimestampMs {
        if self.ignore_waits { TimestampMs::MAX } else { now_ms() }
    }

    /// Sends a request, counting bytes and learning the link's rate.
    pub(crate) fn send(&mut self, mut request: Request) -> std::result::Result<Response, Stop> {
        if self.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        if backoff::passed(self.deadline) {
            return Err(Stop::OutOfTime);
        }
        request.headers.push(("authorization".into(), format!("Bearer {}", self.cfg.token)));
        let sent = request.body.len();
        let started = Instant::now();
        // A broken connection is tried again once, at once, on a fresh one, when the link was
        // working a moment ago: the first request of a run may go out on a kept-alive connection
        // the network dropped meanwhile (the phone moved, the link came back), and a request
        // right after an answered one more likely met a dropped TCP connection (a handover, a
        // NAT) than a link gone away. A second break, a timeout or a refusal ends the run.
        let retry = (!self.answered || self.last_ok).then(|| request.clone());
        let mut result = self.transport.send(request, self.cancel);
        if let (Err(TransportError::Broken), Some(again)) = (&result, retry) {
            if sent > 0 {
                self.link().interrupted();
            }
            result = self.transport.send(again, self.cancel);
        }
        let response = match result {
            Ok(r) => {
                self.answered = true;
                self.last_ok = true;
                r
            }
            Err(e) => {
                self.last_ok = false;
                if sent > 0 && matches!(e, TransportError::Broken | TransportError::Timeout) {
                    self.link().interrupted();
                }
                return Err(e.into());
            }
        };
        self.report.bytes_sent += sent as u64;
        self.report.bytes_received += response.body.len() as u64;
        if (200..300).contains(&response.status) {
            self.link().observe(sent, started.elapsed());
        }
        Ok(response)
    }

    /// Tells the app's observers.
    pub(crate) fn emit(&self, event: &SyncEvent) {
        self.store.engine.emit(event);
    }

    /// The link as learned so far (it sizes chunks and batches).
    pub(crate) fn link(&self) -> std::sync::MutexGuard<'_, LinkEstimate> {
        self.store.engine.link()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cfg.url.trim_end_matches('/'))
    }

    /// Classifies an answer no lane expected: auth, overload and server errors stop the run.
    pub(crate) fn unexpected(&self, response: &Response) -> Stop {
        let retry_after = backoff::retry_after(response.header("retry-after"));
        match response.status {
            401 => Stop::Unauthorized,
            429 => Stop::Link("the server asks to slow down", retry_after),
            500..=599 => Stop::Link("the server failed", retry_after),
            _ => Stop::Link("unexpected answer (a proxy or captive portal?)", retry_after),
        }
    }

    /// A receipt counts only if the server's key signed it and it names exactly `expected` and
    /// this device; anything else is treated as a broken link, never as a delivery.
    pub(crate) fn check_receipt(
        &self,
        expected: testigo_protocol::ReceiptSubject,
        receipt: &testigo_protocol::SignedReceipt,
    ) -> std::result::Result<(), Stop> {
        if receipt.verify(&self.cfg.server_key).is_err()
            || receipt.receipt.subject != expected
            || receipt.receipt.device_key_id != self.store.device().key_id
        {
            return Err(Stop::Link("a receipt does not verify", None));
        }
        Ok(())
    }

    /// A refusal counts only if the server's key signed it and it names exactly `expected` and
    /// this device; anything else is treated as a broken link, and parks nothing.
    pub(crate) fn check_refusal(
        &self,
        expected: testigo_protocol::ReceiptSubject,
        refusal: &testigo_protocol::SignedRefusal,
    ) -> std::result::Result<(), Stop> {
        if refusal.verify(&self.cfg.server_key).is_err()
            || refusal.refusal.subject != expected
            || refusal.refusal.device_key_id != self.store.device().key_id
        {
            return Err(Stop::Link("a refusal does not verify", None));
        }
        Ok(())
    }

    /// An item failed on its own: it waits, the run goes on. Too many in a row look like the
    /// link, and stop the run.
    pub(crate) fn item_failed(
        &mut self,
        item: &DueItem,
        reason: &str,
        retry_after: Option<Duration>,
    ) -> std::result::Result<(), Stop> {
        let attempts = item.attempts + 1;
        let wait = backoff::delay(attempts, retry_after);
        let retry_at = backoff::at(now_ms(), wait);
        self.store.write(|tx| state::mark_retry(tx, item.id, retry_at, reason))?;
        self.skipped.push(item.id);
        self.emit(&SyncEvent::ItemRetrying {
            item_id: item.id,
            capture_id: item.capture_id,
            kind: kind_of(item),
            retry_at_ms: retry_at,
            reason: reason.to_owned(),
        });
        self.item_failures_in_a_row += 1;
        if self.item_failures_in_a_row >= 3 {
            return Err(Stop::Link("several items failed in a row", None));
        }
        Ok(())
    }

    pub(crate) fn parked(&mut self, item: &DueItem, reason: &str) -> std::result::Result<(), Stop> {
        self.store.write(|tx| state::mark_parked(tx, item.id, reason))?;
        self.report.parked += 1;
        self.emit(&SyncEvent::ItemParked {
            item_id: item.id,
            capture_id: item.capture_id,
            kind: kind_of(item),
            reason: reason.to_owned(),
        });
        Ok(())
    }

    pub(crate) fn delivered(
        &mut self,
        item: &DueItem,
        receipt: &testigo_protocol::SignedReceipt,
    ) -> std::result::Result<(), Stop> {
        let now = now_ms();
        self.store.write(|tx| state::mark_done(tx, item, receipt, now))?;
        match item.photo {
            None => self.report.records_delivered += 1,
            Some(_) => self.report.photos_delivered += 1,
        }
        self.item_failures_in_a_row = 0;
        self.emit(&SyncEvent::ItemDelivered {
            item_id: item.id,
            capture_id: item.capture_id,
            kind: kind_of(item),
        });
        Ok(())
    }
}

pub(crate) fn kind_of(item: &DueItem) -> OutboxKind {
    match item.photo {
        None => OutboxKind::Record,
        Some(sha) => OutboxKind::Photo(sha),
    }
}

fn empty_report(outcome: SyncOutcome) -> SyncReport {
    SyncReport {
        outcome,
        records_delivered: 0,
        photos_delivered: 0,
        parked: 0,
        reviews: 0,
        package_updated: false,
        package_error: None,
        bytes_sent: 0,
        bytes_received: 0,
        pending: 0,
        link_error: None,
        bundles_forwarded: 0,
    }
}

impl Store {
    /// Runs the sync engine once through its lanes (see [the module doc](crate::sync)).
    ///
    /// Returns `Ok` whatever the network did (the report says how the run ended and when to try
    /// again); `Err` only for local failures (the database, photo files).
    pub fn sync(&self, options: &SyncOptions, cancel: &CancelToken) -> Result<SyncReport> {
        let Some(_running) = self.engine.try_start() else {
            return Ok(empty_report(SyncOutcome::Busy));
        };
        let Some(cfg) = self.read(state::load_server)? else {
            return Ok(empty_report(SyncOutcome::NotEnrolled));
        };
        let now = now_ms();
        if !options.ignore_backoff && cfg.retry_at_ms > now {
            let mut report = empty_report(SyncOutcome::Pending { retry_at_ms: cfg.retry_at_ms });
            report.pending = self.pending_count()?;
            return Ok(report);
        }
        let failures = cfg.failures;
        let transport = self.engine.transport(&cfg.tls_pins)?;
        let mut pass = Pass::new(self, cfg, transport, cancel, options);
        self.engine.emit(&SyncEvent::Started);
        let result = pass
            .records()
            .and_then(|()| pass.feed())
            .and_then(|()| pass.bundles())
            .and_then(|()| pass.photos());
        let confirmed = pass.bytes_confirmed;
        let mut report = pass.report;
        // Progress is anything delivered, and photo bytes the server confirmed: on a link that
        // drops every few hundred kilobytes a photo may take several runs, each one moving on.
        let progressed =
            report.records_delivered + report.photos_delivered + report.reviews > 0 || confirmed > 0;
        report.outcome = match result {
            Ok(()) => {
                self.write(|tx| state::set_backoff(tx, 0, 0))?;
                match self.read(state::next_due_at)? {
                    None => SyncOutcome::Idle,
                    Some(at) => SyncOutcome::Pending { retry_at_ms: at.max(now_ms()) },
                }
            }
            Err(Stop::Link(why, retry_after)) => {
                report.link_error = Some(why.to_owned());
                // Progress in this run resets the count: the link works, it just broke again.
                let failures = if progressed { 1 } else { failures.saturating_add(1) };
                let wait = backoff::delay(failures, retry_after);
                let retry_at = backoff::at(now_ms(), wait);
                self.write(|tx| state::set_backoff(tx, failures, retry_at))?;
                SyncOutcome::Pending { retry_at_ms: retry_at }
            }
            Err(Stop::Cancelled) => SyncOutcome::Cancelled,
            Err(Stop::OutOfTime) => SyncOutcome::OutOfTime,
            Err(Stop::Unauthorized) => SyncOutcome::Unauthorized,
            Err(Stop::Local(e)) => return Err(e),
        };
        report.pending = self.pending_count()?;
        self.engine.emit(&SyncEvent::Finished(report.clone()));
        Ok(report)
    }

    /// Runs [`Store::sync`] until nothing is pending, the link keeps failing past `deadline`, or
    /// `cancel` fires, sleeping between runs as the reports ask. For tests, the simulator and
    /// command-line tools; an app lets its job scheduler do the waiting.
    pub fn sync_until_idle(&self, deadline: Duration, cancel: &CancelToken) -> Result<SyncReport> {
        let until = backoff::deadline(deadline);
        let mut total = empty_report(SyncOutcome::Idle);
        loop {
            let left = until.map_or(Duration::MAX, |u| u.saturating_duration_since(Instant::now()));
            let options = SyncOptions { ignore_backoff: false, max_duration: left };
            let r = self.sync(&options, cancel)?;
            total.records_delivered += r.records_delivered;
            total.bundles_forwarded += r.bundles_forwarded;
            total.photos_delivered += r.photos_delivered;
            total.parked += r.parked;
            total.reviews += r.reviews;
            total.package_updated |= r.package_updated;
            total.package_error = r.package_error.or(total.package_error);
            total.bytes_sent += r.bytes_sent;
            total.bytes_received += r.bytes_received;
            total.pending = r.pending;
            total.link_error = r.link_error;
            total.outcome = r.outcome;
            match r.outcome {
                SyncOutcome::Pending { retry_at_ms } => {
                    let wait = Duration::from_millis(
                        u64::try_from(retry_at_ms.saturating_sub(now_ms())).unwrap_or(0),
                    );
                    if until.is_some_and(|u| backoff::deadline(wait).is_none_or(|ready| ready > u)) {
                        total.outcome = SyncOutcome::OutOfTime;
                        return Ok(total);
                    }
                    if cancel.sleep(wait) {
                        total.outcome = SyncOutcome::Cancelled;
                        return Ok(total);
                    }
                }
                SyncOutcome::Busy => {
                    if cancel.sleep(Duration::from_millis(200)) {
                        total.outcome = SyncOutcome::Cancelled;
                        return Ok(total);
                    }
                }
                _ => return Ok(total),
            }
        }
    }

    /// Every outbox item, in sending order (state, priority, then enqueue order).
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.read(outbox::load)
    }

    /// Items waiting to be sent.
    pub fn pending_count(&self) -> Result<u32> {
        self.read(|c| {
            Ok(c.query_row("SELECT count(*) FROM outbox WHERE state = 'pending'", [], |r| r.get(0))?)
        })
    }

    /// The enrollment, if this phone is enrolled.
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        Ok(self.read(state::load_server)?.map(|c| c.enrollment()))
    }

    /// The verified receipts this phone holds, for one capture or (with `None`) all.
    pub fn receipts(&self, capture: Option<Uuid>) -> Result<Vec<StoredReceipt>> {
        self.read(|c| state::load_receipts(c, capture))
    }

    /// The coordinators' review of a capture, if it has been reviewed.
    pub fn review(&self, capture: Uuid) -> Result<Option<Review>> {
        self.read(|c| state::load_review(c, capture))
    }

    /// Puts a capture's parked items back in the queue (the watcher chose to try again).
    /// Returns how many.
    pub fn retry_parked(&self, capture: Uuid) -> Result<usize> {
        self.write(|tx| state::unpark(tx, capture, now_ms()))
    }

    /// Registers an observer of sync progress; it is called until the handle is dropped.
    pub fn observe_sync(&self, observer: Arc<dyn SyncObserver>) -> ObserverHandle {
        self.engine.observe(observer)
    }
}
