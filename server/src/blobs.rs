//! Where photo bytes live: the [`BlobStore`] trait and the local-folder [`FsBlobStore`].
//!
//! Two kinds of object:
//! - *partials*: tus uploads in progress, appended to chunk by chunk. An append is confirmed
//!   only by [`PartialWriter::sync`] (bytes on disk); bytes past the last confirmed offset, left by
//!   an interrupted or refused chunk, are cut off when the partial is next opened.
//! - *blobs*: finished photos, content-addressed by SHA-256 and immutable. Storing a photo that
//!   is already there keeps the one copy.
//!
//! An S3-compatible implementation maps partials to multipart uploads (or a staging key per
//! chunk) and blobs to keys named by hash; the handlers see only this trait.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::Digest as _;
use testigo_protocol::Sha256;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A storage failure (never caused by request content).
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// File-system failure.
    #[error("blob storage I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The id is not one this store could have made.
    #[error("invalid upload id")]
    BadId,
}

/// Result with [`BlobError`].
pub type BlobResult<T> = Result<T, BlobError>;

/// What completing a partial did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The bytes match the hash and are stored (now or before).
    Stored {
        /// Size in bytes.
        size: u64,
    },
    /// The bytes hash to something else; the partial was removed.
    Mismatch,
    /// The bytes hash right but are not the kind of file the store was asked for (the media
    /// check failed); the partial was removed and nothing was stored.
    NotMedia,
}

/// Checks a finished upload's kind from its first bytes (up to [`MEDIA_HEAD_BYTES`]) and its
/// last two, before it is stored.
pub type MediaCheck = fn(head: &[u8], tail: &[u8]) -> bool;

/// How many first bytes of a finished upload a [`MediaCheck`] sees.
pub const MEDIA_HEAD_BYTES: usize = 64 * 1024;

/// An open partial upload, appending.
#[async_trait]
pub trait PartialWriter: Send {
    /// Appends bytes (not yet confirmed).
    async fn write(&mut self, bytes: &[u8]) -> BlobResult<()>;
    /// Makes everything written durable and returns the partial's confirmed length.
    async fn sync(&mut self) -> BlobResult<u64>;
    /// Forgets everything written since the partial was opened.
    async fn rollback(&mut self) -> BlobResult<()>;
}

/// Photo storage. See the module doc.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Creates an empty partial.
    async fn create_partial(&self, id: &str) -> BlobResult<()>;
    /// Opens a partial for appending at `offset`, its last confirmed length.
    async fn open_partial(&self, id: &str, offset: u64) -> BlobResult<Box<dyn PartialWriter>>;
    /// Checks the partial against `expected` and, if it matches, stores it as that blob.
    /// Either way the partial is gone afterwards.
    async fn complete(&self, id: &str, expected: &Sha256, media: MediaCheck) -> BlobResult<Completion>;
    /// Removes a partial (terminated or expired upload). Removing a missing one is not an error.
    async fn delete_partial(&self, id: &str) -> BlobResult<()>;
    /// The size of the stored blob, if it exists.
    async fn blob_size(&self, sha: &Sha256) -> BlobResult<Option<u64>>;
    /// The stored blob's bytes.
    async fn get(&self, sha: &Sha256) -> BlobResult<Option<Vec<u8>>>;
    /// Bytes that can still be written, if the store can tell (a local disk can; an object store
    /// has no such limit).
    async fn available_bytes(&self) -> BlobResult<Option<u64>>;
    /// The ids of every partial upload the store holds (to find those no upload refers to).
    async fn partial_ids(&self) -> BlobResult<Vec<String>>;
    /// Where the blob lies on this machine's disk, if the store is a local folder: a static
    /// mirror links its photos there instead of copying them.
    fn local_path(&self, _sha: &Sha256) -> Option<PathBuf> {
        None
    }
}

/// Photos in a local folder: `partials/<upload id>` and `blobs/<first 2 hex>/<sha256 hex>`.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `root`, creating its folders.
    pub fn open(root: &Path) -> BlobResult<Self> {
        for dir in [root.to_path_buf(), root.join("partials"), root.join("blobs")] {
            crate::private_dir(&dir)?;
        }
        Ok(FsBlobStore { root: root.to_path_buf() })
    }

    fn partial_path(&self, id: &str) -> BlobResult<PathBuf> {
        // Ids are made by the server (hex); anything else never reaches the file system.
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(BlobError::BadId);
        }
        Ok(self.root.join("partials").join(id))
    }

    fn blob_path(&self, sha: &Sha256) -> PathBuf {
        let hex = sha.to_hex();
        self.root.join("blobs").join(hex.get(..2).unwrap_or("00")).join(hex)
    }
}

struct FsPartial {
    file: tokio::fs::File,
    start: u64,
}

#[async_trait]
impl PartialWriter for FsPartial {
    async fn write(&mut self, bytes: &[u8]) -> BlobResult<()> {
        self.file.write_all(bytes).await?;
        Ok(())
    }

    async fn sync(&mut self) -> BlobResult<u64> {
        self.file.flush().await?;
        self.file.sync_data().await?;
        Ok(self.file.stream_position().await?)
    }

    async fn rollback(&mut self) -> BlobResult<()> {
        self.file.set_len(self.start).await?;
        self.file.seek(std::io::SeekFrom::Start(self.start)).await?;
        Ok(())
    }
}

async fn sync_dir(path: &Path) -> BlobResult<()> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(&path)?.sync_all())
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
    Ok(())
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn create_partial(&self, id: &str) -> BlobResult<()> {
        let path = self.partial_path(id)?;
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        options.open(&path).await?;
        Ok(())
    }

    async fn open_partial(&self, id: &str, offset: u64) -> BlobResult<Box<dyn PartialWriter>> {
        let path = self.partial_path(id)?;
        let mut file = tokio::fs::OpenOptions::new().write(true).open(&path).await?;
        // Bytes past the confirmed offset were never acknowledged to anyone: drop them.
        file.set_len(offset).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        Ok(Box::new(FsPartial { file, start: offset }))
    }

    async fn complete(&self, id: &str, expected: &Sha256, media: MediaCheck) -> BlobResult<Completion> {
        let path = self.partial_path(id)?;
        let mut file = tokio::fs::File::open(&path).await?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        let mut head = Vec::new();
        let mut tail = [0u8; 2];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            let read = buf.get(..n).unwrap_or_default();
            hasher.update(read);
            size += n as u64;
            let room = MEDIA_HEAD_BYTES.saturating_sub(head.len());
            head.extend_from_slice(read.get(..room.min(n)).unwrap_or_default());
            // The last two bytes of everything read so far.
            for b in read.iter().rev().take(2).rev() {
                tail = [tail[1], *b];
            }
        }
        let actual = Sha256(hasher.finalize().into());
        if actual != *expected {
            tokio::fs::remove_file(&path).await?;
            return Ok(Completion::Mismatch);
        }
        if !media(&head, if size >= 2 { &tail } else { &[] }) {
            tokio::fs::remove_file(&path).await?;
            return Ok(Completion::NotMedia);
        }
        let target = self.blob_path(expected);
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.join("blobs"));
        if !tokio::fs::try_exists(&dir).await? {
            let d = dir.clone();
            tokio::task::spawn_blocking(move || crate::private_dir(&d))
                .await
                .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
        }
        if tokio::fs::try_exists(&target).await? {
            tokio::fs::remove_file(&path).await?;
        } else {
            tokio::fs::rename(&path, &target).await?;
            sync_dir(&dir).await?;
        }
        Ok(Completion::Stored { size })
    }

    async fn delete_partial(&self, id: &str) -> BlobResult<()> {
        match tokio::fs::remove_file(self.partial_path(id)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn blob_size(&self, sha: &Sha256) -> BlobResult<Option<u64>> {
        match tokio::fs::metadata(self.blob_path(sha)).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn get(&self, sha: &Sha256) -> BlobResult<Option<Vec<u8>>> {
        match tokio::fs::read(self.blob_path(sha)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn available_bytes(&self) -> BlobResult<Option<u64>> {
        let root = self.root.clone();
        let stat = tokio::task::spawn_blocking(move || rustix::fs::statvfs(&root))
            .await
            .map_err(|e| BlobError::Io(std::io::Error::other(e)))?
            .map_err(std::io::Error::from)?;
        Ok(Some(stat.f_bavail.saturating_mul(stat.f_frsize)))
    }

    fn local_path(&self, sha: &Sha256) -> Option<PathBuf> {
        Some(self.blob_path(sha))
    }

    async fn partial_ids(&self) -> BlobResult<Vec<String>> {
        let mut ids = Vec::new();
        let mut dir = tokio::fs::read_dir(self.root.join("partials")).await?;
        while let Some(entry) = dir.next_entry().await? {
            if let Some(name) = entry.file_name().to_str() {
                ids.push(name.to_owned());
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unconfirmed_bytes_are_dropped_and_blobs_are_content_addressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        store.create_partial("a1").await.unwrap();
        let mut w = store.open_partial("a1", 0).await.unwrap();
        w.write(b"hello ").await.unwrap();
        assert_eq!(w.sync().await.unwrap(), 6);
        w.write(b"garbage").await.unwrap();
        drop(w);
        // Reopened at the confirmed offset: the unconfirmed tail is gone.
        let mut w = store.open_partial("a1", 6).await.unwrap();
        w.write(b"wrong").await.unwrap();
        w.rollback().await.unwrap();
        w.write(b"world").await.unwrap();
        assert_eq!(w.sync().await.unwrap(), 11);
        drop(w);
        let sha = Sha256::digest(b"hello world");
        let any: MediaCheck = |_, _| true;
        assert_eq!(store.complete("a1", &Sha256::digest(b"x"), any).await.unwrap(), Completion::Mismatch);
        store.create_partial("a2").await.unwrap();
        let mut w = store.open_partial("a2", 0).await.unwrap();
        w.write(b"hello world").await.unwrap();
        w.sync().await.unwrap();
        drop(w);
        // The media check sees the first bytes and the last two; refusing leaves nothing stored.
        let hello: MediaCheck = |head, tail| head.starts_with(b"hello") && tail == b"ld";
        let not_hello: MediaCheck = |head, _| head.starts_with(b"HELLO");
        store.create_partial("a3").await.unwrap();
        let mut w = store.open_partial("a3", 0).await.unwrap();
        w.write(b"hello world").await.unwrap();
        w.sync().await.unwrap();
        drop(w);
        assert_eq!(store.complete("a3", &sha, not_hello).await.unwrap(), Completion::NotMedia);
        assert_eq!(store.blob_size(&sha).await.unwrap(), None);
        assert_eq!(store.complete("a2", &sha, hello).await.unwrap(), Completion::Stored { size: 11 });
        assert_eq!(store.get(&sha).await.unwrap().unwrap(), b"hello world");
        assert_eq!(store.blob_size(&sha).await.unwrap(), Some(11));
        assert!(matches!(store.create_partial("../x").await, Err(BlobError::BadId)));
        store.delete_partial("a2").await.unwrap();
    }
}
