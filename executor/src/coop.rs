//! Cooperative scheduling budget.
//!
//! Every task poll runs with a budget of [`BUDGET`] operations. A leaf
//! resource (socket, timer, channel) asks [`poll_proceed`] before doing work;
//! once the budget is spent it gets `Pending`, the task is woken at once, and
//! the worker moves on to other tasks. Without it, a task whose socket is
//! always ready would keep its worker forever.
//!
//! `block_on`'s own future gets the same budget per poll as a task (as in
//! tokio). Outside a poll (on a foreign thread), and inside [`unconstrained`],
//! the budget is unconstrained. The budget is a thread-local `Cell`, so none of
//! this touches shared memory.
//!
//! A leaf that finds the budget spent leaves it at [`FORCED`] rather than
//! 0, so the harness learns at the end of the poll (one more thread-local
//! read) that a yield was forced, and the scheduler counts it
//! (`RuntimeMetrics::budget_forced_yield_count`).
//!
//! # Examples
//!
//! A leaf future that yields when the budget runs out:
//!
//! ```
//! use std::future::Future;
//! use std::pin::Pin;
//! use std::task::{Context, Poll};
//! use spindle_executor::coop;
//!
//! struct AlwaysReady;
//!
//! impl Future for AlwaysReady {
//!     type Output = ();
//!     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
//!         let restore = std::task::ready!(coop::poll_proceed(cx));
//!         // ... the operation succeeded:
//!         restore.made_progress();
//!         Poll::Ready(())
//!     }
//! }
//! # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(AlwaysReady);
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Operations a task may perform in one poll before leaves force a yield.
pub const BUDGET: u8 = 128;

/// The budget after a leaf found it spent and forced a yield: as spent as
/// 0, and says that a yield was forced (above [`BUDGET`], so no count
/// reaches it).
const FORCED: u8 = u8::MAX;

crate::sync::thread_local! {
    /// `None`: unconstrained. `Some(n)`: `n` operations left in this poll
    /// (`Some(FORCED)`: none, and a yield was forced).
    static CURRENT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Runs `f` (one task poll) with a fresh budget, restoring the previous one
/// afterwards, also if `f` panics.
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget_set(Some(BUDGET), f)
}

/// [`with_budget`], also saying whether a leaf forced a yield during `f`.
#[inline]
pub(crate) fn with_budget_counted<R>(f: impl FnOnce() -> R) -> (R, bool) {
    with_budget_set(Some(BUDGET), || {
        let out = f();
        let forced = CURRENT.try_with(|c| c.get() == Some(FORCED)).unwrap_or(false);
        (out, forced)
    })
}

/// Runs `f` with no budget at all (a blocking closure).
pub(crate) fn without_budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget_set(None, f)
}

/// Turns off the coop budget for `future`: leaves inside it never force a
/// yield (tokio's `task::unconstrained`). The task can then keep its worker
/// as long as its resources stay ready, so use it with care.
///
/// ```
/// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
/// use spindle_executor::coop;
/// rt.block_on(async {
///     coop::unconstrained(async {
///         for _ in 0..10 * coop::BUDGET as usize {
///             assert!(coop::has_budget_remaining());
///             coop::consume_budget().await;
///         }
///     })
///     .await;
/// });
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { inner: future }
}

/// The future returned by [`unconstrained`]. Cancel safe exactly when its
/// inner future is.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning of `inner`: it is never moved out of
        // `Unconstrained` or handed out unpinned, and `Unconstrained` has no
        // `Drop` impl and is `Unpin` only when `F` is.
        let inner = unsafe { self.map_unchecked_mut(|u| &mut u.inner) };
        with_budget_set(None, || inner.poll(cx))
    }
}

/// Runs `f` with the budget set to `budget`, restoring the previous value
/// afterwards, also if `f` panics.
fn with_budget_set<R>(budget: Option<u8>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u8>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    let prev = CURRENT.try_with(|c| c.replace(budget)).unwrap_or(None);
    let _reset = Reset(prev);
    f()
}

/// Takes one unit of budget for an operation about to be tried.
///
/// Returns `Pending` (after waking the task, so it is polled again soon) when
/// the budget is spent. On `Ready`, the returned guard gives the unit back
/// when dropped unless [`RestoreOnPending::made_progress`] was called: an
/// operation that turned out to be `Pending` costs nothing.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    CURRENT.with(|c| match c.get() {
        None => Poll::Ready(RestoreOnPending(None)),
        Some(0 | FORCED) => {
            c.set(Some(FORCED));
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            c.set(Some(n - 1));
            Poll::Ready(RestoreOnPending(Some(n)))
        }
    })
}

/// Whether the current task poll has budget left (always `true` outside one).
///
/// ```
/// assert!(spindle_executor::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    CURRENT.with(|c| !matches!(c.get(), Some(0 | FORCED)))
}

/// Consumes one unit of budget, yielding to the scheduler first if none is
/// left. Useful in loops that do not otherwise touch a leaf resource.
///
/// ```
/// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     for _ in 0..1000 {
///         spindle_executor::coop::consume_budget().await;
///     }
/// });
/// ```
pub async fn consume_budget() {
    ConsumeBudget.await
}

struct ConsumeBudget;

impl Future for ConsumeBudget {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let restore = std::task::ready!(poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    }
}

/// Gives a unit of budget back on drop unless the operation made progress.
#[must_use = "dropping the guard at once gives the budget unit back"]
pub struct RestoreOnPending(Option<u8>);

impl RestoreOnPending {
    /// Keeps the unit spent: the operation did something.
    pub fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(n) = self.0 {
            let _ = CURRENT.try_with(|c| {
                // A yield forced since stays recorded (it happened).
                if c.get().is_some_and(|v| v != FORCED) {
                    c.set(Some(n));
                }
            });
        }
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoreOnPending").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn noop_cx<R>(f: impl FnOnce(&mut Context<'_>) -> R) -> R {
        f(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn budget_runs_out_and_resets() {
        with_budget(|| {
            noop_cx(|cx| {
                for _ in 0..BUDGET {
                    match poll_proceed(cx) {
                        Poll::Ready(r) => r.made_progress(),
                        Poll::Pending => panic!("budget ran out early"),
                    }
                }
                assert!(poll_proceed(cx).is_pending());
                assert!(!has_budget_remaining());
            })
        });
        assert!(has_budget_remaining(), "budget is unconstrained outside a poll");
    }

    #[test]
    fn forced_yield_is_reported() {
        let ((), forced) = with_budget_counted(|| {
            noop_cx(|cx| {
                for _ in 0..BUDGET {
                    let Poll::Ready(r) = poll_proceed(cx) else { panic!("budget ran out early") };
                    r.made_progress();
                }
            })
        });
        assert!(!forced, "spending the budget exactly forces nothing");
        let ((), forced) = with_budget_counted(|| {
            noop_cx(|cx| {
                for _ in 0..BUDGET {
                    let Poll::Ready(r) = poll_proceed(cx) else { panic!("budget ran out early") };
                    r.made_progress();
                }
                assert!(poll_proceed(cx).is_pending());
                assert!(poll_proceed(cx).is_pending(), "still spent after a forced yield");
                assert!(!has_budget_remaining());
            })
        });
        assert!(forced);
    }

    #[test]
    fn pending_operation_costs_nothing() {
        with_budget(|| {
            noop_cx(|cx| {
                for _ in 0..1000 {
                    let Poll::Ready(r) = poll_proceed(cx) else { panic!() };
                    drop(r); // no progress: the unit comes back
                }
            })
        });
    }
}
