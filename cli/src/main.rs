//! The `testigo` command. It composes the other crates and holds no logic of its own beyond
//! argument handling and output.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod analysis;
mod bench;
mod bench_contrast;
mod bench_dash;
mod bench_desk;
mod bench_events;
mod bench_offline;
mod bench_portal;
mod bench_seed;
mod bench_sync;
mod bundle;
mod demo;
mod photo;
mod publish;
mod qr;
mod say;
mod server;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::say::say;

/// Testigo: election actas from the polling table to the public, provably unaltered.
#[derive(Parser)]
#[command(name = "testigo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// An election night on this machine: a server, simulated watchers on field links, the
    /// dashboard filling up, and a report checked against the truth.
    Demo(demo::DemoArgs),
    /// Runs the coordinators' server (SQLite and a photo folder in one data directory).
    Serve(server::ServeArgs),
    /// The election package on the server.
    #[command(subcommand)]
    Election(server::ElectionCommand),
    /// Makes one-time enrollment codes for watchers' phones (text, terminal QR, PNG).
    Enroll(server::EnrollArgs),
    /// Coordinator accounts (dashboard and admin API).
    #[command(subcommand)]
    User(server::UserCommand),
    /// Reviews a capture: verified, disputed or rejected (reaches the watcher's phone).
    Review(server::ReviewArgs),
    /// Watchers' devices.
    #[command(subcommand)]
    Device(server::DeviceCommand),
    /// The public portal: publish tables, regions or captures, withdraw with a reason.
    #[command(subcommand)]
    Publish(publish::PublishCommand),
    /// Sealed bundles carried by hand: import them with the coordinators' key.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// The authority's official results: imports, and the contrast with our actas.
    #[command(subcommand)]
    Official(analysis::OfficialCommand),
    /// The quick count: the sample's draw before the election, the estimate on the night.
    #[command(subcommand)]
    Quickcount(analysis::QuickcountCommand),
    /// Checks a whole publication (a mirror's directory or address): the signed manifest, every
    /// file's hash, every device signature, receipt and photo; names every failure.
    Verify(verify::VerifyArgs),
    /// Photos of actas.
    #[command(subcommand)]
    Photo(PhotoCommand),
    /// The field simulator.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Load generators.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Runs the phone's photo pipeline on a file: upright, no metadata, downsized, re-encoded.
    Prepare(photo::PrepareArgs),
}

#[derive(Subcommand)]
enum SimCommand {
    /// Writes a synthetic corpus of acta photos (`acta-NNNN.jpg`) with their truth (`.json`).
    Actas {
        /// How many actas.
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// The directory to write to.
        #[arg(long)]
        out: PathBuf,
        /// Seed: the same seed writes the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Writes the photo pipeline's worst inputs (decompression bombs at the pixel and edge
    /// limits), for measuring `photo prepare`'s peak memory.
    Bombs {
        /// The directory to write to.
        #[arg(long)]
        out: PathBuf,
    },
    /// Kills a real server and a syncing phone (child processes) with SIGKILL at random points,
    /// round after round, checking after each kill that nothing acknowledged was lost; then lets
    /// them finish and checks that everything arrived exactly once.
    Soak {
        /// Kill rounds.
        #[arg(long, default_value_t = 1_000)]
        rounds: usize,
        /// Seed for the election, the phone and the kill schedule.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Actas the phone captures during the soak (it keeps capturing while it is killed, so
        /// that kills land in captures and seals as well as in syncs).
        #[arg(long, default_value_t = 200)]
        actas: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The soak's phone: captures and syncs until killed (started by `sim soak`).
    #[command(hide = true)]
    SoakPhone {
        /// The phone's store.
        #[arg(long)]
        dir: PathBuf,
        /// The soak's seed.
        #[arg(long)]
        seed: u64,
        /// Actas to capture.
        #[arg(long)]
        actas: usize,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Signed records and tus photo uploads against a server; records/s, MB/s, latencies.
    Ingest(bench::IngestArgs),
    /// The sync engine on field links: bytes per record, link-up to receipt, interruptions, photos.
    Sync(bench_sync::SyncArgs),
    /// The coordinators' pages with a million stations and captures.
    Dashboard(bench_dash::DashArgs),
    /// The public portal with every table published: static export (full and incremental),
    /// page bytes and render times.
    Portal(bench_portal::PortalArgs),
    /// Official results against a million actas: import, full recompute, the contrast's pages.
    Contrast(bench_contrast::ContrastArgs),
    /// The quick count over many simulated elections: coverage and interval width per size.
    Quickcount(bench_contrast::QuickcountArgs),
    /// The verification desk: many volunteers at once asking for their next acta and saving it.
    Desk(bench_desk::DeskArgs),
    /// Open dashboards listening to the event stream: memory, and the delay of each event.
    Events(bench_events::EventsArgs),
    /// Without a data link: SMS per acta, bundle bytes against their contents, the bundle import
    /// rate, and a runner's arrival to the tally.
    Offline(bench_offline::OfflineArgs),
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Demo(args) => {
            if !demo::demo(&args)? {
                return Err("an invariant failed (see the report)".into());
            }
        }
        Command::Serve(args) => server::serve(&args)?,
        Command::Election(cmd) => server::election(&cmd)?,
        Command::Enroll(args) => server::enroll(&args)?,
        Command::User(cmd) => server::user(&cmd)?,
        Command::Review(args) => server::review(&args)?,
        Command::Device(cmd) => server::device(&cmd)?,
        Command::Publish(cmd) => publish::publish(&cmd)?,
        Command::Bundle(cmd) => bundle::bundle(&cmd)?,
        Command::Official(cmd) => analysis::official(&cmd)?,
        Command::Quickcount(cmd) => analysis::quickcount(&cmd)?,
        Command::Verify(args) => {
            if !verify::verify(&args)? {
                return Err("the publication does not verify (see above)".into());
            }
        }
        Command::Photo(PhotoCommand::Prepare(args)) => photo::prepare_file(&args)?,
        Command::Sim(SimCommand::Actas { count, out, seed }) => {
            testigo_testkit::write_corpus(&out, seed, count)?;
            say!("cli-sim-actas", count = say::n(count), dir = out.display());
        }
        Command::Sim(SimCommand::Bombs { out }) => {
            testigo_testkit::bombs::write_bombs(&out)?;
            for (name, what) in testigo_testkit::bombs::BOMBS {
                println!("{name}: {what}");
            }
        }
        Command::Sim(SimCommand::Soak { rounds, seed, actas, json }) => {
            let exe = std::env::current_exe()?;
            let r = testigo_sim::soak::run(testigo_sim::soak::SoakOptions { rounds, seed, actas, exe })
                .map_err(|e| e as Box<dyn std::error::Error>)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "rounds": r.rounds, "server_kills": r.server_kills, "phone_kills": r.phone_kills,
                        "sealed_before_drain": r.sealed_before_drain, "receipts_before_drain": r.receipts_before_drain,
                        "records": r.records, "photos": r.photos, "receipts": r.receipts, "seconds": r.seconds,
                    })
                );
            } else {
                say!(
                    "cli-soak-rounds",
                    rounds = r.rounds,
                    server_kills = r.server_kills,
                    phone_kills = r.phone_kills
                );
                say!("cli-soak-drain", sealed = r.sealed_before_drain, receipts = r.receipts_before_drain);
                say!(
                    "cli-soak-end",
                    records = r.records,
                    photos = r.photos,
                    receipts = r.receipts,
                    seconds = format!("{:.0}", r.seconds)
                );
            }
        }
        Command::Sim(SimCommand::SoakPhone { dir, seed, actas }) => {
            testigo_sim::soak::phone(&dir, seed, actas).map_err(|e| e as Box<dyn std::error::Error>)?
        }
        Command::Bench(BenchCommand::Ingest(args)) => bench::ingest(&args)?,
        Command::Bench(BenchCommand::Sync(args)) => bench_sync::run(&args)?,
        Command::Bench(BenchCommand::Dashboard(args)) => bench_dash::run(&args)?,
        Command::Bench(BenchCommand::Portal(args)) => bench_portal::run(&args)?,
        Command::Bench(BenchCommand::Contrast(args)) => bench_contrast::contrast(&args)?,
        Command::Bench(BenchCommand::Quickcount(args)) => bench_contrast::quick_count(&args)?,
        Command::Bench(BenchCommand::Desk(args)) => bench_desk::run(&args)?,
        Command::Bench(BenchCommand::Events(args)) => bench_events::run(&args)?,
        Command::Bench(BenchCommand::Offline(args)) => bench_offline::run(&args)?,
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", say::t("cli-error", &[("message", e.to_string())]));
            ExitCode::FAILURE
        }
    }
}
