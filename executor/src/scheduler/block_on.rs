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

/// Polls `future` on this thread, sleeping between polls until woken.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|(parker, waker)| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = crate::coop::unconstrained(|| future.as_mut().poll(&mut cx)) {
                return out;
            }
            parker.park();
        }
    })
}
