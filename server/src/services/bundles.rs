//! Sealed bundles ([`testigo_protocol::bundle`]): a phone's outbox that a runner carried, or a
//! file brought to a laptop that holds the coordinators' key.
//!
//! [`import`] opens the bundle with the coordinators' bundle key (a changed byte, another key,
//! a signature that does not verify: refused whole, nothing taken), takes its records through
//! `intake::submit` exactly as if the phone had sent them (so what already arrived is
//! known, not stored twice), stores each photo its record declares through the blob store's
//! usual checks (hash, JPEG), and puts the receipt of everything it stored in the watcher's feed, so
//! the phone stops sending it the next time it has a link. The answer is signed, so the runner
//! stops carrying the bundle only on the server's word.

use testigo_protocol::api::{BundleResult, CaptureBatch, MAX_BATCH, RecordOutcome};
use testigo_protocol::bundle::{BundleContents, BundleError};
use testigo_protocol::statement::{BundleAck, SignedBundleAck};
use testigo_protocol::{KeyId, Sha256, SignedCapture, SignedReceipt};

use super::{intake, photos, uploads};
use crate::blobs::Completion;
use crate::error::{AppError, AppResult};
use crate::repo::{BundleImport, Device, NotTaken};
use crate::{AppState, now_ms};

pub use crate::repo::Imported;

/// Why a bundle was refused whole.
#[derive(Debug, thiserror::Error)]
pub enum BundleRefusal {
    /// It does not open, or what it holds does not verify.
    #[error("{0}")]
    Sealed(#[from] BundleError),
    /// It was made by a phone this server does not know (or revoked).
    #[error("the bundle was made by a phone that is not enrolled here (or was revoked)")]
    UnknownDevice,
}

impl BundleRefusal {
    /// A stable code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            BundleRefusal::Sealed(e) => e.code(),
            BundleRefusal::UnknownDevice => "unknown_device",
        }
    }
}

/// Imports a bundle's contents, brought by `carrier` (a runner's phone; `None`: by hand);
/// `Err(Ok(refusal))` when the bundle is refused whole. Every import, taken or refused, is
/// logged (what came by bundle, and from whom).
pub async fn import(
    state: &AppState,
    bytes: Vec<u8>,
    carrier: Option<KeyId>,
) -> Result<Imported, Result<BundleRefusal, AppError>> {
    let (sha256, size) = (Sha256::digest(&bytes), bytes.len() as u64);
    let outcome = open_and_take(state, bytes).await;
    let (device, imported, refused) = match &outcome {
        Ok((device, imported)) => (Some(device.clone()), imported.clone(), None),
        Err(Ok(refusal)) => {
            (None, Imported::default(), Some(NotTaken::new(refusal.code(), refusal.to_string())))
        }
        Err(Err(_)) => return outcome.map(|(_, i)| i),
    };
    let log = BundleImport { sha256, size, device, carrier, refused, imported: imported.clone() };
    state.repo.log_bundle(log, now_ms()).await.map_err(|e| Err(e.into()))?;
    outcome.map(|(_, i)| i)
}

async fn open_and_take(
    state: &AppState,
    bytes: Vec<u8>,
) -> Result<(KeyId, Imported), Result<BundleRefusal, AppError>> {
    let key = state.key.clone();
    let contents = tokio::task::spawn_blocking(move || key.bundle_key().open(&bytes))
        .await
        .map_err(|e| Err(AppError::Internal(format!("bundle task: {e}"))))?
        .map_err(|e| Ok(BundleRefusal::Sealed(e)))?;
    let device = match state.repo.device_by_id(&contents.device_key.key_id()).await {
        Ok(Some(d)) if d.public_key == contents.device_key => d,
        Ok(_) => return Err(Ok(BundleRefusal::UnknownDevice)),
        Err(e) => return Err(Err(e.into())),
    };
    let imported = take(state, &device, contents).await.map_err(Err)?;
    Ok((device.id, imported))
}

async fn take(state: &AppState, device: &Device, contents: BundleContents) -> AppResult<Imported> {
    let mut out = Imported::default();
    let mut receipts: Vec<SignedReceipt> = Vec::new();
    let mut records = Vec::with_capacity(contents.records.len());
    for json in &contents.records {
        match serde_json::from_str::<SignedCapture>(json) {
            Ok(r) => records.push(r),
            Err(_) => out.records_refused += 1,
        }
    }
    for chunk in records.chunks(MAX_BATCH) {
        let result = intake::submit(state, device, CaptureBatch { captures: chunk.to_vec() }).await?;
        for outcome in result.results {
            match outcome {
                RecordOutcome::Stored { receipt } => {
                    out.records_stored += 1;
                    receipts.push(receipt);
                }
                // Known already: its receipt reached the phone, or is in its feed.
                RecordOutcome::Duplicate { .. } => out.records_known += 1,
                RecordOutcome::Refused(_) => out.records_refused += 1,
            }
        }
    }
    for photo in contents.photos {
        let known = state.blobs.blob_size(&photo.sha256).await? == Some(photo.bytes.len() as u64)
            && state.repo.device_holds_photo(&device.id, photo.sha256).await?;
        if !known && !store_blob(state, &photo.sha256, &photo.bytes).await? {
            out.photos_refused += 1;
            continue;
        }
        match photos::mark_received(
            state,
            &device.id,
            photo.capture_id,
            photo.sha256,
            photo.bytes.len() as u64,
        )
        .await
        {
            Ok(_) if known => out.photos_known += 1,
            Ok(receipt) => {
                out.photos_stored += 1;
                receipts.push(receipt);
            }
            Err(AppError::PhotoNotInRecord) => out.photos_refused += 1,
            Err(e) => return Err(e),
        }
    }
    state.repo.feed_received(device.id.clone(), receipts, now_ms()).await?;
    Ok(out)
}

/// Stores photo bytes through the blob store's checks (hash, JPEG); false when they fail them.
async fn store_blob(state: &AppState, sha256: &Sha256, bytes: &[u8]) -> AppResult<bool> {
    super::storage::ensure_room(state, bytes.len() as u64).await?;
    let id = uploads::new_upload_id()?;
    state.blobs.create_partial(&id).await?;
    let mut w = state.blobs.open_partial(&id, 0).await?;
    w.write(bytes).await?;
    w.sync().await?;
    drop(w);
    Ok(match state.blobs.complete(&id, sha256, photos::is_jpeg).await? {
        Completion::Stored { .. } => true,
        Completion::Mismatch | Completion::NotMedia => false,
    })
}

/// `POST /v1/bundles` from a runner's phone: imports the bundle and answers with the signed
/// acknowledgment (taken or refused whole) and what it held.
pub(crate) async fn carried(state: &AppState, carrier: &KeyId, bytes: Vec<u8>) -> AppResult<BundleResult> {
    let (bundle_sha256, size) = (Sha256::digest(&bytes), bytes.len() as u64);
    let (imported, refused) = match import(state, bytes, Some(carrier.clone())).await {
        Ok(imported) => (imported, None),
        Err(Ok(refusal)) => (Imported::default(), Some(refusal.to_string())),
        Err(Err(e)) => return Err(e),
    };
    let ack = BundleAck {
        bundle_sha256,
        size,
        carrier_key_id: carrier.clone(),
        refused,
        at_ms: now_ms(),
        server_key_id: state.key.public_key().key_id(),
    };
    let signature = state.key.sign(&ack.canonical_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(BundleResult { ack: SignedBundleAck { ack, signature }, counts: imported })
}
