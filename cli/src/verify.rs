//! `testigo verify PATH_OR_URL`: checks a whole publication — a static mirror in a directory, or
//! one served over HTTP(S) — and names every failure.
//!
//! In order: the manifest's signature with the server key from `data/keys.json` (and, when given,
//! that the key is the one the checker trusts); every file the manifest lists, by size and
//! SHA-256 (a changed or removed file fails); in a directory, any file the manifest does not list;
//! then every table's publication: each capture's device signature, receipts and photo hashes
//! (`PublishedCapture::check` in the protocol crate, the same checks as the portal's verify
//! button).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use testigo_protocol::Sha256;
use testigo_protocol::publication::{PublicationKeys, PublishedTable, SignedManifest};

use crate::say::{n, say};

/// `verify` arguments.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A mirror's directory (`testigo publish export --out DIR`), or its address (`https://…`).
    target: String,
    /// The server key id you trust (from the coordinators, a printed notice, another mirror): the
    /// publication must be signed with it.
    #[arg(long)]
    server_key_id: Option<String>,
}

/// Where the files come from.
enum Source {
    Dir(PathBuf),
    Web { base: String, client: reqwest::Client, runtime: tokio::runtime::Runtime },
}

impl Source {
    /// A file's bytes, `None` when it is not there.
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Source::Dir(root) => match std::fs::read(root.join(rel)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{rel}: {e}")),
            },
            Source::Web { base, client, runtime } => runtime.block_on(async {
                let url = format!("{}/{rel}", base.trim_end_matches('/'));
                let r = client.get(&url).send().await.map_err(|e| format!("{url}: {e}"))?;
                if r.status() == reqwest::StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                if !r.status().is_success() {
                    return Err(format!("{url}: HTTP {}", r.status()));
                }
                r.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| format!("{url}: {e}"))
            }),
        }
    }
}

/// Every file under `root`, as `/`-separated paths from it.
fn walk(root: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.insert(
                    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
                );
            }
        }
    }
    Ok(out)
}

/// Runs `verify`; `Ok(false)` when anything failed (each failure printed).
pub fn verify(args: &VerifyArgs) -> Result<bool, Box<dyn std::error::Error>> {
    let source = if args.target.starts_with("http://") || args.target.starts_with("https://") {
        Source::Web {
            base: args.target.clone(),
            client: reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?,
            runtime: tokio::runtime::Builder::new_current_thread().enable_all().build()?,
        }
    } else {
        Source::Dir(PathBuf::from(&args.target))
    };
    let mut failures: Vec<String> = Vec::new();
    let keys: PublicationKeys =
        serde_json::from_slice(&source.read("data/keys.json")?.ok_or("data/keys.json is missing")?)
            .map_err(|e| format!("data/keys.json: {e}"))?;
    if keys.server_key.key_id() != keys.server_key_id {
        failures.push("data/keys.json: the key id is not the key's".into());
    }
    if let Some(trusted) = &args.server_key_id
        && trusted != keys.server_key_id.as_str()
    {
        failures.push(format!(
            "the publication is signed with key {}, not the trusted {trusted}",
            keys.server_key_id
        ));
    }
    let signed: SignedManifest =
        serde_json::from_slice(&source.read("manifest.json")?.ok_or("manifest.json is missing")?)
            .map_err(|e| format!("manifest.json: {e}"))?;
    if signed.verify(&keys.server_key).is_err() {
        failures
            .push("manifest.json: the server's signature does not verify (the manifest was changed)".into());
    }
    let manifest = &signed.manifest;
    say!(
        "cli-verify-manifest",
        files = n(manifest.files.len()),
        election = manifest.election_id,
        package = manifest.package_version,
        key = manifest.server_key_id
    );
    let mut checked = 0usize;
    let mut photos: std::collections::HashMap<Sha256, Vec<u8>> = std::collections::HashMap::new();
    for (rel, entry) in &manifest.files {
        match source.read(rel)? {
            None => failures.push(format!("{rel}: listed in the manifest but missing")),
            Some(bytes) => {
                if bytes.len() as u64 != entry.size || Sha256::digest(&bytes) != entry.sha256 {
                    failures.push(format!("{rel}: not the file the manifest lists (changed)"));
                }
                if let Some(name) = rel.strip_prefix("photos/").and_then(|n| n.strip_suffix(".jpg"))
                    && let Ok(sha) = name.parse::<Sha256>()
                {
                    photos.insert(sha, bytes);
                }
                checked += 1;
            }
        }
    }
    if let Source::Dir(root) = &source {
        for rel in walk(root)? {
            if rel != "manifest.json" && !manifest.files.contains_key(&rel) {
                failures.push(format!("{rel}: not in the manifest"));
            }
        }
    }
    let mut captures = 0usize;
    for rel in manifest.files.keys().filter(|r| r.starts_with("data/tables/") && r.ends_with(".json")) {
        let Some(bytes) = source.read(rel)? else { continue };
        let table: PublishedTable = match serde_json::from_slice(&bytes) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{rel}: not a table's publication ({e})"));
                continue;
            }
        };
        if rel.trim_start_matches("data/tables/").trim_end_matches(".json") != table.station_id {
            failures.push(format!("{rel}: holds table {}", table.station_id));
        }
        for c in &table.captures {
            let pages: Vec<Option<&[u8]>> =
                c.signed.record.photos.iter().map(|p| photos.get(&p.sha256).map(Vec::as_slice)).collect();
            for f in c.check(&keys.server_key, &pages) {
                failures.push(format!("table {} publication {}: {f}", table.station_id, c.published.seq));
            }
            captures += 1;
        }
    }
    say!("cli-verify-checked", files = n(checked), captures = n(captures));
    for f in &failures {
        say!("cli-verify-fail", failure = f);
    }
    if failures.is_empty() {
        say!("cli-verify-valid");
    } else {
        say!("cli-verify-invalid", failures = n(failures.len()));
    }
    Ok(failures.is_empty())
}
