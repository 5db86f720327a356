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

use std::fmt;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

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
/// use spindle_timer::{sleep, TimerDriver};
/// use std::time::{Duration, Instant};
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
        let handle = Handle::new(park.unparker(), shards);
        TimerDriver { park, handle, wakers: Vec::new() }
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

impl<P: Park> Park for TimerDriver<P> {
    fn park(&mut self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            self.park.park(timeout);
            self.fire_expired();
            return;
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
        self.park.unparker()
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
