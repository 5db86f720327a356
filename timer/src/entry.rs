//! [`TimerEntry`]: one timer's registration, as a timer future sees it.
//!
//! An entry is registered lazily, on the first poll that finds its deadline
//! in the future: a `timeout` whose inner future is ready at once, or a
//! `sleep` with a passed deadline, never touches a lock. Once registered,
//! the entry keeps its slab slot on one shard until it completes or is
//! dropped, so `reset` moves it in place (no allocation) and drop unlinks it
//! in O(1); the poll that sees it complete frees the slot under the same
//! lock, so dropping a completed timer takes no lock at all.
//!
//! The entry's own state (fired or not, the waker) lives in the shard, under
//! its lock; the driver fires it there. Every wake-up is issued after the
//! lock is released.

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
}

impl TimerEntry {
    pub(crate) fn new(handle: Handle, deadline: u64) -> TimerEntry {
        TimerEntry { handle, deadline, registered: None }
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
    /// The clock is read only where the answer depends on it: before the
    /// first registration, and for a registered entry the driver has not
    /// fired yet (the poll after the driver's wake-up reads none).
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let TimerEntry { handle, deadline, registered } = self;
        poll_entry(handle, *deadline, registered, cx, || handle.now_ns())
    }

    /// Whether a poll would complete.
    pub(crate) fn is_elapsed(&self) -> bool {
        let now = self.handle.now_ns();
        match self.registered {
            None => self.deadline <= now,
            Some((index, key)) => self.handle.shard(index).is_elapsed(key, now),
        }
    }

    /// Moves the deadline (ns), in place.
    pub(crate) fn reset(&mut self, deadline: u64) {
        self.deadline = deadline;
        if let Some((index, key)) = self.registered {
            let now = self.handle.now_ns();
            match self.handle.shard(index).reset(key, deadline, now) {
                Reset::Armed => self.handle.notify_if_earlier(deadline),
                Reset::Fired(waker) => {
                    if let Some(waker) = waker {
                        crate::handle::wake_quietly(waker);
                    }
                }
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

/// The body of [`TimerEntry::poll_elapsed`], over the entry's fields so that
/// the clock closure can borrow the handle while `registered` is updated.
fn poll_entry(
    handle: &Handle,
    deadline: u64,
    registered: &mut Option<(usize, EntryKey)>,
    cx: &mut Context<'_>,
    now: impl FnOnce() -> u64,
) -> Poll<()> {
    match *registered {
        None => {
            if deadline <= now() {
                return Poll::Ready(());
            }
            let index = handle.local_shard();
            let Some(key) = handle.shard(index).register(deadline, cx.waker()) else { panic!("{SHUTDOWN_PANIC}") };
            *registered = Some((index, key));
            handle.notify_if_earlier(deadline);
            Poll::Pending
        }
        Some((index, key)) => match handle.shard(index).poll(key, now, cx.waker()) {
            Polled::Fired(old_waker) => {
                drop(old_waker);
                // The shard freed the slot. Later polls see `deadline <= now`
                // (the driver fires only due entries and the clock is
                // monotonic), and a `reset` registers afresh.
                *registered = None;
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
