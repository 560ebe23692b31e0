//! `testigo publish`: publishing tables, regions and captures by hand, withdrawing, what counts
//! and what verification publishes, the voter look-up, and the static mirror.

use std::path::PathBuf;

use clap::Subcommand;
use testigo_server::{Limits, open_existing_data_dir};

use crate::say::{n as n_, say};
use crate::server::runtime;

/// `publish` subcommands.
#[derive(Subcommand)]
pub enum PublishCommand {
    /// Publishes the capture a table counts with now.
    Table {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The table's id.
        station: String,
        /// Who publishes, for the audit (never published).
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
    /// Publishes the capture every table of a region (and below) counts with now.
    Region {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The region's path (names from the widest, joined by `/`; `""` for the whole election).
        path: String,
        /// Who publishes, for the audit (never published).
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
    /// Publishes one capture, whatever its table counts with.
    Capture {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The capture's id (UUID).
        capture: uuid::Uuid,
        /// The device's id, if two devices used the same capture id.
        #[arg(long)]
        device: Option<String>,
        /// Who publishes, for the audit (never published).
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
    /// Withdraws a published capture: it stays on view, marked, with the reason (published).
    Withdraw {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The capture's id (UUID).
        capture: uuid::Uuid,
        /// The device's id, if two devices used the same capture id.
        #[arg(long)]
        device: Option<String>,
        /// Why (published with the withdrawal).
        #[arg(long)]
        reason: String,
        /// Who withdraws, for the audit (never published).
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
    /// Writes the whole portal as static files (pages, data, photos, open data, a signed
    /// manifest) that any static host, mirror or USB stick can serve; run again, it updates only
    /// what changed.
    Export {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The directory to write the mirror to (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Whether tables count only with a verified capture (off by default: each counts with its
    /// latest standing capture).
    CountVerifiedOnly {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Whether verifying a capture publishes it (on by default).
    OnVerification {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Turns on the portal's look-up of a voter's table by ID number, from a CSV file with the
    /// header `voter_id,station_id` (replacing any earlier file; only keyed hashes of the
    /// numbers are kept), or turns it off (`--clear`). Off by default.
    Voters {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The voter file.
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        file: Option<PathBuf>,
        /// Remove the voter file: the look-up is off.
        #[arg(long)]
        clear: bool,
    },
}

/// A capture id with an optional device, as a review target.
fn capture_target(
    capture: uuid::Uuid,
    device: Option<&String>,
) -> Result<testigo_server::repo::ReviewTarget, Box<dyn std::error::Error>> {
    use testigo_server::repo::ReviewTarget;
    Ok(match device {
        Some(d) => ReviewTarget::Device {
            device: d.parse().map_err(|_| "--device is not a device id")?,
            capture_id: capture,
        },
        None => ReviewTarget::CaptureId(capture),
    })
}

/// Runs a `publish` subcommand.
pub fn publish(cmd: &PublishCommand) -> Result<(), Box<dyn std::error::Error>> {
    use testigo_server::services::publication::{self, Publish};
    use testigo_server::services::review::Reviewer;
    let (data, actor, what) = match cmd {
        PublishCommand::Table { data, station, actor } => (data, actor, Publish::Station(station.clone())),
        PublishCommand::Region { data, path, actor } => (data, actor, Publish::Region(path.clone())),
        PublishCommand::Capture { data, capture, device, actor } => {
            (data, actor, Publish::Capture(capture_target(*capture, device.as_ref())?))
        }
        PublishCommand::Withdraw { data, capture, device, reason, actor } => {
            let state = open_existing_data_dir(data, Limits::default())?;
            let target = capture_target(*capture, device.as_ref())?;
            let entry = runtime()?.block_on(publication::withdraw(
                &state,
                &Reviewer::operator(actor),
                target,
                reason,
            ))?;
            say!("cli-withdrawn", seq = entry.seq, table = entry.station_id);
            return Ok(());
        }
        PublishCommand::Export { data, out } => {
            let state = open_existing_data_dir(data, Limits::default())?;
            let started = std::time::Instant::now();
            let r = runtime()?.block_on(testigo_server::mirror::export(&state, out))?;
            let seconds = crate::say::decimals(started.elapsed().as_secs_f64());
            let (tables, written, unchanged, photos, files) =
                (n_(r.tables), n_(r.written), n_(r.unchanged), n_(r.photos), n_(r.files));
            if r.full {
                say!(
                    "cli-export-full",
                    dir = out.display(),
                    tables = tables,
                    written = written,
                    unchanged = unchanged,
                    photos = photos,
                    files = files,
                    seconds = seconds
                );
            } else {
                say!(
                    "cli-export-incremental",
                    dir = out.display(),
                    tables = tables,
                    written = written,
                    unchanged = unchanged,
                    photos = photos,
                    files = files,
                    seconds = seconds
                );
            }
            return Ok(());
        }
        PublishCommand::CountVerifiedOnly { data, state: on } => {
            let state = open_existing_data_dir(data, Limits::default())?;
            let on = on == "on";
            runtime()?.block_on(testigo_server::services::tally::set_verified_only(
                &state,
                &Reviewer::operator("cli"),
                on,
            ))?;
            if on {
                say!("cli-verified-only-on");
            } else {
                say!("cli-verified-only-off");
            }
            return Ok(());
        }
        PublishCommand::OnVerification { data, state: on } => {
            let state = open_existing_data_dir(data, Limits::default())?;
            let on = on == "on";
            runtime()?.block_on(publication::set_on_verification(&state, &Reviewer::operator("cli"), on))?;
            if on {
                say!("cli-on-verification-on");
            } else {
                say!("cli-on-verification-off");
            }
            return Ok(());
        }
        PublishCommand::Voters { data, file, clear } => {
            let text = match (&file, clear) {
                (Some(path), false) => {
                    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?
                }
                _ => "voter_id,station_id\n".to_owned(),
            };
            let state = open_existing_data_dir(data, Limits::default())?;
            let n = runtime()?.block_on(publication::import_voters(&state, &text))?;
            if n == 0 {
                say!("cli-voters-off");
            } else {
                say!("cli-voters-on", voters = n_(n));
            }
            return Ok(());
        }
    };
    let state = open_existing_data_dir(data, Limits::default())?;
    let done = runtime()?.block_on(publication::publish(&state, &Reviewer::operator(actor), what, None))?;
    say!(
        "cli-published",
        published = n_(done.published),
        already = n_(done.already),
        nothing = n_(done.nothing),
        seq = done.seq
    );
    Ok(())
}
