//! `yield_now`: give the worker to other tasks for one turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once: the task goes to the back of its worker's queue (not the
/// LIFO slot), so every other queued task runs before it resumes.
///
/// ```
/// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     for _ in 0..10 {
///         spindle_executor::task::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Waking a running task only sets SCHEDULED; the worker re-queues it
        // at the back when this poll returns (see `Schedule::yield_now`).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
