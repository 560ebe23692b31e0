//! `testigo serve`, `election import|sample`, `enroll`, `user add`, `review` and `device revoke`:
//! the coordinators' side (`publish` is in `publish.rs`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use testigo_protocol::ElectionPackage;
use testigo_server::{Limits, now_ms, open_data_dir, open_existing_data_dir};
use tracing_subscriber::EnvFilter;

use crate::say::{n as n_, say};

/// Arguments of `serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// The data directory (created if missing): database, photos, receipt key.
    #[arg(long)]
    data: PathBuf,
    /// Address to listen on (phones, coordinators, and the public portal under `/`).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A second address that serves the public portal alone (no device API, no dashboard), for
    /// the public or a CDN in front of it.
    #[arg(long)]
    public_listen: Option<SocketAddr>,
    /// Logs as JSON lines (for log collectors) instead of text.
    #[arg(long)]
    log_json: bool,
    /// Free disk space to keep, in MiB: below it new records and photos are refused (507) until
    /// space returns, and /healthz says degraded.
    #[arg(long, default_value_t = 512)]
    free_space_reserve_mb: u64,
    /// Records one device may send in all.
    #[arg(long, default_value_t = 1_000)]
    max_device_records: u64,
    /// Photo bytes one device may upload in all, in MiB.
    #[arg(long, default_value_t = 256)]
    max_device_mb: u64,
    /// A reverse proxy in front of the server (repeat for several): from it alone the client's
    /// address is read from `X-Forwarded-For`.
    #[arg(long = "trusted-proxy")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Clients reach the server over https (a TLS-terminating proxy in front): session cookies
    /// are marked Secure and answers carry Strict-Transport-Security.
    #[arg(long)]
    https: bool,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for this name (a host name or IP address;
    /// repeat for several), made once in DATA/tls/ and kept: phones trust it through the key pin
    /// in their enrollment codes (`testigo enroll --tls-cert DATA/tls/cert.pem`).
    #[arg(long = "tls-self-signed")]
    tls_self_signed: Vec<String>,
    /// Take SMS from gateways at `POST /v1/sms`, which must present this secret (the form's
    /// `secret` field or `?key=`). Without it there is no SMS intake.
    #[arg(long)]
    sms_secret: Option<String>,
    /// A phone number of an SMS gateway (international format, e.g. +584121234567; repeat for
    /// several): phones learn it from their election package and send records there when they
    /// have no data link. Needs --sms-secret.
    #[arg(long = "sms-number", requires = "sms_secret")]
    sms_numbers: Vec<String>,
}

impl ServeArgs {
    /// The server's limits with the operator's choices.
    fn limits(&self) -> Limits {
        const MIB: u64 = 1024 * 1024;
        Limits {
            free_space_reserve: self.free_space_reserve_mb.saturating_mul(MIB),
            max_device_records: self.max_device_records,
            max_device_bytes: self.max_device_mb.saturating_mul(MIB),
            trusted_proxies: self.trusted_proxies.clone(),
            https: self.https || self.tls_cert.is_some() || !self.tls_self_signed.is_empty(),
            sms_secret: self.sms_secret.clone(),
            sms_numbers: self.sms_numbers.clone(),
            ..Limits::default()
        }
    }
}

/// `election` subcommands.
#[derive(Subcommand)]
pub enum ElectionCommand {
    /// Imports (or updates) the election package into a data directory.
    Import {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The package JSON (its assignment, if any, is ignored).
        file: PathBuf,
        /// Centers and stations as CSV, replacing the package's (see `testigo_server::election`).
        #[arg(long)]
        stations: Option<PathBuf>,
    },
    /// Writes a realistic synthetic election package (and its stations as CSV).
    Sample {
        /// How many stations (tables).
        #[arg(long, default_value_t = 100)]
        stations: usize,
        /// Where to write the package JSON.
        #[arg(long)]
        out: PathBuf,
        /// Also write the centers and stations as CSV here.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Seed: the same seed writes the same election.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Arguments of `enroll`.
#[derive(Args)]
pub struct EnrollArgs {
    /// The data directory.
    #[arg(long)]
    data: PathBuf,
    /// A station the device will report (repeat for several).
    #[arg(long = "station", required = true)]
    stations: Vec<String>,
    /// How many codes (one device each).
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// The server's address as the phones reach it, put in the QR code.
    #[arg(long)]
    url: Option<String>,
    /// A pin of the server's TLS key for the QR code (`sha256/<base64>` of its public key; repeat
    /// for a backup key): phones enrolled with it trust that key and no certificate authority.
    #[arg(long = "tls-pin")]
    tls_pins: Vec<String>,
    /// Pin the key of this PEM certificate (the one the server or its proxy serves, e.g.
    /// DATA/tls/cert.pem for `serve --tls-self-signed`); repeat for several.
    #[arg(long = "tls-cert")]
    tls_certs: Vec<PathBuf>,
    /// Also write each code's QR code as a PNG into this directory.
    #[arg(long)]
    qr_png: Option<PathBuf>,
    /// Print one JSON object instead of text and QR codes.
    #[arg(long)]
    json: bool,
}

/// `user` subcommands.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Adds a coordinator account for the dashboard and the admin API.
    Add {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// Login name.
        #[arg(long)]
        name: String,
        /// The region subtree they see, as a path of names (`Zulia/Maracaibo`); all if omitted.
        #[arg(long, default_value = "")]
        scope: String,
        /// What they may do: `observer` (looks only), `reviewer` (reviews, transcribes,
        /// verifies in their scope) or `admin` (runs the night: accounts, enrollment, imports,
        /// publication; the whole election).
        #[arg(long, default_value = "reviewer")]
        role: String,
        /// Who makes the account, for the audit log.
        #[arg(long = "as", default_value = "cli")]
        actor: String,
        /// Read the password from the first line of standard input (otherwise one is made and
        /// printed).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Arguments of `review`.
#[derive(Args)]
pub struct ReviewArgs {
    /// The data directory.
    #[arg(long)]
    data: PathBuf,
    /// The capture's id (UUID), as the phone made it.
    #[arg(long)]
    capture: uuid::Uuid,
    /// The device's id, if two devices used the same capture id.
    #[arg(long)]
    device: Option<String>,
    /// verified, disputed or rejected.
    #[arg(long)]
    status: String,
    /// A comment for the watcher.
    #[arg(long)]
    comment: Option<String>,
    /// Who reviews, for the audit log.
    #[arg(long = "as", default_value = "cli")]
    actor: String,
}

/// `device` subcommands.
#[derive(Subcommand)]
pub enum DeviceCommand {
    /// Revokes a device (lost, seized, misused): its token stops working at once and it cannot
    /// enroll again; what it sent stays, marked.
    Revoke {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The device's id (its key id, as the dashboard shows it).
        device: String,
        /// Why, for the audit log and the coordinators.
        #[arg(long)]
        reason: String,
        /// Who revokes, for the audit log.
        #[arg(long = "as", default_value = "cli")]
        actor: String,
    },
}

pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// Runs `serve` until Ctrl-C or SIGTERM.
pub fn serve(args: &ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if args.log_json {
        tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).init();
    }
    let state = open_data_dir(&args.data, args.limits())?;
    let tls_files = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ if !args.tls_self_signed.is_empty() => {
            Some(testigo_server::tls::self_signed(&args.data, &args.tls_self_signed)?)
        }
        _ => None,
    };
    let tls = match &tls_files {
        Some((cert, key)) => {
            let config = testigo_server::tls::server_config(cert, key)?;
            let pin = testigo_server::tls::pin_of_pem(cert)?;
            tracing::info!(cert = %cert.display(), %pin, "serving HTTPS");
            Some(config)
        }
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        let addr = listener.local_addr()?;
        match state.repo.election().await? {
            Some(e) => tracing::info!(election = %e.election.id, version = e.version, "election loaded"),
            None => tracing::warn!("no election imported yet: run `testigo election import`"),
        }
        tracing::info!(%addr, key = %state.key.public_key().key_id(), "listening");
        // One write for the whole announcement: whoever started us may read the first line and
        // close the pipe, and a server must not stop because nobody reads its stdout any more.
        let mut announce = format!("listening on {scheme}://{addr}\n");
        if let Some((cert, _)) = &tls_files {
            announce.push_str(&format!(
                "TLS key pin {} (testigo enroll --tls-cert {})\n",
                testigo_server::tls::pin_of_pem(cert)?,
                cert.display()
            ));
        }
        announce.push_str(&format!("public portal on {scheme}://{addr}/\n"));
        say(&announce);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            if stop.send(true).is_err() {
                tracing::debug!("nothing left to stop");
            }
        });
        let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            // A dropped sender also means stop.
            if rx.wait_for(|s| *s).await.is_err() {
                tracing::debug!("the stop signal is gone: stopping");
            }
        };
        let public = match args.public_listen {
            Some(at) => {
                let listener = tokio::net::TcpListener::bind(at).await?;
                say(&format!("public portal alone on {scheme}://{}/\n", listener.local_addr()?));
                let serving = testigo_server::serve_public(
                    listener,
                    state.clone(),
                    tls.clone(),
                    until(stopped.clone()),
                );
                Some(tokio::spawn(serving))
            }
            None => None,
        };
        testigo_server::serve_with(listener, state, tls, until(stopped)).await?;
        if let Some(public) = public {
            public.await??;
        }
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Reads a package file, applying a stations CSV if given.
pub fn read_package(
    file: &Path,
    stations: Option<&Path>,
) -> Result<ElectionPackage, Box<dyn std::error::Error>> {
    let text = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut package: ElectionPackage = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not an election package: {e}", file.display()))?;
    package.assignment = None;
    if let Some(csv) = stations {
        let text = std::fs::read_to_string(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
        testigo_server::election::apply_stations_csv(&mut package, &text)
            .map_err(|e| format!("{}: {e}", csv.display()))?;
    }
    Ok(package)
}

/// Runs `election import` or `election sample`.
pub fn election(cmd: &ElectionCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        ElectionCommand::Import { data, file, stations } => {
            let package = read_package(file, stations.as_deref())?;
            let (centers, n) = (package.centers.len(), package.stations.len());
            let state = open_data_dir(data, Limits::default())?;
            let outcome = runtime()?.block_on(state.repo.import_election(package, now_ms()))??;
            use testigo_server::repo::ImportOutcome;
            let (centers, stations) = (n_(centers), n_(n));
            match outcome {
                ImportOutcome::Created => {
                    say!("cli-election-created", centers = centers, stations = stations)
                }
                ImportOutcome::Updated { from } => {
                    say!("cli-election-updated", from = from, centers = centers, stations = stations)
                }
                ImportOutcome::Unchanged => {
                    say!("cli-election-unchanged", centers = centers, stations = stations)
                }
            }
        }
        ElectionCommand::Sample { stations, out, csv, seed } => {
            let sample = testigo_testkit::SampleElection::new(*seed, *stations);
            std::fs::write(out, serde_json::to_vec_pretty(&sample.package)?)?;
            if let Some(csv) = csv {
                std::fs::write(csv, testigo_server::election::write_stations_csv(&sample.package)?)?;
            }
            say!(
                "cli-election-sample",
                file = out.display(),
                centers = n_(sample.package.centers.len()),
                stations = n_(sample.package.stations.len())
            );
        }
    }
    Ok(())
}

/// Runs `enroll`.
pub fn enroll(args: &EnrollArgs) -> Result<(), Box<dyn std::error::Error>> {
    use testigo_protocol::enrollment::{MAX_TLS_PINS, parse_tls_pin};
    let mut tls_pins = Vec::new();
    for pin in &args.tls_pins {
        if parse_tls_pin(pin).is_none() {
            return Err(format!("--tls-pin {pin}: not sha256/<base64 of 32 bytes>").into());
        }
        tls_pins.push(pin.trim().to_owned());
    }
    for cert in &args.tls_certs {
        tls_pins.push(testigo_server::tls::pin_of_pem(cert)?);
    }
    if tls_pins.len() > MAX_TLS_PINS {
        return Err(format!("at most {MAX_TLS_PINS} TLS key pins").into());
    }
    if !tls_pins.is_empty() && !args.url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        return Err("TLS key pins need --url https://…".into());
    }
    let state = open_existing_data_dir(&args.data, Limits::default())?;
    let codes = runtime()?.block_on(testigo_server::services::enrollment::create_codes(
        &state,
        &args.stations,
        args.count,
        "cli",
        now_ms(),
    ))?;
    if let Some(dir) = &args.qr_png {
        std::fs::create_dir_all(dir)?;
    }
    let mut listed = Vec::new();
    for code in &codes {
        let uri = testigo_protocol::enrollment::EnrollmentUri {
            code: code.clone(),
            server_url: args.url.clone(),
            tls_pins: tls_pins.clone(),
        }
        .to_uri();
        let png = match &args.qr_png {
            Some(dir) => {
                let path = dir.join(format!("enroll-{code}.png"));
                crate::qr::write_png(&uri, &path, 8)?;
                Some(path)
            }
            None => None,
        };
        if !args.json {
            say!("cli-enroll-code", code = code, stations = args.stations.join(", "));
            print!("{}", crate::qr::terminal(&uri)?);
            if let Some(p) = &png {
                say!("cli-enroll-qr", file = p.display());
            }
        }
        listed.push(serde_json::json!({ "code": code, "uri": uri, "qr_png": png }));
    }
    if args.json {
        println!("{}", serde_json::json!({ "stations": args.stations, "codes": listed }));
    }
    Ok(())
}

/// Runs `user add`.
pub fn user(cmd: &UserCommand) -> Result<(), Box<dyn std::error::Error>> {
    let UserCommand::Add { data, name, scope, role, actor, password_stdin } = cmd;
    let role =
        testigo_server::repo::coord::Role::parse(role).ok_or("--role must be observer, reviewer or admin")?;
    let generated = !password_stdin;
    let password = if *password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        testigo_server::services::accounts::new_password()?
    };
    let state = open_existing_data_dir(data, Limits::default())?;
    let id = runtime()?.block_on(testigo_server::services::accounts::create_user(
        state.coord.as_ref(),
        name,
        &password,
        scope,
        role,
        actor,
        now_ms(),
    ))?;
    let scope = if scope.is_empty() { crate::say::t("cli-scope-all", &[]) } else { scope.clone() };
    let role = crate::say::t(testigo_server::i18n::role_label(role), &[]);
    say!("cli-user-made", name = name, id = id, scope = scope, role = role);
    if generated {
        say!("cli-password", password = password);
    }
    Ok(())
}

/// Runs `review`.
pub fn review(args: &ReviewArgs) -> Result<(), Box<dyn std::error::Error>> {
    use testigo_server::repo::ReviewTarget;
    use testigo_server::services::review::{self, Reviewer};
    let status: testigo_protocol::api::ReviewStatus =
        args.status.parse().map_err(|()| "status must be verified, disputed or rejected")?;
    let verdict = review::Verdict::new(status, args.comment.as_deref())?;
    let target = match &args.device {
        Some(d) => ReviewTarget::Device {
            device: d.parse().map_err(|_| "--device is not a device id")?,
            capture_id: args.capture,
        },
        None => ReviewTarget::CaptureId(args.capture),
    };
    let state = open_existing_data_dir(&args.data, Limits::default())?;
    let reviewer = Reviewer::operator(&args.actor);
    let done = runtime()?.block_on(review::review(&state, &reviewer, target, verdict.clone()))?;
    say!("cli-reviewed", pk = done.pk, from = done.from.as_str(), to = verdict.status.as_str());
    Ok(())
}

/// Runs a `device` subcommand.
pub fn device(cmd: &DeviceCommand) -> Result<(), Box<dyn std::error::Error>> {
    use testigo_server::services::devices;
    use testigo_server::services::review::Reviewer;
    let DeviceCommand::Revoke { data, device, reason, actor } = cmd;
    let id: testigo_protocol::KeyId = device.parse().map_err(|_| "not a device id")?;
    let state = open_existing_data_dir(data, Limits::default())?;
    let done = runtime()?.block_on(devices::revoke(&state, &Reviewer::operator(actor), &id, reason))?;
    if done.already {
        say!("cli-revoked-already", device = done.device, at = crate::say::lang().datetime(done.at_ms));
    } else {
        say!("cli-revoked", device = done.device);
    }
    Ok(())
}

/// Writes the server's announcements to stdout in one write; a closed stdout (the starter read
/// what it needed and went away) is logged, not fatal.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!(error = %e, "stdout is closed: announcements go to the log only");
        tracing::info!("{}", text.trim_end());
    }
}
