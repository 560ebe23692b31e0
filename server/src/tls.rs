//! HTTPS served by the server itself (rustls), for a deployment without a TLS-terminating proxy:
//! a certificate and key from PEM files, or a self-signed pair made once in the data directory.
//!
//! A self-signed certificate is as good as any other here because phones pin the server's key:
//! the enrollment QR code carries the pin ([`pin_of_pem`]), and a pinned phone trusts that key
//! and no certificate authority (see `testigo_protocol::enrollment`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// rustls refused the certificate and key together.
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// Making a self-signed certificate failed.
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

fn pem_error(path: &Path, what: impl std::fmt::Display) -> TlsError {
    TlsError::Pem { path: path.to_owned(), what: what.to_string() }
}

/// The certificate chain in a PEM file, leaf first.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if chain.is_empty() {
        return Err(pem_error(path, "no certificate in the file"));
    }
    Ok(chain)
}

/// The server's TLS configuration from a PEM certificate chain (leaf first) and its PEM key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The pin (`sha256/<base64>` of the public key) of the leaf certificate in a PEM file: what
/// `testigo enroll --tls-cert` puts in the enrollment QR codes.
pub fn pin_of_pem(cert: &Path) -> Result<String, TlsError> {
    let chain = certificates(cert)?;
    let leaf = chain.first().ok_or_else(|| pem_error(cert, "no certificate in the file"))?;
    let parsed = rustls::server::ParsedCertificate::try_from(leaf).map_err(|e| pem_error(cert, e))?;
    Ok(testigo_protocol::enrollment::tls_pin(parsed.subject_public_key_info().as_ref()))
}

/// Where [`self_signed`] keeps its pair in a data directory.
pub const SELF_SIGNED_DIR: &str = "tls";

/// A self-signed certificate (ECDSA P-256) for `names` (host names or IP addresses) in
/// `data_dir/tls/`, made on first use and reused after (its key, and so the pin phones hold,
/// stays the same). Returns the certificate and key paths; the key file is readable by the
/// server's user alone.
pub fn self_signed(data_dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), TlsError> {
    let dir = data_dir.join(SELF_SIGNED_DIR);
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert_path.is_file() && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| TlsError::Io { path, source }
    };
    crate::private_dir(&dir).map_err(io(&dir))?;
    let certified = rcgen::generate_simple_self_signed(names.to_vec())?;
    crate::keys::write_private(&key_path, certified.signing_key.serialize_pem().as_bytes())
        .map_err(io(&key_path))?;
    std::fs::write(&cert_path, certified.cert.pem()).map_err(io(&cert_path))?;
    Ok((cert_path, key_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_is_made_once_and_its_pin_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed(dir.path(), &["localhost".into(), "127.0.0.1".into()]).unwrap();
        let pin = pin_of_pem(&cert).unwrap();
        assert!(testigo_protocol::enrollment::parse_tls_pin(&pin).is_some());
        server_config(&cert, &key).unwrap();
        assert_eq!(self_signed(dir.path(), &["other".into()]).unwrap(), (cert.clone(), key));
        assert_eq!(pin_of_pem(&cert).unwrap(), pin);
    }

    #[test]
    fn files_that_are_not_pem_get_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, b"not a certificate").unwrap();
        assert!(matches!(pin_of_pem(&junk), Err(TlsError::Pem { .. })));
        assert!(matches!(server_config(&junk, &junk), Err(TlsError::Pem { .. })));
        assert!(matches!(pin_of_pem(&dir.path().join("missing.pem")), Err(TlsError::Pem { .. })));
    }
}
