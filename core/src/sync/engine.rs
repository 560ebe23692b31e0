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

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use super::link::LinkEstimate;
use super::observer::Observers;
use super::transport::{HttpTransport, Transport};
use super::{ObserverHandle, SyncEvent, SyncObserver};
use crate::error::{Error, Result};

/// A transport and the TLS key pins it trusts (empty: the usual certificate authorities).
type PinnedTransport = (Vec<String>, Arc<dyn Transport>);

/// The sync engine of one store.
pub(crate) struct Engine {
    /// The app's transport, if it gave one (it is used whatever the pins).
    given: Option<Arc<dyn Transport>>,
    /// HTTP built on first use for the pins it was built for (building it loads the TLS roots:
    /// not at every open of the store), built again when the pins change.
    http: Mutex<Option<PinnedTransport>>,
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
            given: transport,
            http: Mutex::new(None),
            observers: Observers::default(),
            running: Mutex::new(()),
            link: Mutex::new(LinkEstimate::default()),
        }
    }

    /// The transport requests go through: the app's, or HTTP trusting only `tls_pins` when there
    /// are any.
    pub(crate) fn transport(&self, tls_pins: &[String]) -> Result<Arc<dyn Transport>> {
        if let Some(t) = &self.given {
            return Ok(t.clone());
        }
        let mut http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((pins, t)) = http.as_ref()
            && pins.as_slice() == tls_pins
        {
            return Ok(t.clone());
        }
        let t: Arc<dyn Transport> =
            Arc::new(HttpTransport::with_pins(tls_pins).map_err(|e| Error::InvalidServer(e.to_string()))?);
        *http = Some((tls_pins.to_vec(), t.clone()));
        Ok(t)
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
