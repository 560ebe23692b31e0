//! Lane 3: photos by tus 1.0, resumable, one checksummed chunk at a time.

use testigo_protocol::api::PhotoReceipt;
use testigo_protocol::api::tus::{
    ENDPOINT, OFFSET_OCTET_STREAM, RECEIPT_HEADER, TUS_RESUMABLE, UPLOAD_CHECKSUM, UPLOAD_LENGTH,
    UPLOAD_METADATA, UPLOAD_OFFSET, UploadMetadata, VERSION, checksum_header, parse_receipt_header,
};
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{Sha256, SignedReceipt};

use super::state::{self, DueItem};
use super::transport::{Method, Request, Response};
use super::{Pass, Stop, SyncEvent, backoff, kind_of, timeout_for};
use crate::error::Error;

/// Consecutive checksum failures on one upload before the link is blamed.
const MAX_CHECKSUM_FAILURES: u32 = 3;
/// Offset disagreements in a row (no chunk confirmed between them) before the link is blamed.
const MAX_OFFSET_FIXES: u32 = 5;

fn offset_of(response: &Response) -> Option<u64> {
    response.header(UPLOAD_OFFSET).and_then(|v| v.trim().parse().ok())
}

impl Pass<'_> {
    pub(crate) fn photos(&mut self) -> Result<(), Stop> {
        loop {
            let now = self.due_by();
            let skipped = self.skipped.clone();
            let Some(item) = self.store.read(|c| state::next_due_photo(c, now, &skipped))? else {
                return Ok(());
            };
            self.upload(&item)?;
        }
    }

    fn tus_request(&self, method: Method, url: String, body: Vec<u8>) -> Request {
        Request {
            method,
            url,
            headers: vec![(TUS_RESUMABLE.into(), VERSION.into())],
            timeout: timeout_for(body.len()),
            body,
        }
    }

    fn upload(&mut self, item: &DueItem) -> Result<(), Stop> {
        let Some(sha) = item.photo else {
            return Err(Stop::Local(Error::Corrupt("photo item without a hash".into())));
        };
        let bytes = match self.store.read_photo(&sha) {
            Ok(b) => b,
            Err(Error::PhotoDamaged(_)) => {
                return self.parked(item, "the photo file on this phone is missing or damaged");
            }
            Err(e) => return Err(Stop::Local(e)),
        };
        let total = bytes.len() as u64;
        let mut url = item.upload_url.clone();
        let mut offset = 0u64;

        // A known upload: ask the server where it stands.
        if let Some(u) = &url {
            let r = self.send(self.tus_request(Method::Head, u.clone(), Vec::new()))?;
            match r.status {
                200 => {
                    if let Some(receipt) = self.receipt_in(&r, item, sha, total)? {
                        return self.delivered(item, &receipt);
                    }
                    offset = offset_of(&r)
                        .filter(|o| *o <= total)
                        .ok_or(Stop::Link("garbled tus answer", None))?;
                }
                404 | 410 => url = None,
                423 => {
                    return self.item_failed(
                        item,
                        "the upload is busy on the server",
                        backoff::retry_after(r.header("retry-after")),
                    );
                }
                _ => return Err(self.unexpected(&r)),
            }
        }

        if url.is_none() {
            // Maybe the server already has it (a lost answer, or a correction reusing a photo).
            if (item.attempts > 0 || item.upload_url.is_some())
                && let Some(receipt) = self.fetch_receipt(item, sha, total)?
            {
                return self.delivered(item, &receipt);
            }
            let mut create = self.tus_request(Method::Post, self.url(ENDPOINT), Vec::new());
            create.headers.push((UPLOAD_LENGTH.into(), total.to_string()));
            let metadata = UploadMetadata { capture_id: item.capture_id, sha256: sha };
            create.headers.push((UPLOAD_METADATA.into(), metadata.to_header()));
            let r = self.send(create)?;
            match r.status {
                201 => {}
                409 => return self.item_failed(item, "the server has not received the record yet", None),
                400 | 413 | 422 => return self.photo_refused(&r, item, sha, total),
                _ => return Err(self.unexpected(&r)),
            }
            let location = r.header("location").ok_or(Stop::Link("garbled tus answer", None))?;
            let resolved = reqwest::Url::parse(&self.url(ENDPOINT))
                .and_then(|base| base.join(location))
                .map_err(|_| Stop::Link("garbled tus answer", None))?
                .to_string();
            self.store.write(|tx| state::set_upload(tx, item.id, Some(&resolved)))?;
            url = Some(resolved);
            offset = 0;
        }
        let url = url.ok_or(Stop::Link("no upload", None))?;

        let (mut checksum_failures, mut offset_fixes) = (0u32, 0u32);
        loop {
            if offset >= total {
                // Everything is there but no receipt came with it (a proxy dropped the header).
                return match self.fetch_receipt(item, sha, total)? {
                    Some(receipt) => self.delivered(item, &receipt),
                    None => Err(Stop::Link("the upload is complete but no receipt came", None)),
                };
            }
            let chunk_len = self.link().chunk_bytes() as u64;
            let end = (offset + chunk_len).min(total);
            let chunk = bytes
                .get(offset as usize..end as usize)
                .ok_or(Stop::Link("offset beyond the photo", None))?;
            self.emit(&SyncEvent::Sending {
                item_id: item.id,
                capture_id: item.capture_id,
                kind: kind_of(item),
                bytes_done: offset,
                bytes_total: total,
            });
            let mut patch = self.tus_request(Method::Patch, url.clone(), chunk.to_vec());
            patch.headers.push(("content-type".into(), OFFSET_OCTET_STREAM.into()));
            patch.headers.push((UPLOAD_OFFSET.into(), offset.to_string()));
            patch.headers.push((UPLOAD_CHECKSUM.into(), checksum_header(chunk)));
            let r = self.send(patch)?;
            match r.status {
                204 => {
                    let new = offset_of(&r).ok_or(Stop::Link("garbled tus answer", None))?;
                    if new != end {
                        return Err(Stop::Link("the server confirmed an unexpected offset", None));
                    }
                    self.bytes_confirmed += new - offset;
                    offset = new;
                    (checksum_failures, offset_fixes) = (0, 0);
                    if offset == total
                        && let Some(receipt) = self.receipt_in(&r, item, sha, total)?
                    {
                        return self.delivered(item, &receipt);
                    }
                }
                409 => {
                    offset_fixes += 1;
                    if offset_fixes > MAX_OFFSET_FIXES {
                        return Err(Stop::Link("the upload offset keeps moving", None));
                    }
                    offset = match offset_of(&r) {
                        Some(o) if o <= total => o,
                        _ => {
                            let h = self.send(self.tus_request(Method::Head, url.clone(), Vec::new()))?;
                            if h.status != 200 {
                                return Err(self.unexpected(&h));
                            }
                            offset_of(&h)
                                .filter(|o| *o <= total)
                                .ok_or(Stop::Link("garbled tus answer", None))?
                        }
                    };
                }
                460 => {
                    checksum_failures += 1;
                    if checksum_failures >= MAX_CHECKSUM_FAILURES {
                        return Err(Stop::Link("chunks keep arriving damaged", None));
                    }
                }
                404 | 410 => {
                    // The upload expired or was lost: start a new one next time.
                    self.store.write(|tx| state::set_upload(tx, item.id, None))?;
                    return self.item_failed(item, "the upload expired on the server", None);
                }
                423 => {
                    return self.item_failed(
                        item,
                        "the upload is busy on the server",
                        backoff::retry_after(r.header("retry-after")),
                    );
                }
                422 => {
                    self.store.write(|tx| state::set_upload(tx, item.id, None))?;
                    return self.photo_refused(&r, item, sha, total);
                }
                _ => return Err(self.unexpected(&r)),
            }
        }
    }

    /// An answer refusing the photo: parks it if the server signed the refusal for exactly this
    /// photo and device; otherwise (a proxy's answer, a bug) the photo waits and is sent again.
    fn photo_refused(&mut self, r: &Response, item: &DueItem, sha: Sha256, size: u64) -> Result<(), Stop> {
        let problem = serde_json::from_slice::<testigo_protocol::api::Problem>(&r.body).ok();
        let Some(refusal) = problem.and_then(|p| p.refusal) else {
            return self.item_failed(
                item,
                &format!("the server did not sign its refusal ({})", r.status),
                None,
            );
        };
        self.check_refusal(
            ReceiptSubject::Photo { capture_id: item.capture_id, sha256: sha, size },
            &refusal,
        )?;
        let why = match refusal.refusal.code.as_str() {
            "not_a_jpeg" => "the server found that the photo is not a JPEG file".to_owned(),
            "hash_mismatch" => "the server found that the photo does not match its hash".to_owned(),
            "payload_too_large" => "the photo is larger than the server accepts".to_owned(),
            code => format!("the server refused the photo ({code}: {})", refusal.refusal.detail),
        };
        self.parked(item, &why)
    }

    /// The photo's receipt from a tus answer's header, verified; `None` if the header is absent.
    fn receipt_in(
        &self,
        r: &Response,
        item: &DueItem,
        sha: Sha256,
        size: u64,
    ) -> Result<Option<SignedReceipt>, Stop> {
        let Some(header) = r.header(RECEIPT_HEADER) else { return Ok(None) };
        let receipt = parse_receipt_header(header).ok_or(Stop::Link("a receipt does not verify", None))?;
        self.check_receipt(
            ReceiptSubject::Photo { capture_id: item.capture_id, sha256: sha, size },
            &receipt,
        )?;
        Ok(Some(receipt))
    }

    /// Asks whether the server holds the photo (`GET …/photos/{sha}`).
    fn fetch_receipt(
        &mut self,
        item: &DueItem,
        sha: Sha256,
        size: u64,
    ) -> Result<Option<SignedReceipt>, Stop> {
        let url = self.url(&format!("/v1/captures/{}/photos/{}", item.capture_id, sha.to_hex()));
        let r = self.send(Request {
            method: Method::Get,
            url,
            headers: vec![],
            body: vec![],
            timeout: timeout_for(0),
        })?;
        match r.status {
            200 => {
                let p: PhotoReceipt =
                    serde_json::from_slice(&r.body).map_err(|_| Stop::Link("garbled answer", None))?;
                self.check_receipt(
                    ReceiptSubject::Photo { capture_id: item.capture_id, sha256: sha, size },
                    &p.receipt,
                )?;
                Ok(Some(p.receipt))
            }
            404 if r.header("content-type").is_some_and(|t| t.starts_with("application/problem+json")) => {
                Ok(None)
            }
            _ => Err(self.unexpected(&r)),
        }
    }
}
