//! [`WorkerMetrics`]: the counters one worker keeps about itself, a leaf
//! that both schedulers write and [`RuntimeMetrics`](crate::RuntimeMetrics)
//! reads through the scheduler's methods (`scheduler::Scheduler`).
//!
//! Each counter is written only by its worker, with a relaxed load and
//! store (no read-modify-write), so counting costs the hot loop nothing;
//! anyone may read them. Values are monotonic, but not a consistent
//! snapshot across workers or counters.

use std::sync::{Arc, OnceLock};

use crate::sync::{AtomicBool, AtomicU64, Ordering};
use crate::task::TaskId;

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
    /// The id of the task this worker is polling (0: none); see
    /// [`WorkerMetrics::poll_started`].
    polling: AtomicU64,
    /// Set by the watchdog while it sleeps with no deadline (see
    /// `runtime/watchdog.rs`); the next poll to start wakes it through
    /// `wake_watchdog`.
    watchdog_asleep: AtomicBool,
    wake_watchdog: OnceLock<Arc<dyn Fn() + Send + Sync>>,
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

    /// Notes that this worker starts polling `task`: one relaxed store.
    /// Only the owning worker calls this, right before `Notified::run`.
    /// Dumps read it to say which worker runs a task ("running on worker
    /// N"). The exec branch (issue 12) keeps a time stamp here for its LIFO
    /// rescue; the two stamps are meant to become one.
    #[inline]
    pub(crate) fn poll_started(&self, task: TaskId) {
        self.polling.store(task.as_u64(), Ordering::Relaxed);
        if self.watchdog_asleep.load(Ordering::Relaxed) {
            self.wake_watchdog();
        }
    }

    #[cold]
    fn wake_watchdog(&self) {
        if self.watchdog_asleep.swap(false, Ordering::AcqRel) {
            if let Some(wake) = self.wake_watchdog.get() {
                wake();
            }
        }
    }

    /// Installs the watchdog's wake-up (once, at runtime start).
    pub(crate) fn set_watchdog(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        let _ = self.wake_watchdog.set(wake);
    }

    /// The watchdog, about to sleep with no deadline: asks this worker's
    /// next poll to wake it. Cleared by that poll, or by the watchdog.
    pub(crate) fn set_watchdog_asleep(&self, asleep: bool) {
        self.watchdog_asleep.store(asleep, Ordering::SeqCst);
    }

    /// Notes that the poll begun by [`Self::poll_started`] returned.
    #[inline]
    pub(crate) fn poll_finished(&self) {
        self.polling.store(0, Ordering::Relaxed);
    }

    /// The id of the task this worker is polling now, if any (a relaxed
    /// read: the poll may have ended since).
    pub(crate) fn polling(&self) -> Option<u64> {
        match self.polling.load(Ordering::Relaxed) {
            0 => None,
            id => Some(id),
        }
    }
}
