//! Lane 1: sealed records, in batches sized to the link.

use testigo_protocol::api::{BatchResult, CaptureBatch, RecordOutcome};
use testigo_protocol::receipt::ReceiptSubject;

use super::state::{self, DueItem};
use super::{Pass, Request, Stop, SyncEvent, kind_of, timeout_for, transport::Method};

/// A signed record's JSON is about this size (38 counts, a photo, a signature).
const RECORD_BYTES_GUESS: usize = 1_500;

impl Pass<'_> {
    pub(crate) fn records(&mut self) -> Result<(), Stop> {
        loop {
            let batch = self.link().batch_records(RECORD_BYTES_GUESS).min(self.batch_cap).max(1);
            let now = self.due_by();
            let skipped = self.skipped.clone();
            let items: Vec<DueItem> = self
                .store
                .read(|c| state::due_records(c, now, batch + skipped.len()))?
                .into_iter()
                .filter(|i| !skipped.contains(&i.id))
                .take(batch)
                .collect();
            if items.is_empty() {
                return Ok(());
            }
            self.send_batch(items)?;
        }
    }

    fn send_batch(&mut self, items: Vec<DueItem>) -> Result<(), Stop> {
        let mut jsons = Vec::with_capacity(items.len());
        let mut hashes = Vec::with_capacity(items.len());
        for item in &items {
            let (json, sha) = self.store.read(|c| state::signed_record(c, item.capture_id))?;
            jsons.push(json);
            hashes.push(sha);
        }
        // The records exactly as signed and stored: no re-serialization on the way out.
        let body = CaptureBatch::body_from_json(&jsons);
        for item in &items {
            self.emit(&SyncEvent::Sending {
                item_id: item.id,
                capture_id: item.capture_id,
                kind: kind_of(item),
                bytes_done: 0,
                bytes_total: (body.len() / items.len()) as u64,
            });
        }
        let request = Request {
            method: Method::Post,
            url: self.url("/v1/captures"),
            headers: vec![("content-type".into(), "application/json".into())],
            timeout: timeout_for(body.len()),
            body,
        };
        let response = self.send(request)?;
        match response.status {
            200 => {}
            // Too large or unreadable as a whole: send fewer at a time, down to one, and let a
            // record that the server cannot read on its own wait.
            400 | 413 if items.len() > 1 => {
                self.batch_cap = (items.len() / 2).max(1);
                return Ok(());
            }
            // One record the server cannot read: it waits and is sent again later. Only a signed
            // refusal parks a record; an unsigned answer may come from anyone on the path.
            400 | 413 => {
                let item = items.first().ok_or(Stop::Link("empty batch", None))?;
                return self.item_failed(item, "the server refused the record as malformed", None);
            }
            _ => return Err(self.unexpected(&response)),
        }
        let result: BatchResult = serde_json::from_slice(&response.body)
            .map_err(|_| Stop::Link("the answer is not the server's (a proxy or captive portal?)", None))?;
        if result.results.len() != items.len() {
            return Err(Stop::Link("the answer does not match the batch", None));
        }
        for ((item, sha), outcome) in items.iter().zip(hashes).zip(result.results) {
            match outcome {
                RecordOutcome::Stored { receipt } | RecordOutcome::Duplicate { receipt } => {
                    self.check_receipt(
                        ReceiptSubject::Record { capture_id: item.capture_id, record_sha256: sha },
                        &receipt,
                    )?;
                    self.delivered(item, &receipt)?;
                }
                RecordOutcome::Refused(refusal) => {
                    self.check_refusal(
                        ReceiptSubject::Record { capture_id: item.capture_id, record_sha256: sha },
                        &refusal,
                    )?;
                    let r = refusal.refusal;
                    self.parked(item, &format!("{}: {}", r.code, r.detail))?;
                }
            }
        }
        Ok(())
    }
}
