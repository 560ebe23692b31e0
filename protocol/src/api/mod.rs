//! The HTTP API between a watcher's phone and the coordinators' server (version 1, under `/v1`).
//!
//! Every body is JSON except photo bytes, which travel by tus 1.0 (see [`tus`]). Every error is an
//! RFC 9457 `application/problem+json` body ([`Problem`]) whose `code` is stable: apps and the
//! sync engine act on the code, never on the wording.
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /v1/enroll` | [`EnrollRequest`] | [`EnrollResponse`] |
//! | `GET /v1/package` | — | the device's [`crate::ElectionPackage`], with `ETag` |
//! | `POST /v1/captures` | [`CaptureBatch`] | [`BatchResult`] |
//! | `GET /v1/captures/{id}/photos/{sha256}` | — | [`PhotoReceipt`] once the photo is stored |
//! | `OPTIONS/POST/HEAD/PATCH/DELETE /v1/uploads…` | tus 1.0 | tus 1.0 ([`tus`]) |
//! | `GET /v1/feed?after=N` | — | [`FeedPage`] |
//! | `POST /v1/bundles` | a sealed bundle ([`crate::bundle`]) | [`BundleResult`] |
//! | `POST /v1/sms` | one SMS from a gateway (form) | the reply to send ([`crate::sms`]) |
//!
//! Every call but enrollment carries `Authorization: Bearer <token>` with the token from
//! [`EnrollResponse`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::TimestampMs;
use crate::capture::SignedCapture;
use crate::keys::{KeyId, PublicKey, Signature, VerifyError};
use crate::receipt::SignedReceipt;
use crate::statement::SignedRefusal;

/// The most records one [`CaptureBatch`] may carry.
pub const MAX_BATCH: usize = 100;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// `POST /v1/enroll`: a one-time enrollment code and the device's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The code the coordinators handed out (case and dashes do not matter).
    pub code: String,
    /// The device key that will sign this phone's records.
    pub public_key: PublicKey,
}

/// What an enrolled device needs to talk to the server.
///
/// Enrolling again with the same code and the same key (the first answer was lost on the way)
/// answers again, with a new token that replaces the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The device's id on the server: its key id.
    pub device_id: KeyId,
    /// The bearer token for every later call. The server keeps only its hash.
    pub token: String,
    /// The key that signs receipts: a phone trusts only receipts that verify with it.
    pub server_key: PublicKey,
    /// The election the device reports on.
    pub election_id: String,
    /// The stations the device may report.
    pub station_ids: Vec<String>,
}

/// `POST /v1/captures`: sealed, signed capture records, at most [`MAX_BATCH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureBatch {
    /// The records, in the order the phone sealed them.
    pub captures: Vec<SignedCapture>,
}

impl CaptureBatch {
    /// The JSON body of a batch whose records are already [`SignedCapture`] JSON, byte for byte
    /// as they were signed and stored: the phone sends them without re-serializing, so nothing
    /// on the way can change what the signature covers. Reads back as a [`CaptureBatch`].
    pub fn body_from_json<S: AsRef<str>>(records: &[S]) -> Vec<u8> {
        let len = records.iter().map(|r| r.as_ref().len() + 1).sum::<usize>() + 16;
        let mut body = Vec::with_capacity(len);
        body.extend_from_slice(b"{\"captures\":[");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(record.as_ref().as_bytes());
        }
        body.extend_from_slice(b"]}");
        body
    }
}

/// The answer to a [`CaptureBatch`]: one outcome per record, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    /// One per record sent.
    pub results: Vec<RecordOutcome>,
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordOutcome {
    /// Stored now; the receipt is the proof.
    Stored {
        /// The server's signed receipt.
        receipt: SignedReceipt,
    },
    /// The same record was stored before; this is its original receipt.
    Duplicate {
        /// The receipt given the first time.
        receipt: SignedReceipt,
    },
    /// Refused for good: sending it again will not help. The phone parks the record only if the
    /// refusal verifies with the server key and names exactly this record and device.
    Refused(SignedRefusal),
}

/// Why a record was refused. Stable codes: never rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The record's format is not one the server reads.
    UnsupportedFormat,
    /// The record names another device's key.
    WrongDevice,
    /// The signature does not verify with the device's key.
    BadSignature,
    /// The record is for another election.
    WrongElection,
    /// The contest is not in the election.
    UnknownContest,
    /// The device is not assigned to the station.
    StationNotAssigned,
    /// A count names a ballot option or field the contest does not have.
    UnknownField,
    /// The record breaks a limit (pages, notes, payload sizes).
    InvalidRecord,
    /// A different record with the same id was received before. The new one is kept for review;
    /// the first one stands.
    Conflict,
}

impl RefusalCode {
    /// The stable text code, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::UnsupportedFormat => "unsupported_format",
            RefusalCode::WrongDevice => "wrong_device",
            RefusalCode::BadSignature => "bad_signature",
            RefusalCode::WrongElection => "wrong_election",
            RefusalCode::UnknownContest => "unknown_contest",
            RefusalCode::StationNotAssigned => "station_not_assigned",
            RefusalCode::UnknownField => "unknown_field",
            RefusalCode::InvalidRecord => "invalid_record",
            RefusalCode::Conflict => "conflict",
        }
    }
}

/// `GET /v1/captures/{id}/photos/{sha256}`: the receipt of a photo the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoReceipt {
    /// The server's signed receipt for the photo.
    pub receipt: SignedReceipt,
}

/// `POST /v1/bundles`: what became of a sealed bundle a runner's phone carried (body: the
/// bundle's bytes, `application/octet-stream`; the runner's own device token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleResult {
    /// The server's signed acknowledgment: the runner stops carrying the bundle when it
    /// verifies, whether the bundle was taken or refused.
    pub ack: crate::statement::SignedBundleAck,
    /// What the bundle brought (in the same JSON object as `ack`).
    #[serde(flatten)]
    pub counts: BundleCounts,
}

/// What importing a bundle did, item by item (the HTTP answer, `testigo bundle import` and the
/// server's import log alike).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleCounts {
    /// Records stored now.
    pub records_stored: u32,
    /// Records the server already held (the bundle or the records came before).
    pub records_known: u32,
    /// Records refused (each kept for coordinators with its reason).
    pub records_refused: u32,
    /// Photos stored now.
    pub photos_stored: u32,
    /// Photos the server already held.
    pub photos_known: u32,
    /// Photos refused (not declared by their record, or their record refused).
    pub photos_refused: u32,
}

/// `GET /v1/feed?after=N&limit=M`: what changed for this device since cursor `N`, signed by the
/// server key over [`crate::statement::feed_page_bytes`] (this device, `N`, and the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    /// The changes, oldest first.
    pub events: Vec<FeedEvent>,
    /// The cursor to ask with next time (the last event's `seq`, or the one asked with).
    pub cursor: u64,
    /// Whether more events wait after this page.
    pub more: bool,
    /// The id of the server key that signed the page.
    pub server_key_id: KeyId,
    /// DER ECDSA P-256 signature over [`crate::statement::feed_page_bytes`].
    pub signature: Signature,
}

impl FeedPage {
    /// Checks that `server_key` signed this page as the answer to `device` asking after `after`.
    pub fn verify(&self, server_key: &PublicKey, device: &KeyId, after: u64) -> Result<(), VerifyError> {
        if server_key.key_id() != self.server_key_id {
            return Err(VerifyError::WrongKey);
        }
        let bytes = crate::statement::feed_page_bytes(device, after, &self.events, self.cursor, self.more);
        server_key.verify(&bytes, &self.signature)
    }
}

/// One change in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEvent {
    /// Position in the server's feed; strictly increasing.
    pub seq: u64,
    /// When it happened (server clock).
    pub at_ms: TimestampMs,
    /// What happened.
    pub change: Change,
}

/// A change a device should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Coordinators reviewed one of this device's captures.
    Review {
        /// The capture.
        capture_id: Uuid,
        /// Its review state now.
        status: ReviewStatus,
        /// The coordinators' comment for the watcher, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// A new election package is available at `GET /v1/package`: a newer version, or, at the
    /// installed version, the same election with this device's stations assigned anew (the
    /// device asks with its entity tag, and gets `304` if nothing changed for it).
    Package {
        /// The new version.
        version: u64,
    },
    /// A record or photo of this device reached the coordinators another way (by SMS, or in a
    /// bundle a runner carried): its receipt, so the phone stops sending it.
    Received {
        /// The server's signed receipt, as over HTTP.
        receipt: SignedReceipt,
    },
}

/// Where a capture stands in the coordinators' review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Received, not reviewed yet.
    Unreviewed,
    /// The numbers match the photo.
    Verified,
    /// Something is in doubt; coordinators are looking.
    Disputed,
    /// Not counted (illegible, wrong acta, …).
    Rejected,
}

impl ReviewStatus {
    /// The stable text code, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Unreviewed => "unreviewed",
            ReviewStatus::Verified => "verified",
            ReviewStatus::Disputed => "disputed",
            ReviewStatus::Rejected => "rejected",
        }
    }
}

impl RefusalCode {
    /// Every refusal code.
    pub const ALL: [RefusalCode; 9] = [
        RefusalCode::UnsupportedFormat,
        RefusalCode::WrongDevice,
        RefusalCode::BadSignature,
        RefusalCode::WrongElection,
        RefusalCode::UnknownContest,
        RefusalCode::StationNotAssigned,
        RefusalCode::UnknownField,
        RefusalCode::InvalidRecord,
        RefusalCode::Conflict,
    ];
}

impl std::str::FromStr for RefusalCode {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        RefusalCode::ALL.into_iter().find(|c| c.as_str() == s).ok_or(())
    }
}

impl std::str::FromStr for ReviewStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "unreviewed" => Ok(ReviewStatus::Unreviewed),
            "verified" => Ok(ReviewStatus::Verified),
            "disputed" => Ok(ReviewStatus::Disputed),
            "rejected" => Ok(ReviewStatus::Rejected),
            _ => Err(()),
        }
    }
}

/// An RFC 9457 problem: the body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:testigo:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short, fixed summary of the problem kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable code (see the server's `AppError`); what clients act on.
    pub code: String,
    /// Details for this occurrence, without personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the answer refuses a photo for good (`payload_too_large`, `length_mismatch`,
    /// `photo_not_in_record`, `hash_mismatch`, `not_a_jpeg`): the server's signed refusal. A phone
    /// parks the photo only on a refusal that verifies; without one it tries again later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<SignedRefusal>,
}

impl Problem {
    /// A problem with this code, status and title.
    pub fn new(code: &str, status: u16, title: &str, detail: Option<String>) -> Self {
        Problem {
            type_uri: format!("urn:testigo:problem:{code}"),
            title: title.to_owned(),
            status,
            code: code.to_owned(),
            detail,
            refusal: None,
        }
    }
}

pub mod tus;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_serialize_as_their_stable_text() {
        for code in RefusalCode::ALL {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
            assert_eq!(code.as_str().parse::<RefusalCode>(), Ok(code));
        }
        assert!("CONFLICT".parse::<RefusalCode>().is_err());
    }

    #[test]
    fn review_statuses_round_trip_through_text() {
        for s in
            [ReviewStatus::Unreviewed, ReviewStatus::Verified, ReviewStatus::Disputed, ReviewStatus::Rejected]
        {
            assert_eq!(s.as_str().parse::<ReviewStatus>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert!("VERIFIED".parse::<ReviewStatus>().is_err());
    }
}
