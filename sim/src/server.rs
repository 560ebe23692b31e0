//! The coordinators' server embedded in this process on a loopback port, with a synthetic
//! election imported: for the end-to-end tests, the benchmarks and the demo.

use std::net::SocketAddr;

use testigo_protocol::PublicKey;
use testigo_server::{AppState, Limits, now_ms, open_data_dir};

use testigo_testkit::SampleElection;

/// Result type for setting up the server.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The coordinators' server, embedded, on a loopback port, with an election imported.
pub struct LocalServer {
    /// Its state (repo, blobs, key).
    pub state: AppState,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub dir: tempfile::TempDir,
    /// The pin of its TLS key when it serves HTTPS.
    pub tls_pin: Option<String>,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalServer({})", self.addr)
    }
}

impl LocalServer {
    /// Starts a server with `election` imported.
    pub fn start(election: &SampleElection) -> Result<LocalServer> {
        LocalServer::start_with(election, Limits::default())
    }

    /// Starts a server with `election` imported and these limits.
    pub fn start_with(election: &SampleElection, limits: Limits) -> Result<LocalServer> {
        LocalServer::start_inner(election, limits, false)
    }

    /// Starts a server with `election` imported, serving HTTPS with a self-signed certificate for
    /// `127.0.0.1` (made in its data directory): phones reach it only with its pin
    /// ([`LocalServer::tls_pin`]).
    pub fn start_tls(election: &SampleElection) -> Result<LocalServer> {
        LocalServer::start_inner(election, Limits { https: true, ..Limits::default() }, true)
    }

    fn start_inner(election: &SampleElection, limits: Limits, tls: bool) -> Result<LocalServer> {
        let dir = tempfile::tempdir()?;
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let state = open_data_dir(dir.path(), limits)?;
        let package = election.package.clone();
        runtime.block_on(state.repo.import_election(package, now_ms()))??;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (config, tls_pin) = if tls {
            let (cert, key) = testigo_server::tls::self_signed(dir.path(), &["127.0.0.1".into()])?;
            (
                Some(testigo_server::tls::server_config(&cert, &key)?),
                Some(testigo_server::tls::pin_of_pem(&cert)?),
            )
        } else {
            (None, None)
        };
        runtime.spawn(testigo_server::serve_with(listener, state.clone(), config, std::future::pending()));
        Ok(LocalServer { state, addr, dir, tls_pin, runtime })
    }

    /// A read-only connection to the server's database, for checking what it holds.
    pub fn db(&self) -> Result<rusqlite::Connection> {
        Ok(rusqlite::Connection::open_with_flags(
            self.dir.path().join(testigo_server::DATABASE_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?)
    }

    /// `http://addr`, or `https://addr` when it serves HTTPS.
    pub fn url(&self) -> String {
        let scheme = if self.tls_pin.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// One enrollment code per entry of `stations`, each enrolling one phone for those stations.
    pub fn codes(&self, stations: &[Vec<String>]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for s in stations {
            let mut c = self.runtime.block_on(testigo_server::services::enrollment::create_codes(
                &self.state,
                s,
                1,
                "sim",
                now_ms(),
            ))?;
            out.append(&mut c);
        }
        Ok(out)
    }

    /// Runs a future on the server's runtime (to call the repository from a test).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The server's receipt key.
    pub fn key(&self) -> PublicKey {
        self.state.key.public_key().clone()
    }
}
