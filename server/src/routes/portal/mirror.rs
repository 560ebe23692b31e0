//! The portal as static files (`testigo publish export --out DIR`): the same pages the server
//! renders, at the same addresses (each page a directory's `index.html`), the tables' data, the
//! published photos (hard-linked from the photo store, never re-encoded), the open data (one CSV
//! row per table, per-region CSVs, NDJSON of the signed records, a Frictionless
//! `datapackage.json`), and `manifest.json`: every file's SHA-256, signed by the server key.
//! Any static host, mirror or USB stick can serve the directory unchanged (from its root).
//!
//! Re-running it into the same directory is incremental: the manifest says how far what is
//! public had changed when it was made
//! ([`PublicCursor`](testigo_protocol::publication::PublicCursor)); only the tables changed since,
//! their centers and regions, and the data files are made again, and a file whose bytes are the
//! same is not written. Another election package or another program version renders everything again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use testigo_protocol::Sha256;
use testigo_protocol::publication::{
    Manifest, ManifestFile, PUBLICATION_FORMAT, PublicationKeys, PublishedTable, SignedManifest,
};

use super::layout::frame;
use super::pages::{center_markup, region_markup};
use super::table::table_markup;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::repo::publication::OpenDataRow;
use crate::services::portal::{self, Context};
use crate::{AppState, now_ms};

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Whether every page was rendered (first export, new package or program), or only what
    /// changed.
    pub full: bool,
    /// Tables whose pages were rendered.
    pub tables: usize,
    /// Files written (new or changed).
    pub written: usize,
    /// Files whose bytes were already there.
    pub unchanged: usize,
    /// Photos linked (or copied) in.
    pub photos: usize,
    /// Files in the manifest.
    pub files: usize,
}

/// Why an export failed. What was written stays; running it again finishes the work.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file could not be written or read.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// An id from the election cannot be a file name (it has `/`, `\`, or is `.`/`..`).
    #[error("the id {0:?} cannot be a file name in a static mirror")]
    UnsafeId(String),
    /// The server could not read what to export.
    #[error(transparent)]
    App(#[from] AppError),
    /// The manifest could not be signed.
    #[error("signing the manifest failed")]
    Sign,
}

impl From<crate::repo::RepoError> for ExportError {
    fn from(e: crate::repo::RepoError) -> Self {
        ExportError::App(e.into())
    }
}

/// The program that makes mirrors, as the manifest names it.
const GENERATOR: &str = concat!("testigo ", env!("CARGO_PKG_VERSION"));

/// An id as a single path segment, or an error.
fn segment(id: &str) -> Result<&str, ExportError> {
    let bad = id.is_empty()
        || id == "."
        || id == ".."
        || id.starts_with('.')
        || id.chars().any(|c| c == '/' || c == '\\' || c.is_control());
    if bad { Err(ExportError::UnsafeId(id.to_owned())) } else { Ok(id) }
}

/// Threads that write files, while the export renders the next pages: writing a file, its
/// directory and its rename cost the kernel more than rendering the page does.
const WRITERS: usize = 2;

/// A file for a writer thread: its path and bytes, written whole (a temporary name, then a
/// rename) so that a reader, or a sync to a host, never sees half a file.
type WriteJob = (PathBuf, Vec<u8>);

/// The directory being written, and what it holds.
struct Mirror {
    out: PathBuf,
    files: BTreeMap<String, ManifestFile>,
    report: ExportReport,
    /// Directories known to exist.
    dirs: std::collections::HashSet<PathBuf>,
    jobs: Option<std::sync::mpsc::SyncSender<WriteJob>>,
    writers: Vec<std::thread::JoinHandle<Result<(), ExportError>>>,
}

impl Mirror {
    fn new(out: &Path, files: BTreeMap<String, ManifestFile>, full: bool) -> Result<Mirror, ExportError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<WriteJob>(256);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let mut writers = Vec::new();
        for n in 0..WRITERS {
            let rx = rx.clone();
            let writer = std::thread::Builder::new()
                .name(format!("testigo-mirror-{n}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return Ok(()),
                        };
                        let Ok((path, bytes)) = job else { return Ok(()) };
                        let tmp = path.with_extension("tmp~");
                        std::fs::write(&tmp, &bytes).map_err(Self::io(&tmp))?;
                        std::fs::rename(&tmp, &path).map_err(Self::io(&path))?;
                    }
                })
                .map_err(Self::io(out))?;
            writers.push(writer);
        }
        Ok(Mirror {
            out: out.to_owned(),
            files,
            report: ExportReport { full, ..ExportReport::default() },
            dirs: std::collections::HashSet::new(),
            jobs: Some(tx),
            writers,
        })
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        move |e| ExportError::Io(path.to_owned(), e)
    }

    /// Makes `dir` (and its parents) unless it was made before.
    fn dir(&mut self, dir: &Path) -> Result<(), ExportError> {
        if !self.dirs.contains(dir) {
            std::fs::create_dir_all(dir).map_err(Self::io(dir))?;
            self.dirs.insert(dir.to_owned());
        }
        Ok(())
    }

    /// Puts `bytes` at `rel`, unless the same bytes are there.
    fn put(&mut self, rel: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let entry = ManifestFile { sha256: Sha256::digest(bytes), size: bytes.len() as u64 };
        let path = self.out.join(rel);
        if self.files.get(rel) == Some(&entry)
            && std::fs::metadata(&path).map(|m| m.len() == entry.size).unwrap_or(false)
        {
            self.report.unchanged += 1;
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            self.dir(dir)?;
        }
        let Some(jobs) = &self.jobs else {
            return Err(ExportError::Io(path, std::io::Error::other("closed")));
        };
        if jobs.send((path.clone(), bytes.to_vec())).is_err() {
            // A writer stopped on an error: `finish` reports it.
            return self.finish().and(Err(ExportError::Io(path, std::io::Error::other("writer stopped"))));
        }
        self.files.insert(rel.to_owned(), entry);
        self.report.written += 1;
        Ok(())
    }

    /// Waits for every file to be written; the first writer's error, if any.
    fn finish(&mut self) -> Result<(), ExportError> {
        self.jobs = None;
        let mut result = Ok(());
        for writer in self.writers.drain(..) {
            let outcome = writer.join().unwrap_or_else(|_| {
                Err(ExportError::App(AppError::Internal("a mirror writer panicked".into())))
            });
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    }

    /// Puts a published photo at `photos/{sha}.jpg`: a hard link to the store's file where it
    /// can, else a copy.
    async fn photo(&mut self, state: &AppState, sha: &Sha256) -> Result<(), ExportError> {
        let rel = format!("photos/{sha}.jpg");
        let path = self.out.join(&rel);
        if self.files.contains_key(&rel) && path.is_file() {
            return Ok(());
        }
        let size = state.blobs.blob_size(sha).await.map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(size) = size else { return Ok(()) };
        if let Some(dir) = path.parent() {
            self.dir(dir)?;
        }
        let linked = match state.blobs.local_path(sha) {
            Some(from) => std::fs::hard_link(&from, &path).is_ok() || path.is_file(),
            None => false,
        };
        if !linked {
            let bytes = state.blobs.get(sha).await.map_err(|e| AppError::Internal(e.to_string()))?;
            let Some(bytes) = bytes else { return Ok(()) };
            std::fs::write(&path, bytes).map_err(Self::io(&path))?;
        }
        self.files.insert(rel, ManifestFile { sha256: *sha, size });
        self.report.photos += 1;
        Ok(())
    }
}

/// Where the mirror lists the official imports its pages show.
const OFFICIAL_FILE: &str = "data/official.json";

/// The official imports and the public contrast's generation, as the mirror publishes them
/// (`None` before any import).
fn official_json(ctx: &Context) -> Result<Option<Vec<u8>>, ExportError> {
    if ctx.official.is_empty() {
        return Ok(None);
    }
    let v = serde_json::json!({ "imports": ctx.official, "contrast_generation": ctx.contrast });
    Ok(Some(serde_json::to_vec_pretty(&v).map_err(|e| AppError::Internal(e.to_string()))?))
}

/// The previous export's manifest in `out`, if it is one this export can build on.
fn previous(out: &Path, ctx: &Context) -> Option<Manifest> {
    let bytes = std::fs::read(out.join("manifest.json")).ok()?;
    let signed: SignedManifest = serde_json::from_slice(&bytes).ok()?;
    let m = signed.manifest;
    (m.format == PUBLICATION_FORMAT
        && m.election_id == ctx.election.election.id
        && m.package_version == ctx.election.version
        && m.generator == GENERATOR)
        .then_some(m)
}

/// Writes (or brings up to date) the static mirror in `out`. See the module doc. Times on its
/// pages are in the election's time zone, as on the served portal.
pub async fn export(state: &AppState, out: &Path) -> Result<ExportReport, ExportError> {
    let zone = crate::routes::election_time_zone(state).await;
    crate::i18n::in_zone(zone, export_in_zone(state, out)).await
}

async fn export_in_zone(state: &AppState, out: &Path) -> Result<ExportReport, ExportError> {
    std::fs::create_dir_all(out).map_err(Mirror::io(out))?;
    let ctx = portal::context(state).await?;
    // The official numbers sit on every table's page: when they changed (an import, or the
    // public contrast), everything is rendered again.
    let official = official_json(&ctx)?;
    let official_same = std::fs::read(out.join(OFFICIAL_FILE)).ok().as_deref() == official.as_deref()
        || (official.is_none() && !out.join(OFFICIAL_FILE).exists());
    let before = previous(out, &ctx).filter(|_| official_same);
    let full = before.is_none();
    let mut m = Mirror::new(out, before.as_ref().map(|b| b.files.clone()).unwrap_or_default(), full)?;

    // Which tables, centers and regions to render.
    let (tables, centers, regions) = match &before {
        None => everything(state, &ctx).await?,
        Some(b) => {
            let tables: BTreeSet<String> = state.public.changed_tables(b.cursor).await?.into_iter().collect();
            let mut centers = BTreeSet::new();
            let mut regions = BTreeSet::new();
            for id in &tables {
                let Some(t) = state.public.public_table(id.clone(), ctx.contest.id.clone()).await? else {
                    continue;
                };
                if let Some(c) =
                    state.public.public_center(t.center_id.clone(), ctx.contest.id.clone()).await?
                {
                    regions.extend(c.region.iter().map(|n| Some(n.id)));
                }
                centers.insert(t.center_id);
            }
            if !tables.is_empty() {
                regions.insert(None);
            }
            (tables, centers, regions)
        }
    };

    for region in &regions {
        let r = portal::region(state, &ctx, *region).await?;
        for lang in Lang::ALL {
            let html = region_markup(lang, &ctx, &r).into_string();
            match region {
                None => m.put(&format!("{}/index.html", lang.code()), html.as_bytes())?,
                Some(id) => m.put(&format!("{}/regions/{id}/index.html", lang.code()), html.as_bytes())?,
            }
        }
    }
    let mut region_of_center = BTreeMap::new();
    for id in &centers {
        let c = portal::center(state, &ctx, id).await?;
        for lang in Lang::ALL {
            let html = center_markup(lang, &ctx, &c).into_string();
            m.put(&format!("{}/centers/{}/index.html", lang.code(), segment(id)?), html.as_bytes())?;
        }
        region_of_center.insert(id.clone(), c.region);
    }
    for id in &tables {
        let t = portal::table(state, &ctx, id).await?;
        let region = match region_of_center.get(&t.center_id) {
            Some(r) => r.clone(),
            None => portal::center(state, &ctx, &t.center_id).await?.region,
        };
        table_files(state, &ctx, &mut m, &t, &region).await?;
    }
    m.report.tables = tables.len();

    common_files(state, &ctx, &mut m).await?;
    if let Some(json) = &official {
        m.put(OFFICIAL_FILE, json)?;
        let c = portal::contrast(state, &ctx).await?;
        for lang in Lang::ALL {
            let html = super::contrast::contrast_markup(lang, &ctx, &c).into_string();
            m.put(&format!("{}/contrast/index.html", lang.code()), html.as_bytes())?;
        }
    }
    open_data(state, &ctx, &mut m).await?;

    // Every file is written before the manifest that lists it.
    m.finish()?;
    let manifest = Manifest {
        format: PUBLICATION_FORMAT,
        election_id: ctx.election.election.id.clone(),
        package_version: ctx.election.version,
        generated_at_ms: now_ms(),
        generator: GENERATOR.to_owned(),
        cursor: ctx.cursor,
        server_key_id: state.key.public_key().key_id(),
        files: m.files.clone(),
    };
    let signature = state.key.sign(&manifest.canonical_bytes()).map_err(|_| ExportError::Sign)?;
    let signed = SignedManifest { manifest, signature };
    let json = serde_json::to_vec_pretty(&signed).map_err(|e| AppError::Internal(e.to_string()))?;
    let path = out.join("manifest.json");
    let tmp = out.join("manifest.json.tmp~");
    std::fs::write(&tmp, json).map_err(Mirror::io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(Mirror::io(&path))?;
    m.report.files = m.files.len();
    Ok(m.report)
}

type Everything = (BTreeSet<String>, BTreeSet<String>, BTreeSet<Option<i64>>);

/// Every table, center and region of the election.
async fn everything(state: &AppState, ctx: &Context) -> Result<Everything, ExportError> {
    let mut regions = BTreeSet::from([None]);
    let mut centers = BTreeSet::new();
    let mut queue = vec![None];
    while let Some(id) = queue.pop() {
        let r = portal::region(state, ctx, id).await?;
        for child in &r.region.children {
            regions.insert(Some(child.node.id));
            queue.push(Some(child.node.id));
        }
        centers.extend(r.region.centers.iter().map(|c| c.id.clone()));
    }
    let rows = state.public.open_data(ctx.contest.id.clone()).await?;
    let tables = rows.into_iter().map(|r| r.station_id).collect();
    Ok((tables, centers, regions))
}

/// A table's data, its page in every language, and its photos.
async fn table_files(
    state: &AppState,
    ctx: &Context,
    m: &mut Mirror,
    t: &PublishedTable,
    region: &[crate::repo::coord::RegionNode],
) -> Result<(), ExportError> {
    let id = segment(&t.station_id)?;
    let json = serde_json::to_vec(t).map_err(|e| AppError::Internal(e.to_string()))?;
    m.put(&format!("data/tables/{id}.json"), &json)?;
    let official = crate::services::portal::official_numbers(state, ctx, &t.station_id).await?;
    for lang in Lang::ALL {
        let html = table_markup(lang, ctx, t, region, official.as_ref()).into_string();
        m.put(&format!("{}/tables/{id}/index.html", lang.code()), html.as_bytes())?;
    }
    for c in &t.captures {
        for r in &c.photo_receipts {
            if let testigo_protocol::ReceiptSubject::Photo { sha256, .. } = &r.receipt.subject {
                m.photo(state, sha256).await?;
            }
        }
    }
    Ok(())
}

/// The stylesheet, script and icon, the keys, the entry page and the search pages.
async fn common_files(state: &AppState, ctx: &Context, m: &mut Mirror) -> Result<(), ExportError> {
    m.put("static/portal.css", super::CSS.as_bytes())?;
    m.put("static/verify.js", super::JS.as_bytes())?;
    m.put("static/icon.svg", super::ICON.as_bytes())?;
    let key = state.key.public_key().clone();
    let keys = PublicationKeys { format: PUBLICATION_FORMAT, server_key_id: key.key_id(), server_key: key };
    m.put(
        "data/keys.json",
        &serde_json::to_vec_pretty(&keys).map_err(|e| AppError::Internal(e.to_string()))?,
    )?;
    let name = &ctx.election.election.name;
    let choose = maud::html! {
        ul.places {
            @for lang in Lang::ALL {
                li lang=(lang.code()) { a href=(format!("/{}/", lang.code())) hreflang=(lang.code()) { (lang.name()) } }
            }
        }
    };
    m.put("index.html", frame(Lang::Es, name, None, &[], choose, "/").into_string().as_bytes())?;
    for lang in Lang::ALL {
        let body = maud::html! {
            form.search-big method="get" action=(format!("/{}/search/", lang.code())) data-static-search=(lang.code()) {
                label for="q2" { (lang.t("search-label")) }
                input #q2 type="search" name="q" maxlength="64";
                button type="submit" { (lang.t("search-button")) }
            }
            p.muted { (lang.t("search-static-help")) }
        };
        let page = frame(lang, &lang.t("search-title"), Some(name), &[], body, "/search/");
        m.put(&format!("{}/search/index.html", lang.code()), page.into_string().as_bytes())?;
    }
    Ok(())
}

/// The open data: `data/tables.csv`, `data/regions/{id}.csv`, `data/records.ndjson`,
/// `datapackage.json`.
async fn open_data(state: &AppState, ctx: &Context, m: &mut Mirror) -> Result<(), ExportError> {
    let rows = state.public.open_data(ctx.contest.id.clone()).await?;
    let columns = columns(ctx);
    m.put("data/tables.csv", &csv_of(ctx, &columns, rows.iter())?)?;
    let top = portal::region(state, ctx, None).await?;
    let mut regions = Vec::new();
    for child in &top.region.children {
        let path = &child.node.path;
        let within = rows.iter().filter(|r| crate::repo::coord::within_scope(&r.region_path, path));
        let rel = format!("data/regions/{}.csv", child.node.id);
        m.put(&rel, &csv_of(ctx, &columns, within)?)?;
        regions.push((rel, child.node.name.clone()));
    }
    let mut ndjson = Vec::new();
    for (entry, signed, receipt) in state.public.published_records().await? {
        let line = serde_json::json!({
            "publication": entry,
            "signed": serde_json::from_str::<serde_json::Value>(&signed).map_err(|e| AppError::Internal(e.to_string()))?,
            "receipt": serde_json::from_str::<serde_json::Value>(&receipt).map_err(|e| AppError::Internal(e.to_string()))?,
        });
        serde_json::to_writer(&mut ndjson, &line).map_err(|e| AppError::Internal(e.to_string()))?;
        ndjson.push(b'\n');
    }
    m.put("data/records.ndjson", &ndjson)?;
    let package = datapackage(ctx, &columns, &regions);
    m.put(
        "datapackage.json",
        &serde_json::to_vec_pretty(&package).map_err(|e| AppError::Internal(e.to_string()))?,
    )?;
    Ok(())
}

/// One column of the tables CSV: name, Frictionless type, description.
struct Column {
    name: String,
    kind: &'static str,
    description: String,
}

fn columns(ctx: &Context) -> Vec<Column> {
    let fixed: [(&str, &str, &str); 13] = [
        ("station_id", "string", "The table's code"),
        ("table_number", "integer", "The table's number in its center"),
        ("center_id", "string", "The polling center's code"),
        ("center_name", "string", "The polling center's name"),
        ("region", "string", "The center's region, widest first, joined by /"),
        ("registered_voters", "integer", "Voters registered at the table"),
        ("published", "boolean", "Whether an acta of the table is published and stands"),
        ("publication_seq", "integer", "The standing publication's number in the publication's history"),
        ("review", "string", "The coordinators' review: unreviewed, verified, disputed or rejected"),
        ("capture_id", "string", "The standing capture's id (UUID)"),
        ("device_key_id", "string", "The id of the key of the device that signed it"),
        ("record_sha256", "string", "SHA-256 of the signed record's canonical bytes"),
        ("photo_sha256", "string", "SHA-256 of each photo of the acta, pages joined by ;"),
    ];
    let mut out: Vec<Column> = fixed
        .iter()
        .map(|(n, k, d)| Column { name: (*n).to_owned(), kind: k, description: (*d).to_owned() })
        .collect();
    for o in &ctx.contest.options {
        let candidate =
            ctx.contest.candidates.iter().find(|c| c.id == o.candidate_id).map(|c| c.name.as_str());
        out.push(Column {
            name: o.id.clone(),
            kind: "integer",
            description: format!(
                "Votes for {} on the {} line",
                candidate.unwrap_or(&o.candidate_id),
                o.party
            ),
        });
    }
    for f in &ctx.contest.count_fields {
        out.push(Column { name: f.id.clone(), kind: "integer", description: f.label.clone() });
    }
    out.push(Column {
        name: "valid_votes".into(),
        kind: "integer",
        description: "The sum of the ballot options' votes".into(),
    });
    out.push(Column {
        name: "page_url".into(),
        kind: "string",
        description: "The table's page (Spanish), from the site's root".into(),
    });
    out.push(Column {
        name: "data_url".into(),
        kind: "string",
        description: "The table's publication as JSON, from the site's root".into(),
    });
    out
}

fn csv_of<'a>(
    ctx: &Context,
    columns: &[Column],
    rows: impl Iterator<Item = &'a OpenDataRow>,
) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ExportError::App(AppError::Internal(e.to_string()));
    w.write_record(columns.iter().map(|c| c.name.as_str())).map_err(csv_err)?;
    for r in rows {
        let mut rec: Vec<String> = vec![
            r.station_id.clone(),
            r.number.to_string(),
            r.center_id.clone(),
            r.center_name.clone(),
            r.region_path.clone(),
            r.registered.to_string(),
            r.standing.is_some().to_string(),
        ];
        match &r.standing {
            Some(s) => {
                rec.extend([
                    s.seq.to_string(),
                    s.review.clone(),
                    s.capture_id.clone(),
                    s.device_key_id.clone(),
                    s.record_sha256.to_string(),
                    s.photos.iter().map(ToString::to_string).collect::<Vec<_>>().join(";"),
                ]);
                for o in &ctx.contest.options {
                    rec.push(s.counts.get(&o.id).map(ToString::to_string).unwrap_or_default());
                }
                for f in &ctx.contest.count_fields {
                    rec.push(s.counts.get(&f.id).map(ToString::to_string).unwrap_or_default());
                }
                let valid: i64 = ctx.contest.options.iter().filter_map(|o| s.counts.get(&o.id)).sum();
                rec.push(valid.to_string());
            }
            None => rec.extend(std::iter::repeat_n(
                String::new(),
                6 + ctx.contest.options.len() + ctx.contest.count_fields.len() + 1,
            )),
        }
        rec.push(format!("/es/tables/{}/", crate::routes::dash::format::url(&r.station_id)));
        rec.push(format!("/data/tables/{}.json", crate::routes::dash::format::url(&r.station_id)));
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| ExportError::App(AppError::Internal(e.to_string())))
}

/// The Frictionless Data Package descriptor.
fn datapackage(ctx: &Context, columns: &[Column], regions: &[(String, String)]) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = columns
        .iter()
        .map(|c| serde_json::json!({ "name": c.name, "type": c.kind, "description": c.description }))
        .collect();
    let schema = serde_json::json!({ "fields": fields, "primaryKey": "station_id" });
    let name: String = ctx
        .election
        .election
        .id
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .collect();
    let mut resources = vec![
        serde_json::json!({
            "name": "tables", "path": "data/tables.csv", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "title": "Every table with its standing published acta", "schema": schema,
        }),
        serde_json::json!({
            "name": "records", "path": "data/records.ndjson", "format": "ndjson", "mediatype": "application/x-ndjson",
            "encoding": "utf-8",
            "title": "Every act of publication with the device-signed record and the server's signed receipt",
            "description": "One JSON object per line: publication (seq, action, station_id, capture_id, device_key_id, how, replaces, reason), signed (the record and the device's DER ECDSA P-256 signature over its canonical bytes, layout testigo.capture.v1), receipt (the server's signed receipt). Check with `testigo verify`.",
        }),
    ];
    for (i, (path, region)) in regions.iter().enumerate() {
        resources.push(serde_json::json!({
            "name": format!("region-{}", i + 1), "path": path, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "title": format!("The tables of {region}"), "schema": schema,
        }));
    }
    serde_json::json!({
        "profile": "data-package",
        "name": name,
        "title": ctx.election.election.name,
        "resources": resources,
    })
}
