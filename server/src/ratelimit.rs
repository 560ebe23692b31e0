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

    /// Puts back a token [`RateLimiter::take`] took, for an attempt that turned out right (a
    /// login limiter counts every attempt as it starts, and forgives the good ones).
    pub(crate) fn give_back(&self, key: &str, burst: u32) {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = map.get_mut(key) {
            b.tokens = (b.tokens + 1.0).min(f64::from(burst.max(1)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
