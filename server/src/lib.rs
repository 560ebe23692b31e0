//! The coordinators' server: it receives what every watcher's phone sends.
//!
//! [`app`] builds the axum [`Router`] from an [`AppState`]; [`serve`] runs it on a listener with
//! graceful shutdown and the upload-expiry sweeper. [`open_data_dir`] gives the embedded default
//! state: SQLite ([`repo::sqlite::SqliteRepo`]) and a local folder ([`blobs::FsBlobStore`]) in
//! one directory, the receipt key beside them. The `testigo` command (`cli/`) wraps these.
//!
//! Layers, top down: `routes/` (one module per resource, handlers beside their paths: they parse,
//! call one service, respond), [`services`] (the rules: intake, photos and uploads, enrollment,
//! accounts and sign-in, reviews, the tally's reads), then storage: [`repo`] (storage traits and
//! SQLite) and [`blobs`] (photo bytes). Beside them: [`error`] (every failure as problem+json),
//! [`keys`] (receipt key), `auth` (device tokens), `ratelimit`, [`election`] (package and CSV
//! import), `openapi.json` (the API description served at `/openapi.json`).
//!
//! Data directory layout (embedded default):
//!
//! ```text
//! DATA/testigo-server.db   SQLite (WAL): election, devices, captures, uploads, feed
//! DATA/server.key          the receipt key, PKCS#8, mode 0600
//! DATA/photos/blobs/       finished photos, content-addressed by SHA-256
//! DATA/photos/partials/    tus uploads in progress
//! ```

mod auth;
pub mod blobs;
pub mod election;
pub mod error;
pub mod i18n;
pub mod keys;
pub mod live;
pub mod official;
mod ratelimit;
pub mod repo;
mod routes;
pub mod services;
pub mod tls;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use testigo_protocol::TimestampMs;

use crate::blobs::{BlobStore, FsBlobStore};
use crate::keys::ServerKey;
use crate::ratelimit::RateLimiter;
use crate::repo::sqlite::SqliteRepo;
use crate::repo::{Analysis, Coordination, Desk, Publishing, Repo};

pub use crate::error::{AppError, AppResult};
pub use crate::routes::portal::mirror;
pub use crate::services::uploads::sweep_expired;

/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Limits the server enforces. The defaults suit election night on one machine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest `POST /v1/captures` body.
    pub max_batch_bytes: usize,
    /// Largest photo (`Upload-Length`).
    pub max_upload_bytes: u64,
    /// How long an unfinished upload is kept.
    pub upload_ttl: Duration,
    /// Longest time any request but an upload may take.
    pub request_timeout: Duration,
    /// Longest silence inside an upload's body before the bytes so far are kept and the request
    /// ends.
    pub body_idle_timeout: Duration,
    /// Longest time one upload request (a tus chunk) may take, however its bytes trickle in:
    /// then the bytes so far are kept, the request ends and the upload's lock is free again.
    pub chunk_timeout: Duration,
    /// Longest time a connection may take to send a request's headers, counted from when it
    /// opens or its previous answer was sent: idle and slow-header connections are closed.
    pub header_read_timeout: Duration,
    /// Requests a device may make in a burst.
    pub device_burst: u32,
    /// Requests per second a device may keep up.
    pub device_per_s: f64,
    /// Failed enrollment attempts an address may make in a burst.
    pub enroll_fail_burst: u32,
    /// Failed enrollment attempts per second an address may keep up.
    pub enroll_fail_per_s: f64,
    /// How often expired uploads are swept.
    pub sweep_interval: Duration,
    /// Failed sign-ins one account may have from one address before each further attempt waits
    /// (1 s, doubling to 15 min).
    pub login_free_per_pair: u32,
    /// Failed sign-ins one account may have from all addresses before each further attempt waits.
    pub login_free_per_account: u32,
    /// Failed sign-ins one address may have on all accounts before each further attempt waits.
    pub login_free_per_ip: u32,
    /// Whether clients reach the server over https (through a TLS-terminating proxy): session
    /// cookies are then `Secure` and every answer carries `Strict-Transport-Security`.
    pub https: bool,
    /// Reverse proxies in front of the server: only from these is `X-Forwarded-For` trusted for
    /// the client's address (throttling keys on it).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Uploads one device may have receiving bytes at once.
    pub max_device_uploads: u64,
    /// Photo bytes one device may upload in all (active and complete uploads).
    pub max_device_bytes: u64,
    /// Records one device may send in all (corrections included).
    pub max_device_records: u64,
    /// Free disk space the server keeps for everyone: below it, new photo bytes and records are
    /// refused (`507`) until space returns, and `/healthz` says `degraded`.
    pub free_space_reserve: u64,
    /// How long the public portal uses what it read of the publication's progress before it
    /// reads it again (pages rendered for it are served from memory meanwhile): how late a new
    /// publication may show on the portal.
    pub public_context_ttl: Duration,
    /// The secret SMS gateways present to `POST /v1/sms`; `None`: no SMS intake.
    pub sms_secret: Option<String>,
    /// The gateways' phone numbers, told to every phone in its election package (where to send
    /// records by SMS).
    pub sms_numbers: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 32 * 1024 * 1024,
            upload_ttl: Duration::from_secs(48 * 3600),
            request_timeout: Duration::from_secs(120),
            body_idle_timeout: Duration::from_secs(30),
            chunk_timeout: Duration::from_secs(600),
            header_read_timeout: Duration::from_secs(30),
            device_burst: 120,
            device_per_s: 30.0,
            enroll_fail_burst: 10,
            enroll_fail_per_s: 0.1,
            sweep_interval: Duration::from_secs(60),
            login_free_per_pair: 5,
            login_free_per_account: 20,
            login_free_per_ip: 50,
            trusted_proxies: Vec::new(),
            public_context_ttl: Duration::from_secs(1),
            https: false,
            max_device_uploads: 4,
            max_device_bytes: 256 * 1024 * 1024,
            max_device_records: 1_000,
            free_space_reserve: 512 * 1024 * 1024,
            sms_secret: None,
            sms_numbers: Vec::new(),
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Records, devices, uploads, feed.
    pub repo: Arc<dyn Repo>,
    /// Coordinators, sessions, the dashboard's reads.
    pub coord: Arc<dyn Coordination>,
    /// What is public, and the portal's reads.
    pub public: Arc<dyn Publishing>,
    /// Official results, the contrast, the quick count's sample.
    pub analysis: Arc<dyn Analysis>,
    /// The verification desk: blind double entry.
    pub desk: Arc<dyn Desk>,
    /// Photo bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// The receipt key.
    pub key: Arc<ServerKey>,
    /// Limits.
    pub limits: Arc<Limits>,
    pub(crate) rate: Arc<RateLimiter>,
    pub(crate) logins: Arc<ratelimit::Backoff>,
    pub(crate) uploads: Arc<services::uploads::UploadLocks>,
    pub(crate) seen: Arc<auth::SeenCache>,
    pub(crate) portal: Arc<routes::portal::cache::PortalCache>,
    /// What tells open dashboards that something arrived.
    pub live: Arc<live::Live>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("key", &self.key).finish_non_exhaustive()
    }
}

impl AppState {
    /// A state over the given storage: every database trait from one implementation (the
    /// embedded SQLite repository, or another backend that implements them all).
    pub fn new<S>(storage: Arc<S>, blobs: Arc<dyn BlobStore>, key: Arc<ServerKey>, limits: Limits) -> Self
    where
        S: Repo + Coordination + Publishing + Analysis + Desk,
    {
        AppState {
            repo: storage.clone(),
            coord: storage.clone(),
            public: storage.clone(),
            analysis: storage.clone(),
            desk: storage,
            blobs,
            key,
            rate: Arc::new(RateLimiter::default()),
            logins: Arc::default(),
            uploads: Arc::default(),
            seen: Arc::default(),
            portal: Arc::default(),
            live: Arc::default(),
            limits: Arc::new(limits),
        }
    }

    /// The same state (storage, keys, locks, rate limits) with other limits: for an operator
    /// who changes a limit, and for tests.
    pub fn with_limits(&self, limits: Limits) -> AppState {
        AppState { limits: Arc::new(limits), ..self.clone() }
    }
}

/// Why the data directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The directory or a file in it could not be created or read.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Repo(#[from] repo::RepoError),
    /// The photo folder could not be opened.
    #[error(transparent)]
    Blobs(#[from] blobs::BlobError),
    /// The receipt key could not be loaded.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// The directory holds no server data (a mistyped path?).
    #[error("{0} holds no Testigo server data: import an election there first (`testigo election import`)")]
    NoData(std::path::PathBuf),
}

/// The database's file name inside a data directory.
pub const DATABASE_FILE: &str = "testigo-server.db";

/// The embedded default: everything in `dir` (created if missing). See the crate doc.
pub fn open_data_dir(dir: &Path, limits: Limits) -> Result<AppState, OpenError> {
    private_dir(dir)?;
    let db = dir.join(DATABASE_FILE);
    let repo = Arc::new(SqliteRepo::open(&db)?);
    // SQLite gives its -wal and -shm files the database file's mode.
    #[cfg(unix)]
    std::fs::set_permissions(&db, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let blobs = FsBlobStore::open(&dir.join("photos"))?;
    let key = ServerKey::load_or_create(&dir.join("server.key"))?;
    Ok(AppState::new(repo, Arc::new(blobs), Arc::new(key), limits))
}

/// [`open_data_dir`] for a directory that must already hold a server's data: for commands that
/// work on an existing server (enroll, accounts, reviews), where a mistyped path must not
/// quietly start a new, empty one.
pub fn open_existing_data_dir(dir: &Path, limits: Limits) -> Result<AppState, OpenError> {
    if !dir.join(DATABASE_FILE).is_file() {
        return Err(OpenError::NoData(dir.to_owned()));
    }
    open_data_dir(dir, limits)
}

/// Creates `dir` (and its parents) if missing and makes it readable by the server's user alone
/// (0700): votes are not secret, but tokens, sessions and who enrolled which phone are.
pub(crate) fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// The server's routes over `state`.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// The public portal alone (for a second, public address: `testigo serve --public-listen`):
/// its pages, published photos and data, nothing of the device API or the dashboard.
pub fn public_app(state: AppState) -> Router {
    routes::public_router(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then finishes the requests in flight.
/// Also sweeps expired uploads every [`Limits::sweep_interval`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, None, shutdown).await
}

/// [`serve`], over HTTPS when `tls` is given ([`tls::server_config`]).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(services::uploads::sweep_forever(state.clone()));
    let tallier = tokio::spawn(tally_forever(state.clone()));
    let header_read_timeout = state.limits.header_read_timeout;
    let served = accept_loop(listener, app(state), header_read_timeout, tls, shutdown).await;
    sweeper.abort();
    tallier.abort();
    served
}

/// Serves the public portal alone ([`public_app`]) on `listener` until `shutdown` resolves: the
/// second address of `testigo serve --public-listen`, which a CDN or the public reach.
pub async fn serve_public(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_read_timeout = state.limits.header_read_timeout;
    accept_loop(listener, public_app(state), header_read_timeout, tls, shutdown).await
}

/// Accepts connections for `router` until `shutdown`, then finishes the requests in flight.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    header_read_timeout: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
        // Handlers read the peer address (`ConnectInfo`) as under `axum::serve`.
        let service = tower::ServiceExt::map_request(router.clone(), move |mut r: Request<Incoming>| {
            r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
            r
        });
        let service = hyper_util::service::TowerToHyperService::new(service);
        // hyper closes a connection whose headers do not arrive within the timeout, counted from
        // when it opens and again after each answer: idle keep-alive connections and headers
        // sent a byte at a time cannot hold sockets forever.
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_read_timeout);
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let ended = match acceptor {
                None => {
                    watcher.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service)).await
                }
                Some(acceptor) => {
                    // The handshake has the same deadline as the headers it comes before.
                    let stream =
                        match tokio::time::timeout(header_read_timeout, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                            Err(_) => return tracing::debug!("TLS handshake timed out"),
                        };
                    watcher.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service)).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Keeps the dashboard's aggregates current: a bounded refresh every half second, more at once
/// while a backlog remains.
async fn tally_forever(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tick.tick().await;
        let mut done = repo::TallyProgress::default();
        loop {
            match state.repo.refresh_tally(TALLY_BATCH).await {
                Ok(p) if p.is_idle() => break,
                Ok(p) => {
                    done.captures += p.captures;
                    done.photos += p.photos;
                    done.stations += p.stations;
                    done.contrasts += p.contrasts;
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the tally refresh failed");
                    break;
                }
            }
        }
        // Open dashboards hear of it once per pass (see `live`).
        state.live.pulse(&done, now_ms());
    }
}

/// Items per tally refresh: small enough that intake waiting behind it in the writer's queue
/// waits milliseconds, not seconds.
pub const TALLY_BATCH: usize = 2_000;

/// Milliseconds since the Unix epoch, by the server's clock.
pub fn now_ms() -> TimestampMs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
