//! [`WorkerMetrics`]: the counters one worker keeps about itself, a leaf
//! that both schedulers write and [`RuntimeMetrics`](crate::RuntimeMetrics)
//! reads through the scheduler's methods (`scheduler::Scheduler`).
//!
//! Each counter is written only by its worker, with a relaxed load and
//! store (no read-modify-write), so counting costs the hot loop nothing;
//! anyone may read them. Values are monotonic, but not a consistent
//! snapshot across workers or counters.
//!
//! # The poll stamp
//!
//! [`WorkerMetrics::poll_started`] and [`WorkerMetrics::poll_finished`]
//! keep, per worker, the [`clock_nanos`] at which its current poll began
//! (0 while it polls nothing): one relaxed store at each end of a poll.
//! Anyone may read it with [`WorkerMetrics::poll_started_at`] to see how
//! long a worker has been inside one poll: the multi-thread scheduler
//! steals the LIFO slot of a worker stuck longer than a grace
//! (`multi_thread/watch.rs`), and a blocked-poll watchdog can report it.
//! The stamp is a hint: a reader may see a poll that just ended as still
//! running (it must then re-check whatever it acts on, as the LIFO thief
//! does with its `swap`).

use std::sync::OnceLock;
use std::time::Instant;

use crate::sync::{AtomicU64, Ordering};

/// Nanoseconds since this process first asked, from the monotonic clock
/// (`Instant`, a vDSO read on Linux: about 20 ns with the TSC clocksource).
/// Never 0 after the first call returns, so 0 can mean "no stamp".
#[inline]
pub(crate) fn clock_nanos() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    epoch.elapsed().as_nanos() as u64 + 1
}

/// Per-worker counters.
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) noop_unparks: AtomicU64,
    pub(crate) lifo_rescues: AtomicU64,
    pub(crate) busy_nanos: AtomicU64,
    /// Completed tasks this worker has put in its release batch, ever.
    pub(crate) batched: AtomicU64,
    /// Of those, how many it has released from the registry, ever: bumped
    /// for a whole batch *before* the batch leaves the registry.
    /// `num_alive_tasks` subtracts `batched - released` (see
    /// `multi_thread::Shared::num_alive_tasks`).
    pub(crate) released: AtomicU64,
    /// Tasks this worker put in its own LIFO slot, ever (the LIFO watch
    /// reads it to tell a busy message-passing worker from a quiet one).
    pub(crate) lifo_fills: AtomicU64,
    /// [`clock_nanos`] when the current poll started; 0 when not polling.
    poll_started_at: AtomicU64,
}

impl WorkerMetrics {
    /// Adds `n` to `counter`; only the owning worker calls this.
    #[inline]
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.store(counter.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
    }

    /// Reads `counter`.
    #[inline]
    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// The owning worker starts a poll at `now` (a [`clock_nanos`] value).
    #[inline]
    pub(crate) fn poll_started(&self, now: u64) {
        self.poll_started_at.store(now, Ordering::Relaxed);
    }

    /// The owning worker's poll returned.
    #[inline]
    pub(crate) fn poll_finished(&self) {
        self.poll_started_at.store(0, Ordering::Relaxed);
    }

    /// When the worker's current poll started ([`clock_nanos`]), or `None`
    /// if it is not inside a poll.
    #[inline]
    pub(crate) fn poll_started_at(&self) -> Option<u64> {
        match self.poll_started_at.load(Ordering::Relaxed) {
            0 => None,
            at => Some(at),
        }
    }
}
