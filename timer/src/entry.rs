//! [`TimerEntry`]: one timer's registration, as a timer future sees it.
//!
//! An entry is registered lazily, on the first poll that finds its deadline
//! in the future: a `timeout` whose inner future is ready at once, or a
//! `sleep` with a passed deadline, never touches a lock. Once registered,
//! the entry keeps its slab slot on one shard until it fires or is dropped,
//! so `reset` moves it in place (no allocation) and drop unlinks it in O(1).
//!
//! The entry's own state (its waker) lives in the shard, under its lock. The
//! driver fires it there and frees the slot; the poll that follows sees the
//! deadline passed on the clock and completes without taking the lock, and
//! forgets the key, so dropping a completed timer takes no lock either. A
//! poll before the deadline takes the lock to store its waker, and learns
//! there if the driver fired the entry in between (its key is then stale:
//! keys carry a generation). Every wake-up is issued after the lock is
//! released.

use std::fmt;
use std::task::{Context, Poll};

use crate::shard::{Polled, Reset};
use crate::wheel::EntryKey;
use crate::Handle;

/// One timer: its deadline and, once polled, its place in a shard.
pub(crate) struct TimerEntry {
    handle: Handle,
    /// Deadline in ns since the handle's origin (saturated).
    deadline: u64,
    /// `(shard, key)` once registered.
    registered: Option<(usize, EntryKey)>,
    /// Completed: a poll returned `Ready`, or a reset moved the deadline
    /// into the past (which fires at once). Cleared by a reset to a later
    /// deadline. See [`TimerEntry::is_elapsed`].
    elapsed: bool,
}

impl TimerEntry {
    pub(crate) fn new(handle: Handle, deadline: u64) -> TimerEntry {
        TimerEntry { handle, deadline, registered: None, elapsed: false }
    }

    /// An entry already registered at `at` (the loom models pick the shard).
    #[cfg(spindle_loom)]
    pub(crate) fn registered(handle: Handle, deadline: u64, at: (usize, EntryKey)) -> TimerEntry {
        TimerEntry { handle, deadline, registered: Some(at), elapsed: false }
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Ready once the deadline has passed (checked against the clock) or the
    /// driver fired the entry. Does not consume coop budget.
    ///
    /// # Panics
    ///
    /// With [`SHUTDOWN_PANIC`] if the timer is shut down and the deadline is
    /// still ahead.
    ///
    /// A poll reads the clock once; only a poll before the deadline takes
    /// the shard's lock.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let now = self.handle.now_ns();
        self.poll_at(cx, now)
    }

    /// [`TimerEntry::poll_elapsed`] with the clock passed in (ns).
    pub(crate) fn poll_at(&mut self, cx: &mut Context<'_>, now: u64) -> Poll<()> {
        let polled = self.poll_inner(cx, now);
        self.elapsed = polled.is_ready();
        polled
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>, now: u64) -> Poll<()> {
        if self.deadline <= now {
            // Passed on the clock. A registered entry the driver has not
            // fired yet is due, so it fires soon (a spurious wake-up of the
            // old waker) and its slot is freed: no lock here. With no driver
            // left to do that, free it now.
            if let Some((index, key)) = self.registered.take() {
                if self.handle.is_shutdown() {
                    drop(self.handle.shard(index).remove(key));
                }
            }
            return Poll::Ready(());
        }
        match self.registered {
            None => {
                let Some(at) = self.handle.register(self.deadline, cx.waker()) else { panic!("{SHUTDOWN_PANIC}") };
                self.registered = Some(at);
                self.handle.notify_if_earlier(self.deadline);
                Poll::Pending
            }
            Some((index, key)) => match self.handle.shard(index).poll(key, now, cx.waker()) {
                Polled::Fired(old_waker) => {
                    // The driver fired it between our clock read and the lock
                    // (its clock is later than ours): never early.
                    drop(old_waker);
                    self.registered = None;
                    Poll::Ready(())
                }
                Polled::Pending(old_waker) => {
                    drop(old_waker);
                    Poll::Pending
                }
                Polled::Shutdown => panic!("{SHUTDOWN_PANIC}"),
            },
        }
    }

    /// Whether the timer has fired, as tokio reports it: a poll completed,
    /// the driver fired the registered entry, or a reset moved the deadline
    /// into the past. A deadline that merely passed on the clock does not
    /// count until one of those happened (`sleep_until(now)` is not elapsed
    /// before its first poll).
    pub(crate) fn is_elapsed(&self) -> bool {
        match self.registered {
            _ if self.elapsed => true,
            None => false,
            Some((index, key)) => self.handle.shard(index).is_fired(key),
        }
    }

    /// Moves the deadline (ns), in place.
    pub(crate) fn reset(&mut self, deadline: u64) {
        let now = self.handle.now_ns();
        self.reset_at(deadline, now);
    }

    /// [`TimerEntry::reset`] with the clock passed in (ns).
    pub(crate) fn reset_at(&mut self, deadline: u64, now: u64) {
        self.deadline = deadline;
        self.elapsed = deadline <= now;
        if let Some((index, key)) = self.registered {
            match self.handle.shard(index).reset(key, deadline, now) {
                Reset::Armed => self.handle.notify_if_earlier(deadline),
                Reset::Fired(waker) => {
                    self.registered = None;
                    if let Some(waker) = waker {
                        crate::handle::wake_quietly(waker);
                    }
                }
                // The next poll completes at once or registers afresh.
                Reset::Gone => self.registered = None,
                Reset::Shutdown => {}
            }
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        if let Some((index, key)) = self.registered.take() {
            // The entry (and its waker) drops here, after the lock.
            drop(self.handle.shard(index).remove(key));
        }
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry")
            .field("deadline_ns", &self.deadline)
            .field("registered", &self.registered.is_some())
            .finish()
    }
}

/// The panic of a timer polled after its timer shut down, with its deadline
/// still ahead: it could never complete, and waiting forever would hang the
/// caller (typically a thread in `Handle::block_on` whose runtime was
/// dropped meanwhile).
pub(crate) const SHUTDOWN_PANIC: &str =
    "spindle timer polled after its runtime shut down: the deadline is still ahead and no timer fires any more";

#[cfg(test)]
mod tests {
    use std::task::{Context, Waker};
    use std::time::Duration;

    use spindle_executor::park::Parker;

    use super::TimerEntry;
    use crate::TimerDriver;

    /// A timer registered before shutdown and completed on the clock after
    /// it leaves nothing behind in the wheel (no driver will free it).
    #[test]
    fn completing_after_shutdown_frees_the_entry() {
        let driver = TimerDriver::with_shards(Parker::new(), 1);
        let handle = driver.handle();
        let mut cx = Context::from_waker(Waker::noop());
        let mut entry = TimerEntry::new(handle.clone(), handle.now_ns() + 20_000_000);
        assert!(entry.poll_elapsed(&mut cx).is_pending());
        assert_eq!(handle.shard(0).counts(), (1, 1));
        handle.shutdown();
        assert_eq!(handle.shard(0).counts(), (0, 1), "disarmed, not yet due");
        std::thread::sleep(Duration::from_millis(30));
        assert!(entry.poll_elapsed(&mut cx).is_ready());
        assert_eq!(handle.shard(0).counts(), (0, 0), "freed by the completing poll");
        drop(entry);
    }

    /// An entry already due when the timer shuts down is freed by the
    /// shutdown itself: its owner may complete on the clock without looking.
    #[test]
    fn shutdown_frees_due_entries() {
        let driver = TimerDriver::with_shards(Parker::new(), 1);
        let handle = driver.handle();
        let mut cx = Context::from_waker(Waker::noop());
        let mut due = TimerEntry::new(handle.clone(), handle.now_ns() + 1_000_000);
        let mut later = TimerEntry::new(handle.clone(), handle.now_ns() + 60_000_000_000);
        assert!(due.poll_elapsed(&mut cx).is_pending());
        assert!(later.poll_elapsed(&mut cx).is_pending());
        std::thread::sleep(Duration::from_millis(5));
        handle.shutdown();
        assert_eq!(handle.shard(0).counts(), (0, 1), "the due entry is freed, the later one kept");
        assert!(due.poll_elapsed(&mut cx).is_ready());
        drop((due, later));
        assert_eq!(handle.shard(0).counts(), (0, 0));
    }
}
