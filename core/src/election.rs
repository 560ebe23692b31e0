//! Installing the election package and listing the watcher's stations (each with its
//! [`ReportingStatus`], worked out in `status.rs`).

use rusqlite::OptionalExtension;
use testigo_protocol::ElectionPackage;

use crate::error::{Error, Result};
use crate::status::{ReportingStatus, station_status};
use crate::store::{Store, now_ms};

/// What [`Store::install_package`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PackageInstall {
    /// There was no package; this one is now installed.
    Installed,
    /// An older version was replaced.
    Updated {
        /// The version that was installed before.
        from: u64,
    },
    /// This exact package was already installed.
    Unchanged,
}

/// One of the watcher's stations and how it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StationStatus {
    /// The station id.
    pub station_id: String,
    /// The table number.
    pub number: u32,
    /// The center's name.
    pub center_name: String,
    /// The center's region path.
    pub region: Vec<String>,
    /// Voters registered at the table.
    pub registered_voters: u32,
    /// Reporting status of its latest capture.
    pub status: ReportingStatus,
}

impl Store {
    /// Installs or updates the election package from its JSON bytes.
    pub fn install_package_json(&self, json: &[u8]) -> Result<PackageInstall> {
        let package: ElectionPackage =
            serde_json::from_slice(json).map_err(|e| Error::PackageJson(e.to_string()))?;
        self.install_package(&package)
    }

    /// Installs or updates the election package. A package only moves forward: an older version
    /// is refused, and a package for another election is refused once captures exist.
    pub fn install_package(&self, package: &ElectionPackage) -> Result<PackageInstall> {
        self.install(package, false)
    }

    /// Installs the package the enrolled server sent. The server tailors packages per device (its
    /// stations, its assignment), so a package of the same version with other content replaces
    /// the installed one; older versions and other elections are refused as always.
    pub(crate) fn install_server_package(&self, json: &[u8]) -> Result<PackageInstall> {
        let package: ElectionPackage =
            serde_json::from_slice(json).map_err(|e| Error::PackageJson(e.to_string()))?;
        self.install(&package, true)
    }

    fn install(&self, package: &ElectionPackage, server_is_authority: bool) -> Result<PackageInstall> {
        package.validate()?;
        let json = serde_json::to_string(package).map_err(Error::internal)?;
        self.write(|tx| {
            let current: Option<(String, u64, String)> = tx
                .query_row("SELECT election_id, version, package_json FROM election_package", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let outcome = match current {
                None => PackageInstall::Installed,
                Some((election, version, old_json)) => {
                    if election != package.election.id {
                        let captures: i64 =
                            tx.query_row("SELECT count(*) FROM captures", [], |r| r.get(0))?;
                        if captures > 0 {
                            return Err(Error::OtherElection);
                        }
                        PackageInstall::Installed
                    } else if package.version < version {
                        return Err(Error::StalePackage { installed: version, offered: package.version });
                    } else if package.version == version {
                        if old_json == json {
                            return Ok(PackageInstall::Unchanged);
                        }
                        if !server_is_authority {
                            return Err(Error::ConflictingPackage(version));
                        }
                        PackageInstall::Updated { from: version }
                    } else {
                        PackageInstall::Updated { from: version }
                    }
                }
            };
            tx.execute(
                "INSERT INTO election_package (id, election_id, version, package_json, installed_at_ms)
                 VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET election_id = excluded.election_id,
                    version = excluded.version, package_json = excluded.package_json,
                    installed_at_ms = excluded.installed_at_ms",
                rusqlite::params![package.election.id, package.version, json, now_ms()],
            )?;
            Ok(outcome)
        })
    }

    /// The installed package, if any.
    pub fn package(&self) -> Result<Option<ElectionPackage>> {
        self.read(load_package)
    }

    /// The watcher's stations (the assigned ones, or all when the package assigns none) in
    /// package order, each with the reporting status of its latest capture.
    pub fn stations(&self) -> Result<Vec<StationStatus>> {
        self.read(|c| {
            let package = load_package(c)?.ok_or(Error::NoPackage)?;
            let mut out = Vec::new();
            for station in package.stations.iter().filter(|s| package.is_assigned(&s.id)) {
                let status = station_status(c, &station.id)?;
                let center = package.center(&station.center_id);
                out.push(StationStatus {
                    station_id: station.id.clone(),
                    number: station.number,
                    center_name: center.map(|c| c.name.clone()).unwrap_or_default(),
                    region: center.map(|c| c.region.clone()).unwrap_or_default(),
                    registered_voters: station.registered_voters,
                    status,
                });
            }
            Ok(out)
        })
    }
}

pub(crate) fn load_package(c: &rusqlite::Connection) -> Result<Option<ElectionPackage>> {
    let json: Option<String> =
        c.query_row("SELECT package_json FROM election_package", [], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|_| Error::Corrupt("stored election package".into())))
        .transpose()
}
