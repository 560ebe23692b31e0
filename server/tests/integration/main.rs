//! The server's integration tests: handlers through the router (`oneshot`) and over real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod accounts;
mod bundles;
mod common;
mod dash;
mod desk;
mod devices;
mod enroll;
mod feed;
mod hostile;
mod intake;
mod migrations;
mod official;
mod portal;
mod sms;
mod socket;
mod tus_js;
mod uploads;
