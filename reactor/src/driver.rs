//! The I/O driver: the [`Park`] implementation that sleeps in the poller and
//! dispatches its events.
//!
//! One thread at a time holds the `IoDriver` (the executor hands it to one
//! idle worker, or the facade's combined driver wraps it). A `park` is:
//!
//! 1. skip everything if the timeout is zero and no source is registered
//!    (busy workers call `park(Some(Duration::ZERO))` often; that case must
//!    be nearly free);
//! 2. `Poller::wait` into the reused [`Events`] buffer;
//! 3. [`Reactor::dispatch`]: set readiness and collect wakers, under the
//!    slab lock;
//! 4. wake the collected wakers, with no lock held.
//!
//! The unparker calls `Poller::notify`, which makes the current or the next
//! `wait` return: an unpark is never lost, as the [`Park`] contract demands.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use polling::Events;
use spindle_executor::park::{Park, Unpark};

use crate::handle::Handle;
use crate::reactor::{wake_quietly, Key, Reactor};
use crate::source::Ready;

/// Events taken from the poller per `wait`; more stay queued in the kernel
/// for the next park.
const EVENTS_CAPACITY: usize = 1024;

/// The reactor's [`Park`]: parks in `Poller::wait` and dispatches I/O
/// events to the tasks waiting on them.
///
/// Dropping the driver shuts the reactor down ([`Handle::shutdown`]): with
/// nobody left to deliver events, pending I/O fails instead of waiting
/// forever.
///
/// # Examples
///
/// ```
/// use spindle_executor::park::Park;
/// use spindle_reactor::IoDriver;
/// use std::time::Duration;
///
/// let mut driver = IoDriver::new()?;
/// let unparker = driver.unparker();
/// unparker.unpark(); // remembered by the poller
/// driver.park(Some(Duration::from_secs(10))); // returns at once
/// let _guard = driver.handle().enter(); // sockets made now use this reactor
/// # std::io::Result::Ok(())
/// ```
pub struct IoDriver {
    handle: Handle,
    events: Events,
    /// Reused between parks: the wakers one dispatch collected.
    wakers: Vec<Waker>,
    unparker: Arc<dyn Unpark>,
    /// Blocking waits that failed in a row (for the back-off and the rate
    /// of the error report).
    failed_waits: u64,
}

/// How long a blocking park sleeps after the poller failed to wait.
const ERROR_BACKOFF: Duration = Duration::from_millis(10);

impl IoDriver {
    /// Creates a driver with its own poller.
    ///
    /// # Errors
    ///
    /// Fails if the operating system refuses to create a poller (for
    /// example when the process is out of file descriptors).
    pub fn new() -> std::io::Result<IoDriver> {
        Ok(IoDriver::from_reactor(Reactor::new()?))
    }

    /// A driver forced into oneshot mode, for tests of the re-arming path.
    #[cfg(test)]
    pub(crate) fn new_oneshot() -> std::io::Result<IoDriver> {
        Ok(IoDriver::from_reactor(Reactor::new_oneshot()?))
    }

    fn from_reactor(reactor: Reactor) -> IoDriver {
        let reactor = Arc::new(reactor);
        IoDriver {
            handle: Handle::from_reactor(reactor.clone()),
            events: Events::with_capacity(NonZeroUsize::new(EVENTS_CAPACITY).expect("capacity is not zero")),
            wakers: Vec::new(),
            unparker: Arc::new(Unparker(reactor)),
            failed_waits: 0,
        }
    }

    /// A handle to this driver's reactor, for [`Handle::enter`] and
    /// [`Handle::shutdown`].
    ///
    /// ```
    /// let driver = spindle_reactor::IoDriver::new()?;
    /// let handle = driver.handle();
    /// assert!(!handle.is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }
}

impl Park for IoDriver {
    fn park(&mut self, timeout: Option<Duration>) {
        let reactor = self.handle.reactor();
        if timeout == Some(Duration::ZERO) && reactor.is_idle() {
            // Nothing can be ready. A pending notification stays in the
            // poller and makes a later park return early (allowed).
            return;
        }
        self.events.clear();
        // `wait` retries EINTR itself. Any other error leaves no events to
        // dispatch; the caller re-checks its condition and parks again. A
        // blocking park that fails (the poller is broken, e.g. ENOMEM) sleeps
        // for a moment first, so an idle worker does not spin on the error.
        if let Err(err) = reactor.poller().wait(&mut self.events, timeout) {
            if timeout != Some(Duration::ZERO) {
                self.failed_waits += 1;
                if self.failed_waits.is_power_of_two() {
                    spindle_executor::diagnostics::warn(format_args!(
                        "the I/O poller failed to wait ({err}); retrying"
                    ));
                }
                std::thread::sleep(timeout.map_or(ERROR_BACKOFF, |t| t.min(ERROR_BACKOFF)));
            }
            return;
        }
        self.failed_waits = 0;
        if self.events.is_empty() {
            return;
        }
        let events =
            self.events.iter().map(|ev| (Key::from_usize(ev.key), Ready::from_event(ev.readable, ev.writable)));
        reactor.dispatch(events, &mut self.wakers);
        for waker in self.wakers.drain(..) {
            wake_quietly(waker);
        }
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        self.unparker.clone()
    }
}

impl fmt::Debug for IoDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoDriver").field("reactor", self.handle.reactor()).finish_non_exhaustive()
    }
}

impl Drop for IoDriver {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Wakes the thread in `IoDriver::park` through `Poller::notify`.
struct Unparker(Arc<Reactor>);

impl Unpark for Unparker {
    fn unpark(&self) {
        // `notify` only fails if the notification pipe/eventfd write fails,
        // which cannot happen for an eventfd that is drained on every wait.
        let _ = self.0.poller().notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn zero_timeout_does_not_block() {
        let mut driver = IoDriver::new().unwrap();
        let start = Instant::now();
        for _ in 0..1000 {
            driver.park(Some(Duration::ZERO));
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn unpark_from_another_thread_wakes_park() {
        let mut driver = IoDriver::new().unwrap();
        let unparker = driver.unparker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            unparker.unpark();
        });
        let start = Instant::now();
        driver.park(Some(Duration::from_secs(30)));
        assert!(start.elapsed() < Duration::from_secs(20));
        t.join().unwrap();
    }

    #[test]
    fn dropping_the_driver_shuts_the_reactor_down() {
        let driver = IoDriver::new().unwrap();
        let handle = driver.handle();
        assert!(!handle.is_shutdown());
        drop(driver);
        assert!(handle.is_shutdown());
    }

    #[test]
    fn timeout_elapses() {
        let mut driver = IoDriver::new().unwrap();
        let start = Instant::now();
        driver.park(Some(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(15));
    }

    /// The re-arming path of oneshot mode (used where edge mode is not
    /// supported), exercised on this platform by forcing the mode.
    #[test]
    fn oneshot_mode_echo() {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, Ordering};

        let mut driver = IoDriver::new_oneshot().unwrap();
        let handle = driver.handle();
        let unparker = driver.unparker();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                driver.park(None);
            }
        });
        let _enter = handle.enter();
        let (a, b) = crate::reactor::tests::tcp_pair();
        let a = crate::Async::new(a).unwrap();
        let b = crate::Async::new(b).unwrap();
        futures_executor::block_on(async {
            for round in 0..50u32 {
                let msg = round.to_le_bytes();
                let reader = async {
                    let mut buf = [0u8; 4];
                    let mut got = 0;
                    while got < 4 {
                        got += b.read_with(|s| (&*s).read(&mut buf[got..])).await.unwrap();
                    }
                    buf
                };
                let writer = async {
                    // Let the reader block first, so it must be re-armed.
                    std::thread::sleep(Duration::from_millis(1));
                    a.write_with(|s| (&*s).write(&msg)).await.unwrap()
                };
                let (buf, n) = futures_util::future::join(reader, writer).await;
                assert_eq!(n, 4);
                assert_eq!(buf, msg);
            }
        });
        stop.store(true, Ordering::SeqCst);
        unparker.unpark();
        thread.join().unwrap();
    }
}
