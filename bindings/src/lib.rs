//! `testigo-ffi`: the Testigo phone core for Android (Kotlin) and iOS (Swift) apps, over uniffi.
//!
//! A thin layer: every exported object wraps a core object and every method is one call into
//! `testigo-core` (ADR 3). The records and enums the methods take and return are the core's and
//! the protocol's own types, exported by their `uniffi` feature, so nothing here mirrors them.
//! What this crate adds is only what the FFI needs:
//!
//! - `store.rs`: [`Store`], the app's single door to the core, and the free functions;
//! - `error.rs`: [`TestigoError`], the one public error, mapped from the core's error in one
//!   place; and the errors the app's callbacks raise;
//! - `signer.rs`: [`Signer`], for a device key held by Android Keystore or the Secure Enclave;
//! - `sync.rs`: [`CancelToken`], [`SyncObserver`] and the [`SyncObserverHandle`] that keeps it
//!   registered.
//!
//! Calls block and are thread-safe; there is no async across the FFI. No input panics: bytes,
//! ids and text from the app are checked and refused with `InvalidInput`.
//!
//! Bindings are generated from the built library by `bindings/generate.sh` (Kotlin, Swift and
//! Python); see `bindings/README.md`.

mod error;
mod signer;
mod store;
mod sync;

pub use error::{ObserverError, SignerError, TestigoError};
pub use signer::Signer;
pub use store::{Store, parse_enrollment_uri, receipt_verifies, wipe_store_dir};
pub use sync::{CancelToken, SyncObserver, SyncObserverHandle};

uniffi::setup_scaffolding!();

// UUIDs cross as the protocol crate lowers them (text).
uniffi::use_remote_type!(testigo_protocol::Uuid);
use testigo_core::Uuid;
