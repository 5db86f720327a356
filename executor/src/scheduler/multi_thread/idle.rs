//! Idle accounting: how many workers are awake and how many are searching
//! for work, and which are asleep.
//!
//! # Layout
//!
//! ```text
//! state: AtomicUsize
//! +-----------------------------+----------------------+
//! | unparked workers (high bits)|  searching (16 bits) |
//! +-----------------------------+----------------------+
//! sleepers: Mutex<Vec<worker index>>
//! ```
//!
//! Invariants: `searching <= unparked <= num_workers`; a worker index is in
//! `sleepers` iff that worker is counted as parked. Both counts change only
//! under the `sleepers` lock when a worker parks or is woken, so the list
//! and the counts agree; `searching` alone also changes without the lock
//! when a worker starts or stops searching.
//!
//! # Protocol (no lost wake-up, no thundering herd)
//!
//! * A pusher (spawn, wake) pushes, issues a `SeqCst` fence, then calls
//!   [`Idle::worker_to_notify`]: it wakes a sleeper only if nobody is
//!   searching and someone sleeps (one `SeqCst` load on the fast path). The
//!   woken worker is counted as unparked *and searching* before it runs.
//! * At most half of the workers search at once
//!   ([`Idle::transition_worker_to_searching`]).
//! * A searcher that finds work stops searching; if it was the last one,
//!   it wakes one more sleeper (who searches in turn): one wakes one.
//! * A worker about to sleep publishes it ([`Idle::transition_worker_to_parked`],
//!   a `SeqCst` RMW) and, if it was the last searcher, re-checks every queue
//!   afterwards. Either the pusher's load sees the searcher (then the
//!   searcher's re-check sees the task), or the pusher sees nobody searching
//!   and wakes someone. Model-checked by `loom-tests/tests/worker_park.rs`
//!   (`two_workers_external_spawn_is_run`, `searching_is_zero_when_all_parked`).

use crate::clock::Clock;
use crate::sync::{mutant, AtomicUsize, Mutant, Mutex, Ordering};

const SEARCH_BITS: usize = 16;
const SEARCH_MASK: usize = (1 << SEARCH_BITS) - 1;
const UNPARK_ONE: usize = 1 << SEARCH_BITS;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
    /// Told of every park and unpark (see "The clock's busy count"), when
    /// `count_busy`.
    clock: Clock,
    /// Whether workers count as busy for the clock: inside a loom model,
    /// where workers are threads racing the timer driver and the clock is
    /// virtual. (A simulated runtime steps its workers itself and knows
    /// when all are idle.)
    count_busy: bool,
}

/// A copy of the idle state word.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IdleState(usize);

impl IdleState {
    pub(crate) fn num_searching(self) -> usize {
        self.0 & SEARCH_MASK
    }
    pub(crate) fn num_unparked(self) -> usize {
        self.0 >> SEARCH_BITS
    }
}

impl Idle {
    /// All workers start unparked (busy, for `clock`) and not searching.
    pub(crate) fn new(num_workers: usize, clock: Clock) -> Idle {
        assert!(num_workers < SEARCH_MASK, "too many workers: {num_workers}");
        let count_busy = cfg!(spindle_loom) && clock.is_simulated();
        if count_busy {
            for _ in 0..num_workers {
                clock.inhibit_auto_advance();
            }
        }
        Idle {
            state: AtomicUsize::new(num_workers * UNPARK_ONE),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
            clock,
            count_busy,
        }
    }

    /// A worker becomes unparked: busy for the clock.
    fn busy(&self) {
        if self.count_busy {
            self.clock.inhibit_auto_advance();
        }
    }

    pub(crate) fn load(&self) -> IdleState {
        IdleState(self.state.load(Ordering::SeqCst))
    }

    /// Picks a sleeping worker to wake, if waking one is needed; counts it as
    /// unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        self.worker_to_notify_slow()
    }

    #[cold]
    fn worker_to_notify_slow(&self) -> Option<usize> {
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: a worker may have started searching.
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, Ordering::SeqCst);
        self.busy();
        Some(worker)
    }

    fn notify_should_wakeup(&self) -> bool {
        let state = self.load();
        state.num_searching() == 0 && state.num_unparked() < self.num_workers
    }

    /// Tries to become a searcher; refused when half the workers already
    /// search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.load();
        if 2 * state.num_searching() >= self.num_workers {
            return false;
        }
        // Racy check-then-add, as in Go and tokio: the bound is a throttle,
        // not a safety property.
        self.state.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// A searcher found work. Returns `true` if it was the last searcher
    /// (then it should wake another worker, since more work may be queued).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = IdleState(self.state.fetch_sub(1, Ordering::SeqCst));
        debug_assert!(prev.num_searching() > 0, "searching count underflow; state = {prev:?}");
        prev.num_searching() == 1
    }

    /// The worker goes to sleep. Returns `true` if it was the last searcher
    /// (then it must re-check the queues before sleeping).
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE | usize::from(is_searching);
        let prev = IdleState(self.state.fetch_sub(dec, Ordering::SeqCst));
        debug_assert!(prev.num_unparked() > 0, "unparked count underflow; state = {prev:?}");
        sleepers.push(worker);
        is_searching && prev.num_searching() == 1
    }

    /// The worker that just parked is done checking for work (its re-check
    /// as the last searcher, if it was one): for a simulated clock its busy
    /// period ends here, not at [`transition_worker_to_parked`](Idle::transition_worker_to_parked),
    /// so the count cannot reach zero while a task pushed during its search
    /// waits in a queue for that re-check.
    pub(crate) fn worker_settled(&self) {
        if self.count_busy {
            // The clock may jump (and wake the driver) from here on.
            self.clock.allow_auto_advance();
        }
    }

    /// A worker thread hands its core off (`block_in_place`, see
    /// `handoff.rs`): the replacement that runs the core inherits the
    /// worker's busy period (the idle state does not change), and the
    /// thread itself, which goes on running the closure and then the rest
    /// of its task's poll, counts busy for a model's clock on its own
    /// until [`blocker_done`](Idle::blocker_done). Counted before the core
    /// is offered, so the count cannot reach zero in between.
    pub(crate) fn blocker_busy(&self) {
        if !mutant(Mutant::HandOffSkipsBusy) {
            self.busy();
        }
    }

    /// The end of a [`blocker_busy`](Idle::blocker_busy) period: the thread
    /// took its core back (the worker's own count covers it again), or its
    /// poll returned without the core.
    pub(crate) fn blocker_done(&self) {
        if self.count_busy && !mutant(Mutant::HandOffSkipsBusy) {
            self.clock.allow_auto_advance();
        }
    }

    /// Wakes a specific worker if it is listed as asleep (it woke by itself:
    /// driver events, timeout). Returns `true` if this call unparked it, in
    /// which case it is *not* searching.
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARK_ONE, Ordering::SeqCst);
                self.busy();
                true
            }
            None => false,
        }
    }

    /// Whether the worker is listed as asleep.
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4, Clock::real());
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_from_searching());
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.load().num_searching(), 0);
    }

    #[test]
    fn notify_wakes_one_and_marks_it_searching() {
        let idle = Idle::new(2, Clock::real());
        assert_eq!(idle.worker_to_notify(), None, "nobody sleeps");
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.load().num_unparked(), 0);
        let w = idle.worker_to_notify().expect("a sleeper is woken");
        assert_eq!(idle.load().num_searching(), 1);
        assert_eq!(idle.worker_to_notify(), None, "a searcher exists: no herd");
        assert!(!idle.is_parked(w));
        assert!(idle.is_parked(1 - w));
    }

    #[test]
    fn last_searcher_parking_must_recheck() {
        let idle = Idle::new(2, Clock::real());
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_parked(0, true));
        assert!(idle.unpark_worker_by_id(0));
        assert!(!idle.unpark_worker_by_id(0));
        assert_eq!(idle.load().num_unparked(), 2);
    }
}
