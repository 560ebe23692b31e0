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
                println!(
                    "import no. {}: {} tables from {} ({} bytes, SHA-256 {}) in {:.2} s; contrast recomputed in {:.2} s",
                    done.id,
                    done.tables,
                    done.file_name,
                    done.bytes,
                    done.sha256,
                    imported.as_secs_f64(),
                    (started.elapsed() - imported).as_secs_f64()
                );
                Ok::<_, Box<dyn std::error::Error>>(())
            })?;
        }
        OfficialCommand::Contrast { data, contest, csv } => runtime()?.block_on(async {
            let state = settled(data).await?;
            let (contest, view) = official::national(&state, contest.as_deref()).await?;
            let c = &view.contrast;
            println!(
                "{}: {} tables compared, {} matching, {} differing; {} official only, {} ours only",
                contest.name,
                c.compared(),
                c.matching,
                c.differing,
                c.only_official,
                c.only_ours
            );
            for cand in view.candidates.iter().filter(|c| c.votes != 0) {
                println!(
                    "  {:+} votes for {} (ours minus official, over the differing tables)",
                    cand.votes, cand.name
                );
            }
            if let Some(path) = csv {
                let bytes = official::discrepancies_csv(&state, "", &contest).await?;
                std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
                println!("discrepancies written to {}", path.display());
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
            println!(
                "drew {} tables with seed {:?} from {} strata:",
                drawn.size,
                drawn.seed,
                drawn.strata.len()
            );
            for s in &drawn.strata {
                println!(
                    "  {:<28} {:>6} of {:>7} tables ({} registered)",
                    s.name, s.sample, s.tables, s.registered
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
                println!("no sample drawn yet (testigo quickcount draw)");
                return Ok(());
            };
            println!(
                "quick count (seed {:?}): {} of {} sample tables in ({:.1}%)",
                draw.seed,
                est.reported,
                est.sample,
                100.0 * est.reported as f64 / est.sample.max(1) as f64
            );
            for s in &est.shares {
                println!("  {:<28} {:6.2}% ± {:.2}", s.name, 100.0 * s.share, 100.0 * s.margin);
            }
            println!(
                "the leader's lead is {} its margin of error (± {:.2} points)",
                if est.lead_beyond_margin { "beyond" } else { "within" },
                100.0 * est.lead_margin
            );
            Ok::<_, Box<dyn std::error::Error>>(())
        })?,
    }
    Ok(())
}
