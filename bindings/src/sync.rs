//! Cancelling a sync or an enrollment, and watching a sync's progress.
//!
//! [`CancelToken`] is the core's token as an object the app can hold on another thread.
//! [`SyncObserver`] is the core's [`testigo_core::SyncObserver`] as a foreign trait (events are
//! passed by value, and a failing observer raises an error instead of unwinding into the sync);
//! registering one returns a [`SyncObserverHandle`], and the observer is called until that handle
//! is destroyed or [`SyncObserverHandle::unregister`] is called.

use std::sync::{Arc, Mutex, PoisonError};

use testigo_core::SyncEvent;

use crate::error::ObserverError;

/// Stops a running sync or enrollment from another thread: the run ends at once, even in the
/// middle of a request, and reports `Cancelled`. A token stays cancelled; make a new one per run.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken {
    // The core's token is itself a shared handle (an `Arc` inside), so it is held as is.
    pub(crate) inner: testigo_core::CancelToken,
}

#[uniffi::export]
impl CancelToken {
    /// A token not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the run this token was given to.
    pub fn cancel(&self) {
        self.inner.cancel()
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}

/// The core's token for an optional app token (none: the call cannot be cancelled).
pub(crate) fn token(cancel: Option<Arc<CancelToken>>) -> testigo_core::CancelToken {
    cancel.map(|c| c.inner.clone()).unwrap_or_default()
}

/// Receives sync progress. Called on the thread that runs the sync: return quickly, and hand
/// the event to the UI thread yourself.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// One event of a run.
    fn on_event(&self, event: SyncEvent) -> Result<(), ObserverError>;
}

/// The app's observer, as the core's observer.
pub(crate) struct PlatformObserver(pub(crate) Arc<dyn SyncObserver>);

impl testigo_core::SyncObserver for PlatformObserver {
    fn on_event(&self, event: &SyncEvent) {
        // The observer's failure is the app's own to report; the sync it watches goes on.
        let _ = self.0.on_event(event.clone());
    }
}

/// Keeps a `SyncObserver` registered. Destroying the handle (or calling `unregister`)
/// unregisters the observer.
#[derive(Debug, uniffi::Object)]
pub struct SyncObserverHandle {
    // An `Option` so that `unregister` can drop the core's handle before the object goes.
    inner: Mutex<Option<testigo_core::ObserverHandle>>,
}

impl SyncObserverHandle {
    pub(crate) fn new(inner: testigo_core::ObserverHandle) -> Self {
        SyncObserverHandle { inner: Mutex::new(Some(inner)) }
    }
}

#[uniffi::export]
impl SyncObserverHandle {
    /// Unregisters the observer now; it gets no further events. Calling it again does nothing.
    pub fn unregister(&self) {
        drop(self.inner.lock().unwrap_or_else(PoisonError::into_inner).take());
    }
}
