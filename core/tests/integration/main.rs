//! Integration tests of the phone core, through its public API, on real SQLCipher files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod common;
mod crash;
mod fake_server;
mod lifecycle;
mod migrations;
mod open;
mod photos;
mod pipeline;
mod signer;
mod sync;
mod wipe;
