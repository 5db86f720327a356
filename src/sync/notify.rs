//! `Notify`: wakes one waiting task, or all of them, with no data.
//!
//! # Protocol
//!
//! One lock guards the stored permit and the [wait list](super::wait_list).
//! `notify_one` hands its notification to the oldest queued waiter, or, if
//! none is queued, stores the single permit (a second `notify_one` with no
//! waiter changes nothing). A waiter that starts waiting takes a stored
//! permit instead of queueing. `notify_waiters` wakes every queued waiter
//! and bumps a call counter; a `Notified` future remembers the counter at
//! its creation, so one created before the call completes even if it had
//! never been polled. A `Notified` dropped after `notify_one` picked it,
//! but before it completed, passes the notification on (to the next waiter,
//! or back into the permit). Wakers are woken after the lock is released.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::facade::atomic::{AtomicUsize, Ordering};
use super::facade::{mutant, Mutant, Mutex};
use super::wait_list::{WaitKey, WaitList};

/// Notifies one task, or all waiting tasks, of an event.
///
/// ```
/// use std::sync::Arc;
/// use spindle::sync::Notify;
///
/// spindle::block_on(async {
///     let notify = Arc::new(Notify::new());
///     let waiter = spindle::spawn({
///         let notify = notify.clone();
///         async move { notify.notified().await }
///     });
///     notify.notify_one(); // stored if the task is not waiting yet
///     waiter.await.unwrap();
/// });
/// ```
pub struct Notify {
    state: Mutex<State>,
    /// `notify_waiters` calls so far; written under the lock.
    calls: AtomicUsize,
}

struct State {
    permit: bool,
    waiters: WaitList<Kind>,
}

/// What a waiter was woken by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Waiting,
    One,
    All,
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless awaited (or enabled)"]
pub struct Notified<'a> {
    notify: &'a Notify,
    calls_at_creation: usize,
    node: Option<WaitKey>,
    done: bool,
}

impl Notify {
    /// A `Notify` with no stored permit.
    ///
    /// ```
    /// let _n = spindle::sync::Notify::new();
    /// ```
    pub fn new() -> Notify {
        Notify { state: Mutex::new(State { permit: false, waiters: WaitList::new() }), calls: AtomicUsize::new(0) }
    }

    /// A future completed by the next `notify_one` (or a stored permit), or
    /// by a `notify_waiters` called after this future was created.
    ///
    /// Cancel-safe: dropping it after `notify_one` chose it passes the
    /// notification on.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let n = spindle::sync::Notify::new();
    ///     n.notify_one();
    ///     n.notified().await; // takes the stored permit
    /// });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified { notify: self, calls_at_creation: self.calls.load(Ordering::SeqCst), node: None, done: false }
    }

    /// Wakes the oldest waiting task, or stores a permit for the next one
    /// to wait if none is waiting.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let n = spindle::sync::Notify::new();
    ///     n.notify_one();
    ///     n.notify_one(); // at most one permit is stored
    ///     n.notified().await;
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = {
            let mut state = self.state.lock();
            notify_one_locked(&mut state)
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Wakes every task waiting now, and every `Notified` created before
    /// this call; stores no permit.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let n = spindle::sync::Notify::new();
    ///     let a = n.notified();
    ///     let b = n.notified();
    ///     n.notify_waiters();
    ///     a.await;
    ///     b.await;
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.lock();
            self.calls.fetch_add(1, Ordering::SeqCst);
            state.waiters.wake_all(&mut wakers, |k| *k = Kind::All);
        }
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// Gives a notification to the oldest waiter, or stores the permit.
fn notify_one_locked(state: &mut State) -> Option<Waker> {
    match state.waiters.front_mut() {
        Some(kind) => {
            *kind = Kind::One;
            state.waiters.wake_front()
        }
        None => {
            if !mutant(Mutant::NotifyOneDropsPermit) {
                state.permit = true;
            }
            None
        }
    }
}

impl Notified<'_> {
    /// Queues this future as a waiter without polling it, so that a later
    /// `notify_one` picks it. Returns whether it is already notified.
    ///
    /// ```
    /// use std::pin::pin;
    /// spindle::block_on(async {
    ///     let n = spindle::sync::Notify::new();
    ///     let mut fut = pin!(n.notified());
    ///     assert!(!fut.as_mut().enable());
    ///     n.notify_one(); // goes to `fut`, not into the permit
    ///     assert!(fut.as_mut().enable());
    ///     fut.await;
    /// });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.get_mut().poll_inner(None).is_ready()
    }

    fn poll_inner(&mut self, waker: Option<&Waker>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let mut state = self.notify.state.lock();
        match self.node {
            None => {
                if self.notify.calls.load(Ordering::SeqCst) != self.calls_at_creation
                    || std::mem::take(&mut state.permit)
                {
                    self.done = true;
                    return Poll::Ready(());
                }
                self.node = Some(state.waiters.push_back(Kind::Waiting, waker.cloned()));
                Poll::Pending
            }
            Some(key) => {
                if state.waiters.is_woken(key) {
                    state.waiters.remove(key);
                    self.node = None;
                    self.done = true;
                    return Poll::Ready(());
                }
                if let Some(w) = waker {
                    state.waiters.register(key, w);
                }
                Poll::Pending
            }
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_inner(Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.node.take() else { return };
        let waker = {
            let mut state = self.notify.state.lock();
            match state.waiters.remove(key) {
                (Kind::One, true) => notify_one_locked(&mut state),
                _ => None,
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").field("permit", &self.state.lock().permit).finish_non_exhaustive()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").field("queued", &self.node.is_some()).field("done", &self.done).finish()
    }
}
