//! [`TimerDriver`]: a [`Park`] that sleeps until the earliest timer deadline
//! and fires the expired timers when it wakes.
//!
//! # One `park` call
//!
//! 1. `park(Some(ZERO))` (a busy worker polling): park the inner `Park`
//!    without blocking, then fire what is due. When no timer is due this is
//!    one atomic load per shard and a clock read; no lock.
//! 2. Otherwise read the clock and the shards' earliest deadlines. If one
//!    has passed, park the inner with a zero timeout.
//! 3. Else publish the instant we will sleep toward (`parked_until`: the
//!    earliest deadline or the caller's timeout, whichever is first), then
//!    read the shards again: a timer registered between the two reads either
//!    shows up here or sees `parked_until` and unparks us (see `shard.rs`).
//! 4. Park the inner until that instant *exactly*: the wheel reports exact
//!    deadlines, not ticks, so the thread wakes on time, not up to a tick
//!    late.
//! 5. Publish `parked_until = 0` (nobody sleeps: registrars need not unpark),
//!    then fire every timer whose deadline is `<=` the clock. Each shard is
//!    locked only if its published earliest deadline is due, fires in
//!    batches of about 256 and wakes each batch after releasing its lock.
//!
//! # With a paused clock (auto-advance)
//!
//! When the timer's clock is paused (`spindle::time::pause`, a simulated
//! runtime, a loom model) a blocking `park` never sleeps toward a deadline
//! in real time; it moves the clock instead (tokio's rule, and the
//! protocol in `spindle_executor::clock`):
//!
//! 1. Park the inner `Park` without blocking (I/O is dispatched, a pending
//!    unpark consumed). If anyone unparked the driver since its last park
//!    (`woken`, set by the driver's unparker), the runtime has something to
//!    do: fire what is due and return.
//! 2. Else ask the clock to jump to the earliest deadline (or the caller's
//!    timeout, read as virtual time), read under the clock's lock. If it
//!    jumped, fire what is now due and return.
//! 3. If someone is busy (a blocking closure; under a simulated clock also
//!    a worker or a `block_on` thread), sleep in the inner `Park` until
//!    woken. A wake-up from the last busy party stopping sends us back to
//!    step 2; any other wake-up returns.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use spindle_executor::clock::{AutoAdvance, Clock};
use spindle_executor::park::{Park, Unpark};

use crate::Handle;

/// The timer's [`Park`] layer: wraps the `Park` the runtime sleeps in (a
/// condvar [`Parker`](spindle_executor::park::Parker), the I/O reactor) and
/// bounds each sleep by the earliest timer deadline.
///
/// Dropping the driver shuts the timer down ([`Handle::shutdown`]).
///
/// # Examples
///
/// ```
/// use spindle_executor::park::{Park, Parker};
/// use spindle_timer::{sleep, Instant, TimerDriver};
/// use std::time::Duration;
///
/// let mut driver = TimerDriver::new(Parker::new());
/// let handle = driver.handle();
/// // The thread that parks drives the timers.
/// std::thread::spawn(move || loop { driver.park(None) });
///
/// let _enter = handle.enter();
/// let start = Instant::now();
/// futures_executor::block_on(sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
pub struct TimerDriver<P: Park> {
    park: P,
    handle: Handle,
    /// Reused buffer for the wakers of fired timers.
    wakers: Vec<Waker>,
    /// With a clock that can be paused: set by the driver's unparker, so a
    /// paused park knows the runtime was woken (and must not jump the
    /// clock). `None` with a real clock: the unparker is the inner one.
    woken: Option<Arc<AtomicBool>>,
    /// The unparker handed out: the inner one, or one that sets `woken`.
    unparker: Arc<dyn Unpark>,
}

/// The unparker of a driver whose clock can be paused: records the wake-up,
/// then wakes the inner `Park`.
struct WokenUnpark {
    woken: Arc<AtomicBool>,
    inner: Arc<dyn Unpark>,
}

impl Unpark for WokenUnpark {
    fn unpark(&self) {
        self.woken.store(true, Ordering::SeqCst);
        self.inner.unpark();
    }
}

impl<P: Park> TimerDriver<P> {
    /// A driver over `park` with one shard per CPU (at most 64; the
    /// runtime's one CPU count, `spindle_executor::default_worker_threads`).
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # drop(driver);
    /// ```
    pub fn new(park: P) -> TimerDriver<P> {
        let shards = spindle_executor::default_worker_threads().clamp(1, 64);
        TimerDriver::with_shards(park, shards)
    }

    /// A driver over `park` with `shards` independently locked timer shards.
    /// Each thread registers its timers on one shard (picked round-robin
    /// when the thread first uses a timer).
    ///
    /// # Panics
    ///
    /// If `shards` is 0.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::with_shards(Parker::new(), 1);
    /// # drop(driver);
    /// ```
    pub fn with_shards(park: P, shards: usize) -> TimerDriver<P> {
        TimerDriver::with_clock(park, shards, Clock::real())
    }

    /// A driver over `park` with `shards` shards, reading time from `clock`
    /// (the runtime's: the facade passes the clock its builder made). With
    /// a paused clock, a `park` that would sleep toward a deadline moves
    /// the clock there instead, once the runtime has nothing to run (see
    /// the module docs).
    ///
    /// # Panics
    ///
    /// If `shards` is 0.
    ///
    /// ```
    /// use spindle_executor::clock::Clock;
    /// use spindle_executor::park::{Park, Parker};
    /// use spindle_timer::{sleep, TimerDriver};
    /// use std::time::Duration;
    ///
    /// let clock = Clock::pausable(true);
    /// let mut driver = TimerDriver::with_clock(Parker::new(), 1, clock.clone());
    /// let _enter = driver.handle().enter();
    /// let start = clock.now();
    /// let mut s = std::pin::pin!(sleep(Duration::from_secs(3600)));
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(s.as_mut().poll(&mut cx).is_pending());
    /// driver.park(None); // nothing else to do: the clock jumps an hour
    /// assert_eq!(clock.now() - start, Duration::from_secs(3600));
    /// # use std::future::Future;
    /// assert!(s.as_mut().poll(&mut cx).is_ready());
    /// ```
    pub fn with_clock(park: P, shards: usize, clock: Clock) -> TimerDriver<P> {
        let inner = park.unparker();
        let (woken, unparker): (_, Arc<dyn Unpark>) = if clock.is_real() {
            (None, inner.clone())
        } else {
            // Auto-advance wakes the inner `Park` directly: that wake-up is
            // "try again", not "the runtime has work".
            clock.set_unparker(inner.clone());
            let woken = Arc::new(AtomicBool::new(false));
            (Some(woken.clone()), Arc::new(WokenUnpark { woken, inner: inner.clone() }))
        };
        let handle = Handle::new(unparker.clone(), shards, clock);
        TimerDriver { park, handle, wakers: Vec::new(), woken, unparker }
    }

    /// A handle for registering timers with this driver.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// let _enter = driver.handle().enter();
    /// let _sleep = spindle_timer::sleep(std::time::Duration::from_secs(1));
    /// ```
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// The wrapped `Park`.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// let _parker: &Parker = driver.get_ref();
    /// ```
    pub fn get_ref(&self) -> &P {
        &self.park
    }

    /// The wrapped `Park`, mutably.
    ///
    /// ```
    /// use spindle_executor::park::{Park, Parker};
    /// use std::time::Duration;
    /// let mut driver = spindle_timer::TimerDriver::new(Parker::new());
    /// driver.get_mut().park(Some(Duration::ZERO));
    /// ```
    pub fn get_mut(&mut self) -> &mut P {
        &mut self.park
    }

    /// Fires what is due now, if anything; no lock when nothing is.
    fn fire_expired(&mut self) {
        let earliest = self.handle.earliest();
        if earliest == u64::MAX {
            return;
        }
        let now = self.handle.now_ns();
        if earliest <= now {
            self.handle.fire_expired(now, &mut self.wakers);
        }
    }
}

impl<P: Park> TimerDriver<P> {
    /// A blocking park with the clock paused (see "With a paused clock").
    #[cold]
    fn park_paused(&mut self, timeout: Option<Duration>) {
        self.park.park(Some(Duration::ZERO));
        let woken = self.woken.as_ref().expect("a paused clock is not a real one");
        if !woken.swap(false, Ordering::SeqCst) {
            let handle = &self.handle;
            let clock = handle.clock();
            let limit = timeout.and_then(|t| clock.now().checked_add(t));
            loop {
                let deadline = || {
                    let earliest = handle.earliest();
                    let timer = (earliest != u64::MAX).then(|| handle.instant_of(earliest).into_std());
                    match (timer, limit) {
                        (Some(t), Some(l)) => Some(t.min(l)),
                        (t, l) => t.or(l),
                    }
                };
                match clock.auto_advance(deadline) {
                    AutoAdvance::Advanced | AutoAdvance::NotPaused => break,
                    AutoAdvance::Inhibited => {
                        self.park.park(timeout);
                        let quiesced = clock.take_quiesced();
                        if woken.swap(false, Ordering::SeqCst) || !quiesced {
                            break;
                        }
                    }
                }
            }
        }
        self.fire_expired();
    }
}

impl<P: Park> Park for TimerDriver<P> {
    fn park(&mut self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            self.park.park(timeout);
            self.fire_expired();
            return;
        }
        if self.woken.is_some() && self.handle.clock().is_paused() {
            return self.park_paused(timeout);
        }
        let now = self.handle.now_ns();
        let mut earliest = self.handle.earliest();
        let wait = if earliest <= now {
            Some(Duration::ZERO)
        } else {
            let limit =
                timeout.map_or(u64::MAX, |t| now.saturating_add(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)));
            self.handle.set_parked_until(earliest.min(limit));
            earliest = earliest.min(self.handle.earliest());
            if earliest <= now {
                Some(Duration::ZERO)
            } else if earliest < limit {
                Some(Duration::from_nanos(earliest - now))
            } else {
                timeout
            }
        };
        self.park.park(wait);
        self.handle.set_parked_until(0);
        self.fire_expired();
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.unparker.clone()
    }

    /// A timer is armed (or the inner `Park` has events): a simulated
    /// runtime with nothing to run parks here, and the clock jumps to it.
    fn has_pending_events(&self) -> bool {
        self.handle.earliest() != u64::MAX || self.park.has_pending_events()
    }
}

impl<P: Park> Drop for TimerDriver<P> {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

impl<P: Park> fmt::Debug for TimerDriver<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerDriver").field("handle", &self.handle).finish_non_exhaustive()
    }
}
