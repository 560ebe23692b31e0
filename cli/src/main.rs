//! The `testigo` command. It composes the other crates and holds no logic of its own beyond
//! argument handling and output.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bench_dash;
mod bench_sync;
mod demo;
mod photo;
mod qr;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Signed records and tus photo uploads against a server; records/s, MB/s, latencies.
    Ingest(bench::IngestArgs),
    /// The sync engine on field links: bytes per record, link-up to receipt, interruptions, photos.
    Sync(bench_sync::SyncArgs),
    /// The coordinators' pages with a million stations and captures.
    Dashboard(bench_dash::DashArgs),
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
        Command::Photo(PhotoCommand::Prepare(args)) => photo::prepare_file(&args)?,
        Command::Sim(SimCommand::Actas { count, out, seed }) => {
            testigo_testkit::write_corpus(&out, seed, count)?;
            println!("wrote {count} actas to {}", out.display());
        }
        Command::Sim(SimCommand::Bombs { out }) => {
            testigo_testkit::bombs::write_bombs(&out)?;
            for (name, what) in testigo_testkit::bombs::BOMBS {
                println!("{name}: {what}");
            }
        }
        Command::Bench(BenchCommand::Ingest(args)) => bench::ingest(&args)?,
        Command::Bench(BenchCommand::Sync(args)) => bench_sync::run(&args)?,
        Command::Bench(BenchCommand::Dashboard(args)) => bench_dash::run(&args)?,
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
