//! What the coordinators' side reads and keeps: accounts and sessions, the region tree with its
//! aggregates, tables and captures in full, batches, devices. The [`Coordination`] trait, beside
//! [`super::Repo`] (the phones' side), implemented by the same storage.
//!
//! Every listing takes the coordinator's scope (a region path; `''` is everything) or returns
//! data the caller checks against it: handlers never show what lies outside a coordinator's
//! subtree.

use std::collections::BTreeMap;

use async_trait::async_trait;
use testigo_protocol::api::ReviewStatus;
use testigo_protocol::{KeyId, Sha256, SignedCapture, SignedReceipt, TimestampMs};

use super::RepoResult;

/// Whether a region `path` lies in the subtree of `scope` (`''` is everything).
pub fn within_scope(path: &str, scope: &str) -> bool {
    scope.is_empty() || path == scope || path.strip_prefix(scope).is_some_and(|rest| rest.starts_with('/'))
}

pub use super::accounts::{Account, AccountChange, AccountError, Coordinator, Role, SessionKind};

/// One node of the region tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionNode {
    /// Row id.
    pub id: i64,
    /// The parent (none for the root).
    pub parent_id: Option<i64>,
    /// 0 for the root.
    pub depth: u32,
    /// The region's name (`''` for the root).
    pub name: String,
    /// Names from the widest, joined by `/`.
    pub path: String,
    /// Stations beneath.
    pub stations: u64,
    /// Registered voters beneath.
    pub registered: u64,
}

/// What has arrived for a region's subtree (one contest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionStats {
    /// Tables whose acta counts (a current capture).
    pub stations_reported: u64,
    /// Registered voters at those tables.
    pub registered_reported: u64,
    /// Records received (all captures, corrections included).
    pub records: u64,
    /// Photos those records declare.
    pub photos_declared: u64,
    /// Photos received.
    pub photos_received: u64,
    /// Records that came with validation warnings.
    pub with_warnings: u64,
    /// What needs a coordinator's attention, in tables (see [`Attention`]).
    pub attention: Attention,
}

/// Tables that need a coordinator's attention, judged by the capture each counts with (the
/// tally worker keeps these with the tally).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attention {
    /// Its capture is not reviewed yet.
    pub unreviewed: u64,
    /// Its capture is disputed.
    pub disputed: u64,
    /// A photo its capture declares has not arrived.
    pub no_photo: u64,
    /// Its capture came with validation warnings (a correction without warnings clears it).
    pub warned: u64,
    /// Watchers on different phones sent different numbers for it.
    pub disagree: u64,
}

/// A region with its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    /// The node.
    pub node: RegionNode,
    /// Its numbers.
    pub stats: RegionStats,
}

/// A polling center with its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CenterRow {
    /// Center id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region path.
    pub region_path: String,
    /// Its tables.
    pub stations: u64,
    /// Registered voters.
    pub registered: u64,
    /// Tables with a counted capture.
    pub reported: u64,
    /// Records received for its tables.
    pub records: u64,
}

/// A region, where it sits, and what lies below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionView {
    /// The region.
    pub region: RegionRow,
    /// From the root down to the parent.
    pub ancestors: Vec<RegionNode>,
    /// Child regions.
    pub children: Vec<RegionRow>,
    /// Centers directly in this region (a leaf of the tree).
    pub centers: Vec<CenterRow>,
}

/// Arrivals in one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityPoint {
    /// Minutes since the epoch.
    pub minute: i64,
    /// Records received.
    pub records: u64,
    /// Photos received.
    pub photos: u64,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRow {
    /// Station id.
    pub id: String,
    /// Table number.
    pub number: u32,
    /// Registered voters.
    pub registered: u64,
    /// Its center.
    pub center_id: String,
    /// The center's name.
    pub center_name: String,
    /// The center's region path.
    pub region_path: String,
    /// The capture that counts, if any.
    pub current_pk: Option<i64>,
    /// Captures received for it.
    pub captures: u64,
    /// What it needs a coordinator for (each 0 or 1).
    pub flags: Attention,
}

/// One capture as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRow {
    /// Row id.
    pub pk: i64,
    /// The device.
    pub device_id: String,
    /// The capture's id.
    pub capture_id: String,
    /// The table.
    pub station_id: String,
    /// The contest.
    pub contest_id: String,
    /// Server time of arrival.
    pub received_at_ms: TimestampMs,
    /// Warnings the phone raised.
    pub warnings: u64,
    /// Review state.
    pub review_status: ReviewStatus,
    /// Photos declared.
    pub photos_declared: u64,
    /// Photos received.
    pub photos_received: u64,
    /// The capture (of the same device) that corrects this one.
    pub superseded_by: Option<i64>,
    /// The region path of its table.
    pub region_path: String,
}

/// One photo of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoDetail {
    /// Page.
    pub page: u32,
    /// SHA-256 of the photo.
    pub sha256: Sha256,
    /// Size in bytes.
    pub size: u64,
    /// The photo's receipt, once received.
    pub receipt: Option<SignedReceipt>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the log.
    pub seq: i64,
    /// When.
    pub at_ms: TimestampMs,
    /// Who.
    pub actor: String,
    /// What (`review`, `transcribe`, `desk`, `choose`, `contact`, `revoke`, `official_import`,
    /// `login`, …).
    pub action: String,
    /// The capture it is about, if any.
    pub capture_pk: Option<i64>,
    /// The details (from, to, comment).
    pub detail: serde_json::Value,
}

/// A capture in full, for the acta view.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureDetail {
    /// The capture as listed.
    pub row: CaptureRow,
    /// Whether it is the one its table counts with.
    pub counted: bool,
    /// The signed record.
    pub signed: SignedCapture,
    /// Its receipt.
    pub receipt: SignedReceipt,
    /// Its photos.
    pub photos: Vec<PhotoDetail>,
    /// Its table.
    pub station: StationRow,
    /// The correction chain of the same device, oldest first (this one included).
    pub history: Vec<CaptureRow>,
    /// Other captures of the same table and contest (other watchers, other corrections).
    pub others: Vec<(CaptureRow, BTreeMap<String, u32>)>,
    /// Review actions on it.
    pub audit: Vec<AuditEntry>,
    /// When its device was revoked, and why, if it was: what the device sent stays, marked.
    pub device_revoked: Option<(TimestampMs, String)>,
}

/// A device as coordinators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Device id (key id).
    pub id: String,
    /// Its first stations (at most five).
    pub stations: Vec<String>,
    /// How many stations it has.
    pub station_count: u64,
    /// When it enrolled.
    pub enrolled_at_ms: TimestampMs,
    /// When it was last heard from.
    pub last_seen_at_ms: Option<TimestampMs>,
    /// Records received from it.
    pub records: u64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<TimestampMs>,
    /// Who carries it, as coordinators noted it.
    pub contact: Option<DeviceContact>,
}

/// Who carries a phone (never public).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceContact {
    /// The watcher's name.
    pub name: String,
    /// Their phone number, as written.
    pub phone: String,
}

/// How many devices were heard from, and when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceSummary {
    /// Devices enrolled (in scope).
    pub total: u64,
    /// Heard from in the last 15 minutes.
    pub last_15_min: u64,
    /// Heard from in the last hour.
    pub last_hour: u64,
    /// Never heard from after enrolling.
    pub never: u64,
}

/// Which captures a batch listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFilter {
    /// All.
    All,
    /// With validation warnings.
    Warnings,
    /// Disputed.
    Disputed,
    /// Not reviewed yet.
    Unreviewed,
    /// A declared photo has not arrived.
    MissingPhoto,
    /// Its table's watchers sent different numbers from different phones.
    Disagree,
}

/// Which late tables a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateFilter {
    /// No acta counts for the table yet.
    NoActa,
    /// The acta that counts has a declared photo that has not arrived.
    NoPhoto,
    /// Watchers on different phones sent different numbers.
    Disagree,
    /// The acta that counts is not reviewed yet.
    Unreviewed,
    /// The acta that counts is disputed.
    Disputed,
    /// The acta that counts came with validation warnings.
    Warned,
}

impl LateFilter {
    /// The `station_flags` and `region_stats` column that marks such a table (none for
    /// [`LateFilter::NoActa`]: a table without an acta has no flags).
    pub fn flag(self) -> Option<&'static str> {
        Some(match self {
            LateFilter::NoActa => return None,
            LateFilter::NoPhoto => "no_photo",
            LateFilter::Disagree => "disagree",
            LateFilter::Unreviewed => "unreviewed",
            LateFilter::Disputed => "disputed",
            LateFilter::Warned => "warned",
        })
    }
}

/// What became of assigning a table to a phone, or taking it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    /// Done: the phone (this full id) learns of it through its feed.
    Changed(String),
    /// It was so already.
    Unchanged(String),
    /// No such table.
    NoStation,
    /// No phone has this id, or more than one starts with it.
    NoDevice,
    /// The phone is revoked: nothing is assigned to it any more.
    Revoked,
}

/// A device assigned to a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedDevice {
    /// Its id (key id).
    pub id: String,
    /// When it was last heard from.
    pub last_seen_at_ms: Option<TimestampMs>,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Who carries it, as coordinators noted it.
    pub contact: Option<DeviceContact>,
}

/// A table that is late, with the devices that should report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateTable {
    /// The table.
    pub station_id: String,
    /// Its number.
    pub number: u32,
    /// Its center.
    pub center_id: String,
    /// Its center's name.
    pub center_name: String,
    /// Its region path.
    pub region_path: String,
    /// The capture that counts, if one does (a table whose photo is missing).
    pub capture_pk: Option<i64>,
    /// Its devices, most recently heard from first.
    pub devices: Vec<AssignedDevice>,
    /// Where the next page starts.
    pub cursor: LateCursor,
}

/// A position in a late-table listing (ordered by region, center, table number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LateCursor {
    /// The center's region id.
    pub region_id: i64,
    /// The center's position in the election.
    pub center_position: i64,
    /// The table's number.
    pub number: u32,
}

impl LateCursor {
    /// As written in a page address (`region.position.number`).
    pub fn to_param(self) -> String {
        format!("{}.{}.{}", self.region_id, self.center_position, self.number)
    }

    /// From a page address; `None` for anything else.
    pub fn from_param(s: &str) -> Option<LateCursor> {
        let mut parts = s.splitn(3, '.');
        Some(LateCursor {
            region_id: parts.next()?.parse().ok()?,
            center_position: parts.next()?.parse().ok()?,
            number: parts.next()?.parse().ok()?,
        })
    }
}

/// The capture a coordinator chose to stand for its table, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChoice {
    /// The capture.
    pub capture_pk: i64,
    /// Why (as the coordinator wrote it).
    pub reason: String,
    /// Who chose.
    pub actor: String,
    /// When.
    pub at_ms: TimestampMs,
}

/// What became of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceOutcome {
    /// Kept (or, for none, the table counts with its latest capture again).
    Done,
    /// The capture is not a standing capture of this table (another table, corrected or
    /// rejected).
    NotStanding,
}

/// An enrollment code not used yet (the code itself is not kept: only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedCode {
    /// When it was made.
    pub created_at_ms: TimestampMs,
    /// The stations it enrolls a phone for.
    pub stations: Vec<String>,
}

/// A record that was not stored as a capture: refused at intake, or in conflict with an earlier
/// record of the same id (kept aside whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRecord {
    /// `conflict`, or the refusal code (`bad_signature`, `station_not_assigned`, …).
    pub code: String,
    /// The refusal's detail (empty for a conflict).
    pub detail: String,
    /// The device that sent it.
    pub device_id: String,
    /// The record's capture id.
    pub capture_id: String,
    /// The table it claims.
    pub station_id: String,
    /// When it arrived.
    pub received_at_ms: TimestampMs,
}

/// The coordinators' storage. See the module doc.
#[async_trait]
pub trait Coordination: Send + Sync + 'static {
    /// Creates an account with an already hashed password, audited as made by `actor`.
    async fn create_coordinator(
        &self,
        name: String,
        password_hash: String,
        scope_path: String,
        role: Role,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<i64, AccountError>>;

    /// Every account, by name.
    async fn accounts(&self) -> RepoResult<Vec<Account>>;

    /// Changes account `id` for `actor` (audited in the same write).
    async fn change_account(
        &self,
        id: i64,
        change: AccountChange,
        actor: Coordinator,
        now_ms: TimestampMs,
    ) -> RepoResult<Result<(), AccountError>>;

    /// The account with this name and its password hash.
    async fn coordinator_by_name(&self, name: String) -> RepoResult<Option<(Coordinator, String)>>;

    /// Opens a session (the token and CSRF value are random; only the token's hash is kept).
    async fn create_session(
        &self,
        token_hash: Sha256,
        kind: SessionKind,
        coordinator_id: i64,
        csrf: String,
        now_ms: TimestampMs,
        expires_at_ms: TimestampMs,
    ) -> RepoResult<()>;

    /// The live session of this kind with this token hash: its coordinator and CSRF value.
    async fn session(
        &self,
        token_hash: Sha256,
        kind: SessionKind,
        now_ms: TimestampMs,
    ) -> RepoResult<Option<(Coordinator, String)>>;

    /// Ends a session of this kind.
    async fn end_session(&self, token_hash: Sha256, kind: SessionKind) -> RepoResult<()>;

    /// The region with this path.
    async fn region_by_path(&self, path: String) -> RepoResult<Option<RegionNode>>;

    /// A region with its ancestors, children (or centers) and numbers for `contest`.
    async fn region_view(&self, region_id: i64, contest: String) -> RepoResult<Option<RegionView>>;

    /// Votes per field (ballot options and extra counts) over a region's subtree.
    async fn tally(&self, region_id: i64, contest: String) -> RepoResult<BTreeMap<String, i64>>;

    /// Arrivals per minute for a region since `since_minute`.
    async fn activity(&self, region_id: i64, since_minute: i64) -> RepoResult<Vec<ActivityPoint>>;

    /// A center and its tables.
    async fn center(
        &self,
        center_id: String,
        contest: String,
    ) -> RepoResult<Option<(CenterRow, Vec<StationRow>)>>;

    /// A table and every capture of it for `contest`, newest first.
    async fn station(
        &self,
        station_id: String,
        contest: String,
    ) -> RepoResult<Option<(StationRow, Vec<CaptureRow>)>>;

    /// A capture in full.
    async fn capture_detail(&self, pk: i64) -> RepoResult<Option<CaptureDetail>>;

    /// Captures in `scope`, newest first, before `before_pk`, at most `limit`.
    async fn batches(
        &self,
        scope: String,
        filter: BatchFilter,
        before_pk: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<CaptureRow>>;

    /// Devices with a station in `scope`: how many were seen when, and `limit` of them, those
    /// silent longest first (never seen before any; revoked ones last).
    async fn devices(
        &self,
        scope: String,
        now_ms: TimestampMs,
        limit: usize,
    ) -> RepoResult<(DeviceSummary, Vec<DeviceRow>)>;

    /// The row id of the capture a review target names: `Err(NotFound)` or `Err(Ambiguous)`.
    async fn find_capture(
        &self,
        target: super::ReviewTarget,
    ) -> RepoResult<Result<i64, super::ReviewOutcome>>;

    /// Whether the photo `sha256` was received for a capture in `scope` (and so may be shown).
    /// A record that merely declares a photo does not make it visible: its bytes must have
    /// arrived for that capture.
    async fn photo_in_scope(&self, sha256: Sha256, scope: String) -> RepoResult<bool>;

    /// The regions a device reports from (one per station's place), or `None` for no such
    /// device.
    async fn device_regions(&self, device: KeyId) -> RepoResult<Option<Vec<String>>>;

    /// Tables under the region `path` for `contest` that `filter` calls late, in the order of
    /// the region tree and the centers, after `after`, at most `limit`, each with its devices.
    async fn late_tables(
        &self,
        path: String,
        contest: String,
        filter: LateFilter,
        after: Option<LateCursor>,
        limit: usize,
    ) -> RepoResult<Vec<LateTable>>;

    /// The capture chosen to stand for a table, if a coordinator chose one.
    async fn table_choice(&self, station: String, contest: String) -> RepoResult<Option<TableChoice>>;

    /// Makes `capture_pk` the capture its table counts with (`None`: the latest again), with
    /// the reason, audited, and the table queued for the tally worker; in one transaction.
    async fn choose_capture(
        &self,
        station: String,
        contest: String,
        capture_pk: Option<i64>,
        reason: String,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<ChoiceOutcome>;

    /// The phones assigned to a table, most recently heard from first (at most ten).
    async fn station_devices(&self, station_id: String) -> RepoResult<Vec<AssignedDevice>>;

    /// Assigns a table to the phone whose id is or starts with `device` (at least six
    /// characters), or takes it away, audited as done by `actor`; the phone's feed announces its
    /// new package, so it learns at its next sync.
    async fn set_assignment(
        &self,
        station_id: String,
        device: String,
        assigned: bool,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<AssignOutcome>;

    /// Notes who carries `device` (`None` forgets it), audited (without the details).
    async fn set_device_contact(
        &self,
        device: String,
        contact: Option<DeviceContact>,
        actor: String,
        now_ms: TimestampMs,
    ) -> RepoResult<bool>;

    /// Whether tables count only with a verified capture.
    async fn tally_verified_only(&self) -> RepoResult<bool>;

    /// Sets whether tables count only with a verified capture, audited; when it changes, every
    /// table is queued for the tally worker to choose its capture again.
    async fn set_tally_verified_only(&self, on: bool, actor: String, now_ms: TimestampMs) -> RepoResult<()>;

    /// The audit log, newest first, before `before_seq`, at most `limit`; with `query`, only
    /// entries whose actor, action or details contain it (ignoring case), or whose action is
    /// one of `actions` (those whose name in the reader's language matches the query).
    async fn audit_log(
        &self,
        query: Option<String>,
        actions: Vec<String>,
        before_seq: Option<i64>,
        limit: usize,
    ) -> RepoResult<Vec<AuditEntry>>;

    /// How many enrollment codes were made and used, and the `limit` newest unused ones.
    async fn enrollment_codes(&self, limit: usize) -> RepoResult<(u64, u64, Vec<UnusedCode>)>;

    /// Refused and conflicting records whose claimed table lies in `scope` (for the whole
    /// election, also those naming no known table), newest first, at most `limit`.
    async fn refused_records(&self, scope: String, limit: usize) -> RepoResult<Vec<RefusedRecord>>;
}
