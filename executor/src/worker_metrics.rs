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

    /// The owning worker starts a poll (its time not yet read).
    #[inline]
    pub(crate) fn poll_started(&self) {
        self.poll_started_at.store(POLL_UNSTAMPED, Ordering::Relaxed);
    }

    /// Stamps the current poll with `now` (a [`clock_nanos`] value) if it
    /// has no time yet; a no-op outside a poll or once stamped.
    #[inline]
    pub(crate) fn stamp_poll(&self, now: impl FnOnce() -> u64) {
        if self.poll_started_at.load(Ordering::Relaxed) == POLL_UNSTAMPED {
            let _ = self.poll_started_at.compare_exchange(POLL_UNSTAMPED, now(), Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// The owning worker's poll returned.
    #[inline]
    pub(crate) fn poll_finished(&self) {
        self.poll_started_at.store(0, Ordering::Relaxed);
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
}
