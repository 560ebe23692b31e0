//! What is public, and the public's reads: the [`Publishing`] trait beside [`super::Repo`] and
//! [`super::Coordination`], implemented by the same storage.
//!
//! The rules every implementation keeps: the publication history only grows (an act is never
//! changed or removed); a capture is published at most once and withdrawn at most once; the
//! capture that stands publicly for a table is its latest publication not withdrawn; every act
//! updates the standing capture and the published sums per region in the same transaction, so a
//! reader never sees a table counted in one and not the other. The coordinator's name is kept
//! with each act for the audit and never returned by a public read.

use std::collections::BTreeMap;

use async_trait::async_trait;
use testigo_protocol::TimestampMs;
use testigo_protocol::publication::{PublicCursor, PublicationEntry, PublishedHow, PublishedTable};

use super::RepoResult;
use super::coord::RegionNode;

/// What to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishTarget {
    /// One capture (by row id), whatever the table's standing capture is.
    Capture(i64),
    /// The capture a table counts with now.
    Station(String),
    /// The capture every table in a region's subtree counts with now (`''`: the whole election).
    Region(String),
}

/// What a publication did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Captures published now.
    pub published: u64,
    /// Captures that were already published.
    pub already: u64,
    /// Tables named that have no capture to publish (nothing arrived, or only rejected ones).
    pub nothing: u64,
    /// The publication's last `seq` afterwards.
    pub seq: u64,
}

/// What a withdrawal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithdrawOutcome {
    /// Withdrawn; the entry is public.
    Withdrawn(PublicationEntry),
    /// The capture was never published.
    NotPublished,
    /// The capture was withdrawn before.
    AlreadyWithdrawn,
}

/// A region's published numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicStats {
    /// Tables with a standing published capture.
    pub stations: u64,
    /// Registered voters at those tables.
    pub registered: u64,
}

/// A region with its published numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRegionRow {
    /// The node (its `stations` and `registered` are all the tables beneath, published or not).
    pub node: RegionNode,
    /// What is published beneath it.
    pub stats: PublicStats,
}

/// A center with its published numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicCenterRow {
    /// Center id (its code).
    pub id: String,
    /// Name.
    pub name: String,
    /// Its region's path.
    pub region_path: String,
    /// Its tables.
    pub stations: u64,
    /// Registered voters.
    pub registered: u64,
    /// Tables with a standing published capture.
    pub published: u64,
}

/// A region as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRegion {
    /// The region.
    pub region: PublicRegionRow,
    /// From the root down to the parent.
    pub ancestors: Vec<RegionNode>,
    /// Child regions.
    pub children: Vec<PublicRegionRow>,
    /// Centers directly in it.
    pub centers: Vec<PublicCenterRow>,
    /// Published votes per field (ballot options and extra counts) beneath it.
    pub votes: BTreeMap<String, i64>,
}

/// One table of a center as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStationRow {
    /// Station id (its code).
    pub id: String,
    /// Table number.
    pub number: u32,
    /// Registered voters.
    pub registered: u64,
    /// The standing publication, if any.
    pub standing_seq: Option<u64>,
}

/// A center and its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicCenter {
    /// The center.
    pub center: PublicCenterRow,
    /// Its region, root first, itself last.
    pub region: Vec<RegionNode>,
    /// Its tables, by number.
    pub stations: Vec<PublicStationRow>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchHit {
    /// A table (its id, number, center name).
    Station {
        /// Its id.
        id: String,
        /// Its number.
        number: u32,
        /// Its center's name.
        center: String,
    },
    /// A center.
    Center {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
        /// Its region path.
        region_path: String,
    },
    /// A region.
    Region(RegionNode),
}

/// A table as the open data lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataRow {
    /// Station id.
    pub station_id: String,
    /// Table number.
    pub number: u32,
    /// Its center's id.
    pub center_id: String,
    /// Its center's name.
    pub center_name: String,
    /// Its center's region path.
    pub region_path: String,
    /// Registered voters.
    pub registered: u64,
    /// The standing publication, if any.
    pub standing: Option<OpenDataCapture>,
}

/// The standing capture of a table, as the open data lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataCapture {
    /// The publication's seq.
    pub seq: u64,
    /// The capture's id.
    pub capture_id: String,
    /// The device's key id.
    pub device_key_id: String,
    /// Its review state.
    pub review: String,
    /// SHA-256 of the record's canonical bytes.
    pub record_sha256: testigo_protocol::Sha256,
    /// Counts per field (options and extra counts).
    pub counts: BTreeMap<String, i64>,
    /// SHA-256 of each photo received, in page order.
    pub photos: Vec<testigo_protocol::Sha256>,
}

/// Publication and the public's reads. See the module doc.
#[async_trait]
pub trait Publishing: Send + Sync + 'static {
    /// Publishes what `target` names for `contest`, each capture once, with `how` and `actor`.
    async fn publish(
        &self,
        target: PublishTarget,
        contest: String,
        how: PublishedHow,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<PublishReport>;

    /// Withdraws the published capture `capture_pk`, publicly, with `reason`.
    async fn withdraw(
        &self,
        capture_pk: i64,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<WithdrawOutcome>;

    /// Whether verifying a capture publishes it.
    async fn publish_on_verification(&self) -> RepoResult<bool>;

    /// Sets whether verifying a capture publishes it (from now on; nothing is withdrawn),
    /// audited as set by `actor`.
    async fn set_publish_on_verification(
        &self,
        on: bool,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// A number that grows whenever anything a public page shows may have changed: an act of
    /// publication, a review (a published capture's state is shown), a photo received (a
    /// published capture's photo may arrive after it). Every public page is a function of the
    /// election and this number, so it makes their validator.
    async fn public_version(&self) -> RepoResult<PublicCursor>;

    /// The tables whose public pages may have changed since `since`: published or withdrawn,
    /// a published capture reviewed, a published capture's photo received.
    async fn changed_tables(&self, since: PublicCursor) -> RepoResult<Vec<String>>;

    /// One row per table for the open data, in the election's order.
    async fn open_data(&self, contest: String) -> RepoResult<Vec<OpenDataRow>>;

    /// Every act of publication with the signed record and receipt as stored (raw JSON), oldest
    /// first: the open data's record file.
    async fn published_records(&self) -> RepoResult<Vec<(PublicationEntry, String, String)>>;

    /// The region with this id (the root for `None`), its children and centers, and its
    /// published numbers.
    async fn public_region(
        &self,
        region_id: Option<i64>,
        contest: String,
    ) -> RepoResult<Option<PublicRegion>>;

    /// A center and its tables.
    async fn public_center(&self, center_id: String, contest: String) -> RepoResult<Option<PublicCenter>>;

    /// A table's publication (every capture ever published for it); `None` for no such table.
    /// A table with nothing published has an empty list.
    async fn public_table(&self, station_id: String, contest: String) -> RepoResult<Option<PublishedTable>>;

    /// A table's publication and its center's regions (widest first, without the whole
    /// election), in one read: what the table's page shows. `None` for no such table.
    async fn public_table_page(
        &self,
        station_id: String,
        contest: String,
    ) -> RepoResult<Option<(PublishedTable, Vec<crate::repo::coord::RegionNode>)>>;

    /// Tables, centers and regions whose code starts with `query` or whose name contains it
    /// (case-insensitive), at most `limit`.
    async fn public_search(&self, query: String, limit: usize) -> RepoResult<Vec<SearchHit>>;

    /// Whether the photo `sha256` is public: its bytes were received for a published capture.
    async fn photo_is_public(&self, sha256: testigo_protocol::Sha256) -> RepoResult<bool>;

    /// Replaces the voter-to-table look-up with `voters` (keyed hashes of voter ID numbers and
    /// their table ids; empty turns the look-up off). Tables the election does not have are
    /// refused, all of them named, and nothing changes.
    async fn replace_voters(
        &self,
        voters: Vec<(testigo_protocol::Sha256, String)>,
    ) -> RepoResult<Result<u64, Vec<String>>>;

    /// Whether the voter look-up is on (a voter file is imported).
    async fn voter_lookup_on(&self) -> RepoResult<bool>;

    /// The table of the voter whose keyed ID hash is `voter_hash`, if the election has it.
    async fn voter_table(&self, voter_hash: testigo_protocol::Sha256) -> RepoResult<Option<String>>;

    /// The acts of publication after `after_seq`, oldest first, at most `limit`.
    async fn publications(&self, after_seq: u64, limit: usize) -> RepoResult<Vec<PublicationEntry>>;
}
