//! The device key: software by default, or the app's own signer (a hardware key).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use testigo_core::{Error, OpenOptions, Signer, SignerError, Store};

use crate::common::*;

/// Stands in for a platform keystore: the key never enters the store.
struct PlatformSigner {
    key: SigningKey,
    calls: AtomicUsize,
    broken: bool,
}

impl PlatformSigner {
    fn new(seed: u8, broken: bool) -> Arc<Self> {
        Arc::new(PlatformSigner {
            key: SigningKey::from_slice(&[seed; 32]).unwrap(),
            calls: AtomicUsize::new(0),
            broken,
        })
    }
}

impl Signer for PlatformSigner {
    fn public_key(&self) -> Result<Vec<u8>, SignerError> {
        Ok(self.key.verifying_key().to_encoded_point(false).as_bytes().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.broken {
            return Ok(vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
        }
        let sig: p256::ecdsa::Signature = self.key.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

fn open(dir: &std::path::Path, signer: Arc<PlatformSigner>) -> Result<Store, Error> {
    Store::open_with(dir, &KEY, OpenOptions { signer: Some(signer), ..OpenOptions::default() })
}

#[test]
fn an_app_signer_signs_every_seal_and_its_key_never_enters_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let signer = PlatformSigner::new(7, false);
    let store = open(dir.path(), signer.clone()).unwrap();
    assert!(!store.device().software_key);
    store.install_package(&package(1, None)).unwrap();
    let id = store.new_capture("st-1", "pres").unwrap();
    let signed = store.seal(id).unwrap();
    assert_eq!(signer.calls.load(Ordering::SeqCst), 1);
    let public = testigo_core::protocol::PublicKey::from_sec1(&signer.public_key().unwrap()).unwrap();
    signed.verify(&public).unwrap();
    drop(store);

    let conn = testigo_core::testing::raw_connection(dir.path(), &KEY).unwrap();
    let secret: Option<Vec<u8>> = conn.query_row("SELECT secret_key FROM device", [], |r| r.get(0)).unwrap();
    assert_eq!(secret, None);
    drop(conn);

    // Another key is another device: refused, not silently adopted.
    assert!(matches!(open(dir.path(), PlatformSigner::new(8, false)), Err(Error::DeviceKeyMismatch)));
    // Without the app's signer there is no key to sign with.
    assert!(matches!(Store::open(dir.path(), &KEY), Err(Error::DeviceKeyMismatch)));
    open(dir.path(), signer).unwrap();
}

#[test]
fn a_signer_that_returns_a_bad_signature_fails_the_seal_and_keeps_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), PlatformSigner::new(9, true)).unwrap();
    store.install_package(&package(1, None)).unwrap();
    let id = store.new_capture("st-1", "pres").unwrap();
    assert!(matches!(store.seal(id), Err(Error::Signer(_))));
    assert_eq!(store.capture(id).unwrap().state, testigo_core::CaptureState::Draft);
    assert!(store.outbox().unwrap().is_empty());
}
