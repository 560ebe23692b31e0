//! The core's error type.
//!
//! One rich enum for the whole crate: each variant is a case a caller can tell apart, and none
//! carries personal data (no notes, no counts, no file paths with the watcher's name in them).
//! The FFI crate maps these onto its small public enum.

use testigo_protocol::election::PackageError;

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key does not open this store. Nothing was changed.
    #[error("the key does not open this store")]
    WrongKey,
    /// The master key is not one a platform key store makes (all its bytes alike, say a key
    /// of zeros left by a bug): the store's encryption rests on 256 random bits. Nothing was
    /// created or opened.
    #[error("the master key must be 32 random bytes from the platform key store")]
    WeakMasterKey,
    /// The store's files are damaged or incomplete. Nothing was changed or deleted.
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// Another `Store` (in this or another process) has the directory open.
    #[error("the store is already open elsewhere")]
    InUse,
    /// A file-system operation failed.
    #[error("storage I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The election package is inconsistent.
    #[error("invalid election package: {0}")]
    InvalidPackage(#[from] PackageError),
    /// The package could not be read as JSON.
    #[error("election package is not valid JSON: {0}")]
    PackageJson(String),
    /// No election package is installed yet.
    #[error("no election package is installed")]
    NoPackage,
    /// The offered package is older than the installed one.
    #[error("package version {offered} is older than the installed version {installed}")]
    StalePackage {
        /// The installed version.
        installed: u64,
        /// The offered version.
        offered: u64,
    },
    /// A different package with the same version is installed.
    #[error("a different package with version {0} is already installed")]
    ConflictingPackage(u64),
    /// The package is for another election and this store already holds captures.
    #[error("the package is for another election and captures already exist")]
    OtherElection,
    /// The station is not in the election package.
    #[error("unknown station {0:?}")]
    UnknownStation(String),
    /// The station exists but is not assigned to this watcher.
    #[error("station {0:?} is not assigned to this watcher")]
    StationNotAssigned(String),
    /// The contest is not in the election package.
    #[error("unknown contest {0:?}")]
    UnknownContest(String),
    /// The count field or ballot option is not on this contest's acta.
    #[error("unknown count field {0:?}")]
    UnknownField(String),
    /// A count beyond what any table could hold.
    #[error("count for {field:?} is impossibly large ({value})")]
    CountTooLarge {
        /// The field.
        field: String,
        /// The number given.
        value: u32,
    },
    /// The notes exceed the limit.
    #[error("notes are longer than {max} bytes")]
    NotesTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The bytes are not a supported image, or are truncated.
    #[error("not a usable photo: {0}")]
    NotAnImage(&'static str),
    /// The photo exceeds the size or pixel limits.
    #[error("photo exceeds the limit: {0}")]
    PhotoTooLarge(&'static str),
    /// The QR text does not read as this contest's acta.
    #[error("the QR code cannot be read as this acta: {0}")]
    QrUnreadable(String),
    /// The capture already has the maximum number of pages.
    #[error("a capture holds at most {0} photos")]
    TooManyPages(usize),
    /// No capture with this id.
    #[error("no such capture")]
    NoSuchCapture,
    /// The capture has no photo on this page.
    #[error("no photo on page {0}")]
    NoSuchPage(u32),
    /// The capture is sealed; it can only be superseded by a new capture.
    #[error("the capture is sealed and cannot change")]
    NotDraft,
    /// The capture to correct is a draft, or belongs to another station or contest.
    #[error("cannot supersede: {0}")]
    CannotSupersede(&'static str),
    /// Another sealed capture already supersedes that capture.
    #[error("the capture has already been superseded")]
    AlreadySuperseded,
    /// The signer given at open is not the device key this store was created with.
    #[error("the signer's key is not this store's device key")]
    DeviceKeyMismatch,
    /// The signer failed or produced a signature that does not verify.
    #[error("signing failed: {0}")]
    Signer(String),
    /// The store holds no photo with this hash.
    #[error("no such photo")]
    NoSuchPhoto,
    /// A stored photo file is missing or does not match its hash.
    #[error("stored photo {0} is missing or damaged")]
    PhotoDamaged(String),
    /// What was asked cannot go this way (by SMS, in a bundle): not sealed, already delivered,
    /// nothing waiting, not representable, or sealed to other coordinators.
    #[error("cannot send this way: {0}")]
    CannotSend(String),
    /// The network failed (no connection, timeout, broken connection).
    #[error("network: {0}")]
    Network(String),
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The server refused the enrollment; the code is the server's stable problem code
    /// (`code_invalid`, `code_used`, `device_exists`, `rate_limited`, …).
    #[error("enrollment refused: {0}")]
    EnrollmentRefused(String),
    /// The address does not lead to a usable Testigo server.
    #[error("not a usable server: {0}")]
    InvalidServer(String),
    /// A bug in this library, not damage and not bad input: one of its own values could not be
    /// serialized, a key could not be derived, encryption failed. Nothing was changed, and the
    /// store is as sound as before (unlike [`Error::Corrupt`], which is only for what was read
    /// back from disk).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::Internal`] from a failure that only a bug can cause (serializing our own
    /// values, deriving or using a key of the right length).
    pub(crate) fn internal(err: impl std::fmt::Display) -> Error {
        Error::Internal(err.to_string())
    }

    /// True when a SQLite error means "this is not a database (with this key)".
    pub(crate) fn is_not_a_database(err: &rusqlite::Error) -> bool {
        matches!(
            err,
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase
        )
    }
}

impl From<rusqlite::Error> for Error {
    /// Damage found while reading (a page that fails SQLCipher's authentication, a malformed
    /// b-tree) becomes [`Error::Corrupt`]; everything else stays a database error.
    fn from(err: rusqlite::Error) -> Self {
        match &err {
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
                ) =>
            {
                Error::Corrupt("the database is damaged".into())
            }
            _ => Error::Sqlite(err),
        }
    }
}
