//! A small per-worker random number generator (xorshift64*).
//!
//! Every random choice of a worker (the first steal victim) comes from its
//! own generator, seeded from the builder's seed and the worker index, so a
//! later deterministic mode can replay a schedule from one seed.

/// xorshift64* (Vigna, 2016): fast, and plenty for picking victims.
#[derive(Debug, Clone)]
pub(crate) struct FastRand(u64);

impl FastRand {
    pub(crate) fn new(seed: u64) -> FastRand {
        // Mix the seed (splitmix64) so nearby seeds give unrelated streams;
        // the state must never be zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        FastRand(if z == 0 { 1 } else { z })
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (no division).
    pub(crate) fn next_below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// A seed for when the builder gives none: std's per-process random keys.
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x0053_5049_4E44_4C45); // "SPINDLE"
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = FastRand::new(7);
        let mut b = FastRand::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn below_covers_range() {
        let mut r = FastRand::new(1);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            seen[r.next_below(5)] = true;
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
    }
}
