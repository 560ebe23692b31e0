//! [`Store`]: the phone's store, the app's single door to the core.
//!
//! Every method is one call into [`testigo_core::Store`]; the work, the checks and the
//! guarantees are there. Calls block and are thread-safe: the app calls them from background
//! threads (WorkManager, BGTaskScheduler) and may run a sync on one thread while the watcher edits
//! a draft on another.
//!
//! Ids cross as text: a capture id is a UUID string, a photo is named by the 64-character hex
//! SHA-256 of its stored bytes. They are parsed here, so that a malformed id is an
//! `InvalidInput` error like any other bad input rather than a failure to lift the argument.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use testigo_core::protocol::qr::QrCounts;
use testigo_core::protocol::{ElectionPackage, PhotoRef, Sha256, SignedCapture};
use testigo_core::{
    Capture, CaptureSummary, DeviceInfo, Enrollment, OpenOptions, OutboxItem, PackageInstall, Review,
    StationStatus, StoredReceipt, SyncOptions, SyncReport, Uuid,
};
use zeroize::Zeroizing;

use crate::error::TestigoError;
use crate::signer::{PlatformSigner, Signer};
use crate::sync::{CancelToken, PlatformObserver, SyncObserver, SyncObserverHandle, token};

type Result<T, E = TestigoError> = std::result::Result<T, E>;

/// The watcher's store: one directory, encrypted at rest with the app's 32-byte master key. Open
/// it once and share it; every method blocks and may be called from any thread.
#[derive(uniffi::Object)]
pub struct Store {
    // The core's `wipe` consumes the store, so the store sits in a slot that `wipe` empties: calls
    // made after it fail with `StoreClosed`. Each call holds its own `Arc` while it runs.
    inner: RwLock<Option<Arc<testigo_core::Store>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store(..)")
    }
}

impl Store {
    /// The open core store, or `StoreClosed` once wiped.
    fn store(&self) -> Result<Arc<testigo_core::Store>> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or(TestigoError::StoreClosed)
    }
}

/// A capture id from its text.
fn capture_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| TestigoError::InvalidInput("not a capture id (a UUID)".into()))
}

/// A photo's SHA-256 from its hex text.
fn photo_sha(text: &str) -> Result<Sha256> {
    text.parse()
        .map_err(|e: testigo_core::protocol::Sha256ParseError| TestigoError::InvalidInput(e.to_string()))
}

/// The app's master key: exactly 32 bytes (256 bits), generated at random once and kept wrapped
/// by the platform key store. Shorter keys, and keys of one repeated byte, are refused.
fn master_key(key: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let key: [u8; 32] =
        key.try_into().map_err(|_| TestigoError::InvalidInput("the store key must be 32 bytes".into()))?;
    Ok(Zeroizing::new(key))
}

#[uniffi::export]
impl Store {
    /// Opens (or creates) the store in `dir` with the app's 32-byte master `key`.
    ///
    /// The key must be 32 random bytes (256 bits) made once by a secure random generator and kept
    /// wrapped by the platform key store (Android Keystore, the iOS Keychain with the Secure
    /// Enclave); everything the store encrypts rests on it. A key of another length, or of one
    /// repeated byte, is refused with `InvalidInput` and nothing is created. Never derive it
    /// from a PIN or password, and never write it to app files or logs.
    ///
    /// With a `signer`, the device key is the app's (Android Keystore, Secure Enclave), and the
    /// same signer must be passed at every open; without one, the core keeps a software key in
    /// the encrypted store. A wrong key fails with `WrongKey` and a damaged store with
    /// `StoreDamaged`; in both cases nothing on disk changes.
    ///
    /// The server must be reached over `https://`; plain `http://` is accepted only on this
    /// device's loopback, or everywhere with `allow_insecure_http` (for a rehearsal on a LAN,
    /// never on election day: anyone on the path could read the token and change the answers).
    #[uniffi::constructor(default(signer = None, allow_insecure_http = false))]
    pub fn open(
        dir: String,
        key: Vec<u8>,
        signer: Option<Arc<dyn Signer>>,
        allow_insecure_http: bool,
    ) -> Result<Self> {
        let options = OpenOptions {
            signer: signer.map(|s| Arc::new(PlatformSigner(s)) as Arc<dyn testigo_core::Signer>),
            allow_insecure_http,
            ..OpenOptions::default()
        };
        let key = master_key(&Zeroizing::new(key))?;
        let store = testigo_core::Store::open_with(dir, &key, options)?;
        Ok(Store { inner: RwLock::new(Some(Arc::new(store))) })
    }

    /// The device identity: its public key, key id, and whether the key is the store's own.
    pub fn device(&self) -> Result<DeviceInfo> {
        Ok(self.store()?.device().clone())
    }

    /// Enrolls with the server at `server_url` using a one-time `code` (see
    /// `parse_enrollment_uri` for the QR code), then installs the election package. The same
    /// code may be used again by this phone if the answer was lost. Success means the enrollment
    /// is saved; if the package could not be fetched (`package()` is still empty), the next sync
    /// fetches it. An error means nothing was saved.
    #[uniffi::method(default(cancel = None))]
    pub fn enroll(
        &self,
        server_url: String,
        code: String,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Enrollment> {
        Ok(self.store()?.enroll(&server_url, &code, &token(cancel))?)
    }

    /// `enroll` with the server's TLS key pins from the scanned QR code (`EnrollmentUri.tlsPins`):
    /// from then on the phone talks only to a server holding one of those keys, whatever
    /// certificate authorities vouch for. No pins: the same as `enroll`.
    #[uniffi::method(default(cancel = None))]
    pub fn enroll_pinned(
        &self,
        server_url: String,
        code: String,
        tls_pins: Vec<String>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Enrollment> {
        Ok(self.store()?.enroll_pinned(&server_url, &code, &tls_pins, &token(cancel))?)
    }

    /// The enrollment, if this phone is enrolled.
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        Ok(self.store()?.enrollment()?)
    }

    /// Installs or updates an election package from its JSON (a side-loaded package; enrolled
    /// phones get theirs from the server).
    pub fn install_package_json(&self, json: Vec<u8>) -> Result<PackageInstall> {
        Ok(self.store()?.install_package_json(&json)?)
    }

    /// The installed election package, if any.
    pub fn election_package(&self) -> Result<Option<ElectionPackage>> {
        Ok(self.store()?.package()?)
    }

    /// The watcher's stations in package order, each with the reporting status of its latest
    /// capture.
    pub fn stations(&self) -> Result<Vec<StationStatus>> {
        Ok(self.store()?.stations()?)
    }

    /// Starts a draft capture of `contest_id`'s acta at `station_id`; returns its id.
    pub fn new_capture(&self, station_id: String, contest_id: String) -> Result<Uuid> {
        Ok(self.store()?.new_capture(&station_id, &contest_id)?)
    }

    /// Sets (or, with `null`, clears) one count of a draft: a ballot option or an extra field.
    pub fn set_count(&self, capture_id: String, field: String, value: Option<u32>) -> Result<()> {
        Ok(self.store()?.set_count(self::capture_id(&capture_id)?, &field, value)?)
    }

    /// Sets several counts of a draft at once (`null` clears one); all or nothing.
    pub fn set_counts(&self, capture_id: String, values: HashMap<String, Option<u32>>) -> Result<()> {
        Ok(self.store()?.set_counts(self::capture_id(&capture_id)?, &values.into_iter().collect())?)
    }

    /// Replaces a draft's notes.
    pub fn set_notes(&self, capture_id: String, notes: String) -> Result<()> {
        Ok(self.store()?.set_notes(self::capture_id(&capture_id)?, &notes)?)
    }

    /// Adds a photo of the acta (the camera's JPEG or PNG bytes) to a draft as its next page.
    /// The photo is turned upright, stripped of all metadata, downsized and re-encoded; the
    /// reference keeps the SHA-256 of the original and of the stored photo. Bytes that are not a
    /// usable photo fail with `InvalidInput` and change nothing. A QR code found on the acta is
    /// kept with the draft (see `qr_counts`).
    pub fn attach_photo(&self, capture_id: String, photo: Vec<u8>) -> Result<PhotoRef> {
        Ok(self.store()?.attach_photo(self::capture_id(&capture_id)?, &photo)?)
    }

    /// Removes a draft's photo on `page` (from 1); later pages move up by one.
    pub fn remove_photo(&self, capture_id: String, page: u32) -> Result<()> {
        Ok(self.store()?.remove_photo(self::capture_id(&capture_id)?, page)?)
    }

    /// Sets (or clears) the text of the acta's QR code, e.g. from the app's own scanner. Text
    /// that does not read as this contest's acta fails with `InvalidInput`.
    pub fn set_qr_payload(&self, capture_id: String, payload: Option<String>) -> Result<()> {
        Ok(self.store()?.set_qr_payload(self::capture_id(&capture_id)?, payload.as_deref())?)
    }

    /// The numbers read from the capture's QR code, to prefill the form; `null` when no code was
    /// read. Typed numbers that differ are flagged `QR_MISMATCH` in the capture's warnings.
    pub fn qr_counts(&self, capture_id: String) -> Result<Option<QrCounts>> {
        Ok(self.store()?.qr_counts(self::capture_id(&capture_id)?)?)
    }

    /// The thumbnail (JPEG) of a stored photo, for list screens.
    pub fn thumbnail(&self, sha256: String) -> Result<Option<Vec<u8>>> {
        Ok(self.store()?.thumbnail(&photo_sha(&sha256)?)?)
    }

    /// A stored photo's bytes (JPEG), decrypted and checked against its hash.
    pub fn read_photo(&self, sha256: String) -> Result<Vec<u8>> {
        Ok(self.store()?.read_photo(&photo_sha(&sha256)?)?)
    }

    /// Deletes a draft and its photos. A sealed capture cannot be discarded (`NotDraft`).
    pub fn discard(&self, capture_id: String) -> Result<()> {
        Ok(self.store()?.discard(self::capture_id(&capture_id)?)?)
    }

    /// A capture in full, with its validation warnings (for a draft, the ones it would be sealed
    /// with now).
    pub fn capture(&self, capture_id: String) -> Result<Capture> {
        Ok(self.store()?.capture(self::capture_id(&capture_id)?)?)
    }

    /// Every capture, newest first.
    pub fn captures(&self) -> Result<Vec<CaptureSummary>> {
        Ok(self.store()?.captures()?)
    }

    /// Seals a draft: signs its record with the device key and queues the record and its photos
    /// for sending, in one step. Warnings never stop a seal; they travel in the signed record.
    pub fn seal(&self, capture_id: String) -> Result<SignedCapture> {
        Ok(self.store()?.seal(self::capture_id(&capture_id)?)?)
    }

    /// Starts a correction of a sealed capture: a new draft with the same numbers, notes and
    /// photos, which supersedes the old one once sealed. Returns the new draft's id.
    pub fn supersede(&self, capture_id: String) -> Result<Uuid> {
        Ok(self.store()?.supersede(self::capture_id(&capture_id)?)?)
    }

    /// Every outbox item in sending order: what waits, what was delivered, what was parked and
    /// why.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.store()?.outbox()?)
    }

    /// When there is no data link: the SMS texts (each at most 160 GSM-7 characters) that carry
    /// the sealed capture's signed record whole, in order. Send each as one SMS to the
    /// coordinators' number (Android `SmsManager.sendTextMessage`), then call `smsSent`.
    pub fn sms_for(&self, capture_id: String) -> Result<Vec<String>> {
        Ok(self.store()?.sms_for(self::capture_id(&capture_id)?)?)
    }

    /// Notes that the capture's SMS went out. The record stays pending until a receipt arrives
    /// (over HTTP at the next sync, or by SMS through `acceptSmsReceipt`).
    pub fn sms_sent(&self, capture_id: String) -> Result<()> {
        Ok(self.store()?.sms_sent(self::capture_id(&capture_id)?)?)
    }

    /// Hands over an SMS from the coordinators' number. If it is the verified receipt of a record
    /// sent by SMS, the record is delivered and its capture id returned; otherwise `null`.
    pub fn accept_sms_receipt(&self, text: String) -> Result<Option<Uuid>> {
        Ok(self.store()?.accept_sms_receipt(&text)?)
    }

    /// When there is no link at all: everything still waiting to be sent, sealed in one file to
    /// the coordinators (only they can open it) and signed by this phone. Write the bytes to a
    /// file to share with a runner or copy to a stick; the items stay pending until their
    /// receipts arrive.
    pub fn export_bundle(&self) -> Result<Vec<u8>> {
        Ok(self.store()?.export_bundle()?)
    }

    /// On a runner's phone: takes another watcher's bundle to carry to the coordinators (the
    /// next sync forwards it). Returns its SHA-256 in hex.
    pub fn carry_bundle(&self, bytes: Vec<u8>) -> Result<String> {
        Ok(self.store()?.carry_bundle(&bytes)?.to_hex())
    }

    /// The bundles this phone carries or carried for others, newest first.
    pub fn carried_bundles(&self) -> Result<Vec<testigo_core::CarriedBundle>> {
        Ok(self.store()?.carried_bundles()?)
    }

    /// The bytes of a bundle this phone still carries, to hand to another runner.
    pub fn carried_bundle_bytes(&self, sha256: String) -> Result<Vec<u8>> {
        Ok(self.store()?.carried_bundle_bytes(&photo_sha(&sha256)?)?)
    }

    /// How many outbox items wait to be sent.
    pub fn pending_count(&self) -> Result<u32> {
        Ok(self.store()?.pending_count()?)
    }

    /// The server's signed receipts this phone holds (each verified with the server's key before
    /// it was kept), for one capture or, with `null`, all.
    #[uniffi::method(default(capture_id = None))]
    pub fn receipts(&self, capture_id: Option<String>) -> Result<Vec<StoredReceipt>> {
        Ok(self.store()?.receipts(capture_id.as_deref().map(self::capture_id).transpose()?)?)
    }

    /// The coordinators' review of a capture, once it has been reviewed.
    pub fn review(&self, capture_id: String) -> Result<Option<Review>> {
        Ok(self.store()?.review(self::capture_id(&capture_id)?)?)
    }

    /// Puts a capture's parked items back in the queue (the watcher chose to try again);
    /// returns how many.
    pub fn retry_parked(&self, capture_id: String) -> Result<u64> {
        Ok(self.store()?.retry_parked(self::capture_id(&capture_id)?)? as u64)
    }

    /// Runs the sync engine once: records first, then review states and package updates, then
    /// photos. Returns whatever the network did (the report says how the run ended and when to
    /// run again); fails only on local problems. `options` `null` means the defaults (respect
    /// back-off, at most nine minutes); `cancel` stops the run from another thread.
    #[uniffi::method(default(options = None, cancel = None))]
    pub fn sync(&self, options: Option<SyncOptions>, cancel: Option<Arc<CancelToken>>) -> Result<SyncReport> {
        Ok(self.store()?.sync(&options.unwrap_or_default(), &token(cancel))?)
    }

    /// Registers an observer of sync progress. It is called until the returned handle is
    /// destroyed or unregistered: keep the handle as long as the screen that shows progress.
    pub fn observe_sync(&self, observer: Arc<dyn SyncObserver>) -> Result<Arc<SyncObserverHandle>> {
        Ok(Arc::new(SyncObserverHandle::new(
            self.store()?.observe_sync(Arc::new(PlatformObserver(observer))),
        )))
    }

    /// Checks the database file; fails with `StoreDamaged` if it is not sound.
    pub fn integrity_check(&self) -> Result<()> {
        Ok(self.store()?.integrity_check()?)
    }

    /// The panic wipe: destroys the keys, the database and the photos; nothing in the store can
    /// be read afterwards, and every later call on this object fails with `StoreClosed`. The app
    /// must also delete its master key from the platform key store.
    ///
    /// Calls already running on other threads finish first: cancel a running sync (its
    /// `CancelToken`) before wiping, and the wipe follows at once.
    pub fn wipe(&self) -> Result<()> {
        let mut store = self
            .inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or(TestigoError::StoreClosed)?;
        // No call can start any more; wait for the running ones to drop their share.
        loop {
            match Arc::try_unwrap(store) {
                Ok(owned) => return Ok(owned.wipe()?),
                Err(shared) => store = shared,
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Reads the text of an enrollment QR code (`testigo:enroll?code=…[&server=…]`); `null` if the
/// text is not one.
#[uniffi::export]
pub fn parse_enrollment_uri(text: String) -> Option<testigo_core::sync::EnrollmentUri> {
    testigo_core::sync::parse_enrollment_uri(&text)
}

/// Whether `receipt` was signed by `server_key` (an `Enrollment`'s `server_key`): what anyone a
/// watcher shows a receipt to can check, without the watcher's phone or the server.
#[uniffi::export]
pub fn receipt_verifies(
    receipt: testigo_protocol::SignedReceipt,
    server_key: testigo_protocol::PublicKey,
) -> bool {
    receipt.verify(&server_key).is_ok()
}

/// Destroys whatever store is in `dir` without opening it: for when the master key is lost or
/// the store is damaged. Files that are not the store's are left alone. The store must not be
/// open.
#[uniffi::export]
pub fn wipe_store_dir(dir: String) -> Result<()> {
    Ok(testigo_core::Store::wipe_dir(dir)?)
}
