//! Sync progress for the app: [`SyncObserver`]s registered with
//! [`crate::Store::observe_sync`], each until its [`ObserverHandle`] is dropped.

use std::sync::{Arc, Mutex, Weak};

use uuid::Uuid;

use super::SyncReport;
use crate::outbox::OutboxKind;

/// Something that happened during a sync run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncEvent {
    /// A run started.
    Started,
    /// Bytes of an item are on their way (a record batch, or a photo chunk).
    Sending {
        /// The outbox item.
        item_id: i64,
        /// Its capture.
        capture_id: Uuid,
        /// What it sends.
        kind: OutboxKind,
        /// Bytes the server has confirmed so far (photos), or 0.
        bytes_done: u64,
        /// The item's size in bytes.
        bytes_total: u64,
    },
    /// The server's verified receipt arrived: delivered.
    ItemDelivered {
        /// The outbox item.
        item_id: i64,
        /// Its capture.
        capture_id: Uuid,
        /// What it sent.
        kind: OutboxKind,
    },
    /// The item failed on its own and waits until `retry_at_ms`.
    ItemRetrying {
        /// The outbox item.
        item_id: i64,
        /// Its capture.
        capture_id: Uuid,
        /// What it sends.
        kind: OutboxKind,
        /// When it will be tried again (ms since the epoch).
        retry_at_ms: i64,
        /// Why it failed.
        reason: String,
    },
    /// The server refused the item for good; it waits for the watcher.
    ItemParked {
        /// The outbox item.
        item_id: i64,
        /// Its capture.
        capture_id: Uuid,
        /// What it sends.
        kind: OutboxKind,
        /// The server's reason.
        reason: String,
    },
    /// The run ended.
    Finished(SyncReport),
}

/// Receives sync progress. Called on the syncing thread: return quickly.
pub trait SyncObserver: Send + Sync {
    /// One event.
    fn on_event(&self, event: &SyncEvent);
}

type Registry = Mutex<Vec<(u64, Arc<dyn SyncObserver>)>>;

/// The store's observers.
#[derive(Default)]
pub(crate) struct Observers {
    registry: Arc<Registry>,
    next: std::sync::atomic::AtomicU64,
}

impl Observers {
    pub(crate) fn register(&self, observer: Arc<dyn SyncObserver>) -> ObserverHandle {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.registry.lock().unwrap_or_else(|e| e.into_inner()).push((id, observer));
        ObserverHandle { id, registry: Arc::downgrade(&self.registry) }
    }

    pub(crate) fn emit(&self, event: &SyncEvent) {
        // Call outside the lock, so an observer may register or drop handles.
        let observers: Vec<Arc<dyn SyncObserver>> =
            self.registry.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, o)| o.clone()).collect();
        for o in observers {
            o.on_event(event);
        }
    }
}

/// Keeps an observer registered; dropping it unregisters the observer.
#[must_use = "the observer is unregistered when the handle is dropped"]
pub struct ObserverHandle {
    id: u64,
    registry: Weak<Registry>,
}

impl std::fmt::Debug for ObserverHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObserverHandle({})", self.id)
    }
}

impl Drop for ObserverHandle {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(Mutex<u32>);
    impl SyncObserver for Count {
        fn on_event(&self, _: &SyncEvent) {
            *self.0.lock().unwrap() += 1;
        }
    }

    #[test]
    fn observers_stop_when_their_handle_is_dropped() {
        let observers = Observers::default();
        let a = Arc::new(Count(Mutex::new(0)));
        let b = Arc::new(Count(Mutex::new(0)));
        let ha = observers.register(a.clone());
        let hb = observers.register(b.clone());
        observers.emit(&SyncEvent::Started);
        drop(ha);
        observers.emit(&SyncEvent::Started);
        assert_eq!((*a.0.lock().unwrap(), *b.0.lock().unwrap()), (1, 2));
        drop(hb);
        observers.emit(&SyncEvent::Started);
        assert_eq!(*b.0.lock().unwrap(), 2);
    }
}
