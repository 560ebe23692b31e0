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
//!
//! [`run`] is those three steps, each in its own file:
//!
//! - `plan.rs`: before anyone moves, who covers which tables, with which enrollment code, behind
//!   which link (one fault proxy per kind of link in the [`NetworkProfile`]);
//! - `night.rs`: the night itself, every watcher on a thread of its own and a clock that cuts the
//!   network for outages, notes when the tally crossed 50, 90 and 100 % and reports progress;
//! - `check.rs`: the end of the night against the truth ([`check_delivery`], which the
//!   end-to-end suite checks too, and the tally against the sum of the actas).
//!
//! Everything random is drawn from the seed in [`FieldOptions`], so a seed names the same
//! election, the same plan and the same mistakes; only the timing is the machine's.

use std::time::{Duration, Instant};

use testigo_testkit::{Faults, LinkProfile, ProxyStats, SampleElection};

use crate::server::LocalServer;

mod check;
mod night;
pub mod official;
mod plan;

pub use check::{Delivery, SealedRecord, check_delivery, sealed_records};

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
    /// The field's links, and three watchers in ten without any data link from the start of the
    /// night (blocked, cut): their numbers go by SMS through an SMS gateway, their photos in
    /// sealed bundles that runners carry to a link; when the night is over their link returns.
    Censored,
}

impl NetworkProfile {
    /// The profile with this name (`field`, `gprs`, `3g`, `clean`).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "field" => Some(Self::Field),
            "gprs" => Some(Self::Gprs),
            "3g" => Some(Self::ThreeG),
            "clean" => Some(Self::Clean),
            "censored" => Some(Self::Censored),
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
            Self::Censored => "censored",
        }
    }

    /// The share of watchers without a data link tonight.
    pub fn cut_share(self) -> f64 {
        match self {
            Self::Censored => 0.3,
            _ => 0.0,
        }
    }

    /// The links phones get, with the share of phones on each.
    fn links(self) -> Vec<(LinkProfile, f64)> {
        match self {
            Self::Field | Self::Censored => vec![(LinkProfile::THREE_G, 0.6), (LinkProfile::EDGE, 0.4)],
            Self::Gprs => vec![(LinkProfile::GPRS, 1.0)],
            Self::ThreeG => vec![(LinkProfile::THREE_G, 1.0)],
            Self::Clean => vec![(LinkProfile::CLEAN, 1.0)],
        }
    }

    fn faults(self) -> Faults {
        match self {
            // Field faults, with radio drops about once a megabyte.
            Self::Field | Self::Censored => Faults { reset_mean_bytes: 1_000_000, ..Faults::field() },
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
    /// Share of tables the simulated authority publishes altered (0 to 1).
    pub official_altered: f64,
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
            official_altered: 0.05,
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
    /// The contrast with the simulated authority's results.
    pub contrast: official::ContrastCheck,
    /// The quick count at the end of the night.
    pub quick_count: official::QuickCountCheck,
    /// Which way what arrived came.
    pub channels: Channels,
}

/// Which way what the server holds came, and what the ways without a data link went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Channels {
    /// Watchers without a data link tonight.
    pub cut_watchers: u64,
    /// Runners who carried their bundles.
    pub runners: u64,
    /// Records the server holds, in all.
    pub records: u64,
    /// Of those, first stored from SMS.
    pub records_by_sms: u64,
    /// Of those, first stored from a bundle.
    pub records_by_bundle: u64,
    /// Photos the server holds, in all.
    pub photos: u64,
    /// Of those, first stored from a bundle.
    pub photos_by_bundle: u64,
    /// Bundles imported (a runner's forwarding, or a copy of one already in).
    pub bundles: u64,
    /// What the SMS carrier did.
    pub sms: crate::sms::CarrierStats,
    /// Receipts the phones took from SMS.
    pub receipts_by_sms: u64,
}

impl FieldReport {
    /// Whether every invariant holds.
    pub fn ok(&self) -> bool {
        self.delivery.complete()
            && self.tally_matches
            && self.tables_reported == self.tables_total
            && self.contrast.exact
            && self.quick_count.within_999
            && (self.channels.cut_watchers == 0 || self.channels.records_by_sms > 0)
    }

    /// The report of the night `night`, run to `plan` and checked into `verdict`.
    fn new(
        options: &FieldOptions,
        plan: &plan::Plan,
        night: &night::Night,
        verdict: check::Verdict,
        crossings: night::Crossings,
        started: Instant,
        (contrast, quick_count, channels): (official::ContrastCheck, official::QuickCountCheck, Channels),
    ) -> FieldReport {
        let network = plan.network_stats();
        let [t50, t90, t100] = crossings.0;
        FieldReport {
            options: options.clone(),
            tables_total: plan.tables as u64,
            tables_reported: verdict.tables_reported,
            watchers: plan.watchers.len() as u64,
            double_covered: plan.double_covered,
            delivery: verdict.delivery,
            tally_matches: verdict.tally_differences.is_empty(),
            tally_differences: verdict.tally_differences,
            mistakes_injected: night.captures.mistakes,
            mistakes_flagged: night.captures.flagged,
            corrections_after_sealing: night.captures.corrected_after_sealing,
            qr_on_acta: night.captures.qr_on_acta,
            qr_read: night.captures.qr_read,
            time_to_50_s: t50,
            time_to_90_s: t90,
            time_to_100_s: t100,
            bytes_up: network.bytes_up,
            bytes_down: network.bytes_down,
            faults: network,
            outages: night.outages,
            duration_s: started.elapsed().as_secs_f64(),
            watchers_done_s: night.watchers_done_s.clone(),
            contrast,
            quick_count,
            channels,
        }
    }
}

/// Runs the night. `progress` is called about four times a second. The server is returned so the
/// caller can keep serving its dashboard.
pub fn run(
    options: &FieldOptions,
    progress: &(dyn Fn(&FieldProgress) + Sync),
) -> Result<(FieldReport, LocalServer)> {
    let started = Instant::now();
    let election = SampleElection::new(options.seed, options.stations.max(1));
    let limits = testigo_server::Limits { sms_secret: Some(night::SMS_SECRET.into()), ..Default::default() };
    let server = LocalServer::start_with(&election, limits)?;
    official::draw(&server, options)?;
    let plan = plan::Plan::make(options, &election, &server)?;
    let night = night::run(options, &election, &server, &plan, started, progress)?;

    // Let the tally take in the last arrivals, then check everything against the truth.
    check::settle_tally(&server)?;
    let settled_s = started.elapsed().as_secs_f64();
    let verdict = check::against_the_truth(&server, &election, &night.stores())?;
    let mut crossings = night.crossings;
    // Thresholds crossed only by the tally's last refresh were crossed when it settled.
    crossings.mark(verdict.tables_reported, plan.tables, settled_s);

    // The authority publishes; the contrast must find exactly what it altered. The quick count
    // was drawn before the night.
    let others = (
        official::contrast(&server, &election, options)?,
        official::quick_count(&server, &election)?,
        Channels {
            sms: night.sms,
            receipts_by_sms: night.receipts_by_sms,
            ..check::channels(&server, &plan)?
        },
    );
    let report = FieldReport::new(options, &plan, &night, verdict, crossings, started, others);
    // The proxies go first, then the phones' stores and the temporary directory they live in;
    // the server lives on.
    drop(plan);
    drop(night);
    Ok((report, server))
}
