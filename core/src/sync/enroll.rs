//! Enrollment: a one-time code (usually scanned as a QR code, read by
//! [`testigo_protocol::enrollment::parse_enrollment_uri`]) and the device key in; the server's
//! address, token and receipt key stored; the election package installed.

use testigo_protocol::api::{EnrollRequest, EnrollResponse, Problem};

use super::state::{self, ServerConfig};
use super::transport::{CancelToken, Method, Request, TransportError};
use super::{Enrollment, timeout_for};
use crate::error::{Error, Result};
use crate::store::{Store, now_ms};

impl Store {
    /// Enrolls this phone with the server at `server_url` using a one-time `code`, then downloads
    /// and installs the election package.
    ///
    /// The same code may be used again by this phone (if the first answer was lost); the server
    /// then issues a new token. If the package download fails on the network, the enrollment
    /// stands and the next [`Store::sync`] fetches the package.
    pub fn enroll(&self, server_url: &str, code: &str, cancel: &CancelToken) -> Result<Enrollment> {
        let url = server_url.trim().trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::InvalidServer(
                "the server address must start with http:// or https://".into(),
            ));
        }
        let transport = self.transport()?;
        let body = serde_json::to_vec(&EnrollRequest {
            code: code.trim().to_owned(),
            public_key: self.device.public_key.clone(),
        })
        .map_err(|e| Error::Corrupt(e.to_string()))?;
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
        };
        self.write(|tx| state::save_server(tx, &cfg, now_ms()))?;
        let enrollment = cfg.enrollment();
        // The package now, so the watcher can start; a network failure leaves it to sync.
        let mut headers = vec![("authorization".to_owned(), format!("Bearer {}", cfg.token))];
        headers.push(("accept".into(), "application/json".into()));
        let request = Request {
            method: Method::Get,
            url: format!("{}/v1/package", cfg.url),
            headers,
            body: vec![],
            timeout: timeout_for(0),
        };
        match transport.send(request, cancel) {
            Ok(r) if r.status == 200 => {
                self.install_server_package(&r.body)?;
                if let Some(etag) = r.header("etag") {
                    self.write(|tx| state::set_package_etag(tx, etag))?;
                }
            }
            Ok(_) | Err(TransportError::Timeout | TransportError::Connect | TransportError::Broken) => {}
            Err(e) => return Err(network(e)),
        }
        Ok(enrollment)
    }
}

fn network(e: TransportError) -> Error {
    match e {
        TransportError::Cancelled => Error::Cancelled,
        e => Error::Network(e.to_string()),
    }
}
