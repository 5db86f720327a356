//! [`Timeout`], [`timeout`] and [`timeout_at`].

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use spindle_executor::coop;

use crate::sleep::{deadline_after, Sleep};
use crate::Instant;
use crate::{Elapsed, Handle};

/// Requires `future` to complete within `duration`.
///
/// Resolves to `Ok(output)` if the future completes first and to
/// `Err(Elapsed)` once the deadline passes. The future is polled first, so
/// one that is ready at once wins even with a zero duration, and in that
/// case no timer is ever registered. `Duration::MAX` saturates.
///
/// # Panics
///
/// Outside a spindle runtime, with "spindle::time::timeout called outside a
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
/// use spindle_timer::timeout;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// let slow = std::future::pending::<()>();
/// assert!(timeout(Duration::from_millis(5), slow).await.is_err());
/// # });
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let handle = Handle::current_for("timeout");
    let deadline = deadline_after(&handle, duration);
    Timeout::new(Sleep::new(handle, deadline), future)
}

/// Requires `future` to complete before `deadline`; see [`timeout`].
///
/// # Panics
///
/// Outside a spindle runtime, with "spindle::time::timeout_at called
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
/// use spindle_timer::timeout_at;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let res = timeout_at(deadline, std::future::pending::<()>()).await;
/// assert!(res.is_err());
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    let handle = Handle::current_for("timeout_at");
    Timeout::new(Sleep::new(handle, deadline), future)
}

/// A future with a deadline; see [`timeout`] and [`timeout_at`].
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::Parker;
/// # let driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// use std::time::Duration;
/// let t = spindle_timer::timeout(Duration::from_secs(1), async { 1 });
/// assert!(t.deadline() > spindle_timer::Instant::now());
/// let inner = t.into_inner();
/// assert_eq!(futures_executor::block_on(inner), 1);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    /// Structurally pinned: never moved out while pinned (see `poll`).
    value: F,
    delay: Sleep,
}

impl<F> Timeout<F> {
    fn new<I: IntoFuture<IntoFuture = F>>(delay: Sleep, future: I) -> Timeout<F> {
        Timeout { value: future.into_future(), delay }
    }

    /// The instant the timeout elapses at.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(spindle_timer::timeout_at(at, async {}).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }

    /// The wrapped future.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::time::Duration;
    /// let t = spindle_timer::timeout(Duration::from_secs(1), std::future::ready(3));
    /// assert!(matches!(t.get_ref(), std::future::Ready { .. }));
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The wrapped future, mutably (requires an unpinned `Timeout`).
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::time::Duration;
    /// let mut t = spindle_timer::timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &mut std::future::Ready<i32> = t.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// The wrapped future, cancelling the timer.
    ///
    /// ```
    /// # use spindle_executor::park::Parker;
    /// # let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// # let _enter = driver.handle().enter();
    /// use std::time::Duration;
    /// let t = spindle_timer::timeout(Duration::from_secs(1), std::future::ready(3));
    /// assert_eq!(futures_executor::block_on(t.into_inner()), 3);
    /// ```
    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `value` is structurally pinned: it is only reached through
        // this pinned projection, `Timeout` has no `Drop` impl, and the only
        // way to move it out (`into_inner`, `get_mut`) takes `Timeout` by value
        // or `&mut`, which a pinned `!Unpin` `Timeout` cannot give. `delay` is
        // `Unpin` and not structurally pinned.
        let (value, delay) = unsafe {
            let this = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut this.value), &mut this.delay)
        };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // If the inner future spent the last of the budget, still look at
        // the deadline, or a busy inner future would never time out.
        let elapsed = if had_budget && !coop::has_budget_remaining() {
            delay.poll_unbudgeted(cx)
        } else {
            Pin::new(delay).poll(cx)
        };
        elapsed.map(|()| Err(Elapsed::new()))
    }
}
