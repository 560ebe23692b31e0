//! Testigo's wire protocol, shared by the phone (`testigo-core`) and the coordinators' server
//! (`testigo-server`) so that the two cannot drift apart.
//!
//! What lives here:
//! - [`api`]: the HTTP API between phone and server: requests, answers, problems, the raw batch
//!   body, and the tus conventions with their header codecs ([`api::tus`]).
//! - [`enrollment`]: the enrollment URI a QR code carries, written by the server, read by the phone.
//! - [`election`]: the election package a watcher's phone downloads (contests, ballot options,
//!   count fields, polling centers and stations, the watcher's assignment, the acta's QR format).
//! - [`capture`]: the capture record a watcher seals and sends, and its signed envelope.
//! - [`canonical`]: the deterministic, versioned bytes that get signed. They do not depend on JSON
//!   field order or whitespace, so any JSON encoder on either side produces the same signature
//!   input.
//! - [`keys`]: P-256 public keys, key ids and signature verification.
//! - [`receipt`]: the server's signed receipt, the watcher's proof of delivery.
//! - [`statement`]: the server's other signed answers: refusals, feed pages, election packages.
//! - [`qr`]: parsers for the QR codes printed on actas, per election format.
//! - [`sms`]: a signed record as SMS text, and its receipt as one SMS back.
//! - [`bundle`]: a phone's outbox sealed in one file to the coordinators' key (HPKE).
//! - [`validation`]: the stable warning codes that travel with a capture.
//!
//! This crate does no I/O.

pub mod api;
pub mod bundle;
pub mod canonical;
pub mod capture;
pub mod election;
mod encoding;
pub mod enrollment;
pub mod keys;
pub mod publication;
pub mod qr;
pub mod receipt;
pub mod sms;
pub mod statement;
pub mod validation;

pub use capture::{CaptureRecord, PhotoRef, SignedCapture};
pub use election::ElectionPackage;
pub use encoding::{Sha256, Sha256ParseError};
pub use keys::{KeyId, PublicKey, Signature, VerifyError};
pub use receipt::{Receipt, ReceiptSubject, SignedReceipt};
pub use statement::{Refusal, SignedRefusal};
pub use validation::{Warning, WarningCode};

/// Milliseconds since the Unix epoch (UTC). Used for every timestamp on the wire.
pub type TimestampMs = i64;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

#[cfg(feature = "uniffi")]
mod ffi_types;
