//! The panic wipe.
//!
//! A watcher whose phone is about to be taken presses one button. The wipe overwrites and deletes
//! the key file first (with it goes the salt every key is derived from, so the master key alone
//! opens nothing that survives), then overwrites and deletes the database and its journals, then
//! deletes every photo file (already encrypted under the destroyed keys). The app must also
//! delete its master key from the platform keystore.
//!
//! Overwriting is best effort on flash storage (wear levelling may keep old blocks); the real
//! protection is that nothing readable was ever written, and the keys are gone.

use std::fs;
use std::io::Write;
use std::path::Path;

use rand_core::{OsRng, RngCore};

use crate::error::Result;
use crate::store::{PHOTO_DIR, Store};

impl Store {
    /// Destroys this store: keys, database and photos. Nothing in it can be read afterwards.
    pub fn wipe(self) -> Result<()> {
        let dir = self.dir.clone();
        // Close the connections (and release nothing else) before the files go.
        let Store { writer, reader, _lock, .. } = self;
        drop(reader);
        drop(writer);
        let result = wipe_files(&dir);
        drop(_lock);
        result
    }

    /// Destroys whatever store is in `dir` without opening it: for when the key is lost, or the
    /// store is damaged. Files that are not the store's are left alone.
    pub fn wipe_dir(dir: impl AsRef<Path>) -> Result<()> {
        wipe_files(dir.as_ref())
    }
}

fn wipe_files(dir: &Path) -> Result<()> {
    for name in ["store.key", "testigo.db", "testigo.db-wal", "testigo.db-shm", ".store.key.tmp"] {
        overwrite_and_remove(&dir.join(name))?;
    }
    let photos = dir.join(PHOTO_DIR);
    if photos.exists() {
        fs::remove_dir_all(&photos)?;
    }
    match fs::remove_file(dir.join(".lock")) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn overwrite_and_remove(path: &Path) -> Result<()> {
    let len = match fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    {
        let mut f = fs::OpenOptions::new().write(true).open(path)?;
        let mut block = vec![0u8; 64 * 1024];
        let mut left = len;
        while left > 0 {
            OsRng.fill_bytes(&mut block);
            let n = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
            f.write_all(block.get(..n).unwrap_or(&block))?;
            left -= n as u64;
        }
        f.sync_all()?;
    }
    fs::remove_file(path)?;
    Ok(())
}
