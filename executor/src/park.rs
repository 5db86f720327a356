//! Parking: how an idle thread sleeps, and how another thread wakes it.
//!
//! The executor knows nothing of I/O or time. It sleeps through the [`Park`]
//! trait and wakes a sleeper through its [`Unpark`] handle. Two kinds of
//! `Park` exist at run time:
//!
//! * [`Parker`], a `parking_lot` mutex + condvar: what the current-thread
//!   scheduler sleeps in when it has no driver, and (as `ThreadWaker`)
//!   what a `block_on` caller sleeps on;
//! * the runtime may own one *driver* (`Builder::driver`), a `Park` that the
//!   facade builds from the timer and the reactor.
//!
//! A multi-thread worker does not own a `Parker`: it owns a `WorkerParker`
//! (`scheduler/multi_thread/park.rs`), its own state machine over a condvar
//! and the shared driver. An idle worker that wins the driver's `try_lock`
//! sleeps inside it (in `Poller::wait`, or until the next timer deadline)
//! and dispatches its events when it wakes; the other idle workers sleep on
//! their own condvar.
//!
//! # The contract every `Park` keeps
//!
//! 1. A call to [`Unpark::unpark`] that happens before, during or after a
//!    [`Park::park`] call makes that call (or the next one, if none is in
//!    progress) return promptly. An unpark is never lost; several unparks
//!    before one park collapse into one.
//! 2. `park` may return spuriously; callers re-check their condition.
//! 3. `park(Some(Duration::ZERO))` never blocks: a driver uses it to poll its
//!    events (the executor does so every `event_interval` ticks when busy).
//! 4. Only one thread at a time calls `park` on a given `Park` (it takes
//!    `&mut self`); `unpark` may be called from any thread at any time,
//!    including after the owner is gone, and then does nothing harmful.

use std::fmt;
use std::sync::Arc;
use std::task::Wake;
use std::time::Duration;

use crate::sync::{mutant, Condvar, Mutant, Mutex};

/// Something a thread can sleep in: a condvar, an I/O poller, a timer driver.
///
/// See the [module docs](self) for the contract.
///
/// # Examples
///
/// ```
/// use spindle_executor::park::{Park, Parker};
/// use std::time::Duration;
///
/// let mut parker = Parker::new();
/// let unparker = parker.unparker();
/// unparker.unpark(); // an unpark before the park is remembered
/// parker.park(Some(Duration::from_secs(10))); // returns at once
/// ```
pub trait Park: Send + 'static {
    /// Blocks the calling thread until unparked, until the implementation has
    /// events to hand out, or until `timeout` passes (`None`: no limit).
    fn park(&mut self, timeout: Option<Duration>);

    /// A handle that wakes this `Park` from any thread.
    fn unparker(&self) -> Arc<dyn Unpark>;

    /// Whether a `park(None)` now would return with something handed out
    /// (an event, an expired timer) without anyone calling `unpark`: a
    /// timer driver answers "a timer is pending". Only a simulated runtime
    /// ([`Builder::new_simulated`](crate::runtime::Builder::new_simulated))
    /// asks, when every virtual worker is idle: it parks one of them with
    /// no timeout if this is `true`, and reports a deadlock if it is
    /// `false`. The default, `false`, suits a `Park` that only sleeps.
    ///
    /// ```
    /// use spindle_executor::park::{Park, Parker};
    /// assert!(!Parker::new().has_pending_events());
    /// ```
    fn has_pending_events(&self) -> bool {
        false
    }
}

/// The waking side of a [`Park`]; cheap to call, callable from any thread.
pub trait Unpark: Send + Sync + 'static {
    /// Wakes the thread parked in the matching [`Park`], or makes its next
    /// `park` return at once.
    fn unpark(&self);
}

impl<P: Park + ?Sized> Park for Box<P> {
    fn park(&mut self, timeout: Option<Duration>) {
        (**self).park(timeout);
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        (**self).unparker()
    }

    fn has_pending_events(&self) -> bool {
        (**self).has_pending_events()
    }
}

/// The default [`Park`]: a `parking_lot` mutex and condvar with a notified
/// flag, so that an unpark racing a park is never lost.
///
/// # Examples
///
/// ```
/// use spindle_executor::park::{Park, Parker};
///
/// let mut parker = Parker::new();
/// let unparker = parker.unparker();
/// let t = std::thread::spawn(move || unparker.unpark());
/// parker.park(None); // returns once the other thread unparks
/// t.join().unwrap();
/// ```
#[derive(Default)]
pub struct Parker {
    inner: Arc<ParkerInner>,
}

#[derive(Default)]
struct ParkerInner {
    /// `true` once unparked and not yet consumed by a `park`.
    notified: Mutex<bool>,
    condvar: Condvar,
}

impl Parker {
    /// Creates a parker with no pending unpark.
    pub fn new() -> Parker {
        Parker::default()
    }
}

impl Park for Parker {
    fn park(&mut self, timeout: Option<Duration>) {
        let mut notified = self.inner.notified.lock();
        if mutant(Mutant::ParkerIgnoresNotified) {
            // Broken on purpose (loom only): waits even if already unparked.
            self.inner.condvar.wait(&mut notified);
        }
        if !*notified {
            match timeout {
                Some(t) if t.is_zero() => {}
                Some(t) => {
                    // A timeout too large for `Instant` arithmetic is a park
                    // without a limit.
                    match std::time::Instant::now().checked_add(t) {
                        Some(deadline) => {
                            while !*notified {
                                if self.inner.condvar.wait_until(&mut notified, deadline).timed_out() {
                                    break;
                                }
                            }
                        }
                        None => {
                            while !*notified {
                                self.inner.condvar.wait(&mut notified);
                            }
                        }
                    }
                }
                None => {
                    while !*notified {
                        self.inner.condvar.wait(&mut notified);
                    }
                }
            }
        }
        *notified = false;
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.inner.clone()
    }
}

impl Unpark for ParkerInner {
    fn unpark(&self) {
        let mut notified = self.notified.lock();
        if !*notified {
            *notified = true;
            // Notify under the lock: the parker is either not yet waiting (and
            // will see the flag) or waiting (and gets this signal).
            self.condvar.notify_one();
        }
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker").field("notified", &*self.inner.notified.lock()).finish()
    }
}

/// A [`Waker`](std::task::Waker) that unparks a thread blocked in
/// [`ThreadWaker::park`]: what a `block_on` caller sleeps on (the
/// multi-thread `block_on`, and a current-thread `block_on` waiting for the
/// core).
pub(crate) struct ThreadWaker {
    parker: Mutex<Parker>,
    unpark: Arc<dyn Unpark>,
}

impl ThreadWaker {
    pub(crate) fn new() -> ThreadWaker {
        let parker = Parker::new();
        let unpark = parker.unparker();
        ThreadWaker { parker: Mutex::new(parker), unpark }
    }

    /// Sleeps until woken (an earlier wake is remembered).
    pub(crate) fn park(&self) {
        self.parker.lock().park(None);
    }

    /// The unparker this waker calls.
    pub(crate) fn unparker(&self) -> Arc<dyn Unpark> {
        self.unpark.clone()
    }
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.unpark.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn timeout_elapses() {
        let mut p = Parker::new();
        let start = Instant::now();
        p.park(Some(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn unpark_is_remembered_once() {
        let mut p = Parker::new();
        let u = p.unparker();
        u.unpark();
        u.unpark();
        p.park(None); // consumes the one pending unpark
        let start = Instant::now();
        p.park(Some(Duration::from_millis(10)));
        assert!(start.elapsed() >= Duration::from_millis(10), "second park must wait");
    }

    #[test]
    fn zero_timeout_never_blocks() {
        let mut p = Parker::new();
        p.park(Some(Duration::ZERO));
        // Duration::MAX overflows `Instant`; it must mean "no limit", not panic.
        p.unparker().unpark();
        p.park(Some(Duration::MAX));
    }
}
