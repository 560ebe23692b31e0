//! One SQLite file shared by many requests: a single writer thread with group commit, and a
//! pool of reader connections.
//!
//! SQLite allows one writer at a time. Rather than have every request wait for its own
//! transaction and its own fsync, requests hand their write to the writer thread as a job; the
//! thread takes every job waiting (up to [`GROUP_MAX`]), runs each in a savepoint of one
//! transaction, commits once, and only then answers each job. Under load a commit (and its fsync)
//! is shared by hundreds of requests; alone, a job is committed at once. A job that fails rolls
//! back its own savepoint and leaves the others alone; a commit that fails fails every job in it.
//! No job is answered before its commit is durable, so a receipt is never sent for a record that
//! a power cut could lose.
//!
//! Reads run on blocking threads with a connection from the pool (WAL: readers never wait for
//! the writer).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

use crate::repo::{RepoError, RepoResult};

/// The most jobs committed together.
const GROUP_MAX: usize = 512;
/// Reader connections: at most this many reads run at once (others wait for a connection, so
/// none is opened only to be closed again, its page cache cold), and as many are kept open.
const POOL_MAX: usize = 8;

impl From<rusqlite::Error> for RepoError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => RepoError::Full,
            _ => RepoError::Db(e.to_string()),
        }
    }
}

trait Job: Send {
    fn run(&mut self, conn: &Connection);
    fn finish(self: Box<Self>, commit: RepoResult<()>);
}

struct TypedJob<T, F> {
    f: Option<F>,
    result: Option<RepoResult<T>>,
    reply: oneshot::Sender<RepoResult<T>>,
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> RepoResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) {
        let Some(f) = self.f.take() else { return };
        let result = (|| {
            conn.execute_batch("SAVEPOINT job")?;
            match f(conn) {
                Ok(v) => {
                    conn.execute_batch("RELEASE job")?;
                    Ok(v)
                }
                Err(e) => {
                    conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
                    Err(e)
                }
            }
        })();
        self.result = Some(result);
    }

    fn finish(self: Box<Self>, commit: RepoResult<()>) {
        let out = match commit {
            Ok(()) => self.result.unwrap_or(Err(RepoError::Closed)),
            Err(e) => Err(e),
        };
        // The request may have gone away (client disconnected); its write stands regardless.
        let _ = self.reply.send(out);
    }
}

/// The database: the writer thread's queue and the reader pool.
pub(crate) struct Db {
    path: PathBuf,
    jobs: mpsc::Sender<Box<dyn Job>>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per reader connection.
    reading: tokio::sync::Semaphore,
}

/// Opens a connection with the server's pragmas.
fn connect(path: &Path, read_only: bool) -> RepoResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    // WAL: readers never block the writer and the writer never blocks readers.
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    // FULL: a commit is on disk before any receipt for it is sent. Group commit pays for it.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache per connection: the dashboard's aggregates and the intake's indexes
    // stay in memory on election night.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Another process (`testigo enroll` while `testigo serve` runs) may hold the write lock for
    // a moment: wait for it rather than fail.
    conn.busy_timeout(Duration::from_secs(10))?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(conn)
}

impl Db {
    /// Opens (creating) the database at `path`, runs `init` on the writer connection inside a
    /// transaction (migrations), and starts the writer thread.
    pub(crate) fn open(path: &Path, init: impl FnOnce(&Connection) -> RepoResult<()>) -> RepoResult<Db> {
        let mut conn = connect(path, false)?;
        {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            init(&tx)?;
            tx.commit()?;
        }
        let (jobs, rx) = mpsc::channel::<Box<dyn Job>>(4096);
        std::thread::Builder::new()
            .name("testigo-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| RepoError::Db(format!("cannot start the writer thread: {e}")))?;
        Ok(Db {
            path: path.to_path_buf(),
            jobs,
            readers: Mutex::new(Vec::new()),
            reading: tokio::sync::Semaphore::new(POOL_MAX),
        })
    }

    /// Runs `f` in the next group-commit transaction; answers after the commit.
    pub(crate) async fn write<T, F>(&self, f: F) -> RepoResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> RepoResult<T> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob { f: Some(f), result: None, reply });
        self.jobs.send(job).await.map_err(|_| RepoError::Closed)?;
        rx.await.map_err(|_| RepoError::Closed)?
    }

    /// Runs `f` with a reader connection on a blocking thread.
    pub(crate) async fn read<T, F>(self: &std::sync::Arc<Self>, f: F) -> RepoResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> RepoResult<T> + Send + 'static,
    {
        let _permit =
            self.reading.acquire().await.map_err(|e| RepoError::Db(format!("reader pool closed: {e}")))?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| RepoError::Db(format!("reader task failed: {e}")))?
    }

    /// Runs `f` with a reader connection on this thread.
    pub(crate) fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> RepoResult<T>) -> RepoResult<T> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, true)?,
        };
        let out = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(conn);
        }
        out
    }
}

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<Box<dyn Job>>) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < GROUP_MAX {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let commit = run_group(&conn, &mut jobs);
        if let Err(e) = &commit {
            tracing::error!(error = %e, jobs = jobs.len(), "group commit failed");
        }
        for job in jobs {
            job.finish(match &commit {
                Ok(()) => Ok(()),
                Err(e) => Err(RepoError::Db(e.to_string())),
            });
        }
    }
}

fn run_group(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> RepoResult<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    for job in jobs.iter_mut() {
        job.run(conn);
    }
    if let Err(e) = conn.execute_batch("COMMIT") {
        // Leave the connection usable for the next group.
        if let Err(rollback) = conn.execute_batch("ROLLBACK") {
            tracing::error!(error = %rollback, "rollback after a failed commit failed");
        }
        return Err(e.into());
    }
    Ok(())
}
