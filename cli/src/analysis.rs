//! `testigo official` (the authority's results and the contrast) and `testigo quickcount` (the
//! sample's draw and the night's estimate): argument handling and output over the server's
//! services.

use std::path::PathBuf;

use clap::Subcommand;
use testigo_server::official::Mapping;
use testigo_server::services::official::{self, ImportRequest};
use testigo_server::services::quickcount;
use testigo_server::services::review::Reviewer;
use testigo_server::{AppState, Limits, TALLY_BATCH, open_existing_data_dir};

use crate::say::{decimals, n, say};

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// `testigo official …`
#[derive(Subcommand)]
pub enum OfficialCommand {
    /// Imports a round of the authority's per-table results (CSV or JSON); each import is kept
    /// whole with its SHA-256, the latest numbers per table stand, and a bad file imports
    /// nothing.
    Import {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The file.
        file: PathBuf,
        /// How the file names tables and counts: a mapping file, or a shipped one by name
        /// (`prep-csv`, `per-table-json`); without it, Testigo's own format.
        #[arg(long)]
        mapping: Option<String>,
        /// Where the file came from (shown in the history); the file's name if not given.
        #[arg(long)]
        source: Option<String>,
        /// Who imports, for the audit.
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
    /// The contrast of our actas with the official numbers: tables compared, matching,
    /// differing, on one side only, and the difference per candidate; `--csv` writes every
    /// discrepancy.
    Contrast {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The contest (the first if not given).
        #[arg(long)]
        contest: Option<String>,
        /// Writes every discrepancy to this CSV file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

/// `testigo quickcount …`
#[derive(Subcommand)]
pub enum QuickcountCommand {
    /// Draws the quick count's sample of tables (stratified by the first region level,
    /// proportional to registered voters) from a seed that is then published, so that anyone
    /// can redraw it; replaces an earlier draw.
    Draw {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// How many tables.
        #[arg(long)]
        size: u64,
        /// The seed (any text; publish it).
        #[arg(long)]
        seed: String,
        /// Who draws, for the audit.
        #[arg(long = "as", default_value = "cli")]
        actor: String,
        /// Writes the sample's tables, one id per line.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The quick count as the night stands: each candidate's estimated share with its 95%
    /// margin of error, and the share of the sample in.
    Show {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The contest (the first if not given).
        #[arg(long)]
        contest: Option<String>,
    },
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// Opens the data directory and brings the tally (and with it the contrast) up to date.
async fn settled(data: &std::path::Path) -> Result<AppState, Box<dyn std::error::Error>> {
    let state = open_existing_data_dir(data, Limits::default())?;
    testigo_server::repo::settle_tally(&*state.repo, TALLY_BATCH).await?;
    Ok(state)
}

/// Runs `testigo official …`.
pub fn official(cmd: &OfficialCommand) -> CliResult {
    match cmd {
        OfficialCommand::Import { data, file, mapping, source, actor } => {
            let mapping = match mapping.as_deref() {
                None => None,
                Some(name) => Some(match official::shipped_mapping(name) {
                    Some(m) => m?,
                    None => Mapping::from_json(
                        &std::fs::read_to_string(name)
                            .map_err(|e| format!("reading the mapping {name}: {e}"))?,
                    )?,
                }),
            };
            let content = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
            let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let source = source.clone().unwrap_or_else(|| file_name.clone());
            runtime()?.block_on(async {
                let state = open_existing_data_dir(data, Limits::default())?;
                let started = std::time::Instant::now();
                let done = official::import(
                    &state,
                    &Reviewer::operator(actor),
                    ImportRequest { source, file_name, content, mapping },
                )
                .await
                .map_err(|e| format!("{}: {e}", file.display()))?;
                let imported = started.elapsed();
                testigo_server::repo::settle_tally(&*state.repo, TALLY_BATCH).await?;
                say!(
                    "cli-official-imported",
                    id = done.id,
                    tables = n(done.tables),
                    file = done.file_name,
                    bytes = n(done.bytes),
                    sha256 = done.sha256,
                    seconds = decimals(imported.as_secs_f64()),
                    contrast_seconds = decimals((started.elapsed() - imported).as_secs_f64())
                );
                Ok::<_, Box<dyn std::error::Error>>(())
            })?;
        }
        OfficialCommand::Contrast { data, contest, csv } => runtime()?.block_on(async {
            let state = settled(data).await?;
            let (contest, view) = official::national(&state, contest.as_deref()).await?;
            let c = &view.contrast;
            say!(
                "cli-contrast",
                contest = contest.name,
                compared = n(c.compared()),
                matching = n(c.matching),
                differing = n(c.differing),
                official_only = n(c.only_official),
                ours_only = n(c.only_ours)
            );
            for cand in view.candidates.iter().filter(|c| c.votes != 0) {
                let votes = format!("{}{}", if cand.votes > 0 { "+" } else { "" }, n(cand.votes));
                print!("  ");
                say!("cli-contrast-candidate", votes = votes, name = cand.name);
            }
            if let Some(path) = csv {
                let bytes = official::discrepancies_csv(&state, "", &contest).await?;
                std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
                say!("cli-discrepancies-written", file = path.display());
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })?,
    }
    Ok(())
}

/// Runs `testigo quickcount …`.
pub fn quickcount(cmd: &QuickcountCommand) -> CliResult {
    match cmd {
        QuickcountCommand::Draw { data, size, seed, actor, out } => runtime()?.block_on(async {
            let state = open_existing_data_dir(data, Limits::default())?;
            let drawn = quickcount::draw_sample(&state, &Reviewer::operator(actor), *size, seed).await?;
            say!(
                "cli-quickcount-drawn",
                size = n(drawn.size),
                seed = drawn.seed,
                strata = n(drawn.strata.len())
            );
            for s in &drawn.strata {
                print!("  ");
                say!(
                    "cli-quickcount-stratum",
                    name = s.name,
                    sample = n(s.sample),
                    tables = n(s.tables),
                    registered = n(s.registered)
                );
            }
            if let Some(path) = out {
                let tables = state.analysis.sample_reports(String::new()).await?;
                let text: String = tables.iter().map(|t| format!("{}\n", t.station_id)).collect();
                std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })?,
        QuickcountCommand::Show { data, contest } => runtime()?.block_on(async {
            let state = settled(data).await?;
            let contest = official::contest(&state, contest.as_deref()).await?;
            let Some((draw, est)) = quickcount::current(&state, &contest).await? else {
                say!("cli-quickcount-none");
                return Ok(());
            };
            let lang = crate::say::lang();
            say!(
                "cli-quickcount-status",
                seed = draw.seed,
                reported = n(est.reported),
                size = n(est.sample),
                percent = lang.percent(est.reported, est.sample.max(1))
            );
            for s in &est.shares {
                print!("  ");
                say!(
                    "cli-quickcount-share",
                    name = s.name,
                    share = format!("{} %", decimals(100.0 * s.share)),
                    margin = decimals(100.0 * s.margin)
                );
            }
            let margin = decimals(100.0 * est.lead_margin);
            if est.lead_beyond_margin {
                say!("cli-quickcount-beyond", margin = margin);
            } else {
                say!("cli-quickcount-within", margin = margin);
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })?,
    }
    Ok(())
}
