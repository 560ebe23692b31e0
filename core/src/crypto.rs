//! Keys at rest: the store's key file, key derivation and photo encryption.
//!
//! The app hands [`crate::Store::open`] a 32-byte master key it keeps in the platform keystore.
//! Beside the database lives `store.key`: a random 32-byte salt and a check value. From the
//! master key and the salt, HKDF-SHA-256 derives independent keys:
//!
//! - the SQLCipher key (given to SQLite as a raw key, so no slow passphrase stretching: the master
//!   key is already random);
//! - the photo encryption key (XChaCha20-Poly1305, random 24-byte nonce per file, the photo's
//!   SHA-256 as associated data so a file cannot be swapped for another);
//! - the photo naming key (file names are a keyed hash of the photo's SHA-256: the SHA-256 of
//!   every acta photo is published, so plain hashes as names would tell a searcher which actas
//!   this phone captured);
//! - the check value, which tells a wrong key (nothing touched) from a damaged database.
//!
//! The panic wipe overwrites and deletes `store.key`: without the salt, the master key alone no
//! longer opens anything that survives on the flash.

use std::fs;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::{Digest as _, Sha256};
use testigo_protocol::Sha256 as Digest;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

const KEY_FILE_MAGIC: &[u8; 8] = b"TGSKEY01";
const KEY_FILE_LEN: usize = 8 + 32 + 32;
const PHOTO_MAGIC: &[u8; 4] = b"TGP1";
const NONCE_LEN: usize = 24;

/// The keys derived for one store.
pub(crate) struct StoreKeys {
    pub(crate) sqlcipher: Zeroizing<[u8; 32]>,
    photo: Zeroizing<[u8; 32]>,
    names: Zeroizing<[u8; 32]>,
}

fn derive(master: &[u8; 32], salt: &[u8; 32], label: &str) -> Result<Zeroizing<[u8; 32]>> {
    let hk = Hkdf::<Sha256>::new(Some(salt), master);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA-256's output limit, so this cannot fail in practice.
    hk.expand(label.as_bytes(), out.as_mut()).map_err(|_| Error::internal("key derivation failed"))?;
    Ok(out)
}

impl StoreKeys {
    /// Reads or creates the key file in `dir` and derives the store's keys.
    ///
    /// `db_exists` says whether a database is already there: a missing key file next to an
    /// existing database is damage, not a reason to start over.
    pub(crate) fn load_or_create(dir: &Path, master: &[u8; 32], db_exists: bool) -> Result<Self> {
        // A key of one repeated byte is a bug in the app (an unset buffer), never the platform
        // key store's random bytes: refuse it before anything is written with it.
        if master.windows(2).all(|w| w.first() == w.last()) {
            return Err(Error::WeakMasterKey);
        }
        let path = dir.join("store.key");
        let salt = match fs::read(&path) {
            Ok(bytes) => {
                if bytes.len() != KEY_FILE_LEN || bytes.get(..8) != Some(KEY_FILE_MAGIC.as_slice()) {
                    return Err(Error::Corrupt("key file is malformed".into()));
                }
                let mut salt = [0u8; 32];
                salt.copy_from_slice(bytes.get(8..40).unwrap_or(&[0; 32]));
                let check = derive(master, &salt, "testigo/check/v1")?;
                if bytes.get(40..72) != Some(check.as_slice()) {
                    return Err(Error::WrongKey);
                }
                salt
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if db_exists {
                    return Err(Error::Corrupt("key file is missing".into()));
                }
                let mut salt = [0u8; 32];
                OsRng.fill_bytes(&mut salt);
                let check = derive(master, &salt, "testigo/check/v1")?;
                let mut contents = Vec::with_capacity(KEY_FILE_LEN);
                contents.extend_from_slice(KEY_FILE_MAGIC);
                contents.extend_from_slice(&salt);
                contents.extend_from_slice(check.as_slice());
                write_atomic(dir, "store.key", &contents)?;
                salt
            }
            Err(e) => return Err(e.into()),
        };
        let keys = StoreKeys {
            sqlcipher: derive(master, &salt, "testigo/sqlcipher/v1")?,
            photo: derive(master, &salt, "testigo/photo/v1")?,
            names: derive(master, &salt, "testigo/photo-names/v1")?,
        };
        let mut salt = salt;
        salt.zeroize();
        Ok(keys)
    }

    /// The statement that keys a connection: `PRAGMA key = "x'…'";` with the raw key in 64 hex
    /// digits. Written into one buffer of the exact size (no reallocation leaves a copy behind)
    /// that is zeroed when dropped.
    pub(crate) fn sqlcipher_key_statement(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = Zeroizing::new(String::with_capacity(83));
        s.push_str("PRAGMA key = \"x'");
        for b in self.sqlcipher.iter() {
            for nibble in [b >> 4, b & 15] {
                s.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        }
        s.push_str("'\";");
        s
    }

    /// The on-disk file name of the photo with this hash.
    pub(crate) fn photo_file_name(&self, sha: &Digest) -> String {
        // A prefix-keyed SHA-256 is a sound keyed hash here: the input has a fixed length.
        let mut h = Sha256::new();
        h.update(self.names.as_slice());
        h.update(sha.as_bytes());
        format!("{}.tgp", hex::encode(h.finalize()))
    }

    /// Encrypts a photo for storage.
    pub(crate) fn seal_photo(&self, sha: &Digest, plain: &[u8]) -> Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new(self.photo.as_slice().into());
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let body = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: sha.as_bytes() })
            .map_err(|_| Error::internal("photo encryption failed"))?;
        let mut out = Vec::with_capacity(4 + NONCE_LEN + body.len());
        out.extend_from_slice(PHOTO_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts a stored photo and checks it is the photo with hash `sha`.
    pub(crate) fn open_photo(&self, sha: &Digest, stored: &[u8]) -> Result<Vec<u8>> {
        let damaged = || Error::PhotoDamaged(sha.to_hex());
        if stored.get(..4) != Some(PHOTO_MAGIC.as_slice()) {
            return Err(damaged());
        }
        let nonce = stored.get(4..4 + NONCE_LEN).ok_or_else(damaged)?;
        let body = stored.get(4 + NONCE_LEN..).ok_or_else(damaged)?;
        let cipher = XChaCha20Poly1305::new(self.photo.as_slice().into());
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: sha.as_bytes() })
            .map_err(|_| damaged())?;
        if Digest::digest(&plain) != *sha {
            return Err(damaged());
        }
        Ok(plain)
    }
}

/// Writes `name` in `dir` so that it is either absent or complete: a temporary file, fsync,
/// rename over the final name, fsync of the directory.
pub(crate) fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

/// Flushes a directory's entries (a rename is durable only once its directory is).
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test master key whose bytes differ.
    fn key(n: u8) -> [u8; 32] {
        std::array::from_fn(|i| n.wrapping_mul(31).wrapping_add(i as u8))
    }

    #[test]
    fn a_master_key_of_one_repeated_byte_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        for weak in [[0u8; 32], [0xAB; 32]] {
            assert!(matches!(StoreKeys::load_or_create(dir.path(), &weak, false), Err(Error::WeakMasterKey)));
        }
        assert!(!dir.path().join("store.key").exists());
        assert!(StoreKeys::load_or_create(dir.path(), &key(1), false).is_ok());
    }

    #[test]
    fn the_key_statement_carries_the_raw_key_in_hex() {
        let dir = tempfile::tempdir().unwrap();
        let keys = StoreKeys::load_or_create(dir.path(), &key(4), false).unwrap();
        let stmt = keys.sqlcipher_key_statement();
        let expected = format!("PRAGMA key = \"x'{}'\";", hex::encode(keys.sqlcipher.as_slice()));
        assert_eq!(stmt.as_str(), expected);
        assert_eq!(stmt.capacity(), stmt.len(), "built in place, never reallocated");
    }

    #[test]
    fn photos_round_trip_and_refuse_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let keys = StoreKeys::load_or_create(dir.path(), &key(9), false).unwrap();
        let photo = b"not really a jpeg".to_vec();
        let sha = Digest::digest(&photo);
        let sealed = keys.seal_photo(&sha, &photo).unwrap();
        assert!(!sealed.windows(photo.len()).any(|w| w == photo.as_slice()), "plaintext leaked");
        assert_eq!(keys.open_photo(&sha, &sealed).unwrap(), photo);

        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(keys.open_photo(&sha, &flipped), Err(Error::PhotoDamaged(_))));
        let other = Digest::digest(b"other");
        assert!(matches!(keys.open_photo(&other, &sealed), Err(Error::PhotoDamaged(_))));
        assert!(matches!(keys.open_photo(&sha, &sealed[..10]), Err(Error::PhotoDamaged(_))));
    }

    #[test]
    fn key_file_tells_wrong_key_from_damage() {
        let dir = tempfile::tempdir().unwrap();
        let a = StoreKeys::load_or_create(dir.path(), &key(1), false).unwrap();
        let again = StoreKeys::load_or_create(dir.path(), &key(1), true).unwrap();
        assert_eq!(a.sqlcipher.as_slice(), again.sqlcipher.as_slice());
        assert!(matches!(StoreKeys::load_or_create(dir.path(), &key(2), true), Err(Error::WrongKey)));
        fs::write(dir.path().join("store.key"), b"short").unwrap();
        assert!(matches!(StoreKeys::load_or_create(dir.path(), &key(1), true), Err(Error::Corrupt(_))));
        fs::remove_file(dir.path().join("store.key")).unwrap();
        assert!(matches!(StoreKeys::load_or_create(dir.path(), &key(1), true), Err(Error::Corrupt(_))));
    }

    #[test]
    fn photo_names_are_keyed() {
        let dir = tempfile::tempdir().unwrap();
        let keys = StoreKeys::load_or_create(dir.path(), &key(1), false).unwrap();
        let sha = Digest::digest(b"acta");
        let name = keys.photo_file_name(&sha);
        assert!(!name.contains(&sha.to_hex()));
        assert_eq!(name, keys.photo_file_name(&sha));
    }
}
