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
//! sits behind a try-lock (`DriverSlot`).
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
use crate::sync::{mutant, Arc, AtomicBool, AtomicUsize, Condvar, Mutant, Mutex, Ordering, UnsafeCell};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The runtime's driver (reactor + timer), shared by all workers.
///
/// At most one worker holds it at a time, through a try-lock: the `held`
/// flag, taken with a compare-exchange (acquire) and released with a store
/// (release), guards the cell. Nobody ever waits for it, except shutdown's
/// `take`, which yields until the holder (woken by `begin_shutdown`) lets
/// go. A flag rather than a mutex's `try_lock` because loom's `try_lock`
/// blocks a thread that tries while another acquires, until the release;
/// the driver's holder may sleep for a long time holding it (and, with a
/// paused clock, until the would-be thief has parked), so a model would
/// report a deadlock that no real run has.
pub(crate) struct DriverSlot {
    held: AtomicBool,
    park: UnsafeCell<Option<Box<dyn Park>>>,
    unpark: Option<StdArc<dyn Unpark>>,
}

// SAFETY: `park` is touched only by the holder of `held` (see
// `DriverGuard`), one thread at a time, and `Box<dyn Park>` is `Send`; the
// other fields are `Sync`.
unsafe impl Sync for DriverSlot {}
// SAFETY: as above: `Box<dyn Park>` is `Send`.
unsafe impl Send for DriverSlot {}

/// The right to use the driver; releases it when dropped.
pub(crate) struct DriverGuard<'a> {
    slot: &'a DriverSlot,
}

impl DriverGuard<'_> {
    /// Runs `f` on the driver (`None` once shutdown took it).
    fn with<R>(&mut self, f: impl FnOnce(Option<&mut Box<dyn Park>>) -> R) -> R {
        // SAFETY: this guard holds `held`: no other thread touches the cell
        // until it is released (the acquire of the compare-exchange orders
        // this access after the previous holder's release).
        self.slot.park.with_mut(|park| f(unsafe { &mut *park }.as_mut()))
    }
}

impl Drop for DriverGuard<'_> {
    fn drop(&mut self) {
        self.slot.held.store(false, Ordering::Release);
    }
}

impl DriverSlot {
    pub(crate) fn new(park: Option<Box<dyn Park>>) -> DriverSlot {
        let unpark = park.as_ref().map(|p| p.unparker());
        DriverSlot { held: AtomicBool::new(false), park: UnsafeCell::new(park), unpark }
    }

    /// The driver, if nobody holds it right now.
    fn try_hold(&self) -> Option<DriverGuard<'_>> {
        self.held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| DriverGuard { slot: self })
    }

    /// Polls the driver without blocking, if no one else holds it.
    pub(crate) fn poll_nonblocking(&self) -> bool {
        if self.unpark.is_none() {
            return false;
        }
        match self.try_hold() {
            Some(mut guard) => guard.with(|driver| match driver {
                Some(driver) => {
                    driver.park(Some(Duration::ZERO));
                    true
                }
                None => false,
            }),
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

    /// Whether the driver has an event to hand out when nobody unparks it
    /// ([`Park::has_pending_events`]; asked by the simulator when every
    /// virtual worker is idle). `false` while another thread holds it.
    pub(crate) fn has_pending_events(&self) -> bool {
        self.try_hold().is_some_and(|mut guard| guard.with(|driver| driver.is_some_and(|d| d.has_pending_events())))
    }

    /// Takes the driver out (shutdown); it is dropped by the caller. Waits
    /// (yielding) while a worker holds it: `begin_shutdown` has unparked
    /// the driver, so its holder returns soon.
    pub(crate) fn take(&self) -> Option<Box<dyn Park>> {
        loop {
            if let Some(guard) = self.try_hold() {
                // SAFETY: as in `DriverGuard::with`.
                return guard.slot.park.with_mut(|park| unsafe { &mut *park }.take());
            }
            crate::sync::yield_now();
        }
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

    /// Whether an unpark is pending: the next `park` returns at once (the
    /// simulator's test of whether a parked virtual worker may step).
    pub(crate) fn is_notified(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) == NOTIFIED
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
            if let Some(mut guard) = inner.driver.try_hold() {
                // `Some(parked)` if the driver was there to park.
                let held = guard.with(|driver| driver.map(|driver| inner.park_driver(&mut **driver, timeout)));
                if let Some(parked) = held {
                    return parked;
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
