//! The change feed a device reads: pages of what changed for it after a cursor.

use testigo_protocol::KeyId;
use testigo_protocol::api::FeedPage;

use crate::AppState;
use crate::error::AppResult;

/// Events per page when the device does not say.
pub(crate) const DEFAULT_LIMIT: usize = 100;
/// The most events one page holds.
pub(crate) const MAX_LIMIT: usize = 500;

/// The device's events after `after`, at most `limit` (clamped to 1..=[`MAX_LIMIT`]).
pub(crate) async fn page(
    state: &AppState,
    device: &KeyId,
    after: u64,
    limit: Option<usize>,
) -> AppResult<FeedPage> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    // One more than asked tells whether more wait.
    let mut events = state.repo.feed(device, after, limit + 1).await?;
    let more = events.len() > limit;
    events.truncate(limit);
    let cursor = events.last().map_or(after, |e| e.seq);
    Ok(FeedPage { events, cursor, more })
}
