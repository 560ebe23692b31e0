//! The device key in the platform's key store: the app implements [`Signer`] (Android Keystore,
//! the iOS Secure Enclave) and passes it to `Store.open`; the core never sees the private key.
//!
//! This is the core's [`testigo_core::Signer`] as a foreign trait. It cannot be the core's trait
//! itself: foreign trait methods take owned arguments (`Vec<u8>`, not `&[u8]`) and fail with an
//! error enum the foreign side can throw, so [`PlatformSigner`] adapts one to the other.

use std::sync::Arc;

use crate::error::SignerError;

/// A P-256 ECDSA key held by the platform. Called from the thread that seals a capture or enrolls;
/// implementations must be thread-safe.
#[uniffi::export(with_foreign)]
pub trait Signer: Send + Sync {
    /// The public key as an uncompressed SEC1 point: 65 bytes, `0x04 || X || Y`.
    fn public_key(&self) -> Result<Vec<u8>, SignerError>;

    /// Signs `message` with ECDSA over P-256 and SHA-256 (the signer hashes the message) and
    /// returns the ASN.1 DER signature: `SHA256withECDSA` on Android,
    /// `ecdsaSignatureMessageX962SHA256` on iOS.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, SignerError>;
}

/// The app's signer, as the core's signer.
pub(crate) struct PlatformSigner(pub(crate) Arc<dyn Signer>);

impl testigo_core::Signer for PlatformSigner {
    fn public_key(&self) -> Result<Vec<u8>, testigo_core::SignerError> {
        self.0.public_key().map_err(Into::into)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, testigo_core::SignerError> {
        self.0.sign(message.to_vec()).map_err(Into::into)
    }
}
