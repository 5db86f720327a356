//! [`SchedClock`]: the time the scheduler's own policies read (the mean poll
//! time behind the self-tuned global queue interval, the LIFO slot's grace
//! and the watcher's timeouts), a leaf every scheduler module may import.
//!
//! It is not the user's time (`spindle::time`, the runtime's clock that
//! the timer reads): a
//! real runtime reads the monotonic clock ([`clock_nanos`]); a simulated
//! one (`scheduler/multi_thread/sim.rs`) reads a counter that the
//! simulator moves on by a drawn cost per step, so that every decision
//! taken on it replays from the seed. The user's virtual clock, by
//! contrast, stands still while tasks run.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::worker_metrics::clock_nanos;

/// Where a scheduler reads the time, in nanoseconds (never 0: 0 means "no
/// stamp" to the poll stamps of `worker_metrics.rs`).
pub(crate) enum SchedClock {
    /// [`clock_nanos`]: the process's monotonic clock.
    Monotonic,
    /// A counter moved on only by [`SchedClock::advance`] (the simulator).
    Simulated(AtomicU64),
}

impl SchedClock {
    /// A simulated clock, starting at 1 ns.
    pub(crate) fn simulated() -> SchedClock {
        SchedClock::Simulated(AtomicU64::new(1))
    }

    /// The time now.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        match self {
            SchedClock::Monotonic => clock_nanos(),
            SchedClock::Simulated(nanos) => nanos.load(Ordering::Relaxed),
        }
    }

    /// Whether this is the process's monotonic clock (the one a task's own
    /// poll statistics read, so readings can be handed over).
    #[inline]
    pub(crate) fn is_monotonic(&self) -> bool {
        matches!(self, SchedClock::Monotonic)
    }

    /// Moves a simulated clock on by `nanos`.
    ///
    /// # Panics
    /// On the monotonic clock, which nobody moves.
    pub(crate) fn advance(&self, nanos: u64) {
        match self {
            SchedClock::Monotonic => panic!("the monotonic clock cannot be advanced"),
            SchedClock::Simulated(now) => {
                now.store(now.load(Ordering::Relaxed).saturating_add(nanos), Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_moves_only_when_advanced() {
        let clock = SchedClock::simulated();
        assert_eq!(clock.now(), 1);
        clock.advance(30_000);
        assert_eq!(clock.now(), 30_001);
        let real = SchedClock::Monotonic;
        let a = real.now();
        assert!(a > 0 && real.now() >= a);
    }
}
