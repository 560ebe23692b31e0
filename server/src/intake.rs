//! The checks every capture record passes before it is stored, and its receipt.
//!
//! In order, cheapest first: the format; that the record names the sending device's key; the
//! limits every record keeps; the signature (nothing else about a forged record matters); then
//! the election, the contest, the device's assignment to the station, and that every count names
//! a field of the contest's acta. Inconsistent numbers are *not* refused: they are evidence, and
//! the phone already put its warnings inside the signed record.

use testigo_protocol::api::RefusalCode;
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{SignedCapture, TimestampMs};
use uuid::Uuid;

use crate::keys::ServerKey;
use crate::repo::{Device, ElectionInfo, NewRecord};

/// A refused record: its id, the code and a detail without personal data.
pub(crate) type Refusal = (Uuid, RefusalCode, String);

/// Checks `signed` from `device` and, if it passes, signs its receipt for time `now_ms`.
pub(crate) fn check(
    device: &Device,
    election: &ElectionInfo,
    signed: SignedCapture,
    key: &ServerKey,
    now_ms: TimestampMs,
) -> Result<NewRecord, Refusal> {
    let r = &signed.record;
    let refuse = |code: RefusalCode, detail: &str| Err((r.id, code, detail.to_owned()));
    if r.format != CAPTURE_FORMAT {
        return refuse(RefusalCode::UnsupportedFormat, "unsupported record format");
    }
    if r.device_key_id != device.id {
        return refuse(RefusalCode::WrongDevice, "the record names another device's key");
    }
    if let Err(what) = r.check_limits() {
        return refuse(RefusalCode::InvalidRecord, what);
    }
    if signed.verify(&device.public_key).is_err() {
        return refuse(RefusalCode::BadSignature, "the signature does not verify with the device key");
    }
    if r.election_id != election.election.id {
        return refuse(RefusalCode::WrongElection, "the record is for another election");
    }
    let Some(contest) = election.contest(&r.contest_id) else {
        return refuse(RefusalCode::UnknownContest, "the contest is not in the election");
    };
    if !device.stations.contains(&r.station_id) {
        return refuse(RefusalCode::StationNotAssigned, "the device is not assigned to this station");
    }
    if r.counts.keys().any(|k| !contest.options.iter().any(|o| &o.id == k))
        || r.extra_counts.keys().any(|k| !contest.count_fields.iter().any(|f| &f.id == k))
    {
        return refuse(RefusalCode::UnknownField, "a count names a field the acta does not have");
    }
    let record_sha256 = r.record_sha256();
    let json = serde_json::to_string(&signed)
        .map_err(|_| (r.id, RefusalCode::InvalidRecord, "the record cannot be stored".to_owned()))?;
    let receipt = key
        .receipt(ReceiptSubject::Record { capture_id: r.id, record_sha256 }, &device.id, now_ms)
        .map_err(|_| (r.id, RefusalCode::InvalidRecord, "the receipt could not be signed".to_owned()))?;
    Ok(NewRecord { signed, json, record_sha256, receipt })
}
