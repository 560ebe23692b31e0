//! Numbers by SMS ([`testigo_protocol::sms`]).
//!
//! A gateway hands over each SMS as it arrives. Every part is kept (once); when each index of a
//! message has a part, the record is rebuilt from them — trying the few variants an index may
//! have when a tag is shared by chance — and taken in by `intake::submit`, the same
//! checks and the same store as a batch over HTTP, so a record that arrives both ways is stored
//! once. The answer is the receipt as one SMS for the gateway to send back. What does not become
//! a record (another text, a broken or forged message, a refused record) gets no receipt and is
//! kept aside for coordinators.

use testigo_protocol::api::{CaptureBatch, RecordOutcome};
use testigo_protocol::sms::{self, Part, SmsError};

use super::intake;
use crate::error::{AppError, AppResult};
use crate::repo::coord::Coordinator;
use crate::repo::{ChannelsLog, NotTaken, SmsIn};
use crate::{AppState, now_ms};

/// Combinations of part variants tried at most for one message.
const MAX_COMBINATIONS: usize = 64;
/// The longest text taken from a gateway (one that joins concatenated SMS may pass several).
const MAX_TEXT_CHARS: usize = 8 * sms::SMS_CHARS;

/// Takes one SMS from a gateway; answers the text to send back, if any.
pub(crate) async fn receive(state: &AppState, sms_in: SmsIn) -> AppResult<Option<String>> {
    let now = now_ms();
    if sms_in.text.chars().count() > MAX_TEXT_CHARS {
        let why = NotTaken::new("too_long", "too long for a Testigo message");
        state.repo.sms_aside(sms_in, why, now).await?;
        return Ok(None);
    }
    let part = match sms::parse_part(&sms_in.text) {
        Ok(part) => part,
        Err(e) => {
            state.repo.sms_aside(sms_in, NotTaken::new(e.code(), e.to_string()), now).await?;
            return Ok(None);
        }
    };
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let tag = part.tag.clone();
    let parts = state.repo.sms_part(part, sms_in.clone(), now).await?;
    let Some(combinations) = combinations(&parts) else {
        return Ok(None); // a part is still on its way
    };
    let mut why = SmsError::TagMismatch;
    let mut found = None;
    for combination in combinations {
        match sms::decode_capture(&combination, &election.election.id, &election.contests) {
            Ok(signed) => {
                found = Some(signed);
                break;
            }
            Err(e) => why = e,
        }
    }
    let Some(signed) = found else {
        state.repo.sms_aside(sms_in, NotTaken::new(why.code(), why.to_string()), now).await?;
        return Ok(None);
    };
    let Some(device) = state.repo.device_by_id(&signed.record.device_key_id).await? else {
        let why = NotTaken::new("unknown_device", "the record names no enrolled device");
        state.repo.sms_aside(sms_in, why, now).await?;
        return Ok(None);
    };
    let capture_id = signed.record.id;
    let result = intake::submit(state, &device, CaptureBatch { captures: vec![signed] }).await?;
    let (receipt, fresh) = match result.results.into_iter().next() {
        Some(RecordOutcome::Stored { receipt }) => (receipt, true),
        Some(RecordOutcome::Duplicate { receipt }) => (receipt, false),
        Some(RecordOutcome::Refused(refusal)) => {
            let detail = format!("{} ({})", refusal.refusal.code, refusal.refusal.detail);
            state.repo.sms_aside(sms_in, NotTaken::new("refused", detail), now).await?;
            return Ok(None);
        }
        None => return Err(AppError::Internal("a record by SMS got no outcome".into())),
    };
    if fresh {
        // Should the receipt SMS be lost, the phone learns at its next sync.
        state.repo.feed_received(device.id.clone(), vec![receipt.clone()], now).await?;
        state.repo.sms_delivered(tag.clone(), device.id, capture_id, now).await?;
    }
    let text = sms::encode_receipt(&tag, &receipt)
        .map_err(|e| AppError::Internal(format!("receipt by SMS: {e}")))?;
    Ok(Some(text))
}

/// The newest entries shown of each log.
pub const CHANNELS_SHOWN: usize = 200;

/// What came without a data link, for an administrator: records by SMS, the SMS kept aside
/// (their senders' numbers and texts, which no region bounds) and every bundle import.
pub(crate) async fn channels(state: &AppState, reader: &Coordinator) -> AppResult<ChannelsLog> {
    if !reader.is_admin() {
        return Err(AppError::Forbidden("only administrators see what came by SMS and bundles"));
    }
    Ok(state.repo.channels(CHANNELS_SHOWN).await?)
}

/// Every way to take one part per index, at most [`MAX_COMBINATIONS`]; `None` while an index
/// has no part yet.
fn combinations(parts: &[Part]) -> Option<Vec<Vec<Part>>> {
    let count = parts.first()?.count;
    let mut by_index: Vec<Vec<&Part>> = vec![Vec::new(); count];
    for p in parts {
        by_index.get_mut(p.index)?.push(p);
    }
    if by_index.iter().any(Vec::is_empty) {
        return None;
    }
    let mut out: Vec<Vec<Part>> = vec![Vec::new()];
    for variants in &by_index {
        out = out
            .iter()
            .flat_map(|prefix| {
                variants.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((*v).clone());
                    next
                })
            })
            .take(MAX_COMBINATIONS)
            .collect();
    }
    Some(out)
}
