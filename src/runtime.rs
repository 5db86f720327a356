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
//!
//! # Simulated runtimes
//!
//! [`Builder::new_simulated`] builds the multi-thread scheduler with its
//! workers stepped as virtual threads on the `block_on` thread, every
//! choice drawn from a seed: a seed replays its schedule poll for poll
//! ([`Runtime::schedule_trace_hash`]), and [`simulate`] sweeps seeds and
//! names the first that fails. Here [`Drivers`] gives it the timer over a
//! virtual clock (it stands still while any task can run and jumps to the
//! next deadline when all are idle, so an hour's sleep costs nothing) and
//! no reactor: a socket panics, naming [`io::duplex`](crate::io::duplex).
//!
//! ```
//! use std::time::Duration;
//! use spindle::runtime::{simulate, Builder};
//! use spindle::time::{sleep, Instant};
//!
//! simulate(0..50, |seed| {
//!     let rt = Builder::new_simulated(seed).worker_threads(2).build().unwrap();
//!     let wall = std::time::Instant::now();
//!     rt.block_on(async {
//!         let start = Instant::now();
//!         let (tx, mut rx) = spindle::sync::mpsc::channel(4);
//!         for i in 0..3u64 {
//!             let tx = tx.clone();
//!             spindle::spawn(async move {
//!                 sleep(Duration::from_secs(3600 * i)).await;
//!                 tx.send(i).await.unwrap();
//!             });
//!         }
//!         drop(tx);
//!         let mut got = Vec::new();
//!         while let Some(i) = rx.recv().await {
//!             got.push(i);
//!         }
//!         assert_eq!(got, [0, 1, 2], "in deadline order, on every seed");
//!         assert_eq!(start.elapsed(), Duration::from_secs(7200));
//!     });
//!     assert!(wall.elapsed() < Duration::from_secs(10), "two virtual hours");
//! });
//! ```

use std::io;

use spindle_executor::clock::Clock;
use spindle_executor::context::DriverHandles;
use spindle_executor::park::Park;
use spindle_executor::runtime::DriverFactory;
use spindle_timer::TimerDriver;

pub use crate::per_core::{CoreContext, CorePanic, PerCore};
pub use spindle_executor::runtime::Id;
pub use spindle_executor::runtime::{simulate, DEFAULT_SIMULATED_WORKERS, SIM_SEED_VAR};
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
    #[cfg(not(spindle_loom))]
    fn build(workers: usize, clock: &Clock) -> io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
        if clock.is_simulated() {
            // `Builder::new_simulated` (outside loom, the only simulated
            // clock): a virtual clock, no sockets.
            return Ok(Some(crate::sim_driver::build(clock)));
        }
        install_blocking_spawner();
        let io = spindle_reactor::IoDriver::new()?;
        let io_handle = io.handle();
        let mut handles = DriverHandles::new();
        handles.insert(io.handle());
        let timer = TimerDriver::with_clock(io, workers.clamp(1, 64), clock.clone());
        handles.insert(timer.handle());
        handles.set_metrics(DriverCounts { io: io_handle, timer: timer.handle() });
        Ok(Some((Box::new(timer), handles)))
    }

    /// Inside a loom model: the timer over the executor's parker (a loom
    /// mutex and condvar), no reactor (sockets panic, naming
    /// `spindle::io::duplex`), and the runtime's virtual clock.
    #[cfg(spindle_loom)]
    fn build(workers: usize, clock: &Clock) -> io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
        install_blocking_spawner();
        let mut handles = DriverHandles::new();
        handles.insert(spindle_reactor::NoReactor(
            "spindle::net sockets are not available inside a loom model: loom cannot see the OS's sockets or \
             poller. Use in-memory streams instead: `spindle::io::duplex(capacity)` gives a connected pair that \
             implements the same AsyncRead / AsyncWrite traits",
        ));
        let timer = TimerDriver::with_clock(spindle_executor::park::Parker::new(), workers.clamp(1, 64), clock.clone());
        handles.insert(timer.handle());
        Ok(Some((Box::new(timer), handles)))
    }
}

/// What the facade's driver reports to `RuntimeMetrics`: the reactor's and
/// the timer's own counters, read when asked (see
/// [`DriverMetrics`](spindle_executor::runtime::DriverMetrics)). A
/// simulated runtime and a loom model have no reactor, and report zeros.
#[cfg(not(spindle_loom))]
struct DriverCounts {
    io: spindle_reactor::Handle,
    timer: spindle_timer::Handle,
}

#[cfg(not(spindle_loom))]
impl spindle_executor::runtime::DriverMetrics for DriverCounts {
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
