//! Token buckets per key (device id, or client address for failed enrollments).
//!
//! In memory, per server process: with several replicas each enforces its own share, which is
//! what a limit against one runaway phone needs. Full buckets are forgotten when the map grows,
//! so memory stays bounded by the devices active in the last minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

const FORGET_ABOVE: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets keyed by string.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token from `key`'s bucket (`burst` deep, refilled at `per_s`). On refusal,
    /// the whole seconds until a token is back.
    pub(crate) fn take(&self, key: &str, burst: u32, per_s: f64) -> Result<(), u64> {
        let now = Instant::now();
        let burst = f64::from(burst.max(1));
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > FORGET_ABOVE {
            map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_s < burst);
        }
        let bucket = map.entry(key.to_owned()).or_insert(Bucket { tokens: burst, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_s).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if per_s > 0.0 {
            Err(((1.0 - bucket.tokens) / per_s).ceil().max(1.0) as u64)
        } else {
            Err(3600)
        }
    }

    /// Takes a token from `key`'s bucket if it has one (recording a failed attempt after
    /// [`RateLimiter::has_token`] allowed it).
    pub(crate) fn charge(&self, key: &str, burst: u32, per_s: f64) {
        if let Err(wait) = self.take(key, burst, per_s) {
            tracing::debug!(wait, "bucket already empty");
        }
    }

    /// Whether `key` has a token left, without taking one.
    pub(crate) fn has_token(&self, key: &str, burst: u32, per_s: f64) -> Result<(), u64> {
        let now = Instant::now();
        let map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            None => Ok(()),
            Some(b) => {
                let tokens =
                    (b.tokens + now.duration_since(b.at).as_secs_f64() * per_s).min(f64::from(burst.max(1)));
                if tokens >= 1.0 {
                    Ok(())
                } else if per_s > 0.0 {
                    Err(((1.0 - tokens) / per_s).ceil().max(1.0) as u64)
                } else {
                    Err(3600)
                }
            }
        }
    }
}

/// Failures per key with growing delays: after `free` failures, each further attempt must wait
/// 1 s, then 2, 4, ... up to [`MAX_BACKOFF_S`] after the last failure. A success forgets the key.
///
/// Attempts count as failures when they start ([`Backoff::attempt`]), so guesses sent at once
/// cannot all slip through during their slow checks; [`Backoff::succeeded`] forgets them.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// The longest wait [`Backoff`] imposes, in seconds.
pub(crate) const MAX_BACKOFF_S: u64 = 15 * 60;

impl Backoff {
    /// The wait, in whole seconds, before `key` may try again at `now`; 0 if it may now.
    pub(crate) fn wait(&self, key: &str, free: u32, now: Instant) -> u64 {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(&(count, last)) = map.get(key) else { return 0 };
        if count < free {
            return 0;
        }
        let delay = 1u64.checked_shl(count - free).unwrap_or(u64::MAX).min(MAX_BACKOFF_S);
        delay.saturating_sub(now.duration_since(last).as_secs())
    }

    /// Counts an attempt of `key` as a failure, now.
    pub(crate) fn attempt(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > FORGET_ABOVE {
            // Keys whose last failure is older than the longest wait constrain nothing.
            map.retain(|_, (_, at)| now.duration_since(*at).as_secs() < MAX_BACKOFF_S);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
    }

    /// Moves `key`'s last failure to `now` (the attempt counted when it started has now failed:
    /// the wait runs from when the failure was known, not from before its slow check).
    pub(crate) fn failed(&self, key: &str, now: Instant) {
        if let Some(entry) = self.failures.lock().unwrap_or_else(|e| e.into_inner()).get_mut(key) {
            entry.1 = now;
        }
    }

    /// Forgets `key`'s failures (the attempt succeeded).
    pub(crate) fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_free_ones_wait_longer_each_time_and_a_success_forgets_them() {
        let b = Backoff::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(b.wait("k", 3, t0), 0);
            b.attempt("k", t0);
        }
        assert_eq!(b.wait("k", 3, t0), 1);
        let mut waits = Vec::new();
        let mut t = t0;
        for _ in 0..12 {
            t += std::time::Duration::from_secs(b.wait("k", 3, t));
            assert_eq!(b.wait("k", 3, t), 0);
            b.attempt("k", t);
            waits.push(b.wait("k", 3, t));
        }
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
        assert_eq!(b.wait("other", 3, t), 0, "keys are independent");
        b.succeeded("k");
        assert_eq!(b.wait("k", 3, t), 0);
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let r = RateLimiter::default();
        for _ in 0..5 {
            r.take("d", 5, 0.5).unwrap();
        }
        assert_eq!(r.take("d", 5, 0.5), Err(2));
        assert!(r.has_token("d", 5, 0.5).is_err());
        // Other keys are independent.
        r.take("e", 5, 0.5).unwrap();
        assert!(r.has_token("f", 5, 0.5).is_ok());
    }
}
