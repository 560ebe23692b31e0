//! Photo receipts: when a photo counts as received for a capture, and the receipt that says so.

use testigo_protocol::api::PhotoReceipt;
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{KeyId, Sha256, SignedReceipt};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::repo::PhotoLookup;
use crate::{AppState, now_ms};

/// Signs and keeps the receipt of a photo whose bytes are stored; returns the first receipt if
/// there was one already. The photo must be one the device's record declares.
pub(crate) async fn mark_received(
    state: &AppState,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
    size: u64,
) -> AppResult<SignedReceipt> {
    let PhotoLookup::Declared(expected) = state.repo.expected_photo(device, capture_id, sha256).await? else {
        return Err(AppError::PhotoNotInRecord);
    };
    if let Some(receipt) = expected.receipt {
        return Ok(receipt);
    }
    let receipt = state
        .key
        .receipt(ReceiptSubject::Photo { capture_id, sha256, size }, device, now_ms())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(state.repo.photo_received(expected.capture_pk, sha256, receipt).await?)
}

/// The receipt of a photo of one of the device's captures, once the photo is stored; "not found"
/// for a photo not received yet, not declared, or of a capture the device did not send.
pub(crate) async fn receipt(
    state: &AppState,
    device: &KeyId,
    capture_id: Uuid,
    sha256: Sha256,
) -> AppResult<PhotoReceipt> {
    match state.repo.expected_photo(device, capture_id, sha256).await? {
        PhotoLookup::Declared(p) => {
            p.receipt.map(|receipt| PhotoReceipt { receipt }).ok_or(AppError::NotFound)
        }
        PhotoLookup::NoCapture | PhotoLookup::NotDeclared => Err(AppError::NotFound),
    }
}
