//! Hooks for the loom models in `loom-tests/` (built only under
//! `--cfg spindle_loom`; not part of the public API).
//!
//! They expose the shard protocol with time passed in explicitly (ns since
//! the timer's origin), so a model needs no clock: register an entry, then
//! race `Entry::cancel` / `Entry::reset` / `Entry::poll` on one thread
//! against `Timers::fire` on another, and count wake-ups with its own waker
//! to check that a deadline is never fired twice and a cancelled entry is
//! never woken. `Timers::set_parked_until` and `Timers::unparks` let a model
//! check the register-vs-park handshake (an earlier deadline registered while
//! the driver sleeps always unparks it, or the driver sees it).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Waker};

use spindle_executor::park::Unpark;

use crate::entry::TimerEntry;
use crate::shard::Entry as ShardEntry;
use crate::Handle;

/// A timer with `shards` shards and an unparker that counts its calls.
pub struct Timers {
    handle: Handle,
    unparker: Arc<CountingUnpark>,
}

#[derive(Debug, Default)]
struct CountingUnpark(AtomicUsize);

impl Unpark for CountingUnpark {
    fn unpark(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// One registered entry: the runtime's own `TimerEntry` with the clock
/// passed in. Dropping it cancels it.
pub struct Entry(TimerEntry);

impl Timers {
    /// A timer with `shards` shards (at least 1).
    pub fn new(shards: usize) -> Timers {
        let unparker = Arc::new(CountingUnpark::default());
        Timers { handle: Handle::new(unparker.clone(), shards, spindle_executor::clock::Clock::real()), unparker }
    }

    /// The underlying handle.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Registers an entry due at `deadline` (ns) on `shard`, woken through
    /// `waker`; unparks the driver if it sleeps toward a later instant.
    /// `None` after shutdown.
    pub fn register(&self, shard: usize, deadline: u64, waker: &Waker) -> Option<Entry> {
        let key = self.handle.shard(shard).register(deadline, ShardEntry::new(waker))?;
        self.handle.notify_if_earlier(deadline);
        Some(Entry(TimerEntry::registered(self.handle.clone(), deadline, (shard, key))))
    }

    /// What `TimerDriver::park` does when it wakes at `now` (ns): fire every
    /// due entry, waking after each shard's lock is released.
    pub fn fire(&self, now: u64) {
        let mut wakers = Vec::new();
        self.handle.fire_expired(now, &mut wakers);
    }

    /// Lower bound of the earliest deadline, read without locks.
    pub fn earliest(&self) -> u64 {
        self.handle.earliest()
    }

    /// Publishes the instant the driver sleeps toward (0: not sleeping).
    pub fn set_parked_until(&self, deadline: u64) {
        self.handle.set_parked_until(deadline);
    }

    /// How many times the driver was unparked.
    pub fn unparks(&self) -> usize {
        self.unparker.0.load(Ordering::SeqCst)
    }

    /// Shuts the timer down.
    pub fn shutdown(&self) {
        self.handle.shutdown();
    }

    /// `(armed, live)` entries of `shard`.
    pub fn counts(&self, shard: usize) -> (usize, usize) {
        self.handle.shard(shard).counts()
    }
}

impl Entry {
    /// `TimerEntry::poll_elapsed` at `now`: `true` once the deadline has
    /// passed (no lock) or the driver fired the entry; if not, stores `waker`
    /// for the driver, registering afresh if the entry was fired and reset.
    /// Panics like `Sleep` if polled after shutdown with its deadline ahead.
    pub fn poll(&mut self, now: u64, waker: &Waker) -> bool {
        self.0.poll_at(&mut Context::from_waker(waker), now).is_ready()
    }

    /// `TimerEntry::reset` to `deadline` (ns) at `now`.
    pub fn reset(&mut self, deadline: u64, now: u64) {
        self.0.reset_at(deadline, now);
    }

    /// Cancels the entry (same as dropping it).
    pub fn cancel(self) {}
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers").field("handle", &self.handle).finish()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Entry").field(&self.0).finish()
    }
}
