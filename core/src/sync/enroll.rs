//! Enrollment: a one-time code (usually scanned as a QR code, read by
//! [`testigo_protocol::enrollment::parse_enrollment_uri`]) and the device key in; the server's
//! address, token and receipt key stored; the election package installed by the feed lane's own
//! fetch (`Pass::package`), so enrollment and sync cannot disagree on how a package is taken.

use testigo_protocol::api::{EnrollRequest, EnrollResponse, Problem};

use super::state::{self, ServerConfig};
use super::transport::{CancelToken, Method, Request, TransportError};
use super::{Enrollment, Pass, SyncOptions, timeout_for};
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

/// Whether the phone may talk to `url`: `https://` always; plain `http://` only to this device's
/// own loopback (a local test server) or with the rehearsal flag. On any other network plain
/// HTTP would let anyone on the path read the bearer token and change every answer.
pub(crate) fn check_server_url(url: &str, allow_insecure_http: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| Error::InvalidServer("the server address is not a URL".into()))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || allow_insecure_http {
                Ok(())
            } else {
                Err(Error::InvalidServer(
                    "the server address must use https:// (plain http:// only for a rehearsal)".into(),
                ))
            }
        }
        _ => Err(Error::InvalidServer("the server address must start with https://".into())),
    }
}

impl Store {
    /// Enrolls this phone with the server at `server_url` using a one-time `code`, then downloads
    /// and installs the election package.
    ///
    /// The same code may be used again by this phone (if the first answer was lost); the server
    /// then issues a new token.
    ///
    /// `Ok` means the enrollment is saved, whether or not the package came with it: if the
    /// download fails (the link, a captive portal's page, a cancel), the next [`Store::sync`]
    /// fetches it; [`Store::package`] says whether it is installed. A package this phone refuses
    /// (older than its own, or another election once captures exist) is not installed. `Err`
    /// means nothing was saved: the address is not usable (plain `http://` is refused unless it
    /// is this device's loopback or [`crate::OpenOptions::allow_insecure_http`] is set), the
    /// server refused the code, or the link failed before the server's answer arrived.
    pub fn enroll(&self, server_url: &str, code: &str, cancel: &CancelToken) -> Result<Enrollment> {
        self.enroll_pinned(server_url, code, &[], cancel)
    }

    /// [`Store::enroll`] with the server's TLS key pins from the enrollment QR code
    /// ([`EnrollmentUri::tls_pins`](testigo_protocol::enrollment::EnrollmentUri::tls_pins)): from
    /// then on this phone talks only to a server holding one of those keys (the enrollment
    /// itself included), whatever certificate authorities vouch for; with no pins, the same as
    /// `enroll`. Pins need an `https://` address; one that does not parse is
    /// [`Error::InvalidServer`] and nothing is saved.
    pub fn enroll_pinned(
        &self,
        server_url: &str,
        code: &str,
        tls_pins: &[String],
        cancel: &CancelToken,
    ) -> Result<Enrollment> {
        let url = server_url.trim().trim_end_matches('/').to_owned();
        check_server_url(&url, self.allow_insecure_http)?;
        let tls_pins: Vec<String> = tls_pins.iter().map(|p| p.trim().to_owned()).collect();
        if !tls_pins.is_empty() && !url.starts_with("https://") {
            return Err(Error::InvalidServer("a pinned server must use https://".into()));
        }
        if tls_pins.len() > testigo_protocol::enrollment::MAX_TLS_PINS
            || tls_pins.iter().any(|p| testigo_protocol::enrollment::parse_tls_pin(p).is_none())
        {
            return Err(Error::InvalidServer("a TLS key pin is not sha256/<base64>".into()));
        }
        let transport = self.engine.transport(&tls_pins)?;
        let body = serde_json::to_vec(&EnrollRequest {
            code: code.trim().to_owned(),
            public_key: self.device.public_key.clone(),
        })
        .map_err(Error::internal)?;
        let request = Request {
            method: Method::Post,
            url: format!("{url}/v1/enroll"),
            headers: vec![("content-type".into(), "application/json".into())],
            timeout: timeout_for(body.len()),
            body,
        };
        let response = transport.send(request, cancel).map_err(network)?;
        if response.status != 200 {
            return Err(match serde_json::from_slice::<Problem>(&response.body) {
                Ok(p) => Error::EnrollmentRefused(p.code),
                Err(_) => Error::InvalidServer(format!(
                    "unexpected answer {} (is this a Testigo server?)",
                    response.status
                )),
            });
        }
        let enrolled: EnrollResponse = serde_json::from_slice(&response.body)
            .map_err(|_| Error::InvalidServer("the answer is not a Testigo enrollment".into()))?;
        if enrolled.device_id != self.device.key_id {
            return Err(Error::InvalidServer("the server enrolled another key".into()));
        }
        let cfg = ServerConfig {
            url,
            token: enrolled.token,
            server_key: enrolled.server_key,
            election_id: enrolled.election_id,
            station_ids: enrolled.station_ids,
            package_etag: None,
            feed_cursor: 0,
            failures: 0,
            retry_at_ms: 0,
            tls_pins,
        };
        self.write(|tx| state::save_server(tx, &cfg, now_ms()))?;
        let enrollment = cfg.enrollment();
        // From here on the phone is enrolled, whatever becomes of the package: the feed lane's
        // own fetch installs it now when the link allows, and otherwise the next sync's feed lane
        // fetches it (a store without a package always asks for one). A failure here is
        // therefore not the caller's failure, and is deliberately dropped.
        let mut pass = Pass::new(self, cfg, transport, cancel, &SyncOptions::default());
        let _ = pass.package();
        Ok(enrollment)
    }
}

fn network(e: TransportError) -> Error {
    match e {
        TransportError::Cancelled => Error::Cancelled,
        e => Error::Network(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_loopback_or_a_rehearsal() {
        for ok in [
            "https://testigo.example.org",
            "https://10.0.0.5:8443",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:80",
        ] {
            assert!(check_server_url(ok, false).is_ok(), "{ok}");
        }
        for refused in [
            "http://testigo.example.org",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.evil.example",
            "ftp://x",
            "testigo.example.org",
            "",
        ] {
            assert!(matches!(check_server_url(refused, false), Err(Error::InvalidServer(_))), "{refused}");
        }
        assert!(check_server_url("http://192.168.1.20:8080", true).is_ok(), "the rehearsal flag");
        assert!(check_server_url("ftp://x", true).is_err());
    }
}
