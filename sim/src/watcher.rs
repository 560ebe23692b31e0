//! Simulated watchers: each one a real phone core ([`testigo_core::Store`] in its own directory)
//! doing what a watcher does at the end of the count.
//!
//! For each of its stations a watcher photographs the acta (a synthetic acta rendered from the
//! station's truth and turned into a phone photo), types the numbers — sometimes with a slip of
//! the finger ([`Mistake`]) — seals the capture, and syncs over whatever link it has. Everything
//! goes through the core's public API, exactly as an app would drive it.

use std::collections::BTreeMap;
use std::path::Path;

use testigo_core::{CancelToken, Store, SyncReport};
use uuid::Uuid;

use testigo_testkit::sample::{CONTEST_ID, SampleElection, acta_counts};
use testigo_testkit::{ActaError, ActaSpec, PhotoSpec, Rng, phone_photo, render_page};

/// A typing mistake the watcher made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mistake {
    /// A ballot option's count typed wrong (`typed` instead of `truth`).
    WrongCount {
        /// The option id.
        field: String,
        /// What the acta says.
        truth: u32,
        /// What was typed.
        typed: u32,
    },
}

/// How a watcher captures.
#[derive(Debug, Clone)]
pub struct CaptureStyle {
    /// Chance of a typing mistake on an acta.
    pub mistake_rate: f64,
    /// The camera's frame (long edge × short edge) and JPEG quality; smaller is faster to make.
    pub photo_size: (u32, u32),
    /// JPEG quality of the camera.
    pub photo_quality: u8,
    /// Whether to attach a photo at all.
    pub photos: bool,
}

impl Default for CaptureStyle {
    fn default() -> Self {
        CaptureStyle { mistake_rate: 0.1, photo_size: (1600, 1200), photo_quality: 88, photos: true }
    }
}

/// What a watcher captured at one station, with the truth.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The capture's id.
    pub capture_id: Uuid,
    /// The station's index in the election.
    pub station_index: usize,
    /// The mistake typed, if any.
    pub mistake: Option<Mistake>,
    /// Whether the acta carried a QR code.
    pub has_qr: bool,
    /// Whether the core read the QR code from the photo.
    pub qr_read: bool,
    /// Warnings the core raised at sealing (stable codes).
    pub warnings: Vec<String>,
    /// Photo bytes prepared and stored (after the pipeline).
    pub photo_bytes: u64,
}

/// What a careful capture ([`Watcher::capture_checked`]) went through.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The mistake typed, if any.
    pub mistake: Option<Mistake>,
    /// Whether the core's warnings showed the mistake.
    pub mistake_flagged: bool,
    /// Whether it was corrected by a superseding capture (after sealing).
    pub corrected_after_sealing: bool,
    /// Whether the acta carries a QR code.
    pub has_qr: bool,
    /// Whether the phone read it from the photo.
    pub qr_read: bool,
}

/// A simulated watcher.
pub struct Watcher {
    /// The phone's store.
    pub store: Store,
    seed: u64,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Watcher({:?})", self.store.device().key_id)
    }
}

/// A drafted capture, its numbers typed, not yet sealed.
struct Draft {
    id: Uuid,
    /// The acta's numbers as printed.
    right: BTreeMap<String, Option<u32>>,
    mistake: Option<Mistake>,
    has_qr: bool,
    qr_read: bool,
    photo_bytes: u64,
}

/// The camera JPEG of an acta, as a phone in the field would take it.
pub fn acta_photo(spec: &ActaSpec, seed: u64, size: (u32, u32), quality: u8) -> Result<Vec<u8>, ActaError> {
    let page = render_page(spec, seed)?;
    let random = PhotoSpec::random(seed);
    let (w, h) = if random.width >= random.height { size } else { (size.1, size.0) };
    let photo = PhotoSpec { width: w, height: h, quality, ..random };
    phone_photo(&page, &photo, seed)
}

/// The store key of the watcher with this seed (an app keeps its key in the platform keystore;
/// simulated watchers derive theirs from their seed).
pub fn store_key(seed: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    let mut rng = Rng::stream(seed, 0x3A7C);
    for b in key.iter_mut() {
        *b = rng.int(0, 255) as u8;
    }
    key
}

impl Watcher {
    /// Opens (or creates) the watcher's phone store in `dir`.
    pub fn open(dir: &Path, seed: u64) -> Result<Watcher, testigo_core::Error> {
        Ok(Watcher { store: Store::open(dir, &store_key(seed))?, seed })
    }

    /// Enrolls with the server through `url` using `code`.
    pub fn enroll(&self, url: &str, code: &str) -> Result<(), testigo_core::Error> {
        self.store.enroll(url, code, &CancelToken::new()).map(|_| ())
    }

    /// Drafts station `index`'s acta: photo, then the numbers as typed (maybe with a mistake).
    fn draft(
        &self,
        election: &SampleElection,
        index: usize,
        style: &CaptureStyle,
    ) -> Result<Draft, Box<dyn std::error::Error + Send + Sync>> {
        let spec = election.acta(index).ok_or("no such station")?;
        let station = election.package.stations.get(index).ok_or("no such station")?;
        let mut rng = Rng::stream(self.seed ^ index as u64, 0xCA97);
        let id = self.store.new_capture(&station.id, CONTEST_ID)?;
        let mut photo_bytes = 0;
        let mut qr_read = false;
        if style.photos {
            let jpeg = acta_photo(&spec, election.acta_seed(index), style.photo_size, style.photo_quality)?;
            let photo = self.store.attach_photo(id, &jpeg)?;
            photo_bytes = photo.size;
            qr_read = self.store.capture(id)?.qr_payload.is_some();
        }
        let truth = acta_counts(&spec);
        let right: BTreeMap<String, Option<u32>> =
            truth.counts.iter().chain(&truth.extra).map(|(k, v)| (k.clone(), Some(*v))).collect();
        let mut typed = right.clone();
        let mistake = if rng.chance(style.mistake_rate) {
            // A slip on a busy row: a digit dropped, doubled or mistyped.
            let (field, value) = truth
                .counts
                .iter()
                .max_by_key(|(_, v)| **v)
                .map(|(k, v)| (k.clone(), *v))
                .ok_or("the acta has no options")?;
            let wrong = match rng.int(0, 2) {
                0 => value / 10,
                1 => value.saturating_mul(10).min(testigo_core::validation::MAX_COUNT),
                _ => value + 1 + rng.int(0, 8),
            };
            let wrong = if wrong == value { value + 1 } else { wrong };
            typed.insert(field.clone(), Some(wrong));
            Some(Mistake::WrongCount { field, truth: value, typed: wrong })
        } else {
            None
        };
        self.store.set_counts(id, &typed)?;
        Ok(Draft { id, right, mistake, has_qr: spec.qr_payload.is_some(), qr_read, photo_bytes })
    }

    /// Captures station `index`'s acta: photo, numbers (maybe with a mistake), seal.
    pub fn capture(
        &self,
        election: &SampleElection,
        index: usize,
        style: &CaptureStyle,
    ) -> Result<Captured, Box<dyn std::error::Error + Send + Sync>> {
        let d = self.draft(election, index, style)?;
        let signed = self.store.seal(d.id)?;
        Ok(Captured {
            capture_id: d.id,
            station_index: index,
            mistake: d.mistake,
            has_qr: d.has_qr,
            qr_read: d.qr_read,
            warnings: signed.record.warnings.iter().map(|w| w.code.as_str().to_owned()).collect(),
            photo_bytes: d.photo_bytes,
        })
    }

    /// Captures station `index`'s acta as a careful watcher does: if the numbers typed raise a
    /// sum or QR warning, the watcher re-reads the acta and corrects them — in the draft, before
    /// sealing (`check_before_sealing`), or after sealing, with a correction that supersedes the
    /// sealed capture.
    pub fn capture_checked(
        &self,
        election: &SampleElection,
        index: usize,
        style: &CaptureStyle,
        check_before_sealing: bool,
    ) -> Result<Checked, Box<dyn std::error::Error + Send + Sync>> {
        let Draft { id, right, mistake, has_qr, qr_read, .. } = self.draft(election, index, style)?;
        let alarming = |codes: &[testigo_core::protocol::Warning]| {
            codes.iter().any(|w| matches!(w.code.as_str(), "sum_mismatch" | "qr_mismatch"))
        };
        let mut flagged = false;
        let mut corrected_after_sealing = false;
        if check_before_sealing {
            if alarming(&self.store.capture(id)?.warnings) {
                flagged = mistake.is_some();
                self.store.set_counts(id, &right)?;
            }
            self.store.seal(id)?;
        } else {
            let signed = self.store.seal(id)?;
            if alarming(&signed.record.warnings) {
                flagged = mistake.is_some();
                let correction = self.store.supersede(id)?;
                self.store.set_counts(correction, &right)?;
                self.store.seal(correction)?;
                corrected_after_sealing = true;
            }
        }
        Ok(Checked { mistake, mistake_flagged: flagged, corrected_after_sealing, has_qr, qr_read })
    }

    /// Syncs until everything is delivered, the deadline passes, or `cancel` fires.
    pub fn sync(
        &self,
        deadline: std::time::Duration,
        cancel: &CancelToken,
    ) -> Result<SyncReport, testigo_core::Error> {
        self.store.sync_until_idle(deadline, cancel)
    }
}
