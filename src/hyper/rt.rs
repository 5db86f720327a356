//! [`SpindleExecutor`] and [`SpindleTimer`]: hyper's `rt::Executor` and
//! `rt::Timer` on spindle's tasks and timing wheel.
//!
//! The executor spawns detached (hyper never joins what it spawns: HTTP/2
//! streams and connection tasks report through their own channels). The
//! timer boxes a [`spindle::time::Sleep`](crate::time::Sleep) once per
//! sleep; `reset` downcasts hyper's `Pin<Box<dyn Sleep>>` back to
//! [`SpindleSleep`] and moves the deadline of the existing timer entry, so a
//! connection's header-read timeout re-armed per request allocates nothing.
//! hyper speaks `std::time::Instant`; the timer converts at the boundary
//! and answers hyper's `Timer::now` from the runtime's clock, so hyper's
//! own deadlines follow a paused clock too (`spindle::time::pause`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::time::Instant as SpindleInstant;

/// hyper's `rt::Executor` on spindle: each future is a detached
/// [`spindle::spawn`](crate::spawn)ed task.
///
/// Needed by HTTP/2 (server and client), which runs each stream as a task.
///
/// # Panics
///
/// `execute` panics outside a spindle runtime, as `spindle::spawn` does
/// (hyper calls it from inside the connection's future, which runs on one).
///
/// ```
/// use hyper::rt::Executor;
///
/// spindle::block_on(async {
///     let (tx, rx) = futures_channel::oneshot::channel();
///     spindle::hyper::SpindleExecutor::new().execute(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 7);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SpindleExecutor {
    _private: (),
}

impl SpindleExecutor {
    /// The executor (it holds nothing: tasks go to the current runtime).
    ///
    /// ```
    /// let _exec = spindle::hyper::SpindleExecutor::new();
    /// ```
    pub fn new() -> SpindleExecutor {
        SpindleExecutor { _private: () }
    }
}

impl<F> hyper::rt::Executor<F> for SpindleExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Dropping the JoinHandle detaches the task.
        drop(crate::spawn(future));
    }
}

/// hyper's `rt::Timer` on spindle's timers.
///
/// # Panics
///
/// `sleep` and `sleep_until` panic outside a spindle runtime, as
/// [`spindle::time::sleep`](crate::time::sleep) does.
///
/// ```
/// use hyper::rt::Timer;
/// use std::time::{Duration, Instant};
///
/// spindle::block_on(async {
///     let timer = spindle::hyper::SpindleTimer::new();
///     let start = Instant::now();
///     let mut sleep = timer.sleep(Duration::from_secs(3600));
///     // hyper re-arms a timer through `reset`: the same entry, moved.
///     timer.reset(&mut sleep, Instant::now() + Duration::from_millis(5));
///     assert!(sleep.as_mut().downcast_mut_pin::<spindle::hyper::SpindleSleep>().is_some());
///     sleep.await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SpindleTimer {
    _private: (),
}

impl SpindleTimer {
    /// The timer (it holds nothing: sleeps go to the current runtime).
    ///
    /// ```
    /// let _timer = spindle::hyper::SpindleTimer::new();
    /// ```
    pub fn new() -> SpindleTimer {
        SpindleTimer { _private: () }
    }
}

impl hyper::rt::Timer for SpindleTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SpindleSleep { inner: crate::time::sleep(duration) })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SpindleSleep { inner: crate::time::sleep_until(deadline.into()) })
    }

    /// Now by the current runtime's clock (frozen while it is paused).
    fn now(&self) -> Instant {
        SpindleInstant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<SpindleSleep>() {
            Some(mut ours) => ours.inner.reset(new_deadline.into()),
            // Some other timer's sleep: replace it.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The sleep [`SpindleTimer`] hands to hyper: a
/// [`spindle::time::Sleep`](crate::time::Sleep) (which is `Unpin`, `Send`
/// and `Sync`), named so that `reset` can downcast to it.
///
/// ```
/// use hyper::rt::Timer;
///
/// spindle::block_on(async {
///     let mut sleep = spindle::hyper::SpindleTimer::new().sleep(std::time::Duration::ZERO);
///     let ours = sleep.as_mut().downcast_mut_pin::<spindle::hyper::SpindleSleep>().unwrap();
///     assert!(ours.deadline() <= spindle::time::Instant::now());
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct SpindleSleep {
    inner: crate::time::Sleep,
}

impl SpindleSleep {
    /// The instant the sleep completes at.
    ///
    /// ```
    /// use hyper::rt::Timer;
    /// use std::time::{Duration, Instant};
    ///
    /// spindle::block_on(async {
    ///     let deadline = Instant::now() + Duration::from_secs(1);
    ///     let mut sleep = spindle::hyper::SpindleTimer::new().sleep_until(deadline);
    ///     let ours = sleep.as_mut().downcast_mut_pin::<spindle::hyper::SpindleSleep>().unwrap();
    ///     assert_eq!(ours.deadline().into_std(), deadline);
    /// });
    /// ```
    pub fn deadline(&self) -> SpindleInstant {
        self.inner.deadline()
    }
}

impl Future for SpindleSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl hyper::rt::Sleep for SpindleSleep {}
