//! Disk space: a reserve the server keeps for everyone, so that no device, and no night's load,
//! fills the disk under the database.
//!
//! Before it takes new bytes (a record batch, an upload, a chunk) the server checks that the
//! disk's free space stays above [`crate::Limits::free_space_reserve`]; below it the request is
//! refused with `507 insufficient_storage` and a `Retry-After`, nothing is written, and the phone
//! keeps its items and tries again later. Nothing needs to be restarted when space returns: the
//! next request finds it. Should the disk fill anyway (another process), the write that fails is
//! answered the same way (`RepoError::Full`, `ErrorKind::StorageFull`), never as a 500.

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Free space as `/healthz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Bytes that can still be written, when the storage can tell.
    pub available: Option<u64>,
    /// The reserve the server keeps.
    pub reserve: u64,
}

impl Space {
    /// Whether the free space is below the reserve (new bytes are refused).
    pub fn low(&self) -> bool {
        self.available.is_some_and(|a| a < self.reserve)
    }
}

/// The free space now.
pub async fn space(state: &AppState) -> AppResult<Space> {
    let available = state.blobs.available_bytes().await?;
    Ok(Space { available, reserve: state.limits.free_space_reserve })
}

/// Refuses (`507`) when writing `bytes` more would leave less than the reserve free.
pub(crate) async fn ensure_room(state: &AppState, bytes: u64) -> AppResult<()> {
    let s = space(state).await?;
    match s.available {
        Some(a) if a < s.reserve.saturating_add(bytes) => Err(AppError::InsufficientStorage),
        _ => Ok(()),
    }
}
