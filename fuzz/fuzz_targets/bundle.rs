//! Fuzzes the bundle reader on untrusted bytes: a whole file (as a runner's phone and the server
//! get it) and, past the encryption no fuzzer gets through, the decrypted contents. Nothing may
//! panic; contents that read must be signed by the key they name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::bundle::{self, BundleKey};

fuzz_target!(|data: &[u8]| {
    let key = BundleKey::derive(&[7u8; 32]).unwrap();
    let _ = bundle::header(data);
    assert!(key.open(data).is_err(), "random bytes never open");
    let recipient = key.public_key().key_id();
    if let Ok(contents) = bundle::read_contents(data, &recipient) {
        assert!(contents.photos.iter().all(|p| testigo_protocol::Sha256::digest(&p.bytes) == p.sha256));
    }
});
