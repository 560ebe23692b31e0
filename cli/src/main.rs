//! The `testigo` command. It composes the other crates and holds no logic of its own beyond
//! argument handling and output.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use testigo_core::photo::{PhotoOptions, PreparedPhoto, StageTimes, prepare};

/// Testigo: election actas from the polling table to the public, provably unaltered.
#[derive(Parser)]
#[command(name = "testigo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Photos of actas.
    #[command(subcommand)]
    Photo(PhotoCommand),
    /// The field simulator.
    #[command(subcommand)]
    Sim(SimCommand),
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Runs the phone's photo pipeline on a file: upright, no metadata, downsized, re-encoded.
    Prepare(PrepareArgs),
}

#[derive(Args)]
struct PrepareArgs {
    /// The camera's photo (JPEG or PNG).
    input: PathBuf,
    /// Where to write the prepared JPEG.
    output: PathBuf,
    /// Longest edge of the output, in pixels.
    #[arg(long, default_value_t = PhotoOptions::default().max_edge)]
    max_edge: u32,
    /// JPEG quality of the output (1–100).
    #[arg(long, default_value_t = PhotoOptions::default().quality)]
    quality: u8,
    /// Skip the search for the acta's QR code.
    #[arg(long)]
    no_qr: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
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
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn times_json(t: &StageTimes) -> serde_json::Value {
    serde_json::json!({
        "decode": ms(t.decode), "orient": ms(t.orient), "resize": ms(t.resize),
        "encode": ms(t.encode), "hash": ms(t.hash), "qr": ms(t.qr),
    })
}

fn report(args: &PrepareArgs, p: &PreparedPhoto) {
    if args.json {
        let v = serde_json::json!({
            "input": args.input, "output": args.output,
            "input_bytes": p.original_size, "output_bytes": p.jpeg.len(),
            "width": p.width, "height": p.height, "orientation": p.orientation,
            "original_sha256": p.original_sha256.to_hex(), "sha256": p.sha256.to_hex(),
            "thumbnail_bytes": p.thumbnail.len(), "qr_payload": p.qr_payload,
            "times_ms": times_json(&p.times),
        });
        println!("{v}");
        return;
    }
    let t = &p.times;
    println!(
        "input     {} ({} bytes, EXIF orientation {})",
        args.input.display(),
        p.original_size,
        p.orientation
    );
    println!("output    {} ({} bytes, {}×{})", args.output.display(), p.jpeg.len(), p.width, p.height);
    println!("sha256    original  {}", p.original_sha256);
    println!("          prepared  {}", p.sha256);
    println!("qr        {}", p.qr_payload.as_deref().unwrap_or("(none found)"));
    println!(
        "times ms  decode {:.1}  orient {:.1}  resize {:.1}  encode {:.1}  hash {:.1}  qr {:.1}",
        ms(t.decode),
        ms(t.orient),
        ms(t.resize),
        ms(t.encode),
        ms(t.hash),
        ms(t.qr)
    );
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Photo(PhotoCommand::Prepare(args)) => {
            let bytes = std::fs::read(&args.input)?;
            let options = PhotoOptions {
                max_edge: args.max_edge,
                quality: args.quality,
                find_qr: !args.no_qr,
                ..PhotoOptions::default()
            };
            let prepared = prepare(&bytes, &options)?;
            std::fs::write(&args.output, &prepared.jpeg)?;
            report(&args, &prepared);
        }
        Command::Sim(SimCommand::Actas { count, out, seed }) => {
            testigo_sim::write_corpus(&out, seed, count)?;
            println!("wrote {count} actas to {}", out.display());
        }
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
