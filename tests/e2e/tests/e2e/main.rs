//! End to end: a real server, phones with real stores, and a faulty network, on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod behaviour;
mod bundles;
mod crash;
mod dashboard;
mod delivery;
mod desk;
mod live;
mod pinning;
mod portal;
mod sms;
mod upgrade;
