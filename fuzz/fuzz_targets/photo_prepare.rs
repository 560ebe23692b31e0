//! Fuzzes the photo pipeline's entry point: any bytes must give a prepared photo or a typed
//! error, never a panic, a hang or an allocation beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_core::photo::{PhotoOptions, prepare};

fuzz_target!(|data: &[u8]| {
    let options = PhotoOptions { max_edge: 256, thumbnail_edge: 64, ..PhotoOptions::default() };
    let _ = prepare(data, &options);
});
