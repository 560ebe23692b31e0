//! Sealing: the draft becomes a signed [`CaptureRecord`] and, in the same transaction, the
//! capture is marked sealed and its record and photos enter the outbox.

use rusqlite::params;
use testigo_protocol::capture::CAPTURE_FORMAT;
use testigo_protocol::{CaptureRecord, PublicKey, Signature, SignedCapture};
use uuid::Uuid;

use super::correct::check_supersedable;
use super::row::{load_draft, load_photos, package_station_contest, qr_counts_of};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::outbox;
use crate::store::{Store, in_transaction, now_ms};
use crate::validation::{ActaNumbers, validate};

impl Store {
    /// Seals a draft: validates it, signs its record with the device key and, in the same
    /// transaction, marks it sealed and enqueues the record and then each photo for sending.
    ///
    /// Warnings never stop a seal; they travel inside the signed record.
    pub fn seal(&self, id: Uuid) -> Result<SignedCapture> {
        let mut conn = self.writer_conn();
        let row = load_draft(&conn, id)?;
        let package = load_package(&conn)?.ok_or(Error::NoPackage)?;
        let (station, contest) = package_station_contest(&package, &row.station_id, &row.contest_id)?;
        let photos = load_photos(&conn, id)?;
        if let Some(target) = row.supersedes {
            check_supersedable(&conn, target, &row.station_id, &row.contest_id)?;
        }
        let qr = qr_counts_of(&package, &row).map(|q| q.all());
        let warnings = validate(&ActaNumbers {
            contest,
            station,
            counts: &row.counts,
            extra_counts: &row.extra_counts,
            photos: photos.len(),
            qr_counts: qr.as_ref(),
        });
        let record = CaptureRecord {
            format: CAPTURE_FORMAT,
            id,
            election_id: package.election.id.clone(),
            package_version: package.version,
            contest_id: row.contest_id.clone(),
            station_id: row.station_id.clone(),
            counts: row.counts.clone(),
            extra_counts: row.extra_counts.clone(),
            photos: photos.clone(),
            qr_payload: row.qr_payload.clone(),
            device_time_ms: now_ms(),
            supersedes: row.supersedes,
            notes: row.notes.clone(),
            warnings,
            device_key_id: self.device.key_id.clone(),
        };
        let signed = self.sign_record(record)?;
        let json = serde_json::to_string(&signed).map_err(Error::internal)?;
        let now = now_ms();
        // check_supersedable ran under the same writer lock, and the partial unique index on
        // `supersedes` would refuse a second sealed successor anyway.
        in_transaction(&mut conn, |tx| {
            let changed = tx.execute(
                "UPDATE captures SET state = 'sealed', signed_json = ?2, record_sha256 = ?3, sealed_at_ms = ?4,
                        updated_at_ms = ?4
                  WHERE id = ?1 AND state = 'draft'",
                params![id.to_string(), json, signed.record.record_sha256().as_bytes().as_slice(), now],
            )?;
            if changed != 1 {
                return Err(Error::NotDraft);
            }
            outbox::enqueue(tx, id, &photos, now)
        })?;
        Ok(signed)
    }

    fn sign_record(&self, record: CaptureRecord) -> Result<SignedCapture> {
        let bytes = record.canonical_bytes();
        let signature = Signature(self.signer.sign(&bytes).map_err(|e| Error::Signer(e.0))?);
        let key: &PublicKey = &self.device.public_key;
        // A platform signer that returns garbage must fail here, on the phone, not on the server.
        key.verify(&bytes, &signature).map_err(|_| Error::Signer("signature does not verify".into()))?;
        Ok(SignedCapture { record, signature })
    }
}
