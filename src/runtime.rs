//! The runtime: [`Builder`], [`Runtime`], [`Handle`].
//!
//! These are the executor's own types (`spindle_executor::runtime`), with
//! [`Drivers`] as their driver factory: when the builder knows the worker
//! count it builds the reactor's poller and the timer wrapped around it
//! (one timer shard per worker), so idle workers park in the poller with
//! the timer's earliest deadline as the timeout, and every runtime thread
//! (workers, blocking threads, `block_on` callers, [`Runtime::enter`]) has
//! the reactor and timer current through the runtime's one context, so
//! `spindle::net` and `spindle::time` work there.
//!
//! ```
//! let rt = spindle::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! assert_eq!(rt.block_on(async { 1 }), 1);
//! ```

use std::io;

use spindle_executor::context::DriverHandles;
use spindle_executor::park::Park;
use spindle_executor::runtime::{DriverFactory, DriverMetrics};
use spindle_reactor::IoDriver;
use spindle_timer::TimerDriver;

pub use crate::per_core::{CoreContext, CorePanic, PerCore};
pub use spindle_executor::runtime::Id;
pub use spindle_executor::runtime::{
    BlockedPoll, Dump, HistogramConfiguration, InvalidHistogramConfiguration, LogHistogram, LogHistogramBuilder,
    ShutdownReport, TaskInfo, TaskState, UnhandledPanic, DEFAULT_WATCHDOG_THRESHOLD,
};
pub use spindle_executor::{EnterGuard, Handle, RuntimeFlavor, RuntimeMetrics, TryCurrentError};

/// Configures a [`Runtime`]; tokio's names. The executor's builder with
/// the reactor and the timer as its driver ([`Drivers`]).
///
/// ```
/// let rt = spindle::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
///
/// let rt = spindle::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(async { spindle::spawn(async { 3 }).await.unwrap() }), 3);
/// ```
pub type Builder = spindle_executor::runtime::Builder<Drivers>;

/// A spindle runtime: workers, blocking pool, reactor and timer.
///
/// Dropping it cancels every task, joins the workers, waits for blocking
/// threads, and shuts the timer and the reactor down (pending I/O then
/// fails instead of hanging).
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// let v = rt.block_on(async { spindle::spawn(async { 5 }).await.unwrap() });
/// assert_eq!(v, 5);
/// ```
pub type Runtime = spindle_executor::runtime::Runtime<Drivers>;

/// The facade's driver factory: the reactor's poller wrapped by the timer
/// (which sleeps in the poller until the earliest deadline, then fires what
/// expired), with one timer shard per worker (at most 64), both handles
/// made current on every runtime thread, and their counters reported to
/// [`RuntimeMetrics`] (`io_driver_ready_count`, `timers_fired_count`).
///
/// ```
/// use std::future::{poll_fn, Future};
/// use std::task::Poll;
///
/// let rt = spindle::Runtime::new().unwrap();
/// let registered = rt.block_on(async {
///     assert!(spindle_reactor::Handle::try_current().is_some());
///     assert!(spindle_timer::Handle::try_current().is_some());
///     let mut sleep = std::pin::pin!(spindle::time::sleep(std::time::Duration::from_millis(20)));
///     // Its first poll registers it, unless the 20 ms are already over.
///     let registered = poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_pending())).await;
///     sleep.await;
///     registered
/// });
/// assert_eq!(rt.metrics().timers_fired_count(), u64::from(registered));
/// ```
#[derive(Debug)]
pub struct Drivers(());

impl DriverFactory for Drivers {
    fn build(workers: usize) -> io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
        install_blocking_spawner();
        let io = IoDriver::new()?;
        let io_handle = io.handle();
        let mut handles = DriverHandles::new();
        handles.insert(io.handle());
        let timer = TimerDriver::with_shards(io, workers.clamp(1, 64));
        handles.insert(timer.handle());
        handles.set_metrics(DriverCounts { io: io_handle, timer: timer.handle() });
        Ok(Some((Box::new(timer), handles)))
    }
}

/// What the facade's driver reports to `RuntimeMetrics`: the reactor's and
/// the timer's own counters, read when asked (see
/// [`DriverMetrics`](spindle_executor::runtime::DriverMetrics)).
struct DriverCounts {
    io: spindle_reactor::Handle,
    timer: spindle_timer::Handle,
}

impl DriverMetrics for DriverCounts {
    fn io_driver_ready_count(&self) -> u64 {
        self.io.ready_count()
    }

    fn timers_fired_count(&self) -> u64 {
        self.timer.fired_count()
    }
}

/// Routes the reactor's blocking jobs (name lookup, connect) to the current
/// runtime's blocking pool, or a thread outside a runtime.
fn install_blocking_spawner() {
    fn spawner(job: Box<dyn FnOnce() + Send + 'static>) {
        match Handle::try_current() {
            Ok(handle) => drop(handle.spawn_blocking(job)),
            Err(_) => {
                // On failure the job is dropped, and the reactor reports
                // that to the waiting future as an error.
                let _ = std::thread::Builder::new().name("spindle-blocking".into()).spawn(job);
            }
        }
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| spindle_reactor::set_blocking_spawner(spawner));
}
