//! Live pages: what tells open dashboards that something arrived.
//!
//! One [`Live`] per server process holds a `tokio::sync::watch` channel. The tally worker, the
//! only thing that turns arrivals into what the pages show, sends a [`Pulse`] after each pass
//! that changed anything; every open `/dash/events` stream waits on the channel and writes one
//! server-sent event per pulse it sees. A watch channel keeps only the latest value, so a
//! dashboard that falls behind gets one event for many passes, never a backlog, and 2,000
//! listeners cost 2,000 idle tasks, not 2,000 polls: the browsers never poll the database.
//! (Several replicas, issue 20: each runs its own channel, and the replica that runs the tally
//! worker tells the others through the database; nothing here changes for the pages.)

use std::sync::atomic::{AtomicU64, Ordering};

use testigo_protocol::TimestampMs;
use tokio::sync::watch;

use crate::repo::TallyProgress;

/// What an event says: something changed, how much since the server started, and when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pulse {
    /// Counts the pulses since the server started (an event's id).
    pub seq: u64,
    /// When the tally worker finished the pass.
    pub at_ms: TimestampMs,
    /// Captures taken in since the server started.
    pub captures: u64,
    /// Photos taken in since the server started.
    pub photos: u64,
}

/// The channel every open dashboard listens on.
#[derive(Debug)]
pub struct Live {
    tx: watch::Sender<Pulse>,
    captures: AtomicU64,
    photos: AtomicU64,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            tx: watch::Sender::new(Pulse::default()),
            captures: AtomicU64::new(0),
            photos: AtomicU64::new(0),
        }
    }
}

impl Live {
    /// Tells every listener that a tally pass did `progress` (nothing when it did nothing).
    pub fn pulse(&self, progress: &TallyProgress, at_ms: TimestampMs) {
        if progress.is_idle() {
            return;
        }
        let captures =
            self.captures.fetch_add(progress.captures as u64, Ordering::Relaxed) + progress.captures as u64;
        let photos =
            self.photos.fetch_add(progress.photos as u64, Ordering::Relaxed) + progress.photos as u64;
        self.tx.send_modify(|p| {
            *p = Pulse { seq: p.seq + 1, at_ms, captures, photos };
        });
    }

    /// The latest pulse (a page says which it was made after).
    pub fn current(&self) -> Pulse {
        *self.tx.borrow()
    }

    /// A listener, positioned at the latest pulse (it hears only what comes after).
    pub fn subscribe(&self) -> watch::Receiver<Pulse> {
        self.tx.subscribe()
    }

    /// How many listeners are open.
    pub fn listeners(&self) -> usize {
        self.tx.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_hear_the_latest_pulse_once_and_idle_passes_say_nothing() {
        let live = Live::default();
        let mut rx = live.subscribe();
        live.pulse(&TallyProgress::default(), 1);
        assert!(!rx.has_changed().unwrap(), "an idle pass is not news");
        let busy = TallyProgress { captures: 3, photos: 1, ..TallyProgress::default() };
        live.pulse(&busy, 2);
        live.pulse(&busy, 3);
        rx.changed().await.unwrap();
        let p = *rx.borrow_and_update();
        assert_eq!((p.seq, p.at_ms, p.captures, p.photos), (2, 3, 6, 2), "two passes, one event");
        assert!(!rx.has_changed().unwrap());
        assert_eq!(live.listeners(), 1);
    }
}
