//! What the engine knows of the link: its upload rate, learned from the requests that carried a
//! body, and from it the size of the next photo chunk and record batch, so that one request takes
//! a few seconds on any link (GPRS to LAN) and an interruption wastes little. Also how long any
//! request may take before it counts as lost.

use std::time::Duration;

/// The upload rate of the link, learned from requests with a body (exponentially weighted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkEstimate {
    bytes_per_s: f64,
    /// Shrinks (halves) when a request breaks off and grows back with each success: on a link
    /// that keeps dropping, chunks get small enough to get through between drops.
    scale: f64,
}

impl Default for LinkEstimate {
    fn default() -> Self {
        // A cautious start (about a GPRS uplink); the first requests correct it.
        LinkEstimate { bytes_per_s: 8_000.0, scale: 1.0 }
    }
}

/// How long a request of this size should take at most, on the worst link we expect.
pub(crate) fn timeout_for(body_bytes: usize) -> Duration {
    Duration::from_secs(30) + Duration::from_secs_f64(body_bytes as f64 / 2_000.0)
}

impl LinkEstimate {
    /// Seconds a request should take: long enough to amortise the round trip, short enough
    /// that an interruption wastes little.
    const TARGET_S: f64 = 4.0;

    pub(crate) fn observe(&mut self, bytes: usize, elapsed: Duration) {
        if bytes < 4096 || elapsed.is_zero() {
            return;
        }
        let rate = bytes as f64 / elapsed.as_secs_f64().max(0.001);
        self.bytes_per_s = 0.6 * self.bytes_per_s + 0.4 * rate;
        self.scale = (self.scale * 1.25).min(1.0);
    }

    /// A request with a body broke off.
    pub(crate) fn interrupted(&mut self) {
        self.scale = (self.scale / 2.0).max(1.0 / 64.0);
    }

    /// Photo chunk size: 16 KiB to 1 MiB, rounded to KiB.
    pub(crate) fn chunk_bytes(&self) -> usize {
        let raw =
            (self.bytes_per_s * Self::TARGET_S * self.scale).clamp(16.0 * 1024.0, 1024.0 * 1024.0) as usize;
        raw / 1024 * 1024
    }

    /// Records per batch for records of about `record_bytes` each: 1 to 100.
    pub(crate) fn batch_records(&self, record_bytes: usize) -> usize {
        ((self.bytes_per_s * Self::TARGET_S) / record_bytes.max(1) as f64).clamp(1.0, 100.0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_batches_follow_the_link() {
        let mut gprs = LinkEstimate::default();
        for _ in 0..10 {
            gprs.observe(50_000, Duration::from_secs(10)); // 5 KB/s: a 40 kbit/s uplink
        }
        assert!((16 * 1024..=24 * 1024).contains(&gprs.chunk_bytes()), "{}", gprs.chunk_bytes());
        assert_eq!(gprs.batch_records(1500), 13);
        let mut lan = LinkEstimate::default();
        for _ in 0..10 {
            lan.observe(1_000_000, Duration::from_millis(20));
        }
        assert_eq!(lan.chunk_bytes(), 1024 * 1024);
        // A link that keeps breaking gets smaller chunks, and recovers with successes.
        let mut edge = LinkEstimate::default();
        for _ in 0..20 {
            edge.observe(102_400, Duration::from_secs(1)); // 100 KiB/s
        }
        let kib = |l: &LinkEstimate| l.chunk_bytes() / 1024;
        assert!((398..=400).contains(&kib(&edge)), "{}", kib(&edge));
        edge.interrupted();
        edge.interrupted();
        assert!((98..=100).contains(&kib(&edge)), "{}", kib(&edge));
        for _ in 0..10 {
            edge.observe(102_400, Duration::from_secs(1));
        }
        assert!((398..=400).contains(&kib(&edge)), "{}", kib(&edge));
        assert_eq!(lan.batch_records(1500), 100);
        // Tiny requests teach nothing.
        let before = gprs.chunk_bytes();
        gprs.observe(100, Duration::from_micros(1));
        assert_eq!(gprs.chunk_bytes(), before);
    }
}
