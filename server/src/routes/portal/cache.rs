//! The portal's memory: what is public now, and the pages already rendered for it.
//!
//! On election night the public asks for the same few thousand pages over and over while they
//! change only when something is published, reviewed or a photo arrives. So the context (the
//! election and the public cursor, [`Context`]) is read from the database at most once per
//! [`Limits::public_context_ttl`](crate::Limits::public_context_ttl) (a second by default), and each page's HTML is kept for the context it was rendered for: a page is
//! a function of the context and its address, so a kept page is never stale for its context,
//! and a new cursor empties the cache. A page may therefore show what was public up to that
//! long ago, which the `max-age` every page carries allows anyway. At most
//! [`MAX_BYTES`] of HTML are kept; past that the cache starts again empty.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::services::portal::Context;

/// The most HTML kept, in bytes.
pub(crate) const MAX_BYTES: usize = 64 * 1024 * 1024;

/// The cache (one per server state).
#[derive(Default)]
pub(crate) struct PortalCache {
    context: Mutex<Option<(Instant, Arc<Context>)>>,
    pages: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    /// The context the pages were rendered for: package version, cursor total, official
    /// imports and the public contrast's generation.
    generation: (u64, u64, u64, u64),
    html: HashMap<String, Bytes>,
    bytes: usize,
}

fn generation(ctx: &Context) -> (u64, u64, u64, u64) {
    ctx.generation()
}

impl PortalCache {
    /// The context, if one was read less than `ttl` ago.
    pub(crate) fn context(&self, now: Instant, ttl: Duration) -> Option<Arc<Context>> {
        let guard = self.context.lock().ok()?;
        let (at, ctx) = guard.as_ref()?;
        (now.saturating_duration_since(*at) < ttl).then(|| ctx.clone())
    }

    /// Keeps a context just read.
    pub(crate) fn keep_context(&self, now: Instant, ctx: Arc<Context>) {
        if let Ok(mut guard) = self.context.lock() {
            *guard = Some((now, ctx));
        }
    }

    /// The page `key` as rendered for `ctx`, if it is kept.
    pub(crate) fn page(&self, ctx: &Context, key: &str) -> Option<Bytes> {
        let pages = self.pages.lock().ok()?;
        if pages.generation != generation(ctx) {
            return None;
        }
        pages.html.get(key).cloned()
    }

    /// Keeps the page `key` rendered for `ctx` (a page of an older context is dropped).
    pub(crate) fn keep_page(&self, ctx: &Context, key: &str, html: Bytes) {
        let Ok(mut pages) = self.pages.lock() else { return };
        let generation = generation(ctx);
        if pages.generation != generation {
            // A page rendered for an older context arriving late is not kept over newer ones.
            if pages.generation > generation && !pages.html.is_empty() {
                return;
            }
            *pages = Pages { generation, ..Pages::default() };
        }
        if pages.bytes + html.len() > MAX_BYTES {
            pages.html.clear();
            pages.bytes = 0;
        }
        pages.bytes += html.len();
        if let Some(old) = pages.html.insert(key.to_owned(), html) {
            pages.bytes -= old.len();
        }
    }
}
