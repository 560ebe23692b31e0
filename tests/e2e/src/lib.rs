//! The end-to-end harness: a real server on loopback, the fault proxy in front of it, simulated
//! watchers (real phone cores, each in its own directory) behind it, and the invariants that must
//! hold when they are done.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use testigo_core::{OutboxState, Store};
use testigo_protocol::Sha256;
use testigo_sim::SampleElection;

/// Result type for harness steps.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The embedded server (see [`testigo_sim::server::LocalServer`]).
pub use testigo_sim::server::LocalServer as Server;

/// A read-only connection to the server's database, for checking what it holds.
pub fn server_db(server: &Server) -> Result<rusqlite::Connection> {
    Ok(rusqlite::Connection::open_with_flags(
        server.dir.path().join("testigo-server.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?)
}

/// What a phone sealed, as the server must end up holding it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SealedRecord {
    /// The device key id.
    pub device: String,
    /// The capture id.
    pub capture: String,
    /// SHA-256 of the record's canonical bytes.
    pub record_sha256: Sha256,
    /// The photos' SHA-256, in page order.
    pub photos: Vec<Sha256>,
}

/// Every sealed capture in a phone's store.
pub fn sealed_records(store: &Store) -> Result<Vec<SealedRecord>> {
    let mut out = Vec::new();
    for summary in store.captures()? {
        let capture = store.capture(summary.id)?;
        let Some(signed) = capture.signed else { continue };
        out.push(SealedRecord {
            device: store.device().key_id.to_string(),
            capture: summary.id.to_string(),
            record_sha256: signed.record.record_sha256(),
            photos: signed.record.photos.iter().map(|p| p.sha256).collect(),
        });
    }
    Ok(out)
}

/// Checks the delivery invariants for these phones against the server:
///
/// - the server holds exactly the phones' sealed records (each once, byte-identical hashes),
///   and nothing else;
/// - every declared photo is stored, its bytes hashing to the declared SHA-256, with a receipt;
/// - every phone's outbox is delivered, and it holds a receipt for every item that verifies with
///   the server key and names that item.
pub fn check_delivery(server: &Server, phones: &[&Store]) -> Result<DeliveryTotals> {
    let db = server_db(server)?;
    let mut expected = BTreeSet::new();
    let mut photos = BTreeMap::new();
    for store in phones {
        for r in sealed_records(store)? {
            for p in &r.photos {
                photos.insert((r.device.clone(), r.capture.clone(), *p), ());
            }
            expected.insert((r.device, r.capture, r.record_sha256));
        }
    }
    let mut held = BTreeSet::new();
    let mut stmt = db.prepare("SELECT device_id, capture_id, record_sha256 FROM captures")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))?;
    let mut count = 0;
    for row in rows {
        let (d, c, sha) = row?;
        held.insert((d, c, Sha256::from_slice(&sha)?));
        count += 1;
    }
    if count != held.len() {
        return Err("the server holds a record twice".into());
    }
    if held != expected {
        let missing = expected.difference(&held).count();
        let extra = held.difference(&expected).count();
        return Err(format!("server and phones disagree: {missing} missing, {extra} unexpected").into());
    }
    let mut stmt = db.prepare(
        "SELECT c.device_id, c.capture_id, p.sha256, p.receipt_json IS NOT NULL FROM capture_photos p
           JOIN captures c ON c.pk = p.capture_pk",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, bool>(3)?))
    })?;
    let mut photo_count = 0;
    for row in rows {
        let (d, c, sha, received) = row?;
        let sha = Sha256::from_slice(&sha)?;
        if !received {
            return Err(format!("photo {sha} of capture {c} was not received").into());
        }
        if photos.remove(&(d, c, sha)).is_none() {
            return Err("the server holds a photo no phone declared".into());
        }
        let bytes = server.block_on(server.state.blobs.get(&sha))?.ok_or("a received photo is not stored")?;
        if Sha256::digest(&bytes) != sha {
            return Err(format!("stored photo {sha} does not hash to its name").into());
        }
        photo_count += 1;
    }
    if !photos.is_empty() {
        return Err(format!("{} declared photos are not on the server", photos.len()).into());
    }
    let key = server.key();
    let mut receipts = 0;
    for store in phones {
        let outbox = store.outbox()?;
        if let Some(item) = outbox.iter().find(|i| i.state != OutboxState::Done) {
            return Err(format!("an outbox item is {:?}: {:?}", item.state, item.last_error).into());
        }
        let held = store.receipts(None)?;
        if held.len() != outbox.len() {
            return Err(format!("{} receipts for {} outbox items", held.len(), outbox.len()).into());
        }
        for r in held {
            r.receipt
                .verify(&key)
                .map_err(|e| format!("a phone holds a receipt that does not verify: {e}"))?;
            receipts += 1;
        }
    }
    Ok(DeliveryTotals { records: expected.len(), photos: photo_count, receipts })
}

/// What [`check_delivery`] counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryTotals {
    /// Records on the server.
    pub records: usize,
    /// Photos on the server.
    pub photos: usize,
    /// Receipts held by the phones.
    pub receipts: usize,
}

/// Station ids of `election`, `per_phone` consecutive stations per phone.
pub fn assignments(election: &SampleElection, phones: usize, per_phone: usize) -> Vec<Vec<String>> {
    (0..phones)
        .map(|p| {
            (0..per_phone)
                .filter_map(|k| election.package.stations.get(p * per_phone + k).map(|s| s.id.clone()))
                .collect()
        })
        .collect()
}

/// A directory for phone `i` under `root`.
pub fn phone_dir(root: &Path, i: usize) -> std::path::PathBuf {
    root.join(format!("phone-{i:03}"))
}
