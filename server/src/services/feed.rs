//! The change feed a device reads: pages of what changed for it after a cursor, each page signed
//! with the server key for that device and that cursor (`testigo_protocol::statement`), so that
//! nobody on the path can forge a review state or hide a package update.

use testigo_protocol::KeyId;
use testigo_protocol::api::FeedPage;
use testigo_protocol::statement::feed_page_bytes;

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
    let bytes = feed_page_bytes(device, after, &events, cursor, more);
    let signature = state.key.sign(&bytes)?;
    Ok(FeedPage { events, cursor, more, server_key_id: state.key.public_key().key_id(), signature })
}
