//! Sealed bundles ([`testigo_protocol::bundle`]): when there is no link at all, a watcher's
//! outbox leaves the phone as one file, and a runner's phone carries such files to a link.
//!
//! [`Store::export_bundle`] seals everything still waiting (records and photos) to the
//! coordinators' bundle key from the election package, signed by the device. The items stay
//! pending: the phone learns they arrived from the receipts in its feed, or sends them itself
//! when it has a link (the server stores everything once). [`Store::carry_bundle`] takes another
//! watcher's bundle on a runner's phone, which can read nothing in it but whom it is sealed to;
//! the sync engine forwards it (`POST /v1/bundles`) and drops its bytes on the server's signed
//! acknowledgment.

use rusqlite::{OptionalExtension, params};
use testigo_protocol::api::BundleResult;
use testigo_protocol::bundle::{self, BundleContents, BundlePhoto, MAX_BUNDLE_BYTES};
use testigo_protocol::{Sha256, Signature};
use uuid::Uuid;

use super::transport::{Method, Request};
use super::{Pass, Stop, timeout_for};
use crate::election::load_package;
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

/// A bundle this phone carries for another watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CarriedBundle {
    /// SHA-256 of its bytes: its name.
    pub sha256: Sha256,
    /// Its size in bytes.
    pub size: u64,
    /// When this phone took it.
    pub received_at_ms: i64,
    /// When the server acknowledged it (its bytes are then gone from this phone).
    pub delivered_at_ms: Option<i64>,
    /// Why the server refused it, if it did (changed on the way, sealed to other coordinators).
    pub refused: Option<String>,
}

impl Store {
    /// Seals every record and photo still waiting to be sent into one bundle for the
    /// coordinators (the bytes of a file to hand to a runner or copy to a stick). Nothing changes
    /// here: the items stay pending until their receipts arrive.
    pub fn export_bundle(&self) -> Result<Vec<u8>> {
        let (contents, recipient) = self.read(|c| {
            let package = load_package(c)?.ok_or(Error::NoPackage)?;
            let recipient = package
                .bundle_key
                .ok_or_else(|| Error::CannotSend("the election package names no bundle key".into()))?;
            let mut records = Vec::new();
            let mut stmt = c.prepare_cached(
                "SELECT c.signed_json FROM outbox o JOIN captures c ON c.id = o.capture_id
                  WHERE o.state = 'pending' AND o.kind = 'record' ORDER BY o.priority, o.enqueued_at_ms, o.id",
            )?;
            for json in stmt.query_map([], |r| r.get::<_, Option<String>>(0))? {
                records.push(json?.ok_or_else(|| Error::Corrupt("stored signed record".into()))?);
            }
            let mut photos = Vec::new();
            let mut stmt = c.prepare_cached(
                "SELECT capture_id, photo_sha256 FROM outbox
                  WHERE state = 'pending' AND kind = 'photo' ORDER BY priority, enqueued_at_ms, id",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
                let (capture, sha) = row?;
                let capture_id =
                    Uuid::parse_str(&capture).map_err(|_| Error::Corrupt("stored outbox capture id".into()))?;
                let sha256 = Sha256::from_slice(&sha).map_err(|_| Error::Corrupt("stored photo hash".into()))?;
                photos.push((capture_id, sha256));
            }
            Ok((
                (records, photos),
                recipient,
            ))
        })?;
        let (records, photo_refs) = contents;
        if records.is_empty() && photo_refs.is_empty() {
            return Err(Error::CannotSend("nothing is waiting to be sent".into()));
        }
        let mut photos = Vec::with_capacity(photo_refs.len());
        for (capture_id, sha256) in photo_refs {
            photos.push(BundlePhoto { capture_id, sha256, bytes: self.read_photo(&sha256)? });
        }
        let contents = BundleContents {
            device_key: self.device().public_key.clone(),
            created_at_ms: now_ms(),
            records,
            photos,
        };
        bundle::seal(&contents, &recipient, |bytes| self.signer.sign(bytes).map(Signature).map_err(|e| e.0))
            .map_err(|e| Error::CannotSend(e.to_string()))
    }

    /// Takes a bundle another watcher made, to carry it to the coordinators (a runner's phone).
    /// Only whom it is sealed to is checked (nothing else can be read); taking the same bundle
    /// again changes nothing. Answers its SHA-256.
    pub fn carry_bundle(&self, bytes: &[u8]) -> Result<Sha256> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(Error::CannotSend("the file is larger than any bundle".into()));
        }
        let header = bundle::header(bytes).map_err(|e| Error::CannotSend(e.to_string()))?;
        let sha256 = Sha256::digest(bytes);
        self.write(|tx| {
            let package = load_package(tx)?.ok_or(Error::NoPackage)?;
            if package.bundle_key.map(|k| k.key_id()) != Some(header.recipient) {
                return Err(Error::CannotSend("the bundle is sealed to other coordinators".into()));
            }
            tx.execute(
                "INSERT OR IGNORE INTO carried_bundles (sha256, bytes, size, received_at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![sha256.as_bytes().as_slice(), bytes, bytes.len() as i64, now_ms()],
            )?;
            Ok(sha256)
        })
    }

    /// The bundles this phone carries or carried, newest first.
    pub fn carried_bundles(&self) -> Result<Vec<CarriedBundle>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT sha256, size, received_at_ms, delivered_at_ms, refused FROM carried_bundles
                  ORDER BY received_at_ms DESC, sha256",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (sha, size, received_at_ms, delivered_at_ms, refused) = row?;
                out.push(CarriedBundle {
                    sha256: Sha256::from_slice(&sha)
                        .map_err(|_| Error::Corrupt("stored bundle hash".into()))?,
                    size: u64::try_from(size).unwrap_or(0),
                    received_at_ms,
                    delivered_at_ms,
                    refused,
                });
            }
            Ok(out)
        })
    }

    /// The bytes of a bundle this phone carries and has not delivered yet, to hand to another
    /// runner.
    pub fn carried_bundle_bytes(&self, sha256: &Sha256) -> Result<Vec<u8>> {
        self.read(|c| {
            c.query_row(
                "SELECT bytes FROM carried_bundles WHERE sha256 = ?1 AND delivered_at_ms IS NULL",
                [sha256.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::CannotSend("no such bundle waits on this phone".into()))
        })
    }
}

impl Pass<'_> {
    /// Lane 3: the bundles this phone carries, oldest first, one request each.
    pub(crate) fn bundles(&mut self) -> std::result::Result<(), Stop> {
        loop {
            let next: Option<(Vec<u8>, Vec<u8>)> = self.store.read(|c| {
                Ok(c.query_row(
                    "SELECT sha256, bytes FROM carried_bundles WHERE delivered_at_ms IS NULL
                      ORDER BY received_at_ms, sha256 LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
            })?;
            let Some((sha, bytes)) = next else { return Ok(()) };
            let sha = Sha256::from_slice(&sha).map_err(|_| Error::Corrupt("stored bundle hash".into()))?;
            let request = Request {
                method: Method::Post,
                url: self.url("/v1/bundles"),
                headers: vec![("content-type".into(), "application/octet-stream".into())],
                timeout: timeout_for(bytes.len()),
                body: bytes,
            };
            let response = self.send(request)?;
            if response.status != 200 {
                return Err(self.unexpected(&response));
            }
            let result: BundleResult = serde_json::from_slice(&response.body).map_err(|_| {
                Stop::Link("the answer is not the server's (a proxy or captive portal?)", None)
            })?;
            let ack = &result.ack;
            if ack.verify(&self.cfg.server_key).is_err()
                || ack.ack.bundle_sha256 != sha
                || ack.ack.carrier_key_id != self.store.device().key_id
            {
                return Err(Stop::Link("a bundle's acknowledgment does not verify", None));
            }
            let now = now_ms();
            self.store.write(|tx| {
                tx.execute(
                    "UPDATE carried_bundles SET delivered_at_ms = ?2, refused = ?3, bytes = x'' WHERE sha256 = ?1",
                    params![sha.as_bytes().as_slice(), now, ack.ack.refused],
                )?;
                Ok(())
            })?;
            self.report.bundles_forwarded += 1;
        }
    }
}
