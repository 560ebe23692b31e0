//! Testigo's field simulator: simulated watchers driving real phone cores against a real
//! coordinators' server, and a whole election night — the demo.
//!
//! This crate is the top of the stack: it links the phone's core (`testigo-core`) and the server
//! (`testigo-server`), which is why the material tests need — synthetic actas, sample elections,
//! the fault proxy — lives below both, in `testigo-testkit`, and is imported from there, here
//! and by every user.
//!
//! Files: `watcher.rs` ([`Watcher`]: a real phone store that enrolls, photographs its stations'
//! actas, types the numbers, sometimes wrong, seals and syncs through the core's public API);
//! `server.rs` ([`server::LocalServer`]: the coordinators' server embedded on a loopback port with a
//! sample election); `sms.rs` ([`sms::SmsGateway`]: an SMS gateway posting what reaches the
//! coordinators' number); `field/` (a whole election night, the demo, and `check_delivery`, the
//! end-of-night invariants the end-to-end suite checks too).

#![forbid(unsafe_code)]

pub mod field;
pub mod server;
pub mod sms;
pub mod soak;
pub mod watcher;

pub use watcher::{CaptureStyle, Captured, Mistake, Watcher};
