//! When to try again after a recoverable failure: capped exponential backoff with jitter.
//!
//! The n-th consecutive failure waits a random time between half and all of
//! `min(BASE · 2ⁿ⁻¹, CAP)`. Jitter keeps thousands of phones that lost the same cell tower from
//! coming back in the same second. A `Retry-After` from the server wins when it asks for longer.
//! Progress (anything delivered) resets the count.
//!
//! Times computed from a wait saturate ([`at`], [`deadline`]): an extreme wait (a caller's
//! `Duration::MAX` budget, a clock near the end of its range) means "much later", never an
//! overflow or a panic.

use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use testigo_protocol::TimestampMs;

/// The first wait.
pub const BASE: Duration = Duration::from_secs(2);
/// The longest wait.
pub const CAP: Duration = Duration::from_secs(10 * 60);

/// The wait after `failures` consecutive failures (1 for the first), at least `retry_after`
/// (which is believed up to an hour).
pub fn delay(failures: u32, retry_after: Option<Duration>) -> Duration {
    let exp = failures.saturating_sub(1).min(20);
    let full = BASE.saturating_mul(1u32 << exp).min(CAP);
    let jitter = f64::from(OsRng.next_u32()) / f64::from(u32::MAX);
    let wait = full.mul_f64(0.5 + 0.5 * jitter);
    match retry_after {
        Some(r) if r > wait => r.min(Duration::from_secs(3600)),
        _ => wait,
    }
}

/// The time `wait` after `now_ms` (ms since the epoch), saturating at the end of the range.
pub fn at(now_ms: TimestampMs, wait: Duration) -> TimestampMs {
    now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
}

/// The instant `budget` from now, or `None` when that lies beyond what the clock can hold (no
/// deadline at all, in practice).
pub fn deadline(budget: Duration) -> Option<Instant> {
    Instant::now().checked_add(budget)
}

/// Whether `deadline` (from [`deadline`]) has passed.
pub fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() > d)
}

/// Reads a `Retry-After` header given in seconds (the HTTP-date form is not used by our server
/// and is ignored).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value.and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_jittered_is_capped_and_honours_retry_after() {
        for _ in 0..50 {
            let d1 = delay(1, None);
            assert!(d1 >= BASE / 2 && d1 <= BASE);
            let d4 = delay(4, None);
            assert!(d4 >= BASE * 4 && d4 <= BASE * 8);
            assert!(delay(40, None) <= CAP && delay(40, None) >= CAP / 2);
        }
        assert_eq!(delay(1, Some(Duration::from_secs(30))), Duration::from_secs(30));
        assert!(delay(9, Some(Duration::from_secs(1))) > Duration::from_secs(1));
        assert_eq!(retry_after(Some(" 7 ")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn times_after_an_extreme_wait_saturate() {
        assert_eq!(at(1_000, Duration::from_millis(500)), 1_500);
        assert_eq!(at(1_000, Duration::MAX), TimestampMs::MAX);
        assert_eq!(at(TimestampMs::MAX - 10, Duration::from_secs(3600)), TimestampMs::MAX);
        assert_eq!(at(TimestampMs::MAX, Duration::ZERO), TimestampMs::MAX);
        assert_eq!(deadline(Duration::MAX), None);
        assert!(!passed(deadline(Duration::MAX)));
        assert!(!passed(deadline(Duration::from_secs(60))));
        assert!(passed(Instant::now().checked_sub(Duration::from_millis(1))));
    }
}
