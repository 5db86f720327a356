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
use std::task::Waker;

use spindle_executor::park::Unpark;

use crate::shard::Reset;
use crate::wheel::EntryKey;
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

/// One registered entry; dropping it cancels it.
pub struct Entry {
    handle: Handle,
    shard: usize,
    key: Option<EntryKey>,
}

impl Timers {
    /// A timer with `shards` shards (at least 1).
    pub fn new(shards: usize) -> Timers {
        let unparker = Arc::new(CountingUnpark::default());
        Timers { handle: Handle::new(unparker.clone(), shards), unparker }
    }

    /// The underlying handle.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Registers an entry due at `deadline` (ns) on `shard`, woken through
    /// `waker`; unparks the driver if it sleeps toward a later instant.
    /// `None` after shutdown.
    pub fn register(&self, shard: usize, deadline: u64, waker: &Waker) -> Option<Entry> {
        let key = self.handle.shard(shard).register(deadline, waker)?;
        self.handle.notify_if_earlier(deadline);
        Some(Entry { handle: self.handle.clone(), shard, key: Some(key) })
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
    /// Whether the entry has fired (or its deadline is `<= now`); if not,
    /// stores `waker` for the driver.
    pub fn poll(&mut self, now: u64, waker: &Waker) -> bool {
        let key = self.key.expect("entry is registered");
        let (fired, old) = self.handle.shard(self.shard).poll(key, now, waker);
        drop(old);
        fired
    }

    /// Moves the deadline to `deadline` (ns), as `Sleep::reset` does at `now`.
    pub fn reset(&mut self, deadline: u64, now: u64) {
        let key = self.key.expect("entry is registered");
        match self.handle.shard(self.shard).reset(key, deadline, now) {
            Reset::Armed => self.handle.notify_if_earlier(deadline),
            Reset::Fired(waker) => {
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Reset::Shutdown => {}
        }
    }

    /// Cancels the entry (same as dropping it).
    pub fn cancel(self) {}
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            drop(self.handle.shard(self.shard).remove(key));
        }
    }
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers").field("handle", &self.handle).finish()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry").field("shard", &self.shard).field("key", &self.key).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    /// Wake-ups, counted in a loom atomic so that loom schedules around them.
    #[derive(Default)]
    struct Count(loom::sync::atomic::AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Cancel racing fire: the entry is woken at most once, and the shard
    /// ends empty. (A wake the driver collected just before the cancel may
    /// still land after `cancel` returns: wakers run outside the lock.)
    #[test]
    fn cancel_races_fire() {
        loom::model(|| {
            let timers = Arc::new(Timers::new(1));
            let count = Arc::new(Count::default());
            let waker = Waker::from(count.clone());
            let entry = timers.register(0, 10, &waker).unwrap();
            let t = {
                let timers = timers.clone();
                loom::thread::spawn(move || timers.fire(10))
            };
            entry.cancel();
            t.join().unwrap();
            assert!(count.0.load(Ordering::SeqCst) <= 1);
            assert_eq!(timers.counts(0), (0, 0));
        });
    }

    /// Reset racing fire: fired at most once per arming, and never for the
    /// new, later deadline before it.
    #[test]
    fn reset_races_fire() {
        loom::model(|| {
            let timers = Arc::new(Timers::new(1));
            let count = Arc::new(Count::default());
            let waker = Waker::from(count.clone());
            let mut entry = timers.register(0, 10, &waker).unwrap();
            let t = {
                let timers = timers.clone();
                loom::thread::spawn(move || timers.fire(10))
            };
            entry.reset(20, 5);
            t.join().unwrap();
            let fired = entry.poll(10, &waker);
            let wakes = count.0.load(Ordering::SeqCst);
            // Either fire ran first (one wake, then reset re-armed it) or
            // reset did (no wake); the re-armed entry is pending at 10.
            assert!(wakes <= 1);
            assert!(!fired, "re-armed for 20, not due at 10");
            timers.fire(20);
            assert!(entry.poll(20, &waker));
            assert_eq!(count.0.load(Ordering::SeqCst), wakes + 1);
        });
    }

    /// Fire racing fire and shutdown: one deadline wakes its task once.
    #[test]
    fn never_fired_twice() {
        loom::model(|| {
            let timers = Arc::new(Timers::new(2));
            let count = Arc::new(Count::default());
            let waker = Waker::from(count.clone());
            let mut entry = timers.register(1, 10, &waker).unwrap();
            let threads: Vec<_> = (0..2)
                .map(|i| {
                    let timers = timers.clone();
                    loom::thread::spawn(move || {
                        if i == 0 {
                            timers.fire(10);
                        } else {
                            timers.shutdown();
                        }
                    })
                })
                .collect();
            timers.fire(11);
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(count.0.load(Ordering::SeqCst), 1, "woken exactly once");
            // Fired (poll completes) or shut down first (stays pending).
            let _ = entry.poll(10, &waker);
            assert_eq!(timers.counts(1).0, 0, "nothing left armed");
        });
    }
}
