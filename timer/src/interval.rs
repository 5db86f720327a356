//! [`Interval`], [`interval`], [`interval_at`] and [`MissedTickBehavior`]
//! (tokio's semantics).

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::sleep::{far_future, Sleep};
use crate::Handle;
use crate::Instant;

/// A tick counts as missed when it completes more than this after its
/// scheduled instant (tokio's threshold).
const MISSED_THRESHOLD: Duration = Duration::from_millis(5);

/// Creates an [`Interval`] whose first tick completes immediately and then
/// every `period`.
///
/// # Panics
///
/// If `period` is zero, or outside a spindle runtime ("spindle::time::interval
/// called outside a spindle runtime (no timer is running on this thread)").
///
/// Polled after its runtime shut down with its deadline still ahead, it
/// panics with "spindle timer polled after its runtime shut down: ..." (it
/// could never complete; waiting would hang).
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::interval;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let mut every = interval(Duration::from_millis(2));
/// let first = every.tick().await; // at once
/// let second = every.tick().await;
/// assert_eq!(second - first, Duration::from_millis(2));
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero");
    let handle = Handle::current_for("interval");
    let now = handle.now();
    Interval::new(handle, now, period)
}

/// Creates an [`Interval`] whose first tick completes at `start` and then
/// every `period`.
///
/// # Panics
///
/// If `period` is zero, or outside a spindle runtime.
///
/// Polled after its runtime shut down with its deadline still ahead, it
/// panics with "spindle timer polled after its runtime shut down: ..." (it
/// could never complete; waiting would hang).
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::interval_at;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let start = Instant::now() + Duration::from_millis(3);
/// let mut every = interval_at(start, Duration::from_millis(2));
/// assert_eq!(every.tick().await, start);
/// # });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero");
    Interval::new(Handle::current_for("interval_at"), start, period)
}

/// What an [`Interval`] does about ticks it could not deliver on time
/// (because the task was busy for longer than a period).
///
/// A tick is late when it completes more than 5 ms after its scheduled
/// instant (tokio's threshold). The choice is made on that late tick, which
/// itself is delivered at once; it decides when the *next* one is scheduled.
///
/// ```
/// use spindle_timer::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Deliver the missed ticks as fast as possible until caught up: the
    /// schedule stays `start + k * period`.
    #[default]
    Burst,
    /// Restart the schedule from the late tick: the next tick is one
    /// `period` after the moment the late one was delivered.
    Delay,
    /// Skip the missed ticks: the next tick is the next instant of the
    /// original schedule after now.
    Skip,
}

impl MissedTickBehavior {
    /// When the tick after a late one (scheduled at `timeout`, delivered at
    /// `now`) is due.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        let after = |base: Instant, d: Duration| base.checked_add(d).unwrap_or_else(|| far_future(base));
        match self {
            MissedTickBehavior::Burst => after(timeout, period),
            MissedTickBehavior::Delay => after(now, period),
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(timeout).as_nanos();
                let into_period = late % period.as_nanos();
                // `into_period < period`, which is a `Duration`, so it fits.
                let into_period = Duration::from_nanos(into_period as u64);
                after(now, period - into_period)
            }
        }
    }
}

/// A stream of ticks at a fixed period; see [`interval`] and
/// [`interval_at`].
///
/// [`Interval::tick`] returns the *scheduled* instant of each tick, so
/// consecutive ticks are exactly `period` apart unless ticks were missed
/// (see [`MissedTickBehavior`]).
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::{interval, MissedTickBehavior};
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let mut every = interval(Duration::from_millis(1));
/// every.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// for _ in 0..3 {
///     every.tick().await;
/// }
/// assert_eq!(every.period(), Duration::from_millis(1));
/// # });
/// ```
#[derive(Debug)]
#[must_use = "an interval does nothing unless ticked"]
pub struct Interval {
    /// Completes at the next tick's scheduled instant.
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    fn new(handle: Handle, start: Instant, period: Duration) -> Interval {
        Interval { delay: Sleep::new(handle, start), period, missed_tick_behavior: MissedTickBehavior::default() }
    }

    /// Completes at the next tick and returns its scheduled instant.
    ///
    /// Cancel safe: dropping the future before it completes loses no tick.
    ///
    /// ```
    /// # use spindle_executor::park::{Park, Parker};
    /// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// # std::thread::spawn(move || loop { driver.park(None) });
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// # futures_executor::block_on(async {
    /// let mut every = spindle_timer::interval(Duration::from_millis(1));
    /// let first = every.tick().await;
    /// assert!(first <= Instant::now());
    /// # });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (the poll form of [`Interval::tick`]).
    ///
    /// Consumes coop budget like [`Sleep`].
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::task::{Context, Waker};
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(60));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(every.poll_tick(&mut cx).is_ready()); // the first tick
    /// assert!(every.poll_tick(&mut cx).is_pending());
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.delay).poll(cx));
        let timeout = self.delay.deadline();
        let now = self.delay.now();
        let next = if now.saturating_duration_since(timeout) > MISSED_THRESHOLD {
            self.missed_tick_behavior.next_timeout(timeout, now, self.period)
        } else {
            timeout.checked_add(self.period).unwrap_or_else(|| far_future(timeout))
        };
        self.delay.reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(1));
    /// every.reset();
    /// assert!(every.next_tick() > Instant::now());
    /// ```
    pub fn reset(&mut self) {
        let now = self.delay.now();
        let next = now.checked_add(self.period).unwrap_or_else(|| far_future(now));
        self.delay.reset(next);
    }

    /// Restarts the schedule so that the next tick completes at once.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(60));
    /// every.reset_immediately();
    /// assert!(every.next_tick() <= Instant::now());
    /// ```
    pub fn reset_immediately(&mut self) {
        let now = self.delay.now();
        self.delay.reset(now);
    }

    /// Restarts the schedule with the next tick at `deadline`.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(60));
    /// let at = Instant::now() + Duration::from_secs(5);
    /// every.reset_at(at);
    /// assert_eq!(every.next_tick(), at);
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.reset(deadline);
    }

    /// Restarts the schedule with the next tick `after` from now (tokio's
    /// `reset_after`; a duration too large for `Instant` saturates far in
    /// the future).
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(60));
    /// let before = Instant::now();
    /// every.reset_after(Duration::from_secs(5));
    /// assert!(every.next_tick() >= before + Duration::from_secs(5));
    /// assert!(every.next_tick() < before + Duration::from_secs(60));
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        let now = self.delay.now();
        self.delay.reset(now.checked_add(after).unwrap_or_else(|| far_future(now)));
    }

    /// The scheduled instant of the next tick.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let start = Instant::now() + Duration::from_secs(1);
    /// let every = spindle_timer::interval_at(start, Duration::from_secs(60));
    /// assert_eq!(every.next_tick(), start);
    /// ```
    pub fn next_tick(&self) -> Instant {
        self.delay.deadline()
    }

    /// The period.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::time::Duration;
    /// let every = spindle_timer::interval(Duration::from_secs(60));
    /// assert_eq!(every.period(), Duration::from_secs(60));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The current [`MissedTickBehavior`].
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::MissedTickBehavior;
    /// use std::time::Duration;
    /// let mut every = spindle_timer::interval(Duration::from_secs(60));
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the [`MissedTickBehavior`].
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

/// An interval is an endless stream of its ticks' scheduled instants (as
/// smol's `Timer` is), so stream combinators work on it directly, with no
/// wrapper type.
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use futures_util::StreamExt;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let every = spindle_timer::interval(Duration::from_millis(1));
/// let ticks: Vec<_> = every.take(3).collect().await;
/// assert_eq!(ticks[2] - ticks[0], Duration::from_millis(2));
/// # });
/// ```
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_timeout_per_behavior() {
        let t0 = Instant::now();
        let period = Duration::from_millis(10);
        let timeout = t0 + period;
        let now = t0 + Duration::from_millis(47); // 37 ms late
        assert_eq!(MissedTickBehavior::Burst.next_timeout(timeout, now, period), timeout + period);
        assert_eq!(MissedTickBehavior::Delay.next_timeout(timeout, now, period), now + period);
        // Skip: the next point of the t0 + k * period grid after now.
        assert_eq!(MissedTickBehavior::Skip.next_timeout(timeout, now, period), t0 + Duration::from_millis(50));
    }
}
