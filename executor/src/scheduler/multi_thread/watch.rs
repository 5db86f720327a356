//! The LIFO watch: how a task left in the LIFO slot of a worker stuck in a
//! long poll runs elsewhere within tens of microseconds, with no periodic
//! monitor and no wake-up per fill.
//!
//! # Who steals a LIFO task
//!
//! Any worker that is searching, or about to park, takes another worker's
//! LIFO task if that worker has been inside the same poll for longer than
//! [`GRACE`] (its poll stamp, `WorkerMetrics::poll_started_at`). The fill
//! reads no clock: the first thief to see an occupied slot in an unstamped
//! poll stamps the poll with its own clock reading (`stamp_poll`), and
//! steals once that stamp is [`GRACE`] old, so the task has waited at
//! least the grace inside one poll.
//! The take is the slot's `swap`, so a task is run exactly once, by its
//! owner or by one thief (`loom-tests/tests/lifo_watch.rs`).
//!
//! When every other worker is asleep, one of them keeps the *watch*: it is
//! elected with a CAS when it parks while another worker is awake.
//!
//! # State of the watch
//!
//! ```text
//! state: AtomicUsize
//!   0                      nobody watches
//!   (index + 1) << 1       worker `index` watches, parked with a timeout
//!   (index + 1) << 1 | 1   worker `index` watches DEEP: parked without a
//!                          timeout; the next fill of any slot wakes it
//! ```
//!
//! The watcher parks with a timeout while the busy workers fill their slots
//! (it backs off from [`GRACE`] to [`MAX_PERIOD`] as long as every fill was
//! served by its owner), and goes deep after a look that saw no fill since
//! the previous one: a worker stuck in long polls that fill nothing (the
//! common case of a blocked worker) costs no wake-ups at all. A fill that
//! finds the watch deep flips it back to timed and unparks the watcher,
//! which then looks at the slot once its filler's poll is [`GRACE`] old.
//!
//! # No fill is missed by a deep watcher
//!
//! The filler's slot `swap` and its load of the state are `SeqCst`; the
//! watcher stores DEEP (`SeqCst`), issues a `SeqCst` fence, then loads
//! every slot. If the filler's load misses DEEP, it precedes the DEEP
//! store in the single total order S, so the swap precedes the watcher's
//! fence in S, and a load sequenced after that fence sees the swap (C++20
//! [atomics.order] p4): the watcher's re-check sees the occupied slot and
//! it stays timed. Otherwise the filler sees DEEP and wakes the watcher
//! (the unpark is sticky). Loom models `SeqCst` accesses as acquire/release
//! only, so under loom the filler adds a fence of its own; real builds need
//! none (on x86 the swap is a locked instruction anyway).
//!
//! # Bounds
//!
//! A task is seen after [`GRACE`] plus a wake-up when the watcher was
//! deep or alert, after at most [`MAX_PERIOD`] while it has backed off (a
//! worker passing messages through its slot nonstop, then blocking), and
//! at once by a searching worker.

use crate::sync::{fence, AtomicUsize, Ordering};

/// How long a worker may be inside one poll before others take the task in
/// its LIFO slot (Go waits about 3 µs before stealing `runnext`; a wake-up
/// on this class of machine costs tens of µs, so a shorter grace buys
/// nothing).
pub(crate) const GRACE_NANOS: u64 = 30_000;
/// [`GRACE_NANOS`] as a `Duration`.
pub(crate) const GRACE: std::time::Duration = std::time::Duration::from_nanos(GRACE_NANOS);
/// The longest timed park of the watcher while busy workers keep filling
/// their slots.
pub(crate) const MAX_PERIOD: std::time::Duration = std::time::Duration::from_millis(1);

const DEEP: usize = 1;

/// The watch's state word (see the module docs).
pub(crate) struct Watch {
    state: AtomicUsize,
}

fn timed(index: usize) -> usize {
    (index + 1) << 1
}

impl Watch {
    pub(crate) fn new() -> Watch {
        Watch { state: AtomicUsize::new(0) }
    }

    /// Worker `index` becomes the watcher if nobody is.
    pub(crate) fn try_become(&self, index: usize) -> bool {
        self.state.compare_exchange(0, timed(index), Ordering::SeqCst, Ordering::Relaxed).is_ok()
    }

    /// Whether worker `index` is the watcher (deep or timed).
    pub(crate) fn is_watcher(&self, index: usize) -> bool {
        self.state.load(Ordering::SeqCst) & !DEEP == timed(index)
    }

    /// The watcher goes deep (then a `SeqCst` fence). The caller must then
    /// re-check every slot and call [`Watch::set_timed`] if one is occupied.
    pub(crate) fn set_deep(&self, index: usize) {
        self.state.store(timed(index) | DEEP, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// The watcher parks with a timeout again.
    pub(crate) fn set_timed(&self, index: usize) {
        let _ = self.state.compare_exchange(timed(index) | DEEP, timed(index), Ordering::SeqCst, Ordering::Relaxed);
    }

    /// Worker `index` stops watching (it runs tasks again).
    pub(crate) fn leave(&self, index: usize) {
        let state = self.state.load(Ordering::SeqCst);
        if state & !DEEP == timed(index) {
            let _ = self.state.compare_exchange(state, 0, Ordering::SeqCst, Ordering::Relaxed);
        }
    }

    /// Called after every fill of a LIFO slot (one `SeqCst` load): returns the worker to unpark
    /// if the watch was deep (it is timed again from here).
    #[inline]
    pub(crate) fn on_fill(&self) -> Option<usize> {
        // See "No fill is missed by a deep watcher".
        #[cfg(spindle_loom)]
        fence(Ordering::SeqCst);
        let state = self.state.load(Ordering::SeqCst);
        if state & DEEP == 0 {
            return None;
        }
        self.on_fill_slow(state)
    }

    #[cold]
    fn on_fill_slow(&self, state: usize) -> Option<usize> {
        self.state
            .compare_exchange(state, state & !DEEP, Ordering::SeqCst, Ordering::Relaxed)
            .ok()
            .map(|s| (s >> 1) - 1)
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_watcher_and_a_fill_wakes_it_once() {
        let watch = Watch::new();
        assert!(watch.try_become(3));
        assert!(!watch.try_become(1));
        assert_eq!(watch.on_fill(), None, "a timed watcher needs no wake-up");
        watch.set_deep(3);
        assert!(watch.is_watcher(3));
        assert_eq!(watch.on_fill(), Some(3));
        assert_eq!(watch.on_fill(), None, "timed again after one wake-up");
        watch.leave(1);
        assert!(watch.is_watcher(3), "only the watcher leaves");
        watch.leave(3);
        assert!(watch.try_become(0));
    }
}
