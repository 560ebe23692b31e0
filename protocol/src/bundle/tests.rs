use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;

use super::*;

fn device() -> SigningKey {
    SigningKey::from_bytes(&[5; 32].into()).unwrap()
}

fn signer(key: SigningKey) -> impl FnOnce(&[u8]) -> Result<Signature, String> {
    move |bytes| {
        let sig: p256::ecdsa::Signature = key.sign(bytes);
        Ok(Signature(sig.to_der().as_bytes().to_vec()))
    }
}

fn contents() -> BundleContents {
    let photo = b"\xFF\xD8 a photo of acta 0001 \xFF\xD9".to_vec();
    BundleContents {
        device_key: PublicKey::from(*device().verifying_key()),
        created_at_ms: 1_785_270_000_000,
        records: vec![
            r#"{"record":{"station_id":"mesa-0001-secret-marker"},"signature":"x"}"#.into(),
            "{}".into(),
        ],
        photos: vec![BundlePhoto {
            capture_id: Uuid::now_v7(),
            sha256: Sha256::digest(&photo),
            bytes: photo,
        }],
    }
}

#[test]
fn a_sealed_bundle_opens_with_the_coordinators_key_only() {
    let key = BundleKey::generate().unwrap();
    let c = contents();
    let bytes = seal(&c, key.public_key(), signer(device())).unwrap();
    assert_eq!(header(&bytes).unwrap().recipient, key.public_key().key_id());
    assert_eq!(key.open(&bytes).unwrap(), c);
    // Nothing of the contents can be read in the file.
    let window = b"mesa-0001-secret-marker";
    assert!(!bytes.windows(window.len()).any(|w| w == window));
    // Another key is told apart at once, before any decryption.
    let other = BundleKey::generate().unwrap();
    assert!(matches!(other.open(&bytes), Err(BundleError::ForeignKey(_))));
    // The key survives being kept.
    let kept = BundleKey::from_secret(&key.secret_bytes()).unwrap();
    assert_eq!(kept.public_key(), key.public_key());
    assert_eq!(kept.open(&bytes).unwrap(), c);
}

#[test]
fn any_changed_byte_refuses_the_bundle_whole() {
    let key = BundleKey::generate().unwrap();
    let bytes = seal(&contents(), key.public_key(), signer(device())).unwrap();
    for at in [0, 8, 9, 24, 30, HEADER_BYTES, HEADER_BYTES + 40, bytes.len() / 2, bytes.len() - 1] {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        let e = key.open(&changed).unwrap_err();
        let expected = match at {
            0 => matches!(e, BundleError::NotABundle),
            8 => matches!(e, BundleError::UnsupportedVersion(_)),
            9..25 => matches!(e, BundleError::ForeignKey(_)),
            _ => e == BundleError::Tampered,
        };
        assert!(expected, "byte {at}: {e:?}");
    }
    assert_eq!(key.open(&bytes[..bytes.len() - 1]), Err(BundleError::Tampered));
    assert_eq!(key.open(b"TESTIGOB"), Err(BundleError::NotABundle));
    assert_eq!(key.open(b"PK\x03\x04 a zip file"), Err(BundleError::NotABundle));
}

#[test]
fn a_bundle_signed_by_another_key_than_it_names_is_refused() {
    let key = BundleKey::generate().unwrap();
    let thief = SigningKey::from_bytes(&[6; 32].into()).unwrap();
    let bytes = seal(&contents(), key.public_key(), signer(thief)).unwrap();
    assert_eq!(key.open(&bytes), Err(BundleError::BadSignature));
}

#[test]
fn a_photo_that_does_not_match_its_hash_is_refused() {
    let key = BundleKey::generate().unwrap();
    let mut c = contents();
    c.photos[0].bytes.push(0);
    let bytes = seal(&c, key.public_key(), signer(device())).unwrap();
    assert!(matches!(key.open(&bytes), Err(BundleError::Malformed(_))));
}
