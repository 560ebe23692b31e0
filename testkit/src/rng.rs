//! A small deterministic PRNG, so a seed names the same acta on every machine and every version of
//! every dependency.
//!
//! SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, a Weyl increment and a strong output
//! mix. It is fast, passes BigCrush, and — what matters here — any two seeds, even consecutive
//! ones, give unrelated streams, so sub-streams are derived by mixing a label into the seed.
//!
//! Public so that the simulator built on this crate (`testigo-sim`: watchers, the election night)
//! draws from the same generator and a seed keeps naming the same night.

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective mix of all 64 bits.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: mix(seed) }
    }

    /// An independent generator for part `stream` of the work seeded by `seed` (a page, a photo's
    /// row, …), so each part's randomness does not depend on how much another part consumed.
    pub fn stream(seed: u64, stream: u64) -> Self {
        Self::new(mix(seed ^ mix(stream.wrapping_add(GOLDEN))))
    }

    /// The next 64 random bits.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f64 {
        self.range(-1.0, 1.0)
    }

    /// Uniform integer in `lo..=hi` (`lo` when the range is empty).
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        let span = u64::from(hi - lo) + 1;
        // The modulo bias is below 2^-31 for spans this small.
        lo + (self.next_u64() % span) as u32
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.f64(); // (0, 1]: ln(0) must not happen
        let v = self.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// One of `items`, picked with the given weights; `None` when `items` is empty.
    pub fn weighted<'a, T>(&mut self, items: &'a [(f64, T)]) -> Option<&'a T> {
        let total: f64 = items.iter().map(|(w, _)| w).sum();
        let mut pick = self.f64() * total;
        for (w, item) in items {
            if pick < *w {
                return Some(item);
            }
            pick -= w;
        }
        items.last().map(|(_, item)| item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_streams_differ() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s0 = Rng::stream(7, 0);
        let mut s1 = Rng::stream(7, 1);
        assert_ne!(s0.next_u64(), s1.next_u64());
    }

    #[test]
    fn ranges_hold() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let x = r.range(2.0, 3.0);
            assert!((2.0..3.0).contains(&x));
            let i = r.int(5, 9);
            assert!((5..=9).contains(&i));
        }
        let mean: f64 = (0..20_000).map(|_| r.normal()).sum::<f64>() / 20_000.0;
        assert!(mean.abs() < 0.05);
    }
}
