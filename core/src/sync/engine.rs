//! The sync engine's state that lives in memory, not in the store: the one value a [`Store`]
//! owns for syncing, so the store knows nothing of the engine's parts.
//!
//! Everything here may be lost with the process without losing work: the outbox and the
//! enrollment (what to send, to whom, and how far it got) are in the database. What this holds
//! only makes a running app better: the transport (built once, so its connections are reused),
//! the registered observers, the lock that keeps two runs from overlapping, and the learned link
//! rate (so the next run starts with chunks the right size).
//!
//! [`Store`]: crate::Store

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError};

use super::link::LinkEstimate;
use super::observer::Observers;
use super::transport::{HttpTransport, Transport};
use super::{ObserverHandle, SyncEvent, SyncObserver};
use crate::error::{Error, Result};

/// The sync engine of one store.
pub(crate) struct Engine {
    /// The app's transport, or HTTP built on first use (building it loads the TLS roots: not at
    /// every open of the store).
    transport: OnceLock<Arc<dyn Transport>>,
    observers: Observers,
    /// Held for the whole of a run.
    running: Mutex<()>,
    link: Mutex<LinkEstimate>,
}

/// Proof that this thread holds the engine for one run; the next run may start once it drops.
pub(crate) type RunGuard<'a> = MutexGuard<'a, ()>;

impl Engine {
    /// An engine that sends through `transport`, or through HTTP when `None`.
    pub(crate) fn new(transport: Option<Arc<dyn Transport>>) -> Engine {
        Engine {
            transport: transport.map(OnceLock::from).unwrap_or_default(),
            observers: Observers::default(),
            running: Mutex::new(()),
            link: Mutex::new(LinkEstimate::default()),
        }
    }

    /// The transport requests go through.
    pub(crate) fn transport(&self) -> Result<Arc<dyn Transport>> {
        if let Some(t) = self.transport.get() {
            return Ok(t.clone());
        }
        let t: Arc<dyn Transport> =
            Arc::new(HttpTransport::new().map_err(|e| Error::Network(e.to_string()))?);
        Ok(self.transport.get_or_init(|| t).clone())
    }

    /// Starts a run, or `None` when another one is running.
    pub(crate) fn try_start(&self) -> Option<RunGuard<'_>> {
        match self.running.try_lock() {
            Ok(guard) => Some(guard),
            // A panic inside an earlier run poisoned the lock; the run's state is all in the
            // store, so the next run may go ahead.
            Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The link as learned so far.
    pub(crate) fn link(&self) -> MutexGuard<'_, LinkEstimate> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells every observer.
    pub(crate) fn emit(&self, event: &SyncEvent) {
        self.observers.emit(event);
    }

    /// Registers an observer until its handle drops.
    pub(crate) fn observe(&self, observer: Arc<dyn SyncObserver>) -> ObserverHandle {
        self.observers.register(observer)
    }
}
