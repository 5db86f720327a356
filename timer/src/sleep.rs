//! [`Sleep`], [`sleep`] and [`sleep_until`].

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use spindle_executor::coop;

use crate::entry::TimerEntry;
use crate::Handle;
use crate::Instant;

/// About 30 years: where deadlines too far for `Instant` saturate to.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `now + duration` by `handle`'s clock, saturating at about 30 years from
/// now when the sum does not fit an `Instant` (such as for `Duration::MAX`).
pub(crate) fn deadline_after(handle: &Handle, duration: Duration) -> Instant {
    let now = handle.now();
    now.checked_add(duration).unwrap_or_else(|| far_future(now))
}

/// About 30 years after `now` (less if even that does not fit).
pub(crate) fn far_future(now: Instant) -> Instant {
    let mut ahead = FAR_FUTURE;
    loop {
        if let Some(t) = now.checked_add(ahead) {
            return t;
        }
        ahead /= 2;
    }
}

/// Waits until `duration` has elapsed.
///
/// A zero duration completes on the first poll. A duration too large to
/// represent (`Duration::MAX`) saturates to about 30 years. Equivalent to
/// `sleep_until(Instant::now() + duration)`.
///
/// # Panics
///
/// Outside a spindle runtime, with "spindle::time::sleep called outside a
/// spindle runtime (no timer is running on this thread)".
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
/// use spindle_timer::sleep;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = Handle::current_for("sleep");
    let deadline = deadline_after(&handle, duration);
    Sleep::new(handle, deadline)
}

/// Waits until `deadline`.
///
/// A deadline at or before now completes on the first poll (it is not
/// rounded up to any tick).
///
/// # Panics
///
/// Outside a spindle runtime, with "spindle::time::sleep_until called
/// outside a spindle runtime (no timer is running on this thread)".
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
/// use spindle_timer::sleep_until;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(10);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::current_for("sleep_until"), deadline)
}

/// A future that completes at a deadline; see [`sleep`] and [`sleep_until`].
///
/// It registers with the timer on its first pending poll and stays
/// registered until it completes or is dropped: [`Sleep::reset`] moves the
/// registration in place (no allocation), and dropping it first cancels the
/// timer in O(1). A sleep dropped before its deadline is never woken, except
/// that a wake-up the driver collected just before the drop may still arrive
/// (wakers run outside the timer's locks; such a wake-up is spurious and
/// harmless). Likewise a sleep that completes on the clock before the driver
/// got to its entry leaves it to the driver, whose wake-up is then spurious. Each completing poll consumes
/// one unit of the task's cooperative budget.
///
/// `Sleep` is `Unpin`: no pinning is needed to poll or reset it.
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::sleep;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let mut s = sleep(Duration::from_secs(3600));
/// s.reset(Instant::now() + Duration::from_millis(5));
/// (&mut s).await;
/// assert!(s.is_elapsed());
/// # });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    entry: TimerEntry,
}

impl Sleep {
    pub(crate) fn new(handle: Handle, deadline: Instant) -> Sleep {
        let ns = handle.ns_of(deadline);
        Sleep { deadline, entry: TimerEntry::new(handle, ns) }
    }

    /// The instant this sleep completes at.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(spindle_timer::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the sleep has fired, with tokio's meaning: it completed a
    /// poll, the timer driver fired it, or [`reset`](Sleep::reset) moved
    /// its deadline into the past. A deadline that passed on the clock is
    /// not enough: `sleep_until(now)` reports `false` until it is polled
    /// (the answer then needs no clock read, and code ported from tokio
    /// that checks `is_elapsed` before the first poll behaves the same).
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    ///
    /// let mut s = spindle_timer::sleep_until(Instant::now());
    /// assert!(!s.is_elapsed(), "not fired yet");
    /// let polled = std::pin::Pin::new(&mut s).poll(&mut Context::from_waker(Waker::noop()));
    /// assert!(polled.is_ready());
    /// assert!(s.is_elapsed());
    /// assert!(!spindle_timer::sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_elapsed()
    }

    /// Moves the deadline, earlier or later, reusing the registration (no
    /// allocation). The sleep is pending again if the new deadline is in the
    /// future; if it has passed, the sleep completes on its next poll (and a
    /// task waiting on it is woken).
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let mut s = spindle_timer::sleep(Duration::ZERO);
    /// let later = Instant::now() + Duration::from_secs(60);
    /// s.reset(later);
    /// assert_eq!(s.deadline(), later);
    /// assert!(!s.is_elapsed());
    ///
    /// // Pinned, tokio style, works too (`Sleep` is `Unpin`):
    /// let mut pinned = std::pin::pin!(spindle_timer::sleep(Duration::ZERO));
    /// pinned.as_mut().reset(later);
    /// assert_eq!(pinned.deadline(), later);
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let ns = self.entry.handle().ns_of(deadline);
        self.entry.reset(ns);
    }

    /// Now, by this sleep's timer's clock.
    pub(crate) fn now(&self) -> Instant {
        self.entry.handle().now()
    }

    /// Polls without consuming coop budget (for [`Timeout`](crate::Timeout)
    /// when its inner future spent the budget).
    pub(crate) fn poll_unbudgeted(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.entry.poll_elapsed(cx)
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let this = self.get_mut();
        match this.entry.poll_elapsed(cx) {
            Poll::Ready(()) => {
                coop.made_progress();
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
