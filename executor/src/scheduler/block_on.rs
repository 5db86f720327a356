//! Blocking the calling thread on a future (multi-thread `block_on`).
//!
//! Inside a loom model (a simulated clock) the thread also counts as busy
//! for the clock while its future may run (`clock.rs`): from entry until
//! it parks, and again from the moment its waker fires (the waker counts
//! it before unparking it, so the clock never jumps between a wake-up and
//! the poll it causes). One state word says where the thread is:
//!
//! ```text
//!   BUSY --wake--> NOTIFIED        (a wake during the poll: poll again, never idle)
//!   BUSY --poll Pending, CAS--> IDLE (allow_auto_advance), park
//!   IDLE --wake--> NOTIFIED        (the waker counts it busy: inhibit_auto_advance)
//!   after park: swap BUSY; found IDLE (woken spuriously): count busy itself
//! ```
//!
//! Each busy period is counted once: only the `IDLE` -> other transitions
//! inhibit, only `BUSY` -> `IDLE` allows.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::clock::Clock;
use crate::park::ThreadWaker;

crate::sync::thread_local! {
    /// One waker per thread, reused by every `block_on` on it.
    static WAKER: (Arc<ThreadWaker>, Waker) = {
        let parker = Arc::new(ThreadWaker::new());
        let waker = Waker::from(parker.clone());
        (parker, waker)
    };
}

/// Running or about to poll; counted busy.
const BUSY: u8 = 0;
/// Busy, and woken since the last poll began: poll again before parking.
const NOTIFIED: u8 = 1;
/// Parked, counted idle.
const IDLE: u8 = 2;

/// [`block_on`] for a runtime whose `clock` is simulated: the thread counts
/// as busy for the clock while its future can run (see the module docs).
pub(crate) fn block_on_with_clock<F: Future>(future: F, clock: &Clock) -> F::Output {
    if !(cfg!(spindle_loom) && clock.is_simulated()) {
        return block_on(future);
    }
    let waiter =
        Arc::new(CountedWaker { parker: ThreadWaker::new(), state: AtomicU8::new(BUSY), clock: clock.clone() });
    clock.inhibit_auto_advance();
    /// Ends the busy period when the thread leaves (return or unwind); it
    /// is busy then, never `IDLE`.
    struct Leave<'a>(&'a CountedWaker);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            if self.0.state.swap(IDLE, Ordering::SeqCst) != IDLE {
                self.0.clock.allow_auto_advance();
            }
        }
    }
    let _leave = Leave(&waiter);
    let waker = Waker::from(waiter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        waiter.state.store(BUSY, Ordering::SeqCst);
        if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        if waiter.state.compare_exchange(BUSY, IDLE, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            // Woken during the poll: poll again, still busy.
            continue;
        }
        waiter.clock.allow_auto_advance();
        waiter.parker.park();
        if waiter.state.swap(BUSY, Ordering::SeqCst) == IDLE {
            // A spurious wake-up: nobody counted us busy.
            waiter.clock.inhibit_auto_advance();
        }
    }
}

/// The waker of [`block_on_with_clock`]: counts the thread busy if it was
/// idle, then unparks it.
struct CountedWaker {
    parker: ThreadWaker,
    /// `BUSY`, `NOTIFIED` or `IDLE` (std's atomic: bookkeeping for the
    /// clock, which loom need not interleave).
    state: AtomicU8,
    clock: Clock,
}

impl Wake for CountedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.state.swap(NOTIFIED, Ordering::SeqCst) == IDLE {
            self.clock.inhibit_auto_advance();
        }
        self.parker.unparker().unpark();
    }
}

/// Polls `future` on this thread, sleeping between polls until woken. Each
/// poll gets a task's coop budget, as in tokio: an always-ready loop in the
/// future yields back here, so a `timeout` around it can fire.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut run = |(parker, waker): &(Arc<ThreadWaker>, Waker)| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                return out;
            }
            parker.park();
        }
    };
    // During thread teardown (a runtime kept in a `thread_local!`) the
    // cached waker may be gone: use a fresh one.
    match WAKER.try_with(|w| (w.0.clone(), w.1.clone())) {
        Ok(cached) => run(&cached),
        Err(_) => {
            let parker = Arc::new(ThreadWaker::new());
            let waker = Waker::from(parker.clone());
            run(&(parker, waker))
        }
    }
}
