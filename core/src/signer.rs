//! The device key and the [`Signer`] trait.
//!
//! Every sealed capture is signed by the device key. By default the core creates a software P-256
//! key on first open and keeps it inside the encrypted database ([`SoftwareSigner`]). An app that
//! can hold the key in hardware (Android Keystore, the iOS Secure Enclave) implements [`Signer`]
//! itself and passes it in [`crate::OpenOptions`]; the core then never sees the private key.

use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use rand_core::OsRng;
use zeroize::Zeroizing;

/// A P-256 ECDSA signing key, wherever it lives.
///
/// Implementations must be safe to call from any thread.
pub trait Signer: Send + Sync {
    /// The public key as an uncompressed SEC1 point (65 bytes, `0x04 || X || Y`).
    fn public_key(&self) -> Result<Vec<u8>, SignerError>;

    /// Signs `message` with ECDSA over P-256 and SHA-256 (the message is hashed by the signer),
    /// returning the ASN.1 DER signature (`SHA256withECDSA` on Android,
    /// `ecdsaSignatureMessageX962SHA256` on iOS).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// A signer failed; the text says why, for logs (it must not contain personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignerError(pub String);

/// A P-256 key held in memory, persisted in the encrypted store.
pub struct SoftwareSigner {
    key: SigningKey,
}

impl SoftwareSigner {
    /// A new random key.
    pub fn generate() -> Self {
        SoftwareSigner { key: SigningKey::random(&mut OsRng) }
    }

    /// The key with this 32-byte secret scalar.
    pub fn from_secret(secret: &[u8]) -> Result<Self, SignerError> {
        SigningKey::from_slice(secret)
            .map(|key| SoftwareSigner { key })
            .map_err(|_| SignerError("stored device key is malformed".into()))
    }

    /// The secret scalar, for storage in the encrypted database.
    pub(crate) fn secret(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.key.to_bytes().to_vec())
    }
}

impl Signer for SoftwareSigner {
    fn public_key(&self) -> Result<Vec<u8>, SignerError> {
        Ok(self.key.verifying_key().to_encoded_point(false).as_bytes().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let sig: p256::ecdsa::Signature = self.key.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareSigner(..)")
    }
}
