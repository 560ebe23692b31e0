//! The end-to-end harness: a real server on loopback, the fault proxy in front of it, simulated
//! watchers (real phone cores, each in its own directory) behind it, and the invariants that must
//! hold when they are done.

use std::path::Path;

use testigo_core::Store;
use testigo_testkit::SampleElection;

/// Result type for harness steps.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The embedded server (see [`testigo_sim::server::LocalServer`]).
pub use testigo_sim::server::LocalServer as Server;

pub use testigo_sim::field::{SealedRecord, sealed_records};

/// Checks the delivery invariants for these phones against the server (see
/// [`testigo_sim::field::check_delivery`]): the server holds exactly the phones' sealed records,
/// each once; every declared photo is stored byte-exact with its receipt; every phone's outbox is
/// delivered and every receipt it holds verifies with the server key.
pub fn check_delivery(server: &Server, phones: &[&Store]) -> Result<DeliveryTotals> {
    let d = testigo_sim::field::check_delivery(server, phones)?;
    if !d.complete() {
        return Err(format!("delivery is not complete: {d:?}").into());
    }
    Ok(DeliveryTotals {
        records: usize::try_from(d.records_delivered)?,
        photos: usize::try_from(d.photos_delivered)?,
        receipts: usize::try_from(d.receipts)?,
    })
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

/// The authority's per-table results for `election` in Testigo's own CSV format: the truth of
/// every table, with `raised` votes added to the first party of table `table`.
pub fn official_csv(election: &SampleElection, table: usize, raised: u32) -> String {
    let Some(contest) = election.package.contests.first() else { return String::new() };
    let mut csv = String::from("table");
    for o in &contest.options {
        csv.push(',');
        csv.push_str(&o.id);
    }
    csv.push('\n');
    for (i, station) in election.package.stations.iter().enumerate() {
        let Some(acta) = election.acta(i) else { continue };
        let truth = testigo_testkit::sample::acta_counts(&acta);
        csv.push_str(&station.id);
        for (k, o) in contest.options.iter().enumerate() {
            let bump = if i == table && k == 0 { raised } else { 0 };
            csv.push_str(&format!(",{}", truth.counts.get(&o.id).copied().unwrap_or(0) + bump));
        }
        csv.push('\n');
    }
    csv
}
