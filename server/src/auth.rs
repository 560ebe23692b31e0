//! Device authentication: `Authorization: Bearer <token>` → the enrolled [`Device`].
//!
//! Tokens are 32 random bytes; the server keeps only their SHA-256 (a stolen database
//! authenticates nobody). Every authenticated request also takes a token from the device's rate
//! bucket and, at most once a minute, records when the device was last seen.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use testigo_protocol::{KeyId, Sha256};

use crate::error::AppError;
use crate::repo::Device;
use crate::{AppState, now_ms};

/// How often a device's last-seen time is written.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The device making the request.
#[derive(Debug, Clone)]
pub(crate) struct AuthDevice(pub(crate) Device);

/// When each device's last-seen time was last written.
#[derive(Debug, Default)]
pub(crate) struct SeenCache(Mutex<HashMap<KeyId, Instant>>);

impl SeenCache {
    fn due(&self, id: &KeyId) -> bool {
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 200_000 {
            map.retain(|_, t| now.duration_since(*t) < TOUCH_EVERY);
        }
        match map.get(id) {
            Some(t) if now.duration_since(*t) < TOUCH_EVERY => false,
            _ => {
                map.insert(id.clone(), now);
                true
            }
        }
    }
}

/// The bearer token of a request (`Authorization: Bearer …`, at most 128 bytes), or
/// `Unauthorized`.
pub(crate) fn bearer_token(parts: &Parts) -> Result<&str, AppError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or(AppError::Unauthorized)
}

/// A new secret token: 32 random bytes, base64url (device tokens, session cookies, CSRF values).
/// `None` if the system has no randomness to give.
pub(crate) fn random_token() -> Option<String> {
    use base64::Engine as _;
    use ring::rand::{SecureRandom, SystemRandom};
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

/// The client's IP address, the key of the limits on failed attempts: `local` when the server
/// is not on a socket (in-process tests).
pub(crate) struct ClientIp(pub(crate) String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = peer.map(|p| client_ip(p, &parts.headers, &state.limits.trusted_proxies));
        Ok(ClientIp(ip.map_or_else(|| "local".into(), |ip| ip.to_string())))
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it
/// saw, so entries to its left may be forged by the client and are not read past that one).
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage from a client: stop here, at the proxy.
            Err(_) => break,
        }
    }
    peer
}

/// The hash under which a token is stored.
pub(crate) fn token_hash(token: &str) -> Sha256 {
    Sha256::digest(token.as_bytes())
}

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)?;
        let device = state.repo.device_by_token(token_hash(token)).await?.ok_or(AppError::Unauthorized)?;
        state
            .rate
            .take(device.id.as_str(), state.limits.device_burst, state.limits.device_per_s)
            .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
        if state.seen.due(&device.id) {
            let repo = state.repo.clone();
            let id = device.id.clone();
            tokio::spawn(async move {
                if let Err(e) = repo.touch_device(id, now_ms()).await {
                    tracing::warn!(error = %e, "could not record a device's last-seen time");
                }
            });
        }
        Ok(AuthDevice(device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.1");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        // From anyone else the header is ignored.
        assert_eq!(client_ip(ip("198.51.100.7"), &h, &[proxy]), ip("198.51.100.7"));
        assert_eq!(client_ip(proxy, &h, &[]), proxy);
        // From the proxy: the address it appended, not what the client wrote before it.
        assert_eq!(client_ip(proxy, &h, &[proxy]), ip("203.0.113.9"));
        // Through two trusted proxies.
        h.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2".parse().unwrap());
        assert_eq!(client_ip(proxy, &h, &[proxy, ip("10.0.0.2")]), ip("203.0.113.9"));
        // Garbage or no header: the proxy itself.
        h.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(client_ip(proxy, &h, &[proxy]), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
