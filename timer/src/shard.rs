//! One shard of timer state: a [`Wheel`] behind a mutex, plus the shard's
//! earliest deadline in an atomic so the parking thread finds its timeout
//! without taking the lock.
//!
//! # Protocol
//!
//! * Every operation (register, poll, reset, remove, fire, shutdown) runs
//!   under `state`'s lock, and every one that changes the wheel ends with
//!   [`Shard::publish`], which stores the wheel's `next_expiration` (a lower
//!   bound of the earliest armed deadline, `u64::MAX` when none) into
//!   `next`. So `next` never exceeds the earliest armed deadline; it may be
//!   lower (a cancelled entry), which only costs the driver one early look.
//! * Registration and reset store `next`, issue a SeqCst fence, and *then*
//!   load the handle's `parked_until` (in [`Handle`](crate::Handle)); the
//!   driver stores `parked_until`, issues a SeqCst fence, and *then* loads
//!   every shard's `next`. Between the two fences one load sees the other's
//!   store, so either the driver sleeps toward the new deadline or the
//!   registrar unparks it (`loom-tests/tests/timer.rs`,
//!   `earlier_deadline_while_parked_unparks_the_driver`; loom honours SeqCst fences, not
//!   SeqCst loads and stores alone).
//! * Wakers are collected under the lock and woken (or dropped) by the caller
//!   after the lock is released: a waker may run arbitrary code, including
//!   code that touches this shard.
//! * After `shutdown`, no entry is armed again: registration fails, reset
//!   leaves the entry disarmed, and pending timers never fire.
//! * [`Shard::fire`] removes the entries it fires, so the key a timer holds
//!   may be stale; every operation on a key checks it first
//!   (`Wheel::contains`: keys carry a generation). A timer that sees its
//!   deadline pass on the clock completes without the lock and forgets its
//!   key; if the driver has not fired the entry yet, it will, waking the old
//!   waker once more (a spurious wake-up) and freeing the slot.

use std::ops::DerefMut;
use std::task::Waker;

use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::wheel::{EntryKey, Wheel};

/// How many timers one lock hold fires or moves down before the lock is
/// released and the batch woken (plus at most one level-0 slot's worth).
pub(crate) const FIRE_BATCH: usize = 256;

/// One shard. Cache-line aligned so that the `next` atomics the driver scans
/// do not share lines with each other's locks.
#[repr(align(128))]
#[derive(Debug)]
pub(crate) struct Shard {
    state: Mutex<ShardState>,
    /// Lower bound (ns) of the earliest armed deadline; `u64::MAX` if none.
    next: AtomicU64,
}

#[derive(Debug)]
struct ShardState {
    wheel: Wheel<Entry>,
    shutdown: bool,
}

/// What a registered timer keeps in the wheel.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    /// The task to wake when the entry fires.
    waker: Option<Waker>,
}

impl Entry {
    /// An entry waking `waker` (cloned here, before any lock: a clone may run
    /// foreign code).
    pub(crate) fn new(waker: &Waker) -> Entry {
        Entry { waker: Some(waker.clone()) }
    }
}

/// The outcome of [`Shard::poll`].
#[must_use]
#[derive(Debug)]
pub(crate) enum Polled {
    /// Fired by the driver, or due: the entry is gone and the key is dead.
    /// Carries the waker the entry still held, for the caller to drop
    /// outside the lock.
    Fired(Option<Waker>),
    /// Not due; the poll's waker is stored. Carries the waker it replaced.
    Pending(Option<Waker>),
    /// Not due, and the timer is shut down: it will never fire.
    Shutdown,
}

/// The outcome of [`Shard::reset`].
#[must_use]
#[derive(Debug)]
pub(crate) enum Reset {
    /// Armed at the new deadline.
    Armed,
    /// The new deadline has passed: the entry is removed (the key is dead);
    /// the waker it held (if any) is to be woken by the caller.
    Fired(Option<Waker>),
    /// The driver had fired and removed the entry: the key is dead, and the
    /// timer registers afresh when next polled.
    Gone,
    /// The timer is shut down: the entry stays disarmed.
    Shutdown,
}

impl Shard {
    pub(crate) fn new() -> Shard {
        Shard { state: Mutex::new(ShardState { wheel: Wheel::new(), shutdown: false }), next: AtomicU64::new(u64::MAX) }
    }

    /// The published lower bound of this shard's earliest deadline.
    pub(crate) fn next_deadline(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// Registers `entry`, armed at `deadline`; `None` once shut down.
    pub(crate) fn register(&self, deadline: u64, entry: Entry) -> Option<EntryKey> {
        self.insert(self.state.lock(), deadline, entry)
    }

    /// [`Shard::register`] if the lock is free right now; otherwise gives
    /// the entry back.
    pub(crate) fn try_register(&self, deadline: u64, entry: Entry) -> Result<Option<EntryKey>, Entry> {
        match self.state.try_lock() {
            Some(state) => Ok(self.insert(state, deadline, entry)),
            None => Err(entry),
        }
    }

    fn insert(&self, mut state: impl DerefMut<Target = ShardState>, deadline: u64, entry: Entry) -> Option<EntryKey> {
        if state.shutdown {
            drop(state);
            drop(entry);
            return None;
        }
        let key = state.wheel.insert(deadline, entry);
        self.publish(&state);
        Some(key)
    }

    /// Whether the entry has fired, or its deadline is `<= now` (then the
    /// entry is removed); either way its key is dead and the caller must
    /// forget it. Otherwise stores `waker` for the driver to wake, unless the
    /// timer is shut down.
    pub(crate) fn poll(&self, key: EntryKey, now: u64, waker: &Waker) -> Polled {
        let mut state = self.state.lock();
        if !state.wheel.contains(key) {
            // Fired, and removed, by the driver.
            return Polled::Fired(None);
        }
        if state.wheel.deadline(key) <= now {
            let entry = state.wheel.remove(key);
            self.publish(&state);
            return Polled::Fired(entry.waker);
        }
        if state.shutdown {
            return Polled::Shutdown;
        }
        let entry = state.wheel.get_mut(key);
        match &entry.waker {
            Some(w) if w.will_wake(waker) => Polled::Pending(None),
            _ => Polled::Pending(entry.waker.replace(waker.clone())),
        }
    }

    /// Whether the driver fired the entry (it left the wheel).
    pub(crate) fn is_fired(&self, key: EntryKey) -> bool {
        !self.state.lock().wheel.contains(key)
    }

    /// Moves the entry to `deadline` (ns), in place.
    pub(crate) fn reset(&self, key: EntryKey, deadline: u64, now: u64) -> Reset {
        let mut state = self.state.lock();
        let outcome = if !state.wheel.contains(key) {
            Reset::Gone
        } else if deadline <= now {
            Reset::Fired(state.wheel.remove(key).waker)
        } else if state.shutdown {
            state.wheel.disarm(key);
            state.wheel.reset_deadline(key, deadline);
            Reset::Shutdown
        } else {
            state.wheel.reset(key, deadline);
            Reset::Armed
        };
        self.publish(&state);
        outcome
    }

    /// Removes the entry if it is still there; the caller drops it (and its
    /// waker) after unlock.
    pub(crate) fn remove(&self, key: EntryKey) -> Option<Entry> {
        let mut state = self.state.lock();
        if !state.wheel.contains(key) {
            return None;
        }
        let entry = state.wheel.remove(key);
        self.publish(&state);
        Some(entry)
    }

    /// Fires up to about [`FIRE_BATCH`] entries due at `now`, pushing their
    /// wakers onto `wakers`; returns `true` if more may be due (the caller
    /// wakes this batch, outside the lock, and calls again).
    pub(crate) fn fire(&self, now: u64, wakers: &mut Vec<Waker>) -> bool {
        let mut state = self.state.lock();
        let more = state.wheel.advance_bounded(now, FIRE_BATCH, |_, entry| wakers.extend(entry.waker));
        self.publish(&state);
        more
    }

    /// Disarms every entry for good, pushing their wakers onto `wakers`, and
    /// frees the entries due at `now` (their owners complete on the clock,
    /// and may have forgotten their keys already).
    pub(crate) fn shutdown(&self, now: u64, wakers: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        state.shutdown = true;
        let mut keys = Vec::new();
        state.wheel.disarm_all(|key, entry| {
            wakers.extend(entry.waker.take());
            keys.push(key);
        });
        for key in keys {
            if state.wheel.deadline(key) <= now {
                drop(state.wheel.remove(key));
            }
        }
        self.publish(&state);
    }

    /// Number of armed entries and of live entries (armed or not).
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.state.lock();
        (state.wheel.armed(), state.wheel.len())
    }

    /// Holds this shard's lock until the guard drops (tests of the
    /// registration fallback).
    #[cfg(test)]
    pub(crate) fn hold_lock(&self) -> impl Drop + '_ {
        self.state.lock()
    }

    fn publish(&self, state: &ShardState) {
        let next = state.wheel.next_expiration().unwrap_or(u64::MAX);
        self.next.store(next, Ordering::SeqCst);
    }
}
