//! Capture intake: a batch of signed records in, one outcome per record out.
//!
//! [`submit`] checks every record (off the async workers: signatures are CPU work), stores the
//! ones that pass in one group-committed call, and puts each outcome back in the record's place
//! in the batch. A photo counts as received for a capture only when bytes that hash to it arrived
//! for that capture, or for another capture of the same device (a correction reusing its
//! predecessor's photo is counted at once): listing another phone's photo by its hash gets no
//! receipt, and shows the photo to nobody.
//!
//! Once a device has sent [`crate::Limits::max_device_records`] records its batches are refused
//! (`507 device_quota`, kept on the phone), and no batch is taken
//! while the disk is below its free-space reserve (`services::storage`).
//!
//! The checks every record passes before it is stored, and its receipt ([`check`]):
//! In order, cheapest first: the format; that the record names the sending device's key; the
//! limits every record keeps; the signature (nothing else about a forged record matters); then
//! the election, the contest, the device's assignment to the station, and that every count names
//! a field of the contest's acta. Inconsistent numbers are *not* refused: they are evidence, and
//! the phone already put its warnings inside the signed record.

use testigo_protocol::api::{BatchResult, CaptureBatch, MAX_BATCH, RecordOutcome, RefusalCode};
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{SignedCapture, TimestampMs};

use super::{photos, storage};
use crate::error::{AppError, AppResult};
use crate::keys::ServerKey;
use crate::repo::{Device, ElectionInfo, NewRecord, StoreOutcome};
use crate::{AppState, now_ms};

/// The disk room one stored record takes at most (its JSON, receipt, rows and indexes).
const RECORD_ROOM: u64 = 16 * 1024;

/// Why a record is refused: what it is (as its receipt would name it), the code and a detail
/// without personal data. Signed into a [`testigo_protocol::SignedRefusal`] before it is answered.
pub(crate) type Refusal = (ReceiptSubject, RefusalCode, String);

/// Checks and stores a batch from `device`; one outcome per record, in the batch's order.
pub(crate) async fn submit(state: &AppState, device: &Device, batch: CaptureBatch) -> AppResult<BatchResult> {
    if batch.captures.len() > MAX_BATCH {
        return Err(AppError::BadRequest(format!("a batch holds at most {MAX_BATCH} records")));
    }
    if batch.captures.is_empty() {
        return Ok(BatchResult { results: Vec::new() });
    }
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let usage = state.repo.device_usage(&device.id).await?;
    // Checked before the batch, so a batch may take a device past the quota by at most its size;
    // counting what is new in it would need the batch stored first.
    if usage.records >= state.limits.max_device_records {
        return Err(AppError::DeviceQuota("this device has sent as many records as one device may"));
    }
    storage::ensure_room(state, RECORD_ROOM.saturating_mul(batch.captures.len() as u64)).await?;
    let now = now_ms();
    // Signature checks and receipt signing are CPU work: off the async workers.
    let (key, dev) = (state.key.clone(), device.clone());
    let checked = tokio::task::spawn_blocking(move || {
        batch
            .captures
            .into_iter()
            .map(|s| {
                let station = s.record.station_id.clone();
                match check(&dev, &election, s, &key, now) {
                    Ok(record) => Ok(Ok(record)),
                    Err((subject, code, detail)) => {
                        let kept = match &subject {
                            ReceiptSubject::Record { capture_id, .. } => {
                                Some((*capture_id, code.as_str().to_owned(), detail.clone(), station))
                            }
                            _ => None,
                        };
                        key.refusal(subject, code.as_str(), &detail, &dev.id, now)
                            .map(|r| Err(Box::new((r, kept))))
                    }
                }
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| AppError::Internal(format!("intake task: {e}")))??;

    // Refusals take their place now; the records that passed get theirs once stored.
    let mut results: Vec<Option<RecordOutcome>> = Vec::with_capacity(checked.len());
    let mut fresh = Vec::new();
    let mut slots = Vec::new();
    let mut refused = Vec::new();
    for (i, c) in checked.into_iter().enumerate() {
        match c {
            Ok(record) => {
                slots.push((
                    i,
                    record.signed.record.id,
                    record.record_sha256,
                    record.signed.record.photos.clone(),
                ));
                fresh.push(record);
                results.push(None);
            }
            Err(boxed) => {
                let (refusal, kept) = *boxed;
                refused.extend(kept);
                results.push(Some(RecordOutcome::Refused(refusal)));
            }
        }
    }
    // Refusals are kept for coordinators to see (conflicts are kept whole by the store).
    if !refused.is_empty() {
        state.repo.keep_refusals(device.id.clone(), refused, now).await?;
    }
    let outcomes = if fresh.is_empty() {
        Vec::new()
    } else {
        state.repo.store_records(device.id.clone(), fresh, now).await?
    };
    for ((i, capture_id, record_sha256, photos), outcome) in slots.into_iter().zip(outcomes) {
        let out = match outcome {
            StoreOutcome::Stored(receipt) => {
                for p in photos {
                    if state.repo.device_holds_photo(&device.id, p.sha256).await?
                        && state.blobs.blob_size(&p.sha256).await? == Some(p.size)
                    {
                        photos::mark_received(state, &device.id, capture_id, p.sha256, p.size).await?;
                    }
                }
                RecordOutcome::Stored { receipt }
            }
            StoreOutcome::Duplicate(receipt) => RecordOutcome::Duplicate { receipt },
            StoreOutcome::Conflict => RecordOutcome::Refused(state.key.refusal(
                ReceiptSubject::Record { capture_id, record_sha256 },
                RefusalCode::Conflict.as_str(),
                "a different record with this id was received before; the first one stands",
                &device.id,
                now,
            )?),
        };
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(out);
        }
    }
    let results = results
        .into_iter()
        .map(|r| r.ok_or_else(|| AppError::Internal("a record got no outcome".into())))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(BatchResult { results })
}

/// Checks `signed` from `device` and, if it passes, signs its receipt for time `now_ms`.
pub(crate) fn check(
    device: &Device,
    election: &ElectionInfo,
    signed: SignedCapture,
    key: &ServerKey,
    now_ms: TimestampMs,
) -> Result<NewRecord, Refusal> {
    let r = &signed.record;
    let record_sha256 = r.record_sha256();
    let subject = ReceiptSubject::Record { capture_id: r.id, record_sha256 };
    let refuse = |code: RefusalCode, detail: &str| Err((subject.clone(), code, detail.to_owned()));
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
    let json = serde_json::to_string(&signed).map_err(|_| {
        (subject.clone(), RefusalCode::InvalidRecord, "the record cannot be stored".to_owned())
    })?;
    let receipt = key.receipt(subject.clone(), &device.id, now_ms).map_err(|_| {
        (subject.clone(), RefusalCode::InvalidRecord, "the receipt could not be signed".to_owned())
    })?;
    Ok(NewRecord { signed, json, record_sha256, receipt })
}
