//! Blocking the calling thread on a future (multi-thread `block_on`).
//!
//! Under a simulated clock (a loom model) the thread also counts as busy
//! for the clock while its future may run (`clock.rs`): from entry until
//! it parks, and again from the moment its waker fires (the waker counts
//! it before unparking it, so the clock never jumps between a wake-up and
//! the poll it causes). A flag says whether the thread is counted idle;
//! the parker and the waker each flip it with one `swap`, so each busy
//! period is counted once.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// [`block_on`] for a runtime whose `clock` is simulated: the thread counts
/// as busy for the clock while its future can run (see the module docs).
pub(crate) fn block_on_with_clock<F: Future>(future: F, clock: &Clock) -> F::Output {
    if !clock.is_simulated() {
        return block_on(future);
    }
    let waiter =
        Arc::new(CountedWaker { parker: ThreadWaker::new(), idle: AtomicBool::new(false), clock: clock.clone() });
    clock.inhibit_auto_advance();
    /// Ends the busy period if the thread leaves while counted busy
    /// (return or unwind).
    struct Leave<'a>(&'a CountedWaker);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            if !self.0.idle.swap(true, Ordering::SeqCst) {
                self.0.clock.allow_auto_advance();
            }
        }
    }
    let _leave = Leave(&waiter);
    let waker = Waker::from(waiter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        if !waiter.idle.swap(true, Ordering::SeqCst) {
            waiter.clock.allow_auto_advance();
        }
        waiter.parker.park();
        // Woken by the waker (which counted us busy) or spuriously (then
        // count ourselves).
        if waiter.idle.swap(false, Ordering::SeqCst) {
            waiter.clock.inhibit_auto_advance();
        }
    }
}

/// The waker of [`block_on_with_clock`]: counts the thread busy, then
/// unparks it.
struct CountedWaker {
    parker: ThreadWaker,
    /// Whether the thread is counted idle for the clock (`std`'s atomic:
    /// bookkeeping of the clock, which loom need not interleave).
    idle: AtomicBool,
    clock: Clock,
}

impl Wake for CountedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.idle.swap(false, Ordering::SeqCst) {
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
