//! [`Store`]: the phone's single entry point to everything it keeps.
//!
//! One directory holds one store:
//!
//! ```text
//! <dir>/store.key        salt + key check (see crate::crypto)
//! <dir>/testigo.db       SQLCipher database (+ -wal, -shm while open)
//! <dir>/photos/*.tgp     encrypted photo files, named by a keyed hash of their SHA-256
//! <dir>/photos/tmp/      photo files being written (removed at open)
//! <dir>/.lock            held while a Store has the directory open
//! ```
//!
//! SQLite runs in WAL mode with one writer connection and one reader connection, each behind a
//! mutex: writes are serialized, and reads (list screens, the sync engine) never wait for them.
//! Every change goes through [`in_transaction`], which commits only when its closure returns
//! `Ok`: by [`Store::write`], or directly on the writer connection where the lock must be held
//! across file I/O too (attaching a photo, sealing). Functions that change data take the
//! `&Transaction` it hands them and readers a `&Connection`, so the types keep the two apart.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use testigo_protocol::{KeyId, PublicKey, Sha256};

use crate::crypto::{StoreKeys, sync_dir};
use crate::error::{Error, Result};
use crate::schema;
use crate::signer::{Signer, SoftwareSigner};

const DB_FILE: &str = "testigo.db";
pub(crate) const PHOTO_DIR: &str = "photos";
pub(crate) const PHOTO_TMP_DIR: &str = "tmp";
const LOCK_FILE: &str = ".lock";

/// How to open a store.
#[derive(Default, Clone)]
pub struct OpenOptions {
    /// The device key's signer. `None` uses the software key kept in the store (created on
    /// first open). An app that keeps its key in hardware passes its own signer every time.
    pub signer: Option<Arc<dyn Signer>>,
    /// How attached photos are prepared (size, quality, QR search).
    pub photo: crate::photo::PhotoOptions,
    /// How the sync engine reaches the server. `None` uses HTTP ([`crate::sync::HttpTransport`]).
    pub transport: Option<Arc<dyn crate::sync::Transport>>,
    /// Accept a plain `http://` server address that is not this device's loopback: for
    /// rehearsals on a LAN only. Without it enrollment requires `https://`, so that nobody on the
    /// path reads the token or changes the answers.
    pub allow_insecure_http: bool,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions").field("signer", &self.signer.as_ref().map(|_| "..")).finish()
    }
}

/// The device's identity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceInfo {
    /// The device's public key.
    pub public_key: PublicKey,
    /// Its id, as written in every capture record.
    pub key_id: KeyId,
    /// Whether the private key is the store's own software key (false: the app's signer).
    pub software_key: bool,
}

/// The phone's local store. Cheap to share between threads (`Arc<Store>`); every method blocks.
pub struct Store {
    pub(crate) dir: PathBuf,
    pub(crate) keys: StoreKeys,
    // Field order is drop order: the reader closes first so that the writer, closing last,
    // checkpoints the WAL into the database file (a read-only connection cannot).
    pub(crate) reader: Mutex<Connection>,
    pub(crate) writer: Mutex<Connection>,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) device: DeviceInfo,
    pub(crate) photo_options: crate::photo::PhotoOptions,
    /// Syncing's in-memory state (transport, observers, the run lock, the learned link).
    pub(crate) engine: crate::sync::Engine,
    /// See [`OpenOptions::allow_insecure_http`].
    pub(crate) allow_insecure_http: bool,
    pub(crate) _lock: fs::File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("device", &self.device.key_id).finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch, by the phone's clock.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Store {
    /// Opens (or creates) the store in `dir` with the app's 32-byte master key.
    ///
    /// A wrong key gives [`Error::WrongKey`] and a damaged store [`Error::Corrupt`]; in both
    /// cases nothing on disk is changed. Photo files left half-written by a crash, and photo files
    /// no capture refers to, are removed.
    pub fn open(dir: impl AsRef<Path>, key: &[u8; 32]) -> Result<Store> {
        Store::open_with(dir, key, OpenOptions::default())
    }

    /// [`Store::open`] with options (an external signer).
    pub fn open_with(dir: impl AsRef<Path>, key: &[u8; 32], options: OpenOptions) -> Result<Store> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(dir.join(PHOTO_DIR).join(PHOTO_TMP_DIR))?;
        let lock =
            fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(LOCK_FILE))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(Error::InUse),
            Err(fs::TryLockError::Error(e)) => return Err(e.into()),
        }

        let db_path = dir.join(DB_FILE);
        let keys = StoreKeys::load_or_create(&dir, key, db_path.exists())?;
        let mut writer = open_connection(&db_path, &keys, false)?;
        in_transaction(&mut writer, schema::migrate)?;
        let (signer, device) = in_transaction(&mut writer, |tx| load_device(tx, options.signer))?;
        let reader = open_connection(&db_path, &keys, true)?;
        let store = Store {
            dir,
            keys,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            signer,
            device,
            photo_options: options.photo,
            engine: crate::sync::Engine::new(options.transport),
            allow_insecure_http: options.allow_insecure_http,
            _lock: lock,
        };
        store.clean_photo_dir()?;
        Ok(store)
    }

    /// The device identity.
    pub fn device(&self) -> &DeviceInfo {
        &self.device
    }

    /// The directory this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `f` in an immediate write transaction, committing only if it returns `Ok`.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        in_transaction(&mut self.writer_conn(), f)
    }

    /// The writer connection, for operations that must hold the write lock across file I/O and
    /// a transaction (attaching a photo, sealing); they change data through [`in_transaction`].
    pub(crate) fn writer_conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves at worst an open transaction, which rusqlite rolls
        // back on drop; the connection itself stays usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the read-only connection (a consistent WAL snapshot per statement).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn)
    }

    pub(crate) fn photo_dir(&self) -> PathBuf {
        self.dir.join(PHOTO_DIR)
    }

    pub(crate) fn photo_path(&self, sha: &Sha256) -> PathBuf {
        self.photo_dir().join(self.keys.photo_file_name(sha))
    }

    /// Removes temporary photo files and photo files that no row refers to. Runs at open, before
    /// any other work, under the directory lock.
    fn clean_photo_dir(&self) -> Result<()> {
        let tmp = self.photo_dir().join(PHOTO_TMP_DIR);
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
            }
        }
        let known: std::collections::HashSet<String> = self.read(|c| {
            let mut stmt = c.prepare("SELECT sha256 FROM photos")?;
            let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
            let mut names = std::collections::HashSet::new();
            for sha in rows {
                let sha = Sha256::from_slice(&sha?).map_err(|_| Error::Corrupt("bad photo hash".into()))?;
                names.insert(self.keys.photo_file_name(&sha));
            }
            Ok(names)
        })?;
        let mut removed = false;
        for entry in fs::read_dir(self.photo_dir())? {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            let name = entry.file_name();
            if !known.contains(name.to_string_lossy().as_ref()) {
                fs::remove_file(entry.path())?;
                removed = true;
            }
        }
        if removed {
            sync_dir(&self.photo_dir())?;
        }
        Ok(())
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(())` when the database is sound.
    pub fn integrity_check(&self) -> Result<()> {
        self.read(|c| {
            let result: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if result == "ok" { Ok(()) } else { Err(Error::Corrupt("integrity check failed".into())) }
        })
    }
}

/// Runs `f` in an immediate transaction on `conn`, committing only if it returns `Ok`: on `Err`
/// the transaction is dropped, which rolls it back. Every change to the store goes through here.
pub(crate) fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

fn open_connection(path: &Path, keys: &StoreKeys, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    // The key must be the first statement on the connection. A raw 256-bit key (x'…') skips
    // SQLCipher's passphrase stretching: the key is already random, and opening stays fast.
    conn.execute_batch(keys.sqlcipher_key_statement().as_str())?;
    // The first read decrypts page 1: this is where a wrong key or a damaged file shows.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        // The key file already confirmed the key, so "not a database" means damage.
        Err(e) if Error::is_not_a_database(&e) => {
            return Err(Error::Corrupt("the database cannot be read".into()));
        }
        Err(e) => return Err(e.into()),
    }
    // WAL: readers never block the writer, and a commit is one append to the log, which survives
    // the app being killed at any instant.
    if !read_only {
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Corrupt("the database cannot use WAL mode".into()));
        }
    }
    // FULL: a commit is on the flash before it returns. A sealed acta must survive the battery
    // dying a second after the watcher saw "sealed", not just the app being killed.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Foreign keys keep photos, pages and outbox items tied to existing rows.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Overwrite deleted content (discarded drafts) instead of leaving it in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Temporary tables and sort buffers stay in memory, never in unencrypted temp files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The reader and writer may briefly contend on a checkpoint; wait instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if read_only {
        // Belt and braces: this connection can never write.
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(conn)
}

/// Loads the device row, creating the software key on first open, and checks an external
/// signer against it.
fn load_device(
    tx: &Transaction<'_>,
    external: Option<Arc<dyn Signer>>,
) -> Result<(Arc<dyn Signer>, DeviceInfo)> {
    let row: Option<(Vec<u8>, Option<Vec<u8>>)> = tx
        .query_row("SELECT public_key, secret_key FROM device WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (signer, software): (Arc<dyn Signer>, bool) = match (row, external) {
        (Some((stored_pub, _)), Some(signer)) => {
            let offered = signer.public_key().map_err(|e| Error::Signer(e.0))?;
            let offered =
                PublicKey::from_sec1(&offered).map_err(|_| Error::Signer("bad public key".into()))?;
            if offered.to_sec1() != stored_pub.as_slice() {
                return Err(Error::DeviceKeyMismatch);
            }
            (signer, false)
        }
        (Some((_, Some(secret))), None) => {
            let soft = SoftwareSigner::from_secret(&secret).map_err(|e| Error::Corrupt(e.0))?;
            (Arc::new(soft), true)
        }
        (Some((_, None)), None) => return Err(Error::DeviceKeyMismatch),
        (None, external) => {
            let (signer, secret): (Arc<dyn Signer>, Option<zeroize::Zeroizing<Vec<u8>>>) = match external {
                Some(s) => (s, None),
                None => {
                    let soft = SoftwareSigner::generate();
                    let secret = soft.secret();
                    (Arc::new(soft), Some(secret))
                }
            };
            let public = signer.public_key().map_err(|e| Error::Signer(e.0))?;
            let public = PublicKey::from_sec1(&public).map_err(|_| Error::Signer("bad public key".into()))?;
            tx.execute(
                "INSERT INTO device (id, public_key, key_id, secret_key, created_at_ms) VALUES (1, ?1, ?2, ?3, ?4)",
                rusqlite::params![
                    public.to_sec1(),
                    public.key_id().as_str(),
                    secret.as_ref().map(|s| s.as_slice()),
                    now_ms()
                ],
            )?;
            let software = secret.is_some();
            (signer, software)
        }
    };
    let public = signer.public_key().map_err(|e| Error::Signer(e.0))?;
    let public_key = PublicKey::from_sec1(&public).map_err(|_| Error::Signer("bad public key".into()))?;
    let key_id = public_key.key_id();
    Ok((signer, DeviceInfo { public_key, key_id, software_key: software }))
}
