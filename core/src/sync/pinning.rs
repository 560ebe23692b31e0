//! TLS key pinning: with the pins an enrollment QR carries, the phone accepts a TLS connection
//! only from a server whose certificate holds one of the pinned public keys. The pinned key is
//! the whole of the trust: no certificate authority is consulted (a state-controlled authority
//! could vouch for anyone), the name is not checked (the address may be a bare IP), and a
//! self-signed certificate serves as well as any. The handshake's signature is still verified
//! against that key, so only the holder of the private key can pass.
//!
//! A pin is `sha256/<base64>` of the key's DER SubjectPublicKeyInfo
//! ([`testigo_protocol::enrollment::tls_pin`]).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
use testigo_protocol::enrollment::parse_tls_pin;

/// A rustls verifier that trusts exactly the pinned keys.
#[derive(Debug)]
pub(crate) struct PinnedKeys {
    pins: Vec<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedKeys {
    /// A verifier for `pins` (each `sha256/<base64>`); `None` if one does not parse or there are
    /// none (an empty pin set would trust nothing, or, worse, be mistaken for "unpinned").
    pub(crate) fn new(pins: &[String], provider: &CryptoProvider) -> Option<PinnedKeys> {
        let pins = pins.iter().map(|p| parse_tls_pin(p)).collect::<Option<Vec<_>>>()?;
        (!pins.is_empty())
            .then_some(PinnedKeys { pins, algorithms: provider.signature_verification_algorithms })
    }
}

impl ServerCertVerifier for PinnedKeys {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        let digest = testigo_protocol::Sha256::digest(cert.subject_public_key_info().as_ref());
        if self.pins.contains(&digest.0) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls client configuration for `pins`; `None` if a pin does not parse or there are none.
pub(crate) fn client_config(pins: &[String]) -> Option<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedKeys::new(pins, &provider)?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Some(config)
}
