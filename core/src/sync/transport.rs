//! The sync engine's view of HTTP: one small trait, [`Transport`], and its real implementation,
//! [`HttpTransport`] (reqwest with rustls: no OpenSSL on phones).
//!
//! The trait is blocking, like the rest of the core, and every call takes the run's
//! [`CancelToken`]: `HttpTransport` races each request against it, so a cancelled sync stops at
//! once, even in the middle of a slow upload. Tests and apps may substitute their own transport
//! (an app behind a special proxy, a test that scripts answers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The most bytes of a response body read; more is refused (a sync answer is a few KB, a package
/// a few hundred).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// An HTTP method the sync engine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

/// A request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Headers (name, value).
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// The longest the whole exchange may take.
    pub timeout: Duration,
}

/// A response.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers (lower-case name, value).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// No answer in time.
    #[error("timed out")]
    Timeout,
    /// No connection could be made (no network, refused, DNS).
    #[error("cannot connect")]
    Connect,
    /// The connection broke during the exchange.
    #[error("the connection broke")]
    Broken,
    /// The response body is larger than [`MAX_RESPONSE_BYTES`].
    #[error("the response is too large")]
    TooLarge,
    /// The request could not be built (a bad URL).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Sends HTTP requests. Must be safe to call from any thread.
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the whole response, or why not. Must return
    /// [`TransportError::Cancelled`] promptly once `cancel` is cancelled.
    fn send(&self, request: Request, cancel: &CancelToken) -> Result<Response, TransportError>;
}

/// Cancels a running sync from another thread. Cheap to clone; all clones are one token.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<CancelInner>);

#[derive(Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: tokio::sync::Notify,
    lock: Mutex<()>,
    wake: Condvar,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CancelToken(cancelled: {})", self.is_cancelled())
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: the run stops at the next step, and a request in flight is abandoned.
    pub fn cancel(&self) {
        self.0.flag.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
        let _guard = self.0.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.0.wake.notify_all();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// Sleeps for `duration` unless cancelled first; returns whether it was cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        // A sleep beyond the clock's range waits until cancelled.
        let deadline = std::time::Instant::now().checked_add(duration);
        let mut guard = self.0.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.is_cancelled() {
                return true;
            }
            let now = std::time::Instant::now();
            let left = match deadline {
                Some(d) if now >= d => return false,
                Some(d) => d - now,
                None => Duration::from_secs(3600),
            };
            guard = match self.0.wake.wait_timeout(guard, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// HTTP over reqwest and rustls, on a small runtime of its own driven by the calling thread.
pub struct HttpTransport {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpTransport")
    }
}

impl HttpTransport {
    /// A transport with the phone's defaults: 20 s to connect, connections kept a minute; the
    /// server's certificate is checked against the usual certificate authorities.
    pub fn new() -> Result<Self, TransportError> {
        Self::with_pins(&[])
    }

    /// A transport that trusts only a server whose TLS key is one of `pins` (`sha256/<base64>`,
    /// from the enrollment QR code), whatever certificate authorities say; with no pins, the same
    /// as [`HttpTransport::new`].
    pub fn with_pins(pins: &[String]) -> Result<Self, TransportError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| TransportError::Invalid(format!("cannot start the HTTP runtime: {e}")))?;
        let mut builder = reqwest::Client::builder();
        if !pins.is_empty() {
            let config = super::pinning::client_config(pins)
                .ok_or_else(|| TransportError::Invalid("a TLS key pin is not sha256/<base64>".into()))?;
            builder = builder.use_preconfigured_tls(config);
        }
        let client = builder
            .connect_timeout(Duration::from_secs(20))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(2)
            .user_agent(concat!("testigo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpTransport { client, runtime })
    }

    async fn exchange(&self, request: Request) -> Result<Response, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let url = reqwest::Url::parse(&request.url).map_err(|e| TransportError::Invalid(e.to_string()))?;
        let mut builder = self.client.request(method, url).timeout(request.timeout);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(TransportError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, headers, body })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else if e.is_connect() {
        TransportError::Connect
    } else if e.is_builder() {
        TransportError::Invalid(e.to_string())
    } else {
        TransportError::Broken
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request, cancel: &CancelToken) -> Result<Response, TransportError> {
        if cancel.is_cancelled() {
            return Err(TransportError::Cancelled);
        }
        self.runtime.block_on(async {
            tokio::select! {
                r = self.exchange(request) => r,
                () = cancel.cancelled() => Err(TransportError::Cancelled),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_sleep_wakes_at_once() {
        let token = CancelToken::new();
        let t = token.clone();
        let started = std::time::Instant::now();
        let handle = std::thread::spawn(move || t.sleep(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(20));
        token.cancel();
        assert!(handle.join().unwrap());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(token.sleep(Duration::from_secs(30)));
        // A sleep past the clock's range does not overflow: it waits for the cancel.
        assert!(token.sleep(Duration::MAX));
        assert!(!CancelToken::new().sleep(Duration::from_millis(1)));
    }

    #[test]
    fn a_request_to_nowhere_fails_to_connect_and_cancelled_requests_do_not_start() {
        let t = HttpTransport::new().unwrap();
        // Port 9 on loopback: nothing listens.
        let req = Request {
            method: Method::Get,
            url: "http://127.0.0.1:9/".into(),
            headers: vec![],
            body: vec![],
            timeout: Duration::from_secs(5),
        };
        assert_eq!(t.send(req.clone(), &CancelToken::new()).unwrap_err(), TransportError::Connect);
        let cancelled = CancelToken::new();
        cancelled.cancel();
        assert_eq!(t.send(req.clone(), &cancelled).unwrap_err(), TransportError::Cancelled);
        let bad = Request { url: "not a url".into(), ..req };
        assert!(matches!(t.send(bad, &CancelToken::new()), Err(TransportError::Invalid(_))));
    }
}
