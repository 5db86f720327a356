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
//! Per worker, whether it is inside a poll and since when:
//! [`WorkerMetrics::poll_started`] and [`WorkerMetrics::poll_finished`]
//! are one relaxed store each at the two ends of a poll, with no clock
//! read (a vDSO clock read is about 20 ns, twice a whole `yield_many`
//! poll). The time is read lazily, by whoever first needs it:
//! [`WorkerMetrics::stamp_poll`], called from any thread, CASes "unread"
//! to its own [`clock_nanos`] reading, so the stamp is a time at which the
//! worker was already inside this poll (the LIFO thieves of
//! `multi_thread/watch.rs` stamp a poll when they first see its slot
//! occupied, a blocked-poll watchdog can stamp on each of its looks).
//! [`WorkerMetrics::poll_started_at`] reads it. A reader racing the poll's
//! end may stamp the next poll with a reading taken just before it began
//! (by the width of the race), so the stamp is a hint: a reader may see a poll that just ended as still
//! running (it must then re-check whatever it acts on, as the LIFO thief
//! does with its `swap`).
//!
//! The counters are std's atomics even inside a loom model: they order
//! nothing (every decision made from one is re-checked through a modelled
//! primitive, as the thief's `swap`), and loom would otherwise explore
//! every stale value of every relaxed counter load, multiplying a model's
//! interleavings for no protocol. (`num_alive_tasks`' reading order is
//! argued in `multi_thread/mod.rs`, not modelled.)

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::task::TaskId;

/// Nanoseconds since this process first asked, from the monotonic clock
/// (`Instant`, a vDSO read on Linux: about 20 ns with the TSC clocksource).
/// Never 0 after the first call returns, so 0 can mean "no stamp".
#[inline]
#[cfg(not(spindle_loom))]
pub(crate) fn clock_nanos() -> u64 {
    use std::time::Instant;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    epoch.elapsed().as_nanos() as u64 + 1
}

/// Inside a loom model: a reading one millisecond after the previous one,
/// whatever the host's speed, so the schedule repeats when loom replays it.
/// Every poll seen twice by a thief then counts as long (past the LIFO
/// grace), which covers every real timing of it.
#[cfg(spindle_loom)]
pub(crate) fn clock_nanos() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TICKS: AtomicU64 = AtomicU64::new(0);
    (TICKS.fetch_add(1, Ordering::Relaxed) + 1) * 1_000_000
}

/// The poll stamp of a poll whose time is not read yet (`clock_nanos` is
/// far below it: 2^64 ns is 584 years).
const POLL_UNSTAMPED: u64 = u64::MAX;

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
    /// Tasks this worker put in its own LIFO slot, ever (the LIFO watch
    /// reads it to tell a busy message-passing worker from a quiet one).
    pub(crate) lifo_fills: AtomicU64,
    /// 0 when not polling, [`POLL_UNSTAMPED`] in a poll whose time is not
    /// read yet, else a [`clock_nanos`] within the current poll.
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

    /// Notes that this worker starts polling `task`: two relaxed stores,
    /// the task's id (dumps and the watchdog read it: "running on worker
    /// N") and the unread time stamp (the LIFO watch reads it, see
    /// [`WorkerMetrics::stamp_poll`]). Only the owning worker calls this,
    /// right before `Notified::run`.
    #[inline]
    pub(crate) fn poll_started(&self, task: TaskId) {
        self.polling.store(task.as_u64(), Ordering::Relaxed);
        self.poll_started_at.store(POLL_UNSTAMPED, Ordering::Relaxed);
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
        self.poll_started_at.store(0, Ordering::Relaxed);
    }

    /// Stamps the current poll with `now` (a [`clock_nanos`] value) if it
    /// has no time yet; a no-op outside a poll or once stamped.
    #[inline]
    pub(crate) fn stamp_poll(&self, now: impl FnOnce() -> u64) {
        if self.poll_started_at.load(Ordering::Relaxed) == POLL_UNSTAMPED {
            let _ = self.poll_started_at.compare_exchange(POLL_UNSTAMPED, now(), Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// A [`clock_nanos`] time at which the worker was already inside its
    /// current poll, or `None` if it is not polling or the poll has no
    /// stamp yet (see [`WorkerMetrics::stamp_poll`]).
    #[inline]
    pub(crate) fn poll_started_at(&self) -> Option<u64> {
        match self.poll_started_at.load(Ordering::Relaxed) {
            0 | POLL_UNSTAMPED => None,
            at => Some(at),
        }
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
