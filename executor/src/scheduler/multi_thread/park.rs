//! How one worker sleeps: in the shared driver if it can get it, else on
//! its own condvar; and how another thread wakes it.
//!
//! # State of one worker's parker
//!
//! ```text
//!            park: try_lock(driver) ok           park: driver busy
//!   EMPTY ------------------------> PARKED_DRIVER   EMPTY ---------> PARKED_CONDVAR
//!     ^  \                               |            ^                   |
//!     |   \ unpark (swap)                | unpark: driver.unpark()        | unpark: lock, notify
//!     |    v                             v            |                   v
//!     +-- NOTIFIED <----------------- NOTIFIED -------+---------------- NOTIFIED
//!         park consumes it (swap EMPTY) and returns at once
//! ```
//!
//! `unpark` is a `swap(NOTIFIED)`: whatever the parker was doing, the next
//! (or current) `park` returns. For `PARKED_CONDVAR` the unparker takes the
//! mutex before notifying, so a parker between "set PARKED_CONDVAR" and
//! "wait" cannot miss the signal (it holds the mutex across both). For
//! `PARKED_DRIVER` it calls the driver's `Unpark`, which is sticky by the
//! `Park` contract. Only one worker is ever inside the driver: the driver
//! sits behind a `try_lock`.
//!
//! # Who can be where
//!
//! | place | who | woken by |
//! |---|---|---|
//! | inside the driver (`Poller::wait` until the earliest timer) | at most one idle worker, the holder of the driver lock | I/O events, the timer's deadline, `Poller::notify` from `unpark` |
//! | on its own condvar | every other idle worker | `unpark` (a notify from `idle.rs`, shutdown) |
//! | running tasks | busy workers | — (they poll the driver without blocking every `event_interval` ticks, if it is free) |
//!
//! No wake-up is lost: a task woken by an I/O event or a timer is pushed,
//! by the driver's dispatch on the parked worker's own thread, to the back
//! of that worker's deque (its core is reachable through the thread-local
//! context during the park; the dispatch wakes nobody). When `park`
//! returns, the worker sees its non-empty queues in
//! `transition_from_parked`, leaves the parked state, and calls
//! `notify_parked` so that a sleeping worker takes over the driver while
//! this one runs the tasks (the driver is never held while polling tasks).
//! A worker about to park with a timeout (the LIFO watch's) first polls the
//! free driver without blocking (`worker.rs`, `probe_driver`), and skips the
//! sleep if that handed it tasks. A wake from another thread goes to the injector and
//! `notify_parked`, which picks a sleeper and unparks it through the state
//! machine above, whichever of the two places it sleeps in.

use std::sync::Arc as StdArc;
use std::time::Duration;

use crate::park::{Park, Unpark};
use crate::sync::{mutant, Arc, AtomicUsize, Condvar, Mutant, Mutex, Ordering};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The runtime's driver (reactor + timer), shared by all workers.
pub(crate) struct DriverSlot {
    park: Mutex<Option<Box<dyn Park>>>,
    unpark: Option<StdArc<dyn Unpark>>,
}

impl DriverSlot {
    pub(crate) fn new(park: Option<Box<dyn Park>>) -> DriverSlot {
        let unpark = park.as_ref().map(|p| p.unparker());
        DriverSlot { park: Mutex::new(park), unpark }
    }

    /// Polls the driver without blocking, if no one else holds it.
    pub(crate) fn poll_nonblocking(&self) -> bool {
        if self.unpark.is_none() {
            return false;
        }
        match self.park.try_lock() {
            Some(mut guard) => match guard.as_mut() {
                Some(driver) => {
                    driver.park(Some(Duration::ZERO));
                    true
                }
                None => false,
            },
            None => false,
        }
    }

    pub(crate) fn unpark(&self) {
        if let Some(u) = &self.unpark {
            u.unpark();
        }
    }

    pub(crate) fn has_driver(&self) -> bool {
        self.unpark.is_some()
    }

    /// Takes the driver out (shutdown); it is dropped by the caller.
    pub(crate) fn take(&self) -> Option<Box<dyn Park>> {
        self.park.lock().take()
    }
}

/// One worker's parking state. The worker parks through [`WorkerParker`];
/// everyone else wakes it through [`WorkerUnparker`].
pub(crate) struct WorkerParker {
    inner: Arc<Inner>,
}

/// Wakes one worker; `Clone`, `Send`, `Sync`.
#[derive(Clone)]
pub(crate) struct WorkerUnparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: StdArc<DriverSlot>,
}

impl WorkerParker {
    pub(crate) fn new(driver: StdArc<DriverSlot>) -> WorkerParker {
        WorkerParker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> WorkerUnparker {
        WorkerUnparker { inner: self.inner.clone() }
    }

    /// Sleeps until unparked, until `timeout`, or (in the driver) until the
    /// driver has events. Returns `true` if it parked the driver (which
    /// then polled its events and timers).
    pub(crate) fn park(&mut self, timeout: Option<Duration>) -> bool {
        let inner = &*self.inner;
        // A pending unpark: consume it and return.
        if inner.state.compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return false;
        }
        if inner.driver.has_driver() {
            if let Some(mut guard) = inner.driver.park.try_lock() {
                if let Some(driver) = guard.as_mut() {
                    return inner.park_driver(&mut **driver, timeout);
                }
            }
        }
        inner.park_condvar(timeout);
        false
    }
}

impl Inner {
    /// Returns `false` if a pending unpark made it return before parking
    /// the driver.
    fn park_driver(&self, driver: &mut dyn Park, timeout: Option<Duration>) -> bool {
        match self.state.compare_exchange(EMPTY, PARKED_DRIVER, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, Ordering::SeqCst);
                return false;
            }
            Err(actual) => panic!("inconsistent worker park state; actual = {actual}"),
        }
        driver.park(timeout);
        match self.state.swap(EMPTY, Ordering::SeqCst) {
            NOTIFIED | PARKED_DRIVER => {}
            actual => panic!("inconsistent worker park state after driver park; actual = {actual}"),
        }
        true
    }

    fn park_condvar(&self, timeout: Option<Duration>) {
        let mut guard = self.mutex.lock();
        match self.state.compare_exchange(EMPTY, PARKED_CONDVAR, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Consume the notification; `swap` (not `store`) keeps the
                // release sequence the unparker started.
                self.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent worker park state; actual = {actual}"),
        }
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        loop {
            // Whether the wait ended by its deadline (a zero timeout ends at
            // once). The condvar says so itself: under loom a timed wait
            // always reports a timeout, which covers every real schedule.
            let timed_out = match (timeout, deadline) {
                (Some(t), _) if t.is_zero() => true,
                (Some(_), Some(deadline)) => self.condvar.wait_until(&mut guard, deadline).timed_out(),
                _ => {
                    self.condvar.wait(&mut guard);
                    false
                }
            };
            if self.state.compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                return;
            }
            if timed_out {
                // Leave PARKED_CONDVAR; if an unpark raced in, it is consumed
                // here (the caller re-checks its queues anyway).
                self.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            // Spurious wake-up: wait again.
        }
    }
}

impl WorkerUnparker {
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, Ordering::SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Take the lock so the parker is either before its check (it
                // will see NOTIFIED) or inside `wait` (it gets the signal).
                drop(inner.mutex.lock());
                inner.condvar.notify_one();
            }
            PARKED_DRIVER if mutant(Mutant::UnparkSkipsDriver) => {}
            PARKED_DRIVER => inner.driver.unpark(),
            actual => panic!("inconsistent worker park state; actual = {actual}"),
        }
    }
}
