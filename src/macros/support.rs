//! What the expansions of `join!`, `try_join!` and `select!` name through
//! `$crate::macros::support`: std items under stable paths, the coop check,
//! the join engine's rotator and branch rules (defined in `join.rs`), and a
//! per-thread random start index. Not part of spindle's API.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};
pub use std::task::{Context, Poll};

pub use super::join::{Join, Rotator, TryJoin};
pub use futures_util::future::{maybe_done, MaybeDone};
pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::option::Option;
pub use std::pin::Pin;
pub use std::result::Result;
pub use std::task::ready;

#[cfg(feature = "macros")]
pub use spindle_macros::select_clean_pattern;

/// `Pending` (after waking the task) when the task's coop budget is spent,
/// so that a `select!` / `join!` over always-ready futures still yields.
/// Takes no budget itself: the leaves inside the branches do.
#[inline]
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    // Dropping the guard gives the unit back: this only looks.
    let _restore = ready!(crate::coop::poll_proceed(cx));
    Poll::Ready(())
}

crate::sync::facade::thread_local! {
    /// xorshift64* state, seeded per thread from std's random hasher keys
    /// (inside a loom model: fixed, so that loom's replays of a schedule
    /// make the same choices).
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    if cfg!(spindle_loom) {
        return 0x9e37_79b9_7f4a_7c15;
    }
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    // Never zero: xorshift would stay at zero.
    hasher.finish() | 1
}

/// A random number in `0..n` (`n > 0`), for `select!`'s start branch.
pub fn thread_rng_n(n: u32) -> u32 {
    RNG.with(|rng| {
        let mut x = rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        rng.set(x);
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32;
        // Lemire's multiply-shift: r is uniform in 0..2^32.
        ((r * u64::from(n)) >> 32) as u32
    })
}

/// The output type a future will have, as `None`: how `select!` declares a
/// slot per branch without naming types.
pub fn no_output<F: Future>(_: &F) -> Option<F::Output> {
    None
}

/// The mask of `branches` set bits (`branches <= 64`).
pub const fn all_branches(branches: u32) -> u64 {
    if branches >= 64 {
        u64::MAX
    } else {
        (1u64 << branches) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_stays_in_range_and_varies() {
        let mut seen = [false; 5];
        for _ in 0..1_000 {
            let n = thread_rng_n(5);
            assert!(n < 5);
            seen[n as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every start index is drawn: {seen:?}");
    }

    #[test]
    fn masks() {
        assert_eq!(all_branches(1), 1);
        assert_eq!(all_branches(3), 0b111);
        assert_eq!(all_branches(64), u64::MAX);
    }
}
