//! `testigo bundle import`: sealed bundles brought by hand to a machine that holds the
//! coordinators' key (the data directory's key file), each refused whole or taken exactly as
//! over HTTP.

use std::path::PathBuf;

use clap::Subcommand;
use testigo_server::services::bundles;
use testigo_server::{Limits, open_existing_data_dir};

use crate::say::{n, say};
use crate::server::runtime;

/// `bundle` subcommands.
#[derive(Subcommand)]
pub enum BundleCommand {
    /// Imports sealed bundles (files a phone exported); what already arrived is skipped.
    Import {
        /// The data directory (its key file opens the bundles).
        #[arg(long)]
        data: PathBuf,
        /// The bundle files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Runs a `bundle` subcommand. Fails when any bundle was refused (after trying every file).
pub fn bundle(cmd: &BundleCommand) -> Result<(), Box<dyn std::error::Error>> {
    let BundleCommand::Import { data, files } = cmd;
    let state = open_existing_data_dir(data, Limits::default())?;
    let rt = runtime()?;
    let mut refused = 0;
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        match rt.block_on(bundles::import(&state, bytes, None)) {
            Ok(i) => say!(
                "cli-bundle-imported",
                file = file.display(),
                stored = n(i.records_stored),
                known = n(i.records_known),
                refused = n(i.records_refused),
                photos = n(i.photos_stored),
                photos_known = n(i.photos_known),
                photos_refused = n(i.photos_refused),
            ),
            Err(Ok(why)) => {
                refused += 1;
                say!("cli-bundle-refused", file = file.display(), reason = why);
            }
            Err(Err(e)) => return Err(e.into()),
        }
    }
    if refused > 0 {
        return Err(crate::say::t("cli-bundles-refused", &[("count", n(refused))]).into());
    }
    Ok(())
}
