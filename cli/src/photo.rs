//! `testigo photo prepare`: the phone's photo pipeline on a file.

use std::path::PathBuf;

use clap::Args;
use testigo_core::photo::{PhotoOptions, PreparedPhoto, StageTimes, prepare};

/// Arguments of `photo prepare`.
#[derive(Args)]
pub struct PrepareArgs {
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

/// Runs `photo prepare`.
pub fn prepare_file(args: &PrepareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(&args.input)?;
    let options = PhotoOptions {
        max_edge: args.max_edge,
        quality: args.quality,
        find_qr: !args.no_qr,
        ..PhotoOptions::default()
    };
    let prepared = prepare(&bytes, &options)?;
    std::fs::write(&args.output, &prepared.jpeg)?;
    report(args, &prepared);
    Ok(())
}
