//! Writes a synthetic acta corpus to a directory.
//!
//! `cargo run -p testigo-sim --example corpus -- DIR [COUNT] [SEED]` writes
//! `DIR/acta-0001.jpg` and `DIR/acta-0001.json` (its truth), and so on; COUNT defaults to 10 and
//! SEED to 1.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: corpus DIR [COUNT] [SEED]")?);
    let count = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let seed = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    testigo_sim::write_corpus(&dir, seed, count)?;
    Ok(())
}
