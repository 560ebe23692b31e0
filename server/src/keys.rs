//! The server's receipt key: it signs receipts and every other answer that changes what a phone
//! does with its work (refusals, feed pages, election packages: `testigo_protocol::statement`).
//!
//! A P-256 key, like the devices' (see ADR 2). It lives in the data directory as a PKCS#8 file
//! readable only by the server's user, created on first start; replicas that scale out share the
//! same file (or the same bytes from a secret store). Signing is `ring` (18 µs a receipt here).

use std::io::Write;
use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use testigo_protocol::bundle::BundleKey;
use testigo_protocol::receipt::{RECEIPT_FORMAT, Receipt, ReceiptSubject, SignedReceipt};
use testigo_protocol::statement::{REFUSAL_FORMAT, Refusal, SignedRefusal};
use testigo_protocol::{KeyId, PublicKey, Sha256, Signature, TimestampMs};

/// Why the key could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("server key file: {0}")]
    Io(#[from] std::io::Error),
    /// The key file is not a P-256 PKCS#8 key.
    #[error("server key file is not a P-256 PKCS#8 key")]
    Malformed,
    /// The system random generator failed.
    #[error("signing failed")]
    Sign,
}

/// The key that signs receipts.
pub struct ServerKey {
    pair: EcdsaKeyPair,
    public: PublicKey,
    rng: SystemRandom,
    /// Keys the hashes of enrollment codes: derived from the key file, so every replica that
    /// shares the key file agrees, and a copy of the database without it enrolls nobody even by
    /// trying every code.
    code_key: ring::hmac::Key,
    voter_key: ring::hmac::Key,
    /// The coordinators' bundle key (HPKE), derived from the key file like the HMAC keys: its
    /// public half goes into every device's package, and whoever holds the key file opens the
    /// bundles runners carry.
    bundle: BundleKey,
}

/// The HKDF label of the enrollment-code key.
const CODE_KEY_INFO: &[u8] = b"testigo.enrollment-codes.v1";
/// The HKDF label of the voter-ID key.
const VOTER_KEY_INFO: &[u8] = b"testigo.voter-ids.v1";
/// The HKDF label of the bundle key's keying material.
const BUNDLE_KEY_INFO: &[u8] = b"testigo.bundle-key.v1";

/// `ring`'s HKDF output length for an HMAC-SHA256 key.
struct HmacKeyLen;

impl ring::hkdf::KeyType for HmacKeyLen {
    fn len(&self) -> usize {
        32
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKey({})", self.public.key_id())
    }
}

/// Writes `bytes` to `path` readable by the server's user alone (0600), durably and whole: a
/// temporary file, synced, then renamed over `path`.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

impl ServerKey {
    /// Loads the key from `path`, creating it (mode 0600) when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_pkcs8(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let rng = SystemRandom::new();
                let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                    .map_err(|_| KeyError::Sign)?;
                write_private(path, doc.as_ref())?;
                Self::from_pkcs8(doc.as_ref())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The key from PKCS#8 bytes.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, bytes, &rng)
            .map_err(|_| KeyError::Malformed)?;
        let public = PublicKey::from_sec1(pair.public_key().as_ref()).map_err(|_| KeyError::Malformed)?;
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"testigo").extract(bytes);
        let derive = |info: &[u8]| {
            let mut key = [0u8; 32];
            prk.expand(&[info], HmacKeyLen)
                .and_then(|okm| okm.fill(&mut key))
                .map(|()| ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key))
                .map_err(|_| KeyError::Malformed)
        };
        let code_key = derive(CODE_KEY_INFO)?;
        let voter_key = derive(VOTER_KEY_INFO)?;
        let mut ikm = [0u8; 32];
        prk.expand(&[BUNDLE_KEY_INFO], HmacKeyLen)
            .and_then(|okm| okm.fill(&mut ikm))
            .map_err(|_| KeyError::Malformed)?;
        let bundle = BundleKey::derive(&ikm).map_err(|_| KeyError::Malformed)?;
        Ok(ServerKey { pair, public, rng, code_key, voter_key, bundle })
    }

    /// The stored form of a normalised enrollment code: HMAC-SHA256 under this server's code key.
    pub fn code_hash(&self, normalized_code: &str) -> Sha256 {
        let tag = ring::hmac::sign(&self.code_key, normalized_code.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        Sha256(out)
    }

    /// The stored form of a normalised voter ID number (the optional voter look-up):
    /// HMAC-SHA256 under a key derived for it alone, so the database holds no ID numbers and a
    /// copy of it cannot be searched without this server's key.
    pub fn voter_hash(&self, normalized_id: &str) -> Sha256 {
        let tag = ring::hmac::sign(&self.voter_key, normalized_id.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        Sha256(out)
    }

    /// The coordinators' bundle key: it opens sealed bundles.
    pub fn bundle_key(&self) -> &BundleKey {
        &self.bundle
    }

    /// The public key phones verify receipts with.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs a receipt for `subject`, received from `device` at `received_at_ms`.
    pub fn receipt(
        &self,
        subject: ReceiptSubject,
        device: &KeyId,
        received_at_ms: TimestampMs,
    ) -> Result<SignedReceipt, KeyError> {
        let receipt = Receipt {
            format: RECEIPT_FORMAT,
            subject,
            device_key_id: device.clone(),
            received_at_ms,
            server_key_id: self.public.key_id(),
        };
        let signature = self.sign(&receipt.canonical_bytes())?;
        Ok(SignedReceipt { receipt, signature })
    }

    /// Signs a refusal of `subject` from `device` at `now_ms`, with its stable `code`.
    pub fn refusal(
        &self,
        subject: ReceiptSubject,
        code: &str,
        detail: &str,
        device: &KeyId,
        now_ms: TimestampMs,
    ) -> Result<SignedRefusal, KeyError> {
        let refusal = Refusal {
            format: REFUSAL_FORMAT,
            subject,
            code: code.to_owned(),
            detail: detail.to_owned(),
            device_key_id: device.clone(),
            refused_at_ms: now_ms,
            server_key_id: self.public.key_id(),
        };
        let signature = self.sign(&refusal.canonical_bytes())?;
        Ok(SignedRefusal { refusal, signature })
    }

    /// Signs canonical bytes (one of the layouts in `testigo_protocol::statement`).
    pub fn sign(&self, canonical: &[u8]) -> Result<Signature, KeyError> {
        let sig = self.pair.sign(&self.rng, canonical).map_err(|_| KeyError::Sign)?;
        Ok(Signature(sig.as_ref().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_reloads_the_same_key_and_signs_verifiable_receipts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let a = ServerKey::load_or_create(&path).unwrap();
        let b = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let device = a.public_key().key_id();
        let r = a
            .receipt(
                ReceiptSubject::Photo {
                    capture_id: uuid::Uuid::nil(),
                    sha256: Sha256::digest(b"photo"),
                    size: 5,
                },
                &device,
                42,
            )
            .unwrap();
        r.verify(b.public_key()).unwrap();
        std::fs::write(&path, b"junk").unwrap();
        assert!(matches!(ServerKey::load_or_create(&path), Err(KeyError::Malformed)));
    }
}
