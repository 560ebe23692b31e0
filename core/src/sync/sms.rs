//! Records by SMS, for when the data link is cut ([`testigo_protocol::sms`]).
//!
//! The app asks for a sealed record's SMS texts ([`Store::sms_for`]), sends them through the
//! platform's SMS API to the coordinators' number, and says so ([`Store::sms_sent`]). The record
//! stays in the outbox, pending: the sync engine still sends it over HTTP when a link appears,
//! and the server stores it once whichever way arrives first. The coordinators' gateway answers
//! with one SMS; the app hands every SMS from that number to [`Store::accept_sms_receipt`],
//! which rebuilds the full receipt from what this phone sent, checks the server's signature with
//! the key from enrollment, and marks the record delivered as an HTTP receipt would.

use rusqlite::{OptionalExtension, params};
use testigo_protocol::sms;
use testigo_protocol::{ReceiptSubject, SignedCapture};
use uuid::Uuid;

use super::state::{self, DueItem};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

impl Store {
    /// The SMS texts (each at most 160 GSM-7 characters) that carry the sealed capture's signed
    /// record whole, in order. Send each as one SMS, then call [`Store::sms_sent`].
    pub fn sms_for(&self, capture: Uuid) -> Result<Vec<String>> {
        self.read(|c| {
            let (signed, contests) = pending_record(c, capture)?;
            sms::encode_capture(&signed, &contests).map_err(|e| Error::CannotSend(e.to_string()))
        })
    }

    /// Notes that the capture's SMS went out (the record stays pending until a receipt arrives,
    /// by HTTP or by SMS). Sending them again later is harmless.
    pub fn sms_sent(&self, capture: Uuid) -> Result<()> {
        self.write(|tx| {
            let (signed, contests) = pending_record(tx, capture)?;
            let tag = sms::record_tag(&signed, &contests).map_err(|e| Error::CannotSend(e.to_string()))?;
            let parts =
                sms::encode_capture(&signed, &contests).map_err(|e| Error::CannotSend(e.to_string()))?.len();
            tx.execute(
                "INSERT INTO sms_sent (capture_id, tag, parts, sent_at_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (capture_id) DO UPDATE SET sent_at_ms = excluded.sent_at_ms",
                params![capture.to_string(), tag, parts as i64, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Reads an SMS from the coordinators' number. When it is the receipt of a record this phone
    /// sent by SMS and the server's signature verifies, the record is delivered (its receipt kept
    /// as if it came over HTTP) and its capture id is returned; any other text gives `None` and
    /// changes nothing.
    pub fn accept_sms_receipt(&self, text: &str) -> Result<Option<Uuid>> {
        let Ok(read) = sms::parse_receipt(text) else {
            return Ok(None);
        };
        self.write(|tx| {
            let Some(server) = state::load_server(tx)? else {
                return Ok(None);
            };
            let candidates: Vec<String> = tx
                .prepare_cached("SELECT capture_id FROM sms_sent WHERE tag = ?1")?
                .query_map([&read.tag], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            for id in candidates {
                let capture = Uuid::parse_str(&id).map_err(|_| Error::Corrupt("stored SMS capture id".into()))?;
                let (json, sha) = state::signed_record(tx, capture)?;
                let signed: SignedCapture =
                    serde_json::from_str(&json).map_err(|_| Error::Corrupt("stored signed record".into()))?;
                let receipt = read.receipt_for(&signed, &server.server_key.key_id());
                let subject = ReceiptSubject::Record { capture_id: capture, record_sha256: sha };
                if receipt.verify(&server.server_key).is_err() || receipt.receipt.subject != subject {
                    continue;
                }
                let item: Option<(i64, u32)> = tx
                    .query_row(
                        "SELECT id, attempts FROM outbox WHERE capture_id = ?1 AND kind = 'record' AND state != 'done'",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if let Some((item_id, attempts)) = item {
                    let due = DueItem { id: item_id, capture_id: capture, photo: None, attempts, upload_url: None };
                    state::mark_done(tx, &due, &receipt, now_ms())?;
                }
                return Ok(Some(capture));
            }
            Ok(None)
        })
    }
}

/// A sealed capture whose record is not yet delivered, with the package's contests.
fn pending_record(
    c: &rusqlite::Connection,
    capture: Uuid,
) -> Result<(SignedCapture, Vec<testigo_protocol::election::Contest>)> {
    let state: Option<String> = c
        .query_row(
            "SELECT state FROM outbox WHERE capture_id = ?1 AND kind = 'record'",
            [capture.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match state.as_deref() {
        None => return Err(Error::CannotSend("the capture is not sealed".into())),
        Some("done") => return Err(Error::CannotSend("the record is already delivered".into())),
        Some("parked") => return Err(Error::CannotSend("the server refused the record".into())),
        _ => {}
    }
    let (json, _) = state::signed_record(c, capture)?;
    let signed: SignedCapture =
        serde_json::from_str(&json).map_err(|_| Error::Corrupt("stored signed record".into()))?;
    let package = load_package(c)?.ok_or(Error::NoPackage)?;
    Ok((signed, package.contests))
}
