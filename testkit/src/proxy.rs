//! A network fault proxy on loopback: field links and their failures, for tests and the demo.
//!
//! [`FaultProxy`] listens on `127.0.0.1` and forwards each TCP connection to an upstream server
//! through a simulated link ([`LinkProfile`]: bandwidth each way and one-way latency) and, with
//! the probabilities in [`Faults`], spoils it:
//!
//! - **reset**: the connection is aborted (TCP RST) after a random number of bytes in one
//!   direction, mid-request or mid-answer;
//! - **stall**: at a random offset the bytes stop flowing for a while, then resume;
//! - **black hole**: the connection is accepted and never answered;
//! - **truncate**: the answer is cut at a random offset and the connection closed cleanly;
//! - **5xx**: a "proxy" answers `503` with an HTML page instead of the server;
//! - **captive portal**: every request is answered `200 OK` with a login page;
//! - **down**: connections are refused.
//!
//! Fates are drawn per connection from a seeded generator, so a run is repeatable as far as the
//! operating system's scheduling allows. Faults and profile can change while it runs (outages).
//! Everything is bounded in time: a black hole or a stall lasts at most its configured time,
//! and the proxy stops when dropped.

use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::rng::Rng;

/// A link's speed and delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkProfile {
    /// Short name (`gprs`, `edge`, `3g`, `clean`).
    pub name: &'static str,
    /// Phone to server, bits per second (0: unlimited).
    pub up_bps: u64,
    /// Server to phone, bits per second (0: unlimited).
    pub down_bps: u64,
    /// One-way delay.
    pub latency: Duration,
}

impl LinkProfile {
    /// 2G GPRS: 40 kbit/s up, 80 kbit/s down, 300 ms each way.
    pub const GPRS: LinkProfile =
        LinkProfile { name: "gprs", up_bps: 40_000, down_bps: 80_000, latency: Duration::from_millis(300) };
    /// 2.75G EDGE: 100 kbit/s up, 200 kbit/s down, 150 ms.
    pub const EDGE: LinkProfile =
        LinkProfile { name: "edge", up_bps: 100_000, down_bps: 200_000, latency: Duration::from_millis(150) };
    /// A modest 3G link: 750 kbit/s up, 2 Mbit/s down, 75 ms.
    pub const THREE_G: LinkProfile =
        LinkProfile { name: "3g", up_bps: 750_000, down_bps: 2_000_000, latency: Duration::from_millis(75) };
    /// No shaping.
    pub const CLEAN: LinkProfile =
        LinkProfile { name: "clean", up_bps: 0, down_bps: 0, latency: Duration::ZERO };

    /// The profile with this name.
    pub fn by_name(name: &str) -> Option<LinkProfile> {
        [Self::GPRS, Self::EDGE, Self::THREE_G, Self::CLEAN].into_iter().find(|p| p.name == name)
    }
}

/// What goes wrong, per connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Chance that the connection is reset after a random number of bytes.
    pub reset: f64,
    /// The reset happens within this many bytes of either direction's start…
    pub reset_within: u64,
    /// …and not before this many.
    pub reset_min: u64,
    /// Stop resetting after this many resets (0: never stop).
    pub reset_limit: u64,
    /// The share of `reset`s that hit the answer (server to phone) rather than the request.
    pub reset_down_share: f64,
    /// Besides `reset`: on average one reset per this many bytes sent up (0: none). Long-lived
    /// connections (HTTP keep-alive) meet it too, as radio drops and handovers hit them.
    pub reset_mean_bytes: u64,
    /// Chance that the bytes stop flowing for `stall_for` at a random offset.
    pub stall: f64,
    /// How long a stall lasts.
    pub stall_for: Duration,
    /// Chance that the connection is accepted and never answered.
    pub blackhole: f64,
    /// How long a black hole holds the connection before closing it.
    pub blackhole_for: Duration,
    /// Chance that the answer is cut short and the connection closed cleanly.
    pub truncate: f64,
    /// Chance that a proxy answers `503` instead of the server.
    pub error_5xx: f64,
    /// Every request is answered by a captive portal.
    pub captive_portal: bool,
    /// The link is down: connections are refused.
    pub down: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            reset: 0.0,
            reset_within: 100_000,
            reset_min: 0,
            reset_limit: 0,
            reset_down_share: 0.3,
            reset_mean_bytes: 0,
            stall: 0.0,
            stall_for: Duration::from_secs(45),
            blackhole: 0.0,
            blackhole_for: Duration::from_secs(60),
            truncate: 0.0,
            error_5xx: 0.0,
            captive_portal: false,
            down: false,
        }
    }
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A bad field link: resets, stalls, black holes, truncated answers and proxy errors, each
    /// on a few percent of connections.
    pub fn field() -> Self {
        Faults {
            reset: 0.12,
            reset_mean_bytes: 400_000,
            stall: 0.02,
            stall_for: Duration::from_secs(8),
            blackhole: 0.02,
            blackhole_for: Duration::from_secs(8),
            truncate: 0.04,
            error_5xx: 0.04,
            ..Faults::default()
        }
    }
}

/// What the proxy saw and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: u64,
    /// Bytes forwarded phone → server.
    pub bytes_up: u64,
    /// Bytes forwarded server → phone.
    pub bytes_down: u64,
    /// Connections reset.
    pub resets: u64,
    /// Stalls.
    pub stalls: u64,
    /// Black holes.
    pub blackholes: u64,
    /// Answers cut short.
    pub truncations: u64,
    /// `503`s from the proxy.
    pub errors_5xx: u64,
    /// Captive-portal answers.
    pub portal_answers: u64,
    /// Connections refused (link down).
    pub refused: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    resets: AtomicU64,
    stalls: AtomicU64,
    blackholes: AtomicU64,
    truncations: AtomicU64,
    errors_5xx: AtomicU64,
    portal_answers: AtomicU64,
    refused: AtomicU64,
}

struct Shared {
    upstream: SocketAddr,
    /// Bumped when the faults or the profile change: every open connection is then reset, as
    /// when a phone's network changes under it.
    generation: tokio::sync::watch::Sender<u64>,
    profile: Mutex<LinkProfile>,
    faults: Mutex<Faults>,
    rng: Mutex<Rng>,
    counters: Counters,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaultProxy({} -> {})", self.addr, self.shared.upstream)
    }
}

/// What happens to one connection.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Refuse,
    Portal,
    BlackHole(Duration),
    Error5xx,
    Forward {
        reset_up: Option<u64>,
        reset_down: Option<u64>,
        stall_up: Option<(u64, Duration)>,
        truncate_down: Option<u64>,
    },
}

impl FaultProxy {
    /// Starts a proxy to `upstream` on a free loopback port.
    pub fn start(
        upstream: SocketAddr,
        profile: LinkProfile,
        faults: Faults,
        seed: u64,
    ) -> std::io::Result<FaultProxy> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        // Bound here, registered with the runtime inside it: `start` may be called from within
        // another runtime, where blocking on this one is not allowed.
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        // A phone's link holds little in flight: small receive buffers (inherited by accepted
        // sockets) keep the sender's idea of "sent" close to what crossed the link.
        socket2::SockRef::from(&std_listener).set_recv_buffer_size(64 * 1024)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            generation: tokio::sync::watch::Sender::new(0),
            profile: Mutex::new(profile),
            faults: Mutex::new(faults),
            rng: Mutex::new(Rng::stream(seed, 0x9E0E)),
            counters: Counters::default(),
        });
        let s = shared.clone();
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(std_listener) else { return };
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    // Out of file descriptors, or the like: wait a moment instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let s = s.clone();
                let mut changed = s.generation.subscribe();
                tokio::spawn(async move {
                    // Every connection ends within ten minutes, whatever happens, and at once when
                    // the network changes.
                    tokio::select! {
                        _ = tokio::time::timeout(Duration::from_secs(600), serve(s, client)) => {}
                        _ = changed.changed() => {}
                    }
                });
            }
        });
        Ok(FaultProxy { addr, shared, runtime: Some(runtime) })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the faults; open connections are reset (the network changed).
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Changes the link; open connections are reset (the network changed).
    pub fn set_profile(&self, profile: LinkProfile) {
        *self.shared.profile.lock().unwrap_or_else(|e| e.into_inner()) = profile;
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// What the proxy has seen so far.
    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ProxyStats {
            connections: g(&c.connections),
            bytes_up: g(&c.bytes_up),
            bytes_down: g(&c.bytes_down),
            resets: g(&c.resets),
            stalls: g(&c.stalls),
            blackholes: g(&c.blackholes),
            truncations: g(&c.truncations),
            errors_5xx: g(&c.errors_5xx),
            portal_answers: g(&c.portal_answers),
            refused: g(&c.refused),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn decide(shared: &Shared) -> Fate {
    let f = shared.faults.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut rng = shared.rng.lock().unwrap_or_else(|e| e.into_inner());
    if f.down {
        return Fate::Refuse;
    }
    if f.captive_portal {
        return Fate::Portal;
    }
    if rng.chance(f.blackhole) {
        return Fate::BlackHole(f.blackhole_for);
    }
    if rng.chance(f.error_5xx) {
        return Fate::Error5xx;
    }
    let (lo, hi) = (f.reset_min, f.reset_within.max(f.reset_min + 1));
    let offset = |rng: &mut Rng| lo + (rng.f64() * (hi - lo) as f64) as u64;
    let (mut reset_up, mut reset_down) = (None, None);
    let resets_left = f.reset_limit == 0 || shared.counters.resets.load(Ordering::Relaxed) < f.reset_limit;
    if resets_left && rng.chance(f.reset) {
        if rng.chance(f.reset_down_share) {
            reset_down = Some(offset(&mut rng));
        } else {
            reset_up = Some(offset(&mut rng));
        }
    }
    if resets_left && f.reset_mean_bytes > 0 {
        // Exponentially distributed: a constant hazard per byte sent.
        let at = (-(1.0 - rng.f64()).max(1e-12).ln() * f.reset_mean_bytes as f64) as u64;
        reset_up = Some(reset_up.map_or(at, |r| r.min(at)));
    }
    let stall_up = rng.chance(f.stall).then(|| (offset(&mut rng), f.stall_for));
    let truncate_down = rng.chance(f.truncate).then(|| (rng.f64() * 2_000.0) as u64);
    Fate::Forward { reset_up, reset_down, stall_up, truncate_down }
}

/// Aborts a connection with a TCP RST.
fn abort(stream: TcpStream) {
    // SO_LINGER 0: close sends RST instead of FIN. If it cannot be set, a FIN is the next best.
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Reads an HTTP request head (to the blank line), bounded in size and time.
async fn read_head(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout_at(deadline, client.read(&mut buf)).await.ok()?.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(buf.get(..n)?);
    }
    Some(head)
}

async fn answer(mut client: TcpStream, status: &str, extra: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    // The phone may already have gone: then there is no one to answer, which is no error here.
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
}

async fn serve(shared: Arc<Shared>, mut client: TcpStream) {
    let c = &shared.counters;
    c.connections.fetch_add(1, Ordering::Relaxed);
    // Latency is the link profile's business; a socket that refuses the option is no fault.
    let _ = client.set_nodelay(true);
    let profile = *shared.profile.lock().unwrap_or_else(|e| e.into_inner());
    match decide(&shared) {
        Fate::Refuse => {
            c.refused.fetch_add(1, Ordering::Relaxed);
            abort(client);
        }
        Fate::Portal => {
            if read_head(&mut client).await.is_some() {
                c.portal_answers.fetch_add(1, Ordering::Relaxed);
                let page = "<html><body><h1>Bienvenido</h1><form>Acepte los términos para navegar</form></body></html>";
                answer(client, "200 OK", "", page).await;
            }
        }
        Fate::BlackHole(hold) => {
            c.blackholes.fetch_add(1, Ordering::Relaxed);
            let mut sink = [0u8; 4096];
            let until = Instant::now() + hold;
            while let Ok(Ok(n)) = tokio::time::timeout_at(until, client.read(&mut sink)).await {
                if n == 0 {
                    break;
                }
            }
        }
        Fate::Error5xx => {
            if read_head(&mut client).await.is_some() {
                c.errors_5xx.fetch_add(1, Ordering::Relaxed);
                answer(client, "503 Service Unavailable", "retry-after: 1\r\n", "<html>Gateway busy</html>")
                    .await;
            }
        }
        Fate::Forward { reset_up, reset_down, stall_up, truncate_down } => {
            let Ok(server) = TcpStream::connect(shared.upstream).await else {
                abort(client);
                return;
            };
            // As for the phone's side: an option, not a requirement.
            let _ = server.set_nodelay(true);
            // Second handles on both sockets: they stay open after the pumps drop their halves,
            // so a reset can set SO_LINGER 0 first and then close them (RST, not FIN).
            let handles = [client.as_fd().try_clone_to_owned(), server.as_fd().try_clone_to_owned()];
            let kill = tokio::sync::Notify::new();
            let (client_r, client_w) = client.into_split();
            let (server_r, server_w) = server.into_split();
            let up = Direction {
                bps: profile.up_bps,
                latency: profile.latency,
                reset_at: reset_up,
                stall: stall_up,
                truncate_at: None,
                source_close_drops_queue: true,
            };
            let down = Direction {
                bps: profile.down_bps,
                latency: profile.latency,
                reset_at: reset_down,
                stall: None,
                truncate_at: truncate_down,
                source_close_drops_queue: false,
            };
            let up = pump(client_r, server_w, up, &c.bytes_up, &kill);
            let down = pump(server_r, client_w, down, &c.bytes_down, &kill);
            let (u, d) = tokio::join!(up, down);
            if u == PumpEnd::Reset || d == PumpEnd::Reset {
                for fd in handles.iter().flatten() {
                    let _ = socket2::SockRef::from(fd).set_linger(Some(Duration::ZERO));
                }
            }
            drop(handles);
            for end in [u, d] {
                match end {
                    PumpEnd::Reset => c.resets.fetch_add(1, Ordering::Relaxed),
                    PumpEnd::Truncated => c.truncations.fetch_add(1, Ordering::Relaxed),
                    PumpEnd::Stalled => c.stalls.fetch_add(1, Ordering::Relaxed),
                    PumpEnd::Done | PumpEnd::Killed => 0,
                };
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PumpEnd {
    Done,
    Reset,
    Truncated,
    /// Finished normally after a stall.
    Stalled,
    /// The other direction was reset or truncated.
    Killed,
}

/// One direction of a connection through the link.
#[derive(Debug, Clone, Copy)]
struct Direction {
    bps: u64,
    latency: Duration,
    reset_at: Option<u64>,
    stall: Option<(u64, Duration)>,
    truncate_at: Option<u64>,
    /// Phone to server: when the phone closes the connection, what it had queued on its radio
    /// never leaves. (Server to phone, the answer still arrives.)
    source_close_drops_queue: bool,
}

/// Copies one direction through the link: each read leaves after `latency` and no faster than
/// `bps`; a reset or truncation at its offset ends both directions.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dir: Direction,
    counter: &AtomicU64,
    kill: &tokio::sync::Notify,
) -> PumpEnd {
    let Direction { bps, latency, reset_at, stall, truncate_at, source_close_drops_queue } = dir;
    // A reader fills a small queue stamped with arrival times; the writer releases each chunk at
    // arrival + latency, paced to the bandwidth, so bulk transfers see both.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<u8>, Instant)>(8);
    let source_closed = std::sync::atomic::AtomicBool::new(false);
    let source_closed = &source_closed;
    let reader = async move {
        let mut buf = vec![0u8; if bps > 0 && bps < 1_000_000 { 1460 } else { 16 * 1024 }];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    source_closed.store(true, Ordering::SeqCst);
                    break;
                }
                Ok(n) => {
                    if tx.send((buf.get(..n).unwrap_or_default().to_vec(), Instant::now())).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    let writer = async move {
        let mut sent = 0u64;
        let mut free_at = Instant::now();
        let mut stalled = false;
        while let Some((chunk, arrived)) = rx.recv().await {
            if source_close_drops_queue && source_closed.load(Ordering::SeqCst) {
                break;
            }
            let mut chunk = chunk.as_slice();
            // Faults that fall inside this chunk.
            let end = sent + chunk.len() as u64;
            let cut = [reset_at, truncate_at].into_iter().flatten().filter(|o| *o < end).min();
            if let Some(at) = cut {
                chunk = chunk.get(..at.saturating_sub(sent) as usize).unwrap_or_default();
            }
            let start = free_at.max(arrived + latency).max(Instant::now());
            let transmit = if bps > 0 {
                Duration::from_secs_f64(chunk.len() as f64 * 8.0 / bps as f64)
            } else {
                Duration::ZERO
            };
            tokio::time::sleep_until(start + transmit).await;
            free_at = start + transmit;
            if let Some((at, hold)) = stall
                && !stalled
                && at < end
            {
                stalled = true;
                tokio::time::sleep(hold).await;
            }
            if !chunk.is_empty() && to.write_all(chunk).await.is_err() {
                return PumpEnd::Done;
            }
            sent += chunk.len() as u64;
            counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            if cut.is_some() {
                // Both directions stop and the halves are dropped; `serve` then closes the sockets
                // (with RST for a reset).
                kill.notify_waiters();
                if reset_at.is_some_and(|r| r < end) {
                    return PumpEnd::Reset;
                }
                // A peer already gone makes the cut moot.
                let _ = to.shutdown().await;
                return PumpEnd::Truncated;
            }
        }
        // End of the stream: pass the close on; a peer already gone needs none.
        let _ = to.shutdown().await;
        if stalled { PumpEnd::Stalled } else { PumpEnd::Done }
    };
    tokio::select! {
        end = writer => end,
        () = async { reader.await; std::future::pending::<()>().await } => PumpEnd::Done,
        () = kill.notified() => PumpEnd::Killed,
    }
}
