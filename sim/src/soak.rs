//! The soak: a real `testigo serve` process and a phone process (the same `testigo` binary,
//! `sim soak-phone`: it captures actas and syncs, over and over) killed with SIGKILL at random
//! points, round after round. After every kill it checks that nothing acknowledged was lost:
//!
//! - on the phone: the store opens and SQLite finds it sound; a capture the phone sealed stays
//!   sealed, with exactly its outbox items; every receipt it holds verifies with the server key,
//!   and receipts only accumulate;
//! - on the server: every record and photo a receipt on the phone acknowledges is there, the
//!   record under the same hash, the photo's bytes hashing to it; every record the server held
//!   at an earlier round is still there, unchanged.
//!
//! At the end both run undisturbed until the phone has nothing left to send, and every sealed
//! capture must be on the server exactly once with every photo and a receipt for each.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testigo_core::{CancelToken, OutboxState, ReportingStatus, SyncOptions, SyncOutcome};
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{PublicKey, Sha256};
use testigo_testkit::SampleElection;
use testigo_testkit::rng::Rng;

use crate::watcher::{CaptureStyle, Watcher};

/// Result type of the soak.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How the soak runs.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Kill rounds.
    pub rounds: usize,
    /// Seed for the election, the phone and the kill schedule.
    pub seed: u64,
    /// Actas the phone captures (it stops capturing once it has sealed this many).
    pub actas: usize,
    /// The `testigo` binary (the server and the phone run as its child processes).
    pub exe: PathBuf,
}

/// What the soak did and found.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Kill rounds run.
    pub rounds: usize,
    /// SIGKILLs sent to the server.
    pub server_kills: usize,
    /// SIGKILLs sent to the phone.
    pub phone_kills: usize,
    /// Captures the phone had sealed when the kills stopped.
    pub sealed_before_drain: usize,
    /// Receipts the phone held when the kills stopped.
    pub receipts_before_drain: usize,
    /// Records on the server at the end.
    pub records: u64,
    /// Photos on the server at the end.
    pub photos: u64,
    /// Receipts on the phone at the end.
    pub receipts: u64,
    /// Seconds the whole soak took.
    pub seconds: f64,
}

/// The stations the soak's phone reports, from the soak's election.
const STATIONS: usize = 6;
/// The phone's store seed.
const PHONE_SEED: u64 = 0x50A4;

fn election(seed: u64) -> SampleElection {
    SampleElection::new(seed, STATIONS)
}

fn style() -> CaptureStyle {
    CaptureStyle { photo_size: (1000, 750), mistake_rate: 0.0, ..CaptureStyle::default() }
}

/// The phone's side (`testigo sim soak-phone`): captures up to `actas` actas and syncs until
/// everything is delivered, then keeps syncing so that kills also land in idle runs.
pub fn phone(dir: &Path, seed: u64, actas: usize) -> Result<()> {
    let election = election(seed);
    let w = Watcher::open(dir, PHONE_SEED)?;
    let options = SyncOptions { ignore_backoff: true, max_duration: Duration::from_secs(60) };
    loop {
        let sealed = sealed_count(&w)?;
        if sealed < actas {
            w.capture(&election, sealed % STATIONS, &style())?;
        }
        let r = w.store.sync(&options, &CancelToken::new())?;
        if r.outcome != SyncOutcome::Idle {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn sealed_count(w: &Watcher) -> Result<usize> {
    Ok(w.store.captures()?.iter().filter(|c| c.status != ReportingStatus::Draft).count())
}

/// A child process that is SIGKILLed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // It may have exited already; either way it must not outlive the soak.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Killed {
    fn kill(mut self) -> Result<()> {
        self.0.kill()?;
        self.0.wait()?;
        Ok(())
    }
}

struct Soak {
    opts: SoakOptions,
    data: PathBuf,
    phone_dir: PathBuf,
    addr: std::net::SocketAddr,
    server_key: PublicKey,
    /// Records the server held at an earlier round: (device, capture) → record hash.
    server_records: BTreeMap<(String, String), Vec<u8>>,
    /// Captures the phone had sealed at an earlier round.
    sealed: BTreeSet<uuid::Uuid>,
    receipts: usize,
}

/// Runs the soak in a temporary directory.
pub fn run(opts: SoakOptions) -> Result<SoakReport> {
    let started = Instant::now();
    let root = tempfile::tempdir()?;
    let data = root.path().join("server");
    let phone_dir = root.path().join("phone");
    // The server's data: the election imported and one code for the phone's stations.
    let election = election(opts.seed);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (server_key, code) = {
        let state = testigo_server::open_data_dir(&data, testigo_server::Limits::default())?;
        runtime
            .block_on(state.repo.import_election(election.package.clone(), testigo_server::now_ms()))??;
        let stations: Vec<String> = election.package.stations.iter().map(|s| s.id.clone()).collect();
        let codes = runtime.block_on(testigo_server::services::enrollment::create_codes(
            &state,
            &stations,
            1,
            "sim",
            testigo_server::now_ms(),
        ))?;
        (state.key.public_key().clone(), codes.into_iter().next().ok_or("no code")?)
    };
    // A port of its own that the server takes again after each kill.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut soak = Soak {
        opts,
        data,
        phone_dir,
        addr,
        server_key,
        server_records: BTreeMap::new(),
        sealed: BTreeSet::new(),
        receipts: 0,
    };
    let mut server = Some(soak.start_server()?);
    Watcher::open(&soak.phone_dir, PHONE_SEED)?.enroll(&format!("http://{}", soak.addr), &code)?;
    let mut phone = Some(soak.start_phone()?);
    let mut rng = Rng::stream(soak.opts.seed, 0x50A7);
    let mut report = SoakReport::default();
    for round in 0..soak.opts.rounds {
        // Who dies this round: the server, the phone or both, after 20 ms to 1.2 s of work.
        let target = rng.int(0, 2);
        std::thread::sleep(Duration::from_millis(rng.int(20, 1_200) as u64));
        if target != 1 {
            if let Some(s) = server.take() {
                s.kill()?;
            }
            report.server_kills += 1;
        }
        if target != 0 {
            if let Some(p) = phone.take() {
                p.kill()?;
            }
            report.phone_kills += 1;
        }
        soak.check(round, phone.is_none())?;
        if server.is_none() {
            server = Some(soak.start_server()?);
        }
        if phone.is_none() {
            phone = Some(soak.start_phone()?);
        }
        report.rounds += 1;
    }
    if let Some(p) = phone.take() {
        p.kill()?;
    }
    soak.check(soak.opts.rounds, true)?;
    report.sealed_before_drain = soak.sealed.len();
    report.receipts_before_drain = soak.receipts;
    // Undisturbed: the phone captures what it still has to and delivers everything.
    let w = Watcher::open(&soak.phone_dir, PHONE_SEED)?;
    while sealed_count(&w)? < soak.opts.actas {
        w.capture(&election, sealed_count(&w)? % STATIONS, &style())?;
    }
    let options = SyncOptions { ignore_backoff: true, ..SyncOptions::default() };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = w.store.sync(&options, &CancelToken::new())?;
        if r.outcome == SyncOutcome::Idle && r.pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the phone could not deliver everything at the end: {r:?}").into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(w);
    if let Some(s) = server.take() {
        s.kill()?;
    }
    soak.check(soak.opts.rounds + 1, true)?;
    let (records, photos, receipts) = soak.complete()?;
    report.records = records;
    report.photos = photos;
    report.receipts = receipts;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

impl Soak {
    fn start_server(&self) -> Result<Killed> {
        let child = Command::new(&self.opts.exe)
            .args(["serve", "--data"])
            .arg(&self.data)
            .args(["--listen", &self.addr.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let child = Killed(child);
        // Ready when it accepts connections (the port may still be held for a moment).
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                return Err("the server did not start listening within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(child)
    }

    fn start_phone(&self) -> Result<Killed> {
        let child = Command::new(&self.opts.exe)
            .args(["sim", "soak-phone", "--dir"])
            .arg(&self.phone_dir)
            .args(["--seed", &self.opts.seed.to_string(), "--actas", &self.opts.actas.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Killed(child))
    }

    /// What must hold after any kill (see the module doc). The phone's side is checked when the
    /// phone is stopped (a running phone holds its store); the server's records always.
    fn check(&mut self, round: usize, phone_stopped: bool) -> Result<()> {
        let fail = |what: String| -> Box<dyn std::error::Error + Send + Sync> {
            format!("round {round}: {what}").into()
        };
        let db = rusqlite::Connection::open_with_flags(
            self.data.join(testigo_server::DATABASE_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        db.busy_timeout(Duration::from_secs(10))?;
        let now: BTreeMap<(String, String), Vec<u8>> = db
            .prepare("SELECT device_id, capture_id, record_sha256 FROM captures")?
            .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
            .collect::<std::result::Result<_, _>>()?;
        for (key, sha) in &self.server_records {
            if now.get(key) != Some(sha) {
                return Err(fail(format!("the server lost or changed the record {key:?}")));
            }
        }
        self.server_records = now;
        if !phone_stopped {
            return Ok(());
        }
        let w = Watcher::open(&self.phone_dir, PHONE_SEED)?;
        w.store.integrity_check()?;
        let outbox = w.store.outbox()?;
        let mut sealed = BTreeSet::new();
        for c in w.store.captures()? {
            if c.status == ReportingStatus::Draft {
                continue;
            }
            sealed.insert(c.id);
            let items = outbox.iter().filter(|i| i.capture_id == c.id).count();
            if items != 1 + c.photos as usize {
                return Err(fail(format!(
                    "capture {} has {items} outbox items for {} photos",
                    c.id, c.photos
                )));
            }
        }
        if let Some(lost) = self.sealed.difference(&sealed).next() {
            return Err(fail(format!("the sealed capture {lost} is gone from the phone")));
        }
        self.sealed = sealed;
        let receipts = w.store.receipts(None)?;
        if receipts.len() < self.receipts {
            return Err(fail(format!("receipts went from {} to {}", self.receipts, receipts.len())));
        }
        self.receipts = receipts.len();
        let device = w.store.device().key_id.as_str().to_owned();
        drop(w);
        for r in &receipts {
            r.receipt
                .verify(&self.server_key)
                .map_err(|e| fail(format!("a receipt does not verify: {e}")))?;
            match &r.receipt.receipt.subject {
                ReceiptSubject::Record { capture_id, record_sha256 } => {
                    let held = self.server_records.get(&(device.clone(), capture_id.to_string()));
                    if held.map(Vec::as_slice) != Some(record_sha256.0.as_slice()) {
                        return Err(fail(format!(
                            "the acknowledged record {capture_id} is not on the server"
                        )));
                    }
                }
                ReceiptSubject::Photo { capture_id, sha256, .. } => {
                    let received: bool = db
                        .prepare(
                            "SELECT 1 FROM capture_photos p JOIN captures c ON c.pk = p.capture_pk
                              WHERE c.device_id = ?1 AND c.capture_id = ?2 AND p.sha256 = ?3
                                AND p.receipt_json IS NOT NULL",
                        )?
                        .exists(rusqlite::params![device, capture_id.to_string(), sha256.0.to_vec()])?;
                    if !received || !self.blob_matches(sha256)? {
                        return Err(fail(format!(
                            "the acknowledged photo {sha256} of {capture_id} is not on the server"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the server's stored photo `sha` hashes to it.
    fn blob_matches(&self, sha: &Sha256) -> Result<bool> {
        let hex = sha.to_hex();
        let path = self.data.join("photos").join("blobs").join(hex.get(..2).unwrap_or("00")).join(&hex);
        Ok(std::fs::read(path).is_ok_and(|bytes| Sha256::digest(&bytes) == *sha))
    }

    /// The end: every sealed capture once on the server with all its photos, a receipt for each
    /// item on the phone. Returns (records, photos, receipts).
    fn complete(&self) -> Result<(u64, u64, u64)> {
        let w = Watcher::open(&self.phone_dir, PHONE_SEED)?;
        let undelivered = w.store.outbox()?.iter().filter(|i| i.state != OutboxState::Done).count();
        if undelivered > 0 {
            return Err(format!("{undelivered} outbox items were not delivered").into());
        }
        let mut photos = 0u64;
        for id in &self.sealed {
            let c = w.store.capture(*id)?;
            photos += c.photos.len() as u64;
            for p in &c.photos {
                if !self.blob_matches(&p.sha256)? {
                    return Err(format!("photo {} of {id} is not on the server", p.sha256).into());
                }
            }
        }
        let records = self.server_records.len() as u64;
        if records != self.sealed.len() as u64 {
            return Err(format!(
                "{} records on the server for {} sealed captures",
                records,
                self.sealed.len()
            )
            .into());
        }
        let receipts = w.store.receipts(None)?.len() as u64;
        if receipts != records + photos {
            return Err(format!("{receipts} receipts for {records} records and {photos} photos").into());
        }
        Ok((records, photos, receipts))
    }
}
