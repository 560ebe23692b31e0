//! A watcher's phone on the command line: the core exercised without a phone.
//!
//! Opens (or creates) an encrypted store in a directory, installs the demo election package,
//! captures the actas of the assigned stations — one of them with numbers that do not add up —
//! seals them, and shows what a phone would now hold: the stations' status, each signed record
//! with its warnings, and the outbox waiting for a link.
//!
//! ```text
//! cargo run -p testigo-core --example watcher -- [--dir DIR] [--photo FILE.jpg]... [--json]
//! ```
//!
//! The store's key here is fixed and printed: a real app keeps it in the platform keystore.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use testigo_core::{Store, validation::MAX_COUNT};

const DEMO_KEY: [u8; 32] = *b"testigo demo key: not for field!";

struct Args {
    dir: PathBuf,
    photos: Vec<PathBuf>,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { dir: std::env::temp_dir().join("testigo-watcher-demo"), photos: vec![], json: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => args.dir = it.next().ok_or("--dir needs a directory")?.into(),
            "--photo" => args.photos.push(it.next().ok_or("--photo needs a file")?.into()),
            "--json" => args.json = true,
            "-h" | "--help" => {
                return Err("usage: watcher [--dir DIR] [--photo FILE]... [--json]".into());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(&args.dir, &DEMO_KEY)?;
    let outcome = store.install_package_json(include_bytes!("demo-package.json"))?;
    let package = store.package()?.ok_or("no package")?;
    let contest = package.contests.first().ok_or("package has no contest")?;
    println!("store      {}", args.dir.display());
    println!("device key {}", store.device().key_id);
    println!("package    {} v{} ({outcome:?})", package.election.name, package.version);

    let photos: Vec<Vec<u8>> = args.photos.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    for (n, station) in store.stations()?.iter().enumerate() {
        let id = store.new_capture(&station.station_id, &contest.id)?;
        let mut counts: BTreeMap<String, Option<u32>> = BTreeMap::new();
        let mut total = 0;
        for (i, option) in contest.options.iter().enumerate() {
            let votes = (37 * (i as u32 + 1) + 11 * n as u32) % 150;
            total += votes;
            counts.insert(option.id.clone(), Some(votes.min(MAX_COUNT)));
        }
        for field in &contest.count_fields {
            use testigo_core::protocol::election::CountFieldKind::*;
            let value = match field.kind {
                Null | Blank => 2,
                // The second station's acta does not add up: a warning, never a refusal.
                VotersWhoVoted => total + 4 + u32::from(n == 1) * 9,
                BallotsUnused => station.registered_voters.saturating_sub(total + 4),
                Other => 0,
            };
            counts.insert(field.id.clone(), Some(value));
        }
        store.set_counts(id, &counts)?;
        for photo in &photos {
            store.attach_photo(id, photo)?;
        }
        let signed = store.seal(id)?;
        if args.json {
            println!("{}", serde_json::to_string(&signed)?);
        } else {
            let warnings: Vec<String> = signed
                .record
                .warnings
                .iter()
                .map(|w| {
                    format!(
                        "{}{}",
                        w.code.as_str(),
                        w.field.as_ref().map(|f| format!("({f})")).unwrap_or_default()
                    )
                })
                .collect();
            println!(
                "sealed     {} station {} #{} record {} warnings [{}]",
                signed.record.id,
                station.station_id,
                station.number,
                &signed.record.record_sha256().to_hex()[..16],
                warnings.join(", ")
            );
        }
    }
    for s in store.stations()? {
        println!("station    {} {} #{}: {:?}", s.station_id, s.center_name, s.number, s.status);
    }
    let outbox = store.outbox()?;
    println!(
        "outbox     {} items waiting for a link",
        outbox.iter().filter(|i| i.state == testigo_core::OutboxState::Pending).count()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
