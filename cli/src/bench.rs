//! `testigo bench ingest`: a load generator for the server's intake.
//!
//! Setup (not timed): enroll `--devices` devices (each a fresh P-256 key), download each one's
//! package, build and sign `--records` capture records (38 counts and 4 extra counts each, like
//! the Venezuelan acta), the first `--photos` of them declaring one photo of `--photo-bytes`
//! random bytes. Then two timed phases, each with `--concurrency` requests in flight:
//!
//! 1. records: every record, in batches of `--batch` per request (`POST /v1/captures`);
//! 2. photos: every photo by tus (creation, then one `PATCH` with the whole photo).
//!
//! With `--tus-url`, the same photos then go to that tus endpoint (e.g. the reference server
//! `@tus/server` with its file store) through the same client code, for comparison.
//!
//! Without `--server`, the bench starts the embedded server in this process on a loopback port,
//! with a temporary data directory and a sample election (client and server then share the
//! machine's cores, as they do with `--server` on one machine).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Args;
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use rand_core::{OsRng, RngCore};
use testigo_protocol::api::tus::UploadMetadata;
use testigo_protocol::api::{BatchResult, CaptureBatch, EnrollRequest, EnrollResponse, RecordOutcome};
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::{
    CaptureRecord, ElectionPackage, PhotoRef, PublicKey, Sha256, Signature, SignedCapture,
};
use tokio::sync::Mutex;

/// Arguments of `bench ingest`.
#[derive(Args, Clone)]
pub struct IngestArgs {
    /// The server's base URL (e.g. `http://127.0.0.1:8080`). Without it an embedded server is
    /// started in this process.
    #[arg(long, requires = "codes")]
    server: Option<String>,
    /// Enrollment codes for `--server`: the output of `testigo enroll --json` (one object per line).
    #[arg(long)]
    codes: Option<PathBuf>,
    /// Devices to enroll (at most the codes given).
    #[arg(long, default_value_t = 50)]
    devices: usize,
    /// Capture records to send in all.
    #[arg(long, default_value_t = 20_000)]
    records: usize,
    /// Records per request.
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Photos to upload in all.
    #[arg(long, default_value_t = 200)]
    photos: usize,
    /// Size of each photo in bytes (a phone's prepared acta photo is 200–400 KB).
    #[arg(long, default_value_t = 300_000)]
    photo_bytes: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// A tus creation URL of a reference server to receive the same photos.
    #[arg(long)]
    tus_url: Option<String>,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Device {
    token: String,
    key: SigningKey,
    station: String,
}

struct Photo {
    capture_id: uuid::Uuid,
    bearer: String,
    bytes: Arc<Vec<u8>>,
}

/// Latencies and errors of one phase.
#[derive(Default)]
struct Phase {
    latencies_ms: Vec<f64>,
    errors: usize,
    /// What the requests that succeeded carried (records stored, photo bytes received): rates
    /// count this, never what was only sent.
    done: u64,
    elapsed: Duration,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted.get(rank).copied().unwrap_or(0.0)
}

impl Phase {
    fn summary(&mut self) -> (f64, f64) {
        self.latencies_ms.sort_by(f64::total_cmp);
        (percentile(&self.latencies_ms, 50.0), percentile(&self.latencies_ms, 99.0))
    }
}

/// Runs `bench ingest`.
pub fn ingest(args: &IngestArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(args.clone())).map_err(|e| e.to_string().into())
}

async fn embedded(args: &IngestArgs) -> Result<(String, Vec<String>, tempfile::TempDir), Error> {
    let dir = tempfile::tempdir()?;
    let limits = testigo_server::Limits::default();
    let state = testigo_server::open_data_dir(dir.path(), limits)?;
    let sample = testigo_testkit::SampleElection::new(7, args.devices.max(1));
    state.repo.import_election(sample.package.clone(), testigo_server::now_ms()).await??;
    let mut codes = Vec::new();
    for station in sample.package.stations.iter().take(args.devices) {
        let mut c = testigo_server::services::enrollment::create_codes(
            &state,
            std::slice::from_ref(&station.id),
            1,
            "cli",
            testigo_server::now_ms(),
        )
        .await?;
        codes.append(&mut c);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(testigo_server::serve(listener, state, std::future::pending()));
    Ok((format!("http://{addr}"), codes, dir))
}

fn read_codes(path: &PathBuf) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(path)?;
    let mut codes = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let list = v.get("codes").and_then(|c| c.as_array());
        for c in list.ok_or("the codes file is not `testigo enroll --json` output")? {
            codes.push(c.get("code").and_then(|c| c.as_str()).ok_or("a code is not text")?.to_owned());
        }
    }
    Ok(codes)
}

async fn enroll(
    client: &reqwest::Client,
    base: &str,
    code: &str,
) -> Result<(Device, ElectionPackage), Error> {
    let key = SigningKey::random(&mut OsRng);
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.to_owned(),
        public_key: PublicKey::from(*key.verifying_key()),
    })?;
    let r = client
        .post(format!("{base}/v1/enroll"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("enrollment refused: {} {}", r.status(), r.text().await?).into());
    }
    let enrolled: EnrollResponse = serde_json::from_slice(&r.bytes().await?)?;
    let r = client
        .get(format!("{base}/v1/package"))
        .header("authorization", format!("Bearer {}", enrolled.token))
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("package refused: {}", r.status()).into());
    }
    let package: ElectionPackage = serde_json::from_slice(&r.bytes().await?)?;
    let station = enrolled.station_ids.first().ok_or("the code enrolls no station")?.clone();
    Ok((Device { token: enrolled.token, key, station }, package))
}

fn make_record(
    device: &Device,
    package: &ElectionPackage,
    n: usize,
    photo: Option<&[u8]>,
) -> Result<SignedCapture, Error> {
    let contest = package.contests.first().ok_or("the package has no contest")?;
    let counts =
        contest.options.iter().enumerate().map(|(i, o)| (o.id.clone(), ((n * 7 + i * 13) % 90) as u32));
    let extra = contest.count_fields.iter().enumerate().map(|(i, f)| (f.id.clone(), ((n + i) % 20) as u32));
    let record = CaptureRecord {
        format: CAPTURE_FORMAT,
        id: uuid::Uuid::now_v7(),
        election_id: package.election.id.clone(),
        package_version: package.version,
        contest_id: contest.id.clone(),
        station_id: device.station.clone(),
        counts: counts.collect::<BTreeMap<_, _>>(),
        extra_counts: extra.collect::<BTreeMap<_, _>>(),
        photos: photo
            .map(|p| {
                vec![PhotoRef {
                    page: 1,
                    sha256: Sha256::digest(p),
                    original_sha256: Sha256::digest(&[p, b"original"].concat()),
                    size: p.len() as u64,
                    width: 2000,
                    height: 1500,
                }]
            })
            .unwrap_or_default(),
        qr_payload: None,
        device_time_ms: testigo_server::now_ms(),
        supersedes: None,
        notes: String::new(),
        warnings: Vec::new(),
        device_key_id: PublicKey::from(*device.key.verifying_key()).key_id(),
    };
    let sig: p256::ecdsa::Signature = device.key.sign(&record.canonical_bytes());
    Ok(SignedCapture { record, signature: Signature(sig.to_der().as_bytes().to_vec()) })
}

/// Runs `work` on every item with `concurrency` tasks; each call returns its latency or an error.
async fn drive<T: Send + 'static>(
    items: Vec<T>,
    concurrency: usize,
    work: impl Fn(T) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, Error>> + Send>>
    + Send
    + Sync
    + 'static,
) -> Phase {
    let queue = Arc::new(Mutex::new(items));
    let work = Arc::new(work);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, work) = (queue.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            loop {
                let Some(item) = queue.lock().await.pop() else { break };
                let t = Instant::now();
                match work(item).await {
                    Ok(done) => {
                        phase.latencies_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                        phase.done += done;
                    }
                    Err(_) => phase.errors += 1,
                }
            }
            phase
        }));
    }
    let mut all = Phase::default();
    for t in tasks {
        match t.await {
            Ok(p) => {
                all.latencies_ms.extend(p.latencies_ms);
                all.errors += p.errors;
                all.done += p.done;
            }
            Err(_) => all.errors += 1,
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// Uploads one photo; returns its bytes once the server confirmed them all.
async fn upload(
    client: reqwest::Client,
    url: String,
    photo: Arc<Photo>,
    testigo: bool,
) -> Result<u64, Error> {
    let sha = Sha256::digest(&photo.bytes);
    // What the phone sends, plus the file name a generic client adds (the two servers ignore it).
    let meta = format!(
        "{},filename {}",
        UploadMetadata { capture_id: photo.capture_id, sha256: sha }.to_header(),
        base64::engine::general_purpose::STANDARD.encode("acta.jpg")
    );
    let mut create = client
        .post(&url)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", photo.bytes.len().to_string())
        .header("upload-metadata", meta);
    if testigo {
        create = create.header("authorization", &photo.bearer);
    }
    let r = create.send().await?;
    if r.status() != 201 {
        return Err(format!("creation answered {}", r.status()).into());
    }
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).ok_or("no Location")?;
    let target = reqwest::Url::parse(&url)?.join(location)?;
    let mut patch = client
        .patch(target)
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .body(photo.bytes.as_ref().clone());
    if testigo {
        patch = patch.header("authorization", &photo.bearer);
    }
    let r = patch.send().await?;
    if r.status() != 204 {
        return Err(format!("PATCH answered {}", r.status()).into());
    }
    if testigo && !r.headers().contains_key("testigo-receipt") {
        return Err("no receipt".into());
    }
    Ok(photo.bytes.len() as u64)
}

async fn run(args: IngestArgs) -> Result<(), Error> {
    let (base, codes, _dir) = match (&args.server, &args.codes) {
        (Some(server), Some(codes)) => (server.trim_end_matches('/').to_owned(), read_codes(codes)?, None),
        _ => {
            let (base, codes, dir) = embedded(&args).await?;
            (base, codes, Some(dir))
        }
    };
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency.max(1)).build()?;
    let devices_n = args.devices.min(codes.len()).max(1);
    let mut devices = Vec::new();
    let mut package = None;
    for code in codes.iter().take(devices_n) {
        let (d, p) = enroll(&client, &base, code).await?;
        devices.push(d);
        package = Some(p);
    }
    let package = package.ok_or("no codes to enroll with")?;
    // Records, round-robin over devices; photo bytes unique per photo.
    let mut rng = OsRng;
    let mut per_device: Vec<Vec<SignedCapture>> = (0..devices.len()).map(|_| Vec::new()).collect();
    let mut photos = Vec::new();
    for n in 0..args.records {
        let di = n % devices.len();
        let device = devices.get(di).ok_or("device")?;
        let photo = (n < args.photos).then(|| {
            // A JPEG's structure (the server stores nothing else) around random scan bytes, so
            // every photo is unique and incompressible.
            let mut bytes = testigo_testkit::jpeg_shaped(0, args.photo_bytes);
            let end = bytes.len().saturating_sub(2);
            if let Some(scan) = bytes.get_mut(25..end) {
                rng.fill_bytes(scan);
                scan.iter_mut().filter(|b| **b == 0xFF).for_each(|b| *b = 0xFE);
            }
            bytes
        });
        let signed = make_record(device, &package, n, photo.as_deref())?;
        if let Some(bytes) = photo {
            photos.push(Arc::new(Photo {
                capture_id: signed.record.id,
                bearer: format!("Bearer {}", device.token),
                bytes: Arc::new(bytes),
            }));
        }
        per_device.get_mut(di).ok_or("device")?.push(signed);
    }
    let mut batches = Vec::new();
    for (di, records) in per_device.into_iter().enumerate() {
        let bearer = format!("Bearer {}", devices.get(di).ok_or("device")?.token);
        for chunk in records.chunks(args.batch.max(1)) {
            let body = serde_json::to_vec(&CaptureBatch { captures: chunk.to_vec() })?;
            batches.push((bearer.clone(), body, chunk.len()));
        }
    }

    let (c, url) = (client.clone(), format!("{base}/v1/captures"));
    let mut records_phase = drive(batches, args.concurrency, move |(bearer, body, n)| {
        let (c, url) = (c.clone(), url.clone());
        Box::pin(async move {
            let r = c
                .post(url)
                .header("authorization", bearer)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            if !r.status().is_success() {
                return Err(format!("batch answered {}", r.status()).into());
            }
            let result: BatchResult = serde_json::from_slice(&r.bytes().await?)?;
            let stored = result.results.iter().filter(|o| matches!(o, RecordOutcome::Stored { .. })).count();
            if stored != n {
                return Err(format!("{} of {n} records stored", stored).into());
            }
            Ok(n as u64)
        })
    })
    .await;

    let (c, url) = (client.clone(), format!("{base}/v1/uploads"));
    let mut photo_phase =
        drive(photos.clone(), args.concurrency, move |p| Box::pin(upload(c.clone(), url.clone(), p, true)))
            .await;
    let reference = match &args.tus_url {
        Some(tus) => {
            let (c, url) = (client.clone(), tus.clone());
            Some(
                drive(photos.clone(), args.concurrency, move |p| {
                    Box::pin(upload(c.clone(), url.clone(), p, false))
                })
                .await,
            )
        }
        None => None,
    };

    // Only what succeeded counts: a server that refuses half the batches is not twice as fast.
    let records_stored = records_phase.done;
    let records_per_s = records_stored as f64 / records_phase.elapsed.as_secs_f64().max(1e-9);
    let photo_mb_per_s = photo_phase.done as f64 / 1e6 / photo_phase.elapsed.as_secs_f64().max(1e-9);
    let (p50, p99) = records_phase.summary();
    let (photo_p50, photo_p99) = photo_phase.summary();
    let errors = records_phase.errors + photo_phase.errors;
    let reference_mb_per_s =
        reference.as_ref().map(|r| r.done as f64 / 1e6 / r.elapsed.as_secs_f64().max(1e-9));
    let report = serde_json::json!({
        "server": base,
        "devices": devices.len(),
        "records": args.records,
        "records_stored": records_stored,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "records_per_s": records_per_s.round(),
        "p50_ms": (p50 * 10.0).round() / 10.0,
        "p99_ms": (p99 * 10.0).round() / 10.0,
        "photos": photos.len(),
        "photo_bytes": args.photo_bytes,
        "photo_mb_per_s": (photo_mb_per_s * 10.0).round() / 10.0,
        "photo_p50_ms": (photo_p50 * 10.0).round() / 10.0,
        "photo_p99_ms": (photo_p99 * 10.0).round() / 10.0,
        "errors": errors,
        "reference_tus_url": args.tus_url,
        "reference_photo_mb_per_s": reference_mb_per_s.map(|v| (v * 10.0).round() / 10.0),
        "reference_errors": reference.as_ref().map(|r| r.errors),
    });
    if args.json {
        println!("{report}");
    } else {
        println!(
            "records  {:>8.0}/s   batch p50 {p50:.1} ms  p99 {p99:.1} ms  ({records_stored} of {} records stored, batches of {}, {} in flight)",
            records_per_s, args.records, args.batch, args.concurrency
        );
        println!(
            "photos   {photo_mb_per_s:>8.1} MB/s  upload p50 {photo_p50:.1} ms  p99 {photo_p99:.1} ms  ({} × {} bytes)",
            photos.len(),
            args.photo_bytes
        );
        if let Some(r) = reference_mb_per_s {
            println!("reference tus server  {r:.1} MB/s on the same photos");
        }
        println!("errors   {errors}");
    }
    if errors > 0 || reference.is_some_and(|r| r.errors > 0) {
        return Err("some requests failed (see errors)".into());
    }
    Ok(())
}
