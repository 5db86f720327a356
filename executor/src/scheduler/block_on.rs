//! Blocking the calling thread on a future (multi-thread `block_on`).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::park::ThreadWaker;

crate::sync::thread_local! {
    /// One waker per thread, reused by every `block_on` on it.
    static WAKER: (Arc<ThreadWaker>, Waker) = {
        let parker = Arc::new(ThreadWaker::new());
        let waker = Waker::from(parker.clone());
        (parker, waker)
    };
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
