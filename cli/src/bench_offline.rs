//! `testigo bench offline`: what travels when the data link is cut.
//!
//! Setup: a sample election of `--stations` tables (the 38-card contest) imported, `--devices`
//! phones enrolled for shares of them, one signed capture per table with its true numbers (and,
//! with `--photos`, its own stored photo). Measured:
//! - SMS: the SMS each record takes (38 options), and the same records cut to a 5-option contest,
//!   with the bytes before the GSM-7 writing;
//! - bundles: each phone's outbox sealed (`protocol::bundle::seal`) against what it holds;
//! - import: every bundle imported as `testigo bundle import` does, records per second;
//! - a runner's arrival: `--runner` phones' bundles imported, then the tally worker run until
//!   those tables count, timed from the first byte to the tally.

use std::time::Instant;

use clap::Args;
use testigo_protocol::bundle::{self, BundleContents, BundlePhoto};
use testigo_protocol::election::Contest;
use testigo_protocol::{SignedCapture, sms};
use testigo_server::repo::settle_tally;
use testigo_server::services::bundles;
use testigo_server::{Limits, now_ms, open_data_dir};

use crate::bench_seed::{self, BenchPhoto, Error, SignedWithPhoto};

/// Arguments of `bench offline`.
#[derive(Args, Clone)]
pub struct OfflineArgs {
    /// Tables in the election, one capture each.
    #[arg(long, default_value_t = 20_000)]
    stations: usize,
    /// Phones the captures come from, each with its own bundle.
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// Each capture with its own photo (a real acta through the phone's pipeline).
    #[arg(long)]
    photos: bool,
    /// Phones whose bundles one runner brings (timed to the tally).
    #[arg(long, default_value_t = 10)]
    runner: usize,
}

/// Runs the benchmark and prints its figures as JSON lines.
pub fn run(args: &OfflineArgs) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(go(args.clone())).map_err(|e| e.to_string().into())
}

fn stats(values: &[usize]) -> serde_json::Value {
    let n = values.len().max(1);
    serde_json::json!({
        "min": values.iter().min(),
        "max": values.iter().max(),
        "mean": (values.iter().sum::<usize>() as f64 / n as f64 * 10.0).round() / 10.0,
    })
}

async fn go(args: OfflineArgs) -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let state = open_data_dir(dir.path(), Limits::default())?;
    let seeded = bench_seed::election(&state, args.stations, args.devices).await?;
    let photo = if args.photos { Some(BenchPhoto::new()?) } else { None };
    let contests = state.repo.election().await?.ok_or("no election")?.contests.clone();
    let recipient = state.key.bundle_key().public_key().clone();

    let mut phones: Vec<(usize, Vec<SignedWithPhoto>)> = Vec::new();
    for n in 0..seeded.device_count() {
        phones.push((n, seeded.device_captures(n, photo.as_ref())?));
    }

    // SMS per record: the 38-card contest, then the same records on a 5-option acta.
    let (mut parts38, mut bytes38, mut parts5) = (Vec::new(), Vec::new(), Vec::new());
    let five = five_options(contests.first().ok_or("no contest")?);
    for (n, captures) in phones.iter().take(10) {
        for (signed, _) in captures {
            let texts = sms::encode_capture(signed, &contests)?;
            bytes38.push(sms::packed_len(signed, &contests)?);
            parts38.push(texts.len());
            let mut short = signed.record.clone();
            short.contest_id = five.id.clone();
            short.counts.retain(|k, _| five.options.iter().any(|o| &o.id == k));
            short.qr_payload = None;
            let signature = seeded.sign_as(*n, &short.canonical_bytes())?;
            let texts = sms::encode_capture(
                &SignedCapture { record: short, signature },
                std::slice::from_ref(&five),
            )?;
            parts5.push(texts.len());
        }
    }
    println!(
        "sms: {}",
        serde_json::json!({
            "records": parts38.len(),
            "sms_38_options": stats(&parts38),
            "bytes_38_options": stats(&bytes38),
            "sms_5_options": stats(&parts5),
            "chars_per_sms": sms::SMS_CHARS,
        })
    );

    // Bundles: one per phone, against what it holds.
    let started = Instant::now();
    let mut sealed = Vec::new();
    let (mut content_bytes, mut bundle_bytes, mut records) = (0usize, 0usize, 0usize);
    for (n, captures) in &phones {
        let (key, _) = seeded.device(*n).ok_or("device")?;
        let contents = BundleContents {
            device_key: key.clone(),
            created_at_ms: now_ms(),
            records: captures.iter().map(|(s, _)| serde_json::to_string(s)).collect::<Result<_, _>>()?,
            photos: captures
                .iter()
                .filter_map(|(s, b)| {
                    b.as_ref().map(|bytes| BundlePhoto {
                        capture_id: s.record.id,
                        sha256: testigo_protocol::Sha256::digest(bytes),
                        bytes: bytes.clone(),
                    })
                })
                .collect(),
        };
        content_bytes += contents.records.iter().map(String::len).sum::<usize>()
            + contents.photos.iter().map(|p| p.bytes.len()).sum::<usize>();
        records += contents.records.len();
        let bytes = bundle::seal(&contents, &recipient, |b| seeded.sign_as(*n, b))?;
        bundle_bytes += bytes.len();
        sealed.push(bytes);
    }
    let seal_s = started.elapsed().as_secs_f64();

    // A runner's arrival: its phones' bundles imported, then the tally until they count.
    let started = Instant::now();
    let mut taken = 0u64;
    for bytes in sealed.iter().take(args.runner) {
        let i = import(&state, bytes).await?;
        taken += u64::from(i.records_stored);
    }
    settle_tally(state.repo.as_ref(), 10_000).await?;
    let runner_s = started.elapsed().as_secs_f64();

    // The rest: the import rate.
    let started = Instant::now();
    for bytes in sealed.iter().skip(args.runner) {
        let i = import(&state, bytes).await?;
        taken += u64::from(i.records_stored);
    }
    let import_s = started.elapsed().as_secs_f64().max(1e-9);
    let imported: usize = phones.iter().skip(args.runner).map(|(_, c)| c.len()).sum();
    if taken as usize != records {
        return Err(format!("{taken} of {records} records were stored").into());
    }
    // Everything again: all known, nothing stored twice.
    let started = Instant::now();
    for bytes in &sealed {
        let i = import(&state, bytes).await?;
        if i.records_stored != 0 {
            return Err("a record was stored twice".into());
        }
    }
    let again_s = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "bundles: {}",
        serde_json::json!({
            "phones": phones.len(),
            "records": records,
            "photos": args.photos,
            "content_bytes": content_bytes,
            "bundle_bytes": bundle_bytes,
            "overhead_percent": ((bundle_bytes as f64 / content_bytes.max(1) as f64 - 1.0) * 10_000.0).round() / 100.0,
            "seal_s": (seal_s * 100.0).round() / 100.0,
            "runner_phones": args.runner.min(phones.len()),
            "runner_to_tally_s": (runner_s * 100.0).round() / 100.0,
            "import_records_per_s": (imported as f64 / import_s).round(),
            "import_again_records_per_s": (records as f64 / again_s).round(),
        })
    );
    Ok(())
}

/// `contest` cut to its first five options (the same count fields, no QR format).
fn five_options(contest: &Contest) -> Contest {
    let mut c = contest.clone();
    c.id = format!("{}-5", c.id);
    c.options.truncate(5);
    c.acta_qr = None;
    c
}

/// One bundle imported as `testigo bundle import` does; a refusal is an error here.
async fn import(state: &testigo_server::AppState, bytes: &[u8]) -> Result<bundles::Imported, Error> {
    bundles::import(state, bytes.to_vec(), None).await.map_err(|e| match e {
        Ok(refusal) => Error::from(refusal.to_string()),
        Err(e) => Error::from(e.to_string()),
    })
}
