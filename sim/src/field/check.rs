//! The end of the night against the truth the simulation knows.
//!
//! [`check_delivery`] compares what every phone sealed with what the server holds: every sealed
//! record exactly once, every declared photo byte-exact, every outbox item delivered, and a
//! receipt that verifies with the server's key for each record and photo. The end-to-end suite
//! holds its runs to the same invariants. [`against_the_truth`] adds what only the night knows:
//! the tally the server shows must equal the sum of every station's acta, field by field.

use std::collections::{BTreeMap, BTreeSet};

use testigo_core::{OutboxState, Store};
use testigo_protocol::Sha256;
use testigo_testkit::SampleElection;
use testigo_testkit::sample::{CONTEST_ID, acta_counts};

use super::Result;
use crate::server::LocalServer;

/// What the delivery check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Sealed records on the phones.
    pub records_sealed: u64,
    /// Those the server holds.
    pub records_delivered: u64,
    /// Photos the phones' records declare.
    pub photos_sealed: u64,
    /// Those the server holds, byte-exact.
    pub photos_delivered: u64,
    /// Records the server holds more than once, or holds without any phone having sealed them.
    pub duplicates: u64,
    /// Photos the server holds whose bytes do not hash to what the record declares.
    pub hash_mismatches: u64,
    /// Outbox items on the phones that are not delivered.
    pub undelivered_items: u64,
    /// Receipts the phones hold that verify with the server key (one is due for every record
    /// and every photo).
    pub receipts: u64,
    /// Receipts that do not verify with the server key.
    pub bad_receipts: u64,
}

impl Delivery {
    /// Whether everything arrived once, intact, with its proof.
    pub fn complete(&self) -> bool {
        self.records_delivered == self.records_sealed
            && self.photos_delivered == self.photos_sealed
            && self.duplicates == 0
            && self.hash_mismatches == 0
            && self.undelivered_items == 0
            && self.bad_receipts == 0
            && self.receipts == self.records_sealed + self.photos_sealed
    }
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
        let Some(signed) = store.capture(summary.id)?.signed else { continue };
        out.push(SealedRecord {
            device: store.device().key_id.to_string(),
            capture: summary.id.to_string(),
            record_sha256: signed.record.record_sha256(),
            photos: signed.record.photos.iter().map(|p| p.sha256).collect(),
        });
    }
    Ok(out)
}

/// Compares what the phones sealed with what the server holds (see [`Delivery`]).
pub fn check_delivery(server: &LocalServer, phones: &[&Store]) -> Result<Delivery> {
    let mut d = Delivery::default();
    let mut sealed: BTreeMap<(String, String), Sha256> = BTreeMap::new();
    let mut declared: BTreeSet<(String, String, Sha256)> = BTreeSet::new();
    let key = server.key();
    for store in phones {
        for r in sealed_records(store)? {
            for p in &r.photos {
                declared.insert((r.device.clone(), r.capture.clone(), *p));
            }
            sealed.insert((r.device, r.capture), r.record_sha256);
        }
        d.undelivered_items += store.outbox()?.iter().filter(|i| i.state != OutboxState::Done).count() as u64;
        for r in store.receipts(None)? {
            if r.receipt.verify(&key).is_ok() {
                d.receipts += 1;
            } else {
                d.bad_receipts += 1;
            }
        }
    }
    d.records_sealed = sealed.len() as u64;
    d.photos_sealed = declared.len() as u64;
    let db = server.db()?;
    let mut seen = BTreeSet::new();
    let mut stmt = db.prepare("SELECT device_id, capture_id, record_sha256 FROM captures")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))?
    {
        let (device, capture, sha) = row?;
        let sha = Sha256::from_slice(&sha)?;
        let key = (device, capture);
        if sealed.get(&key) == Some(&sha) && seen.insert(key) {
            d.records_delivered += 1;
        } else {
            d.duplicates += 1;
        }
    }
    let mut stmt = db.prepare(
        "SELECT c.device_id, c.capture_id, p.sha256 FROM capture_photos p JOIN captures c ON c.pk = p.capture_pk
          WHERE p.receipt_json IS NOT NULL",
    )?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))?
    {
        let (device, capture, sha) = row?;
        let sha = Sha256::from_slice(&sha)?;
        let bytes = server.block_on(server.state.blobs.get(&sha))?;
        match bytes {
            Some(b) if Sha256::digest(&b) == sha && declared.contains(&(device, capture, sha)) => {
                d.photos_delivered += 1
            }
            _ => d.hash_mismatches += 1,
        }
    }
    Ok(d)
}

/// What the end of the night found.
pub(super) struct Verdict {
    /// Delivery, as checked.
    pub(super) delivery: Delivery,
    /// Tables the server counts.
    pub(super) tables_reported: u64,
    /// Fields where the server's tally is not the sum of the actas: (field, server, truth).
    pub(super) tally_differences: Vec<(String, i64, i64)>,
}

/// Lets the tally take in the last arrivals.
pub(super) fn settle_tally(server: &LocalServer) -> Result<()> {
    server.block_on(testigo_server::repo::settle_tally(
        server.state.repo.as_ref(),
        testigo_server::TALLY_BATCH,
    ))?;
    Ok(())
}

/// Checks the phones' `stores` and the server against `election`'s truth (after
/// [`settle_tally`]).
pub(super) fn against_the_truth(
    server: &LocalServer,
    election: &SampleElection,
    stores: &[&Store],
) -> Result<Verdict> {
    let delivery = check_delivery(server, stores)?;
    let (tables_reported, _, _) = server_counts(server)?;
    let root = server.block_on(server.state.coord.region_by_path(String::new()))?.ok_or("no root")?;
    let tally = server.block_on(server.state.coord.tally(root.id, CONTEST_ID.into()))?;
    let mut truth: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..election.package.stations.len() {
        let spec = election.acta(i).ok_or("acta")?;
        let c = acta_counts(&spec);
        for (k, v) in c.counts.into_iter().chain(c.extra) {
            *truth.entry(k).or_default() += i64::from(v);
        }
    }
    let fields: BTreeSet<&String> = truth.keys().chain(tally.keys()).collect();
    let tally_differences = fields
        .into_iter()
        .filter_map(|f| {
            let (a, b) = (tally.get(f).copied().unwrap_or(0), truth.get(f).copied().unwrap_or(0));
            (a != b).then(|| (f.clone(), a, b))
        })
        .collect();
    Ok(Verdict { delivery, tables_reported, tally_differences })
}

/// What the server's dashboard shows for the whole election: tables reported, records held and
/// photos received.
pub(super) fn server_counts(server: &LocalServer) -> Result<(u64, u64, u64)> {
    let root = server.block_on(server.state.coord.region_by_path(String::new()))?.ok_or("no region tree")?;
    let view =
        server.block_on(server.state.coord.region_view(root.id, CONTEST_ID.into()))?.ok_or("no root")?;
    let s = view.region.stats;
    Ok((s.stations_reported, s.records, s.photos_received))
}

/// Which way what the server holds came (see [`super::Channels`]), from the server's logs; what
/// the SMS carrier and the phones saw is the night's to add.
pub(super) fn channels(server: &LocalServer, plan: &super::plan::Plan) -> Result<super::Channels> {
    let db = server.db()?;
    let one = |sql: &str| -> Result<u64> {
        Ok(db.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(0).max(0) as u64)
    };
    let (_, records, photos) = server_counts(server)?;
    Ok(super::Channels {
        cut_watchers: plan.watchers.iter().filter(|w| w.runner.is_some()).count() as u64,
        runners: plan.runners.len() as u64,
        records,
        records_by_sms: one("SELECT count(*) FROM sms_records")?,
        records_by_bundle: one("SELECT sum(records_stored) FROM bundle_imports")?,
        photos,
        photos_by_bundle: one("SELECT sum(photos_stored) FROM bundle_imports")?,
        bundles: one("SELECT count(*) FROM bundle_imports WHERE refused IS NULL")?,
        sms: crate::sms::CarrierStats::default(),
        receipts_by_sms: 0,
    })
}
