//! The one public error of the FFI, and the errors the app's own callbacks may raise.
//!
//! The core's [`testigo_core::Error`] tells every failure apart; an app needs far fewer cases:
//! one per thing it would do differently (ask for the key again, offer a wipe, show the reason
//! next to the field, retry later, enroll again…). [`TestigoError::from`] is the only place that
//! decides which core error becomes which case. Messages are the core's, which carry no personal
//! data (no notes, no file paths, no key material); they are for logs and for the watcher's
//! screen, not for parsing.

use testigo_core::Error as CoreError;

/// Every failure an app sees from Testigo. Each case is one thing the app does differently; the
/// message says what happened, in English, without personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum TestigoError {
    /// The key does not open this store. Nothing was changed: ask for the right key.
    #[error("the key does not open this store")]
    WrongKey,
    /// The store's files are damaged or incomplete. Nothing was changed or deleted; the app may
    /// offer to wipe the store and enroll again.
    #[error("{0}")]
    StoreDamaged(String),
    /// Another `Store` (in this process or another one) has the directory open.
    #[error("the store is already open elsewhere")]
    StoreInUse,
    /// The store was wiped; every call on this object fails from then on. Open it again.
    #[error("the store was wiped")]
    StoreClosed,
    /// Reading or writing the phone's storage failed (full, or taken away). Try again later.
    #[error("{0}")]
    Storage(String),
    /// The app or the watcher gave something the core refuses: a field the acta lacks, a count or
    /// notes beyond the limits, bytes that are not a usable photo, a QR text that is not this
    /// acta's, a malformed id, a key of the wrong length. Nothing was changed; the message says
    /// what was wrong.
    #[error("{0}")]
    InvalidInput(String),
    /// An election package was refused (malformed, older than the installed one, or for another
    /// election once captures exist). The installed package stays.
    #[error("{0}")]
    PackageRefused(String),
    /// No election package is installed yet: enroll first.
    #[error("no election package is installed")]
    NoPackage,
    /// The station is not in the package or not assigned to this watcher, or the contest is
    /// not in the package.
    #[error("{0}")]
    NotAssigned(String),
    /// No capture with this id, or no photo on that page.
    #[error("{0}")]
    NotFound(String),
    /// The capture is sealed and can no longer change: correct it with `supersede`.
    #[error("the capture is sealed and cannot change")]
    NotDraft,
    /// This capture cannot be corrected (it is a draft, or it is already superseded).
    #[error("{0}")]
    CannotSupersede(String),
    /// The signer given at open is not the key this store was created with.
    #[error("the signer's key is not this store's device key")]
    DeviceKeyMismatch,
    /// The app's signer failed, or its signature does not verify.
    #[error("{0}")]
    SignerFailed(String),
    /// The network failed (no connection, timeout, broken connection). Try again later.
    #[error("{0}")]
    Network(String),
    /// The operation was cancelled with its `CancelToken`.
    #[error("cancelled")]
    Cancelled,
    /// The server refused the enrollment; the message ends with the server's stable code
    /// (`code_invalid`, `code_used`, `device_exists`, `rate_limited`, …).
    #[error("{0}")]
    EnrollmentRefused(String),
    /// The address does not lead to a usable Testigo server.
    #[error("{0}")]
    InvalidServer(String),
    /// A bug in Testigo, not a problem with the store or the input. Nothing was changed and the
    /// store is sound: do not offer a wipe; log the message and report it.
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for TestigoError {
    fn from(err: CoreError) -> Self {
        let message = err.to_string();
        match err {
            CoreError::WrongKey => TestigoError::WrongKey,
            CoreError::Corrupt(_) | CoreError::PhotoDamaged(_) => TestigoError::StoreDamaged(message),
            CoreError::InUse => TestigoError::StoreInUse,
            CoreError::Io(_) | CoreError::Sqlite(_) => TestigoError::Storage(message),
            CoreError::InvalidPackage(_)
            | CoreError::PackageJson(_)
            | CoreError::StalePackage { .. }
            | CoreError::ConflictingPackage(_)
            | CoreError::OtherElection => TestigoError::PackageRefused(message),
            CoreError::NoPackage => TestigoError::NoPackage,
            CoreError::UnknownStation(_)
            | CoreError::StationNotAssigned(_)
            | CoreError::UnknownContest(_) => TestigoError::NotAssigned(message),
            CoreError::UnknownField(_)
            | CoreError::CountTooLarge { .. }
            | CoreError::NotesTooLong { .. }
            | CoreError::NotAnImage(_)
            | CoreError::PhotoTooLarge(_)
            | CoreError::QrUnreadable(_)
            | CoreError::TooManyPages(_)
            | CoreError::CannotSend(_)
            | CoreError::WeakMasterKey => TestigoError::InvalidInput(message),
            CoreError::NoSuchCapture | CoreError::NoSuchPage(_) | CoreError::NoSuchPhoto => {
                TestigoError::NotFound(message)
            }
            CoreError::NotDraft => TestigoError::NotDraft,
            CoreError::CannotSupersede(_) | CoreError::AlreadySuperseded => {
                TestigoError::CannotSupersede(message)
            }
            CoreError::DeviceKeyMismatch => TestigoError::DeviceKeyMismatch,
            CoreError::Signer(_) => TestigoError::SignerFailed(message),
            CoreError::Network(_) => TestigoError::Network(message),
            CoreError::Cancelled => TestigoError::Cancelled,
            CoreError::EnrollmentRefused(_) => TestigoError::EnrollmentRefused(message),
            CoreError::InvalidServer(_) => TestigoError::InvalidServer(message),
            CoreError::Internal(_) => TestigoError::Internal(message),
        }
    }
}

/// Why the app's `Signer` could not answer (the key store is locked, the user did not
/// authenticate, the key is gone). The message reaches logs: no personal data in it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SignerError {
    /// The platform key store failed or refused.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

// Anything else the app's signer throws arrives here; the seal then fails with `SignerFailed`.
impl From<uniffi::UnexpectedUniFFICallbackError> for SignerError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SignerError::Failed { reason: err.reason }
    }
}

impl From<SignerError> for testigo_core::SignerError {
    fn from(err: SignerError) -> Self {
        testigo_core::SignerError(err.to_string())
    }
}

/// The app's `SyncObserver` failed. A sync never stops for it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ObserverError {
    /// The observer failed.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

// Anything the app's observer throws arrives here instead of unwinding into the sync engine.
impl From<uniffi::UnexpectedUniFFICallbackError> for ObserverError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ObserverError::Failed { reason: err.reason }
    }
}
