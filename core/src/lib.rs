//! Testigo's phone core: everything that runs on the watcher's phone, as a plain Rust library.
//!
//! The [`Store`] is the single entry point. It keeps, in one directory and encrypted at rest:
//! the device identity (a P-256 key, or the app's own [`Signer`]), the election package, the
//! captures with their photos, and the outbox of work to send. The apps reach it through the
//! `testigo-ffi` crate; the command line and the simulator use it directly.
//!
//! The life of an acta in this crate: [`Store::new_capture`] starts a draft;
//! [`Store::set_count`], [`Store::attach_photo`] and [`Store::set_notes`] fill it; [`Store::seal`]
//! signs it and enqueues it in one transaction; a correction is [`Store::supersede`].
//!
//! Module map: `store` (opening, pragmas, the one-writer discipline: changes take a
//! `&Transaction` from `Store::write`, reads a `&Connection`), `crypto` (key file, key derivation,
//! photo encryption), `schema` (migrations), `signer` (device key), `election` (package and
//! stations), `status` (where a capture or station stands in delivery), `capture` (the lifecycle,
//! one file per step), `validation` (warnings and limits), `image_info` (recognising photos),
//! `photo` (the photo pipeline and QR search), `outbox` (the queue of work to send), `sync`
//! (enrollment, the sync engine and its HTTP transport), `wipe` (panic wipe).

mod capture;
mod crypto;
mod election;
mod error;
mod image_info;
mod outbox;
pub mod photo;
mod schema;
mod signer;
mod status;
mod store;
pub mod sync;
pub mod validation;
mod wipe;

pub use capture::{Capture, CaptureState, CaptureSummary, MAX_PAGES};
pub use election::{PackageInstall, StationStatus};
pub use error::{Error, Result};
pub use image_info::{ImageFormat, ImageInfo, inspect as inspect_image};
pub use outbox::{OutboxItem, OutboxKind, OutboxState};
pub use photo::{PhotoOptions, PreparedPhoto, StageTimes};
pub use schema::SCHEMA_VERSION;
pub use signer::{Signer, SignerError, SoftwareSigner};
pub use status::ReportingStatus;
pub use store::{DeviceInfo, OpenOptions, Store};
pub use sync::{
    CancelToken, CarriedBundle, Enrollment, ObserverHandle, Review, StoredReceipt, SyncEvent, SyncObserver,
    SyncOptions, SyncOutcome, SyncReport,
};
pub use testigo_protocol as protocol;
pub use uuid::Uuid;

// The uniffi derives on this crate's records and enums (feature `uniffi`, for `testigo-ffi`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

/// UUIDs and count maps cross the FFI as the protocol crate lowers them.
#[cfg(feature = "uniffi")]
mod ffi_types {
    use crate::Uuid;
    type Counts = std::collections::BTreeMap<String, u32>;

    uniffi::use_remote_type!(testigo_protocol::Uuid);
    uniffi::use_remote_type!(testigo_protocol::Counts);
}

/// Helpers for this crate's own integration tests and benchmarks. Not part of the API.
#[doc(hidden)]
pub mod testing {
    use std::path::Path;

    use crate::crypto::StoreKeys;
    use crate::error::Result;

    /// A raw SQLCipher connection to the store in `dir`, bypassing migrations and checks: for
    /// tests that build old schemas or inspect the file. The store must not be open.
    pub fn raw_connection(dir: &Path, key: &[u8; 32]) -> Result<rusqlite::Connection> {
        let keys = StoreKeys::load_or_create(dir, key, true)?;
        let conn = rusqlite::Connection::open(dir.join("testigo.db"))?;
        conn.execute_batch(keys.sqlcipher_key_statement().as_str())?;
        Ok(conn)
    }
}
