//! The capture lifecycle: draft → (counts, photos, notes) → seal → sync.
//!
//! A draft can change freely and be discarded. Sealing builds the [`CaptureRecord`], signs its
//! canonical bytes with the device key and, in one transaction, marks the capture sealed and puts
//! the record and each photo in the outbox. From then on the capture never changes (SQLite
//! triggers enforce it too); a mistake is corrected by a new capture that supersedes it.
//!
//! One file per step, each adding its calls to [`Store`](crate::Store): `draft.rs` starts, edits
//! and discards drafts; `photos.rs` attaches and removes a draft's photos and reads stored ones;
//! `seal.rs` signs and enqueues; `correct.rs` starts a correction (supersede); `read.rs` reads
//! captures back for the app; `row.rs` is how a capture is read from the database, shared by all
//! of them.
//!
//! [`CaptureRecord`]: testigo_protocol::CaptureRecord

mod correct;
mod draft;
mod photos;
mod read;
mod row;
mod seal;

use std::collections::BTreeMap;

use testigo_protocol::{PhotoRef, SignedCapture, Warning};
use uuid::Uuid;

use crate::status::ReportingStatus;

/// The most photos (pages) one capture may hold.
pub const MAX_PAGES: usize = testigo_protocol::capture::MAX_PAGES;

/// Whether a capture can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CaptureState {
    /// Editable; not sent.
    Draft,
    /// Signed, immutable, in the outbox.
    Sealed,
}

/// A capture in full.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Capture {
    /// The capture's id (UUIDv7, made on this phone).
    pub id: Uuid,
    /// The station.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// Draft or sealed.
    pub state: CaptureState,
    /// Where it stands in delivery.
    pub status: ReportingStatus,
    /// Votes per ballot option, as typed so far.
    pub counts: BTreeMap<String, u32>,
    /// Extra counts per field, as typed so far.
    pub extra_counts: BTreeMap<String, u32>,
    /// Notes.
    pub notes: String,
    /// The QR code's text, when read.
    pub qr_payload: Option<String>,
    /// The photos, in page order.
    pub photos: Vec<PhotoRef>,
    /// For a draft, the warnings it would be sealed with now; for a sealed capture, the warnings
    /// it was sealed with.
    pub warnings: Vec<Warning>,
    /// The capture this one corrects.
    pub supersedes: Option<Uuid>,
    /// The sealed capture that corrects this one.
    pub superseded_by: Option<Uuid>,
    /// When the draft was created (phone clock).
    pub created_at_ms: i64,
    /// When it was sealed (phone clock).
    pub sealed_at_ms: Option<i64>,
    /// The signed record, once sealed.
    pub signed: Option<SignedCapture>,
}

/// One line of the captures list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaptureSummary {
    /// The capture's id.
    pub id: Uuid,
    /// The station.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// Draft or sealed.
    pub state: CaptureState,
    /// Where it stands in delivery.
    pub status: ReportingStatus,
    /// Number of photos.
    pub photos: u32,
    /// The capture this one corrects.
    pub supersedes: Option<Uuid>,
    /// When the draft was created.
    pub created_at_ms: i64,
    /// When it was sealed.
    pub sealed_at_ms: Option<i64>,
}
