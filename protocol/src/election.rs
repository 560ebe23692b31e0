//! The election package: everything a phone needs to know about the election to capture actas
//! offline, and everything the server needs to check what the phones send.
//!
//! A package is versioned; a newer version replaces an older one on the phone (stations added,
//! assignment changed). The server tailors the `assignment` to each watcher.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The package format this crate reads and writes.
pub const PACKAGE_FORMAT: u32 = 1;

/// An election package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ElectionPackage {
    /// Always [`PACKAGE_FORMAT`]; a phone refuses a format it does not know.
    pub format: u32,
    /// Monotonic version of this election's package; a phone only moves forward.
    pub version: u64,
    /// The election itself.
    pub election: Election,
    /// The contests on the ballot; one acta is filled per contest and station.
    pub contests: Vec<Contest>,
    /// Polling centers, each in a region path.
    pub centers: Vec<PollingCenter>,
    /// Stations ("mesas"), the tables whose actas are captured.
    pub stations: Vec<Station>,
    /// The stations this watcher covers; absent in the coordinators' full package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    /// The coordinators' bundle key: a phone seals its outbox to it when the only way out is a
    /// file carried by hand ([`crate::bundle`]). The server sets it in each device's package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_key: Option<crate::keys::PublicKey>,
    /// The coordinators' SMS gateway numbers (international format, `+58…`): where a phone
    /// without a data link sends a record by SMS ([`crate::sms`]). Empty: no SMS intake.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sms_numbers: Vec<String>,
}

/// The election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Election {
    /// Stable id, chosen by the coordinators (e.g. `ve-2024-presidential`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Election day, `YYYY-MM-DD`.
    pub date: String,
    /// The election's time zone, as an IANA name (`America/Caracas`): coordinators and the
    /// public read times in it. Absent: UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// One contest (race) and the acta its stations fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Contest {
    /// Stable id, unique in the package.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Candidates; a candidate may appear on several ballot options (party lines).
    pub candidates: Vec<Candidate>,
    /// The ballot options in the order the acta prints them (the Venezuelan 2024 acta has 38
    /// party cards for 10 candidates). Counts are typed per option.
    pub options: Vec<BallotOption>,
    /// Further numbers the acta shows (null, blank, voters who voted, ballots unused…).
    pub count_fields: Vec<CountField>,
    /// The format of the QR code printed on this contest's actas, if they carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acta_qr: Option<QrFormat>,
}

/// A candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Candidate {
    /// Stable id, unique in the contest.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One box on the acta that receives a count: a candidate on one party's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BallotOption {
    /// Stable id, unique in the contest.
    pub id: String,
    /// The candidate this option's votes go to.
    pub candidate_id: String,
    /// The party (or card) label as printed on the acta.
    pub party: String,
}

/// An extra number on the acta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CountField {
    /// Stable id, unique in the contest (and distinct from every option id).
    pub id: String,
    /// What the number means; drives validation.
    pub kind: CountFieldKind,
    /// The label as printed on the acta.
    pub label: String,
}

/// What an extra count means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CountFieldKind {
    /// Null (spoiled) votes.
    Null,
    /// Blank votes.
    Blank,
    /// Voters who voted (ballots cast).
    VotersWhoVoted,
    /// Ballots left unused.
    BallotsUnused,
    /// Any other number the acta shows; not used in arithmetic checks.
    Other,
}

/// How the acta's QR code encodes its numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QrFormat {
    /// Venezuela's CNE 2024 acta: `<acta id>!<count>,<count>,…!<null>!<fourth>`, one count per
    /// party card in the order of the contest's `options` (see [`crate::qr`]).
    Venezuela2024,
}

/// A polling center ("centro de votación").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PollingCenter {
    /// Stable id, unique in the package.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Region path from the widest to the narrowest (state, municipality, parish…).
    pub region: Vec<String>,
}

/// A station ("mesa"): one table, one acta per contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Station {
    /// Stable id, unique in the package.
    pub id: String,
    /// The center the station is in.
    pub center_id: String,
    /// The table's number inside its center, as printed.
    pub number: u32,
    /// Voters registered at this table.
    pub registered_voters: u32,
}

/// The stations a watcher is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Assignment {
    /// Station ids.
    pub station_ids: Vec<String>,
}

/// Why a package was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// The package's format number is not one this build reads.
    #[error("package format {0} is not supported")]
    UnsupportedFormat(u32),
    /// An id is empty or appears twice where it must be unique.
    #[error("{kind} id {id:?} is empty or duplicated")]
    DuplicateId {
        /// What kind of thing carries the id.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// Something refers to an id that does not exist.
    #[error("{kind} {id:?} refers to a missing {target}")]
    DanglingReference {
        /// What kind of thing holds the reference.
        kind: &'static str,
        /// Its id.
        id: String,
        /// What kind of thing it refers to.
        target: &'static str,
    },
    /// A contest has no ballot options, or a count field kind appears twice.
    #[error("contest {0:?} is malformed: {1}")]
    BadContest(String, &'static str),
    /// The time zone is not written as an IANA name (`America/Caracas`).
    #[error("time zone {0:?} is not an IANA time zone name")]
    BadTimeZone(String),
}

impl ElectionPackage {
    /// Checks that the package is internally consistent: unique ids, no dangling references.
    pub fn validate(&self) -> Result<(), PackageError> {
        if self.format != PACKAGE_FORMAT {
            return Err(PackageError::UnsupportedFormat(self.format));
        }
        if let Some(zone) = &self.election.time_zone {
            // The shape of an IANA name; whether the zone exists is for whoever keeps a time
            // zone database (the server, on import).
            let shaped = !zone.is_empty()
                && zone.len() <= 64
                && zone.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
            if !shaped {
                return Err(PackageError::BadTimeZone(zone.clone()));
            }
        }
        let mut contest_ids = HashSet::new();
        for contest in &self.contests {
            unique(&mut contest_ids, "contest", &contest.id)?;
            if contest.options.is_empty() {
                return Err(PackageError::BadContest(contest.id.clone(), "no ballot options"));
            }
            let mut candidate_ids = HashSet::new();
            for candidate in &contest.candidates {
                unique(&mut candidate_ids, "candidate", &candidate.id)?;
            }
            let mut count_ids = HashSet::new();
            for option in &contest.options {
                unique(&mut count_ids, "ballot option", &option.id)?;
                if !candidate_ids.contains(option.candidate_id.as_str()) {
                    return Err(dangling("ballot option", &option.id, "candidate"));
                }
            }
            let mut kinds = HashSet::new();
            for field in &contest.count_fields {
                unique(&mut count_ids, "count field", &field.id)?;
                if field.kind != CountFieldKind::Other && !kinds.insert(field.kind) {
                    return Err(PackageError::BadContest(
                        contest.id.clone(),
                        "a count field kind appears twice",
                    ));
                }
            }
        }
        let mut center_ids = HashSet::new();
        for center in &self.centers {
            unique(&mut center_ids, "center", &center.id)?;
        }
        let mut station_ids = HashSet::new();
        for station in &self.stations {
            unique(&mut station_ids, "station", &station.id)?;
            if !center_ids.contains(station.center_id.as_str()) {
                return Err(dangling("station", &station.id, "center"));
            }
        }
        if let Some(assignment) = &self.assignment {
            for id in &assignment.station_ids {
                if !station_ids.contains(id.as_str()) {
                    return Err(dangling("assignment", id, "station"));
                }
            }
        }
        Ok(())
    }

    /// The contest with this id.
    pub fn contest(&self, id: &str) -> Option<&Contest> {
        self.contests.iter().find(|c| c.id == id)
    }

    /// The station with this id.
    pub fn station(&self, id: &str) -> Option<&Station> {
        self.stations.iter().find(|s| s.id == id)
    }

    /// The center with this id.
    pub fn center(&self, id: &str) -> Option<&PollingCenter> {
        self.centers.iter().find(|c| c.id == id)
    }

    /// Whether this watcher may capture actas for the station: any station when the package
    /// carries no assignment, otherwise only the assigned ones.
    pub fn is_assigned(&self, station_id: &str) -> bool {
        match &self.assignment {
            None => self.station(station_id).is_some(),
            Some(a) => a.station_ids.iter().any(|s| s == station_id),
        }
    }
}

impl Contest {
    /// The count field of this kind, if the acta has one.
    pub fn field_of_kind(&self, kind: CountFieldKind) -> Option<&CountField> {
        self.count_fields.iter().find(|f| f.kind == kind)
    }

    /// How the acta labels a field: a ballot option's party, an extra count's label; `None` for
    /// an id the contest lacks.
    pub fn field_label(&self, id: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.party.as_str())
            .or_else(|| self.count_fields.iter().find(|f| f.id == id).map(|f| f.label.as_str()))
    }
}

fn unique<'a>(seen: &mut HashSet<&'a str>, kind: &'static str, id: &'a str) -> Result<(), PackageError> {
    if id.is_empty() || !seen.insert(id) {
        return Err(PackageError::DuplicateId { kind, id: id.to_owned() });
    }
    Ok(())
}

fn dangling(kind: &'static str, id: &str, target: &'static str) -> PackageError {
    PackageError::DanglingReference { kind, id: id.to_owned(), target }
}
