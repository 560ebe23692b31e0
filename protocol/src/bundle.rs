//! Sealed bundles: a phone's outbox in one file that only the coordinators can open.
//!
//! When there is no link at all, a watcher's records and photos travel as a file: over
//! Bluetooth or a cable to a runner's phone, on a USB stick, to a place with a connection. The
//! file is encrypted to the coordinators' bundle key from the election package with HPKE
//! (RFC 9180, base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, through the
//! `hpke` crate) and signed inside by the device: a runner, or whoever searches one, holds bytes
//! nobody but the coordinators can read, change or forge.
//!
//! **Layout** (version 1). In the clear: `TESTIGOB`, the version byte, the 16-byte id of the
//! key it is sealed to (so a runner and a server tell a foreign bundle at once), the 65-byte
//! encapsulated key; then the ciphertext, whose additional data is everything before it. Inside:
//! the version, the device's public key, the time it was made, the signed records exactly as the
//! phone stored them (JSON), the photos (capture id, SHA-256, bytes), and the device's signature
//! over `testigo.bundle.v1`, the recipient key id and the SHA-256 of all that.

use hpke::kem::DhP256HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use uuid::Uuid;

use crate::TimestampMs;
use crate::canonical::Canon;
use crate::encoding::Sha256;
use crate::keys::{KeyId, PublicKey, Signature};

type Kem = DhP256HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::ChaCha20Poly1305;

/// The first bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"TESTIGOB";
/// The layout this module writes and reads.
pub const VERSION: u8 = 1;
/// The domain of the device's signature and of the HPKE `info`.
pub const DOMAIN: &str = "testigo.bundle.v1";
/// The largest bundle a reader takes.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;
/// The most records one bundle may carry.
pub const MAX_RECORDS: usize = 100_000;
/// The largest signed record (JSON) a bundle may carry.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

const ENC_BYTES: usize = 65;
const HEADER_BYTES: usize = MAGIC.len() + 1 + 16 + ENC_BYTES;

/// Why bytes are not a bundle one can open, or a bundle could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bytes do not start like a bundle.
    #[error("not a Testigo bundle")]
    NotABundle,
    /// A bundle layout this build does not read.
    #[error("bundle version {0} is not one this server reads")]
    UnsupportedVersion(u8),
    /// Sealed to another key: another election's or another organisation's coordinators.
    #[error("the bundle is sealed to another key ({0}), not to these coordinators")]
    ForeignKey(String),
    /// The ciphertext does not open: the file was changed, cut short, or is not what it says.
    #[error("the bundle was changed or damaged after it was sealed")]
    Tampered,
    /// It opens but its contents are malformed.
    #[error("the bundle's contents are malformed: {0}")]
    Malformed(&'static str),
    /// The device's signature inside does not verify.
    #[error("the device's signature on the bundle does not verify")]
    BadSignature,
    /// Too large to take.
    #[error("the bundle is larger than {MAX_BUNDLE_BYTES} bytes")]
    TooLarge,
    /// Sealing failed (no randomness, a key that is not a P-256 point, the signer failed).
    #[error("the bundle could not be sealed: {0}")]
    Seal(String),
}

impl BundleError {
    /// A stable code for the reason (what the server keeps and coordinators' pages put in words).
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::NotABundle => "not_a_bundle",
            BundleError::UnsupportedVersion(_) => "unsupported_version",
            BundleError::ForeignKey(_) => "foreign_key",
            BundleError::Tampered => "tampered",
            BundleError::Malformed(_) => "malformed",
            BundleError::BadSignature => "bad_signature",
            BundleError::TooLarge => "too_large",
            BundleError::Seal(_) => "seal",
        }
    }
}

/// One photo in a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundlePhoto {
    /// The capture it belongs to.
    pub capture_id: Uuid,
    /// Its SHA-256 (checked when the bundle is opened).
    pub sha256: Sha256,
    /// The stored photo's bytes.
    pub bytes: Vec<u8>,
}

/// What a bundle carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleContents {
    /// The device that made it (its signature inside verifies with this key).
    pub device_key: PublicKey,
    /// The phone's clock when it made it.
    pub created_at_ms: TimestampMs,
    /// Signed records, as JSON exactly as the phone stored and signed them.
    pub records: Vec<String>,
    /// Photos.
    pub photos: Vec<BundlePhoto>,
}

/// What anyone can read of a bundle without the key: whom it is sealed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleHeader {
    /// The id of the coordinators' bundle key it is sealed to.
    pub recipient: KeyId,
}

/// Reads a bundle's clear header.
pub fn header(bytes: &[u8]) -> Result<BundleHeader, BundleError> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge);
    }
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or(BundleError::NotABundle)?;
    let (&version, rest) = rest.split_first().ok_or(BundleError::NotABundle)?;
    if version != VERSION {
        return Err(BundleError::UnsupportedVersion(version));
    }
    let id = rest.get(..16).ok_or(BundleError::NotABundle)?;
    if rest.len() < 16 + ENC_BYTES {
        return Err(BundleError::NotABundle);
    }
    let recipient = hex::encode(id).parse().map_err(|_| BundleError::NotABundle)?;
    Ok(BundleHeader { recipient })
}

/// Seals `contents` to the coordinators' `recipient` key; `sign` is the device's signer over the
/// bytes it is given (DER ECDSA P-256 with SHA-256).
pub fn seal<E: std::fmt::Display>(
    contents: &BundleContents,
    recipient: &PublicKey,
    sign: impl FnOnce(&[u8]) -> Result<Signature, E>,
) -> Result<Vec<u8>, BundleError> {
    let mut inner = Vec::new();
    inner.push(VERSION);
    let device = contents.device_key.to_sec1();
    inner.push(u8::try_from(device.len()).map_err(|_| BundleError::Seal("device key".into()))?);
    inner.extend_from_slice(device);
    inner.extend_from_slice(&contents.created_at_ms.to_be_bytes());
    put_len(&mut inner, contents.records.len())?;
    for r in &contents.records {
        put_len(&mut inner, r.len())?;
        inner.extend_from_slice(r.as_bytes());
    }
    put_len(&mut inner, contents.photos.len())?;
    for p in &contents.photos {
        inner.extend_from_slice(p.capture_id.as_bytes());
        inner.extend_from_slice(p.sha256.as_bytes());
        put_len(&mut inner, p.bytes.len())?;
        inner.extend_from_slice(&p.bytes);
    }
    let recipient_id = recipient.key_id();
    let signature =
        sign(&signed_bytes(&recipient_id, &inner)).map_err(|e| BundleError::Seal(e.to_string()))?;
    let sig_len = u16::try_from(signature.0.len()).map_err(|_| BundleError::Seal("signature".into()))?;
    inner.extend_from_slice(&sig_len.to_be_bytes());
    inner.extend_from_slice(&signature.0);

    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient.to_sec1())
        .map_err(|_| BundleError::Seal("the coordinators' key is not a P-256 point".into()))?;
    let mut out = Vec::with_capacity(HEADER_BYTES + inner.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(
        &hex::decode(recipient_id.as_str()).map_err(|_| BundleError::Seal("key id".into()))?,
    );
    let mut rng = SystemRng::default();
    // The encapsulated key goes into the additional data; it is known only after sealing, so the
    // additional data is the header up to the key, and the key is bound by HPKE itself.
    let aad = out.clone();
    let (enc, ciphertext) = hpke::single_shot_seal::<Aead, Kdf, Kem, _>(
        &OpModeS::Base,
        &pk,
        DOMAIN.as_bytes(),
        &inner,
        &aad,
        &mut rng,
    )
    .map_err(|e| BundleError::Seal(e.to_string()))?;
    if rng.failed {
        return Err(BundleError::Seal("the system has no randomness to give".into()));
    }
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ciphertext);
    if out.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge);
    }
    Ok(out)
}

/// The coordinators' bundle key: the private half stays with them (`testigo serve`'s data
/// directory); the public half goes into every election package.
pub struct BundleKey {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: PublicKey,
}

impl std::fmt::Debug for BundleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BundleKey({})", self.public.key_id())
    }
}

impl BundleKey {
    /// A new key from the system's randomness.
    pub fn generate() -> Result<BundleKey, BundleError> {
        let mut ikm = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut ikm)
            .map_err(|_| BundleError::Seal("the system has no randomness to give".into()))?;
        BundleKey::derive(&ikm)
    }

    /// The key derived from 32 or more bytes of secret keying material (RFC 9180
    /// `DeriveKeyPair`): the server derives its bundle key from its key file, so replicas that
    /// share the file share the key.
    pub fn derive(ikm: &[u8]) -> Result<BundleKey, BundleError> {
        if ikm.len() < 32 {
            return Err(BundleError::Seal("too little keying material".into()));
        }
        let (secret, _) = Kem::derive_keypair(ikm);
        BundleKey::from_secret(&secret.to_bytes())
    }

    /// The key from its private half's 32 bytes.
    pub fn from_secret(bytes: &[u8]) -> Result<BundleKey, BundleError> {
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|_| BundleError::Seal("not a P-256 private key".into()))?;
        let public = PublicKey::from_sec1(&Kem::sk_to_pk(&secret).to_bytes())
            .map_err(|_| BundleError::Seal("not a P-256 private key".into()))?;
        Ok(BundleKey { secret, public })
    }

    /// The private half's 32 bytes, to keep.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.secret.to_bytes().to_vec()
    }

    /// The public half, for the election package.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Opens a bundle sealed to this key: decrypts it, checks the device's signature and every
    /// photo's hash. Any change to any byte refuses it whole.
    pub fn open(&self, bytes: &[u8]) -> Result<BundleContents, BundleError> {
        let head = header(bytes)?;
        if head.recipient != self.public.key_id() {
            return Err(BundleError::ForeignKey(head.recipient.to_string()));
        }
        let aad = bytes.get(..HEADER_BYTES - ENC_BYTES).ok_or(BundleError::NotABundle)?;
        let enc = bytes.get(HEADER_BYTES - ENC_BYTES..HEADER_BYTES).ok_or(BundleError::NotABundle)?;
        let ciphertext = bytes.get(HEADER_BYTES..).ok_or(BundleError::NotABundle)?;
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| BundleError::Tampered)?;
        let inner = hpke::single_shot_open::<Aead, Kdf, Kem>(
            &OpModeR::Base,
            &self.secret,
            &enc,
            DOMAIN.as_bytes(),
            ciphertext,
            aad,
        )
        .map_err(|_| BundleError::Tampered)?;
        read_contents(&inner, &head.recipient)
    }
}

fn signed_bytes(recipient: &KeyId, payload: &[u8]) -> Vec<u8> {
    let mut c = Canon::new(DOMAIN);
    c.str(recipient.as_str()).bytes(Sha256::digest(payload).as_bytes());
    c.finish()
}

fn put_len(out: &mut Vec<u8>, n: usize) -> Result<(), BundleError> {
    let n = u32::try_from(n).map_err(|_| BundleError::TooLarge)?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

/// Reads a bundle's decrypted contents, sealed to `recipient`: the device key, the records and
/// photos (each photo checked against its hash) and the device's signature over them. Part of
/// [`BundleKey::open`]; public so that the reader of untrusted bytes can be fuzzed on its own.
pub fn read_contents(inner: &[u8], recipient: &KeyId) -> Result<BundleContents, BundleError> {
    let mut r = Reader(inner);
    if r.take(1)? != [VERSION] {
        return Err(BundleError::Malformed("inner version"));
    }
    let key_len = usize::from(*r.take(1)?.first().unwrap_or(&0));
    let device_key =
        PublicKey::from_sec1(r.take(key_len)?).map_err(|_| BundleError::Malformed("device key"))?;
    let created_at_ms = i64::from_be_bytes(r.array::<8>()?);
    let n_records = r.len()?;
    if n_records > MAX_RECORDS {
        return Err(BundleError::Malformed("too many records"));
    }
    let mut records = Vec::new();
    for _ in 0..n_records {
        let len = r.len()?;
        if len > MAX_RECORD_BYTES {
            return Err(BundleError::Malformed("a record is too large"));
        }
        let text =
            std::str::from_utf8(r.take(len)?).map_err(|_| BundleError::Malformed("a record is not text"))?;
        records.push(text.to_owned());
    }
    let n_photos = r.len()?;
    let mut photos = Vec::new();
    for _ in 0..n_photos {
        let capture_id = Uuid::from_bytes(r.array::<16>()?);
        let sha256 = Sha256(r.array::<32>()?);
        let len = r.len()?;
        let bytes = r.take(len)?.to_vec();
        if Sha256::digest(&bytes) != sha256 {
            return Err(BundleError::Malformed("a photo does not match its hash"));
        }
        photos.push(BundlePhoto { capture_id, sha256, bytes });
    }
    let payload_len = inner.len() - r.0.len();
    let sig_len = usize::from(u16::from_be_bytes(r.array::<2>()?));
    let signature = Signature(r.take(sig_len)?.to_vec());
    if !r.0.is_empty() {
        return Err(BundleError::Malformed("trailing bytes"));
    }
    let payload = inner.get(..payload_len).ok_or(BundleError::Malformed("length"))?;
    device_key
        .verify(&signed_bytes(recipient, payload), &signature)
        .map_err(|_| BundleError::BadSignature)?;
    Ok(BundleContents { device_key, created_at_ms, records, photos })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
        if n > self.0.len() {
            return Err(BundleError::Malformed("ends early"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BundleError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len(&mut self) -> Result<usize, BundleError> {
        usize::try_from(u32::from_be_bytes(self.array::<4>()?)).map_err(|_| BundleError::Malformed("length"))
    }
}

/// The system's randomness for HPKE's ephemeral key; a failure is remembered and turns the seal
/// into an error (the trait cannot return one).
#[derive(Default)]
struct SystemRng {
    failed: bool,
}

impl hpke::rand_core::RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), dest).is_err() {
            self.failed = true;
        }
    }
}

impl hpke::rand_core::CryptoRng for SystemRng {}

#[cfg(test)]
mod tests;
