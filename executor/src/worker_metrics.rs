//! [`WorkerMetrics`]: the counters one worker keeps about itself, a leaf
//! that both schedulers write and [`RuntimeMetrics`](crate::RuntimeMetrics)
//! reads through the scheduler's methods (`scheduler::Scheduler`).
//!
//! Each counter is written only by its worker, with a relaxed load and
//! store (no read-modify-write), so counting costs the hot loop nothing;
//! anyone may read them. Values are monotonic, but not a consistent
//! snapshot across workers or counters.

use crate::sync::{AtomicU64, Ordering};

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
}
