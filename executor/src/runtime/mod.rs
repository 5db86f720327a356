//! The runtime API: [`Builder`], [`Runtime`], [`Handle`], [`RuntimeMetrics`]
//! and the thread [`context`]. A `Runtime` owns the scheduler (see
//! `scheduler/`), the blocking pool and the driver, and shuts them down in
//! order when dropped.
//!
//! # Drivers
//!
//! The executor knows nothing of I/O or time. What idle workers park in is
//! chosen by the builder's [`DriverFactory`] type parameter, built once the
//! worker count is resolved: the executor's own [`Builder`](crate::Builder)
//! and [`Runtime`](crate::Runtime) use [`NoDriver`] (workers sleep on
//! condvars), and the `spindle` facade's are these same types with its
//! reactor-and-timer factory, so it re-exports them instead of wrapping
//! them. The factory also hands over the driver handles the runtime makes
//! current on its threads ([`context::DriverHandles`]).
//!
//! # Shutdown order across the crates
//!
//! 1. The scheduler stops: workers leave their loops (multi-thread: see
//!    `scheduler/multi_thread/mod.rs`, "Shutdown", for the steps).
//! 2. Every task is cancelled through the registry, with the runtime
//!    entered, so task destructors may still use it.
//! 3. The driver is dropped: the facade's `TimerDriver` shuts the timer
//!    down (pending timers wake once, later ones panic when polled) and
//!    drops the reactor's `IoDriver`, which shuts the reactor down (pending
//!    I/O fails with an error instead of hanging).
//! 4. The blocking pool shuts down: queued closures are cancelled, running
//!    ones waited for (up to the `shutdown_timeout` deadline).

mod builder;
pub mod context;
#[cfg(feature = "criterion")]
mod criterion;
mod driver_metrics;
mod dump;
mod handle;
mod metrics;
mod report;
mod watchdog;
mod worker_exits;

pub use crate::histogram::{HistogramConfiguration, InvalidHistogramConfiguration, LogHistogram, LogHistogramBuilder};
pub use crate::task::UnhandledPanic;
pub use builder::{Builder, DriverFactory, NoDriver};
pub use context::EnterGuard;
pub use driver_metrics::DriverMetrics;
pub use dump::{Dump, TaskInfo, TaskState};
pub use handle::{Handle, Id, RuntimeFlavor, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use report::ShutdownReport;
pub use watchdog::{BlockedPoll, DEFAULT_WATCHDOG_THRESHOLD};

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use crate::blocking::BlockingPool;
use crate::config::{Config, ThreadHooks};
use crate::park::Park;
use crate::scheduler::{current_thread, multi_thread, Scheduler};
use crate::task::JoinHandle;
use context::DriverHandles;
use handle::HandleInner;
use worker_exits::WorkerExits;

/// A spindle runtime: worker threads (or the calling thread, for the
/// current-thread flavor), a blocking pool, and the driver they park in.
///
/// Dropping it cancels every task (their futures are dropped and their
/// `JoinHandle`s resolve to cancelled), joins the workers and waits for the
/// blocking pool's threads; [`Runtime::shutdown_timeout`] bounds that wait.
///
/// `D` chooses the driver [`Runtime::new`] builds (see the [module
/// docs](self)); every other method is the same for every `D`.
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// let sum = rt.block_on(async {
///     let tasks: Vec<_> = (0..10u64).map(|i| spindle_executor::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for t in tasks {
///         sum += t.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 285);
/// ```
pub struct Runtime<D = NoDriver> {
    handle: Handle,
    workers: Vec<std::thread::JoinHandle<()>>,
    /// Counts finished workers, for a shutdown with a deadline.
    worker_exits: StdArc<WorkerExits>,
    shut_down: bool,
    /// Stopped (by its drop) after the shutdown above.
    watchdog: Option<watchdog::Watchdog>,
    _driver: PhantomData<fn() -> D>,
}

/// Which scheduler to start, with its worker count.
pub(crate) enum Flavor {
    MultiThread { workers: usize },
    CurrentThread,
}

/// Everything the builder resolved, ready to start a runtime.
pub(crate) struct Parts {
    pub(crate) flavor: Flavor,
    pub(crate) driver: Option<Box<dyn Park>>,
    pub(crate) drivers: DriverHandles,
    pub(crate) config: Config,
    pub(crate) hooks: ThreadHooks,
    pub(crate) max_blocking: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) name: Option<String>,
    pub(crate) watchdog: watchdog::Settings,
}

impl<D: DriverFactory> Runtime<D> {
    /// A multi-thread runtime with default settings.
    ///
    /// # Errors
    /// If the driver cannot be built or a worker thread cannot be started.
    pub fn new() -> io::Result<Runtime<D>> {
        Builder::<D>::new_multi_thread().build()
    }
}

impl<D> Runtime<D> {
    /// Starts the scheduler `parts` describe (the multi-thread workers'
    /// threads, or nothing for the current-thread flavor).
    pub(crate) fn start(parts: Parts) -> io::Result<Runtime<D>> {
        let Parts { flavor, driver, drivers, config, hooks, max_blocking, keep_alive, name, watchdog } = parts;
        let (scheduler, cores) = match flavor {
            Flavor::MultiThread { workers } => {
                let (shared, cores) = multi_thread::Shared::new(workers, driver, config);
                (Scheduler::MultiThread(shared), cores)
            }
            Flavor::CurrentThread => {
                (Scheduler::CurrentThread(current_thread::Shared::new(driver, config)), Vec::new())
            }
        };
        let handle = Runtime::<D>::make_handle(scheduler, drivers, &hooks, (max_blocking, keep_alive), name);
        let mut rt = Runtime {
            handle,
            workers: Vec::with_capacity(cores.len()),
            worker_exits: StdArc::new(WorkerExits::default()),
            shut_down: false,
            watchdog: None,
            _driver: PhantomData,
        };
        rt.watchdog = watchdog::Watchdog::start(&rt.handle, watchdog)
            .map_err(|e| io::Error::new(e.kind(), format!("failed to start the watchdog thread: {e}")))?;
        let Scheduler::MultiThread(shared) = &rt.handle.inner.scheduler else { return Ok(rt) };
        let shared = shared.clone();
        for (index, core) in cores.into_iter().enumerate() {
            let shared = shared.clone();
            let handle = rt.handle.clone();
            let exit_signal = WorkerExits::signal(&rt.worker_exits);
            let spawned = hooks.spawn_thread(
                move || {
                    // Dropped in this order after the stop hook: the worker
                    // counts as exited once all of it has run.
                    (context::enter(handle), context::enter_driving(), exit_signal)
                },
                move || multi_thread::run_worker(shared, core),
            );
            match spawned {
                Ok(thread) => rt.workers.push(thread),
                Err(err) => {
                    // Dropping `rt` shuts down the workers already started.
                    return Err(io::Error::new(err.kind(), format!("failed to start worker thread {index}: {err}")));
                }
            }
        }
        Ok(rt)
    }

    fn make_handle(
        scheduler: Scheduler,
        drivers: DriverHandles,
        hooks: &ThreadHooks,
        (max_blocking, keep_alive): (usize, Duration),
        name: Option<String>,
    ) -> Handle {
        // Blocking threads enter the runtime too, through a weak reference
        // (the pool is part of what the handle owns).
        let inner = StdArc::new_cyclic(|weak: &std::sync::Weak<HandleInner>| {
            let weak = weak.clone();
            let enter = Box::new(move || -> Box<dyn std::any::Any> {
                match weak.upgrade() {
                    Some(inner) => Box::new(context::enter(Handle { inner })),
                    None => Box::new(()),
                }
            });
            let blocking = BlockingPool::new(max_blocking, keep_alive, hooks.clone(), enter);
            HandleInner { scheduler, blocking, drivers, id: handle::Id::next(), name }
        });
        Handle { inner }
    }

    /// Runs a future to completion on the calling thread. On the
    /// current-thread flavor, spawned tasks run meanwhile on this thread.
    ///
    /// # Panics
    /// If called from a thread that already drives a runtime.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let h = rt.spawn(async { 1 });
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| 2 + 2);
    /// assert_eq!(rt.block_on(h).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes the runtime current on this thread until the guard drops.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let guard = rt.enter();
    /// let h = spindle_executor::spawn(async { 9 });
    /// drop(guard);
    /// assert_eq!(rt.block_on(h).unwrap(), 9);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// A snapshot of every live task (see [`Handle::dump`]).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.dump().len(), 1);
    /// ```
    pub fn dump(&self) -> Dump {
        self.handle.dump()
    }

    /// Counters and gauges of this runtime.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts down, waiting at most `timeout` in all for the worker threads
    /// (one may be stuck in a long poll) and then for blocking threads that
    /// are still running a closure; whatever has not finished by then is
    /// left detached. The tasks are cancelled all the same: a task being
    /// polled by a stuck worker is dropped when that poll returns. The
    /// [`ShutdownReport`] says what did not finish in time.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let (started, wait_started) = std::sync::mpsc::channel();
    /// rt.spawn_blocking(move || {
    ///     started.send(()).unwrap();
    ///     std::thread::sleep(std::time::Duration::from_secs(2))
    /// });
    /// // A closure still queued is dropped, not "running": wait for it to start.
    /// wait_started.recv().unwrap();
    /// let start = std::time::Instant::now();
    /// let report = rt.shutdown_timeout(std::time::Duration::from_millis(50));
    /// assert!(start.elapsed() < std::time::Duration::from_secs(2));
    /// assert_eq!(report.blocking_still_running(), 1);
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> ShutdownReport {
        self.shutdown(Some(timeout))
    }

    /// Shuts down without waiting for blocking threads or for a worker
    /// stuck in a poll.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, timeout: Option<Duration>) -> ShutdownReport {
        let started = Instant::now();
        if std::mem::replace(&mut self.shut_down, true) {
            return ShutdownReport::default();
        }
        let deadline = timeout.map(|t| Instant::now().checked_add(t).unwrap_or_else(far_future));
        let handle = self.handle.clone();
        let mut unfinished = Vec::new();
        match &handle.inner.scheduler {
            Scheduler::MultiThread(shared) => {
                shared.begin_shutdown();
                if !self.join_workers(deadline) {
                    // A worker is stuck in a poll: its task will not stop
                    // in time. Read before the registry is emptied.
                    unfinished = ShutdownReport::running(&handle);
                }
                // Task destructors run here; let them see the runtime.
                let _enter = context::enter(handle.clone());
                shared.finish_shutdown();
            }
            Scheduler::CurrentThread(shared) => {
                let _enter = context::enter(handle.clone());
                shared.shutdown();
            }
        }
        let blocking_timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let blocking = handle.inner.blocking.shutdown(blocking_timeout);
        ShutdownReport::new(unfinished, blocking, started.elapsed())
    }

    /// Joins the workers (but not the calling thread, if it is one), or with
    /// a deadline joins those that finished by then and detaches the rest.
    /// A detached worker keeps the scheduler's shared state alive, finds the
    /// shutdown flag when its poll returns, and exits; everything the rest of
    /// the shutdown touches tolerates it running meanwhile (see
    /// `multi_thread`'s shutdown notes).
    fn join_workers(&mut self, deadline: Option<Instant>) -> bool {
        let current = std::thread::current().id();
        let workers: Vec<_> = self.workers.drain(..).filter(|w| w.thread().id() != current).collect();
        let all_exited = match deadline {
            None => true,
            Some(deadline) => self.worker_exits.wait_until(workers.len(), deadline),
        };
        for worker in workers {
            if all_exited || worker.is_finished() {
                let _ = worker.join();
            }
        }
        all_exited
    }
}

/// A deadline so far ahead it is never reached (for an overflowing timeout).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

impl<D> Drop for Runtime<D> {
    /// Shuts down, waiting for the workers and the blocking pool.
    ///
    /// # Panics
    /// On a thread that drives a runtime (a worker, or inside `block_on`),
    /// with tokio's message: waiting there could block that runtime's tasks
    /// with no bound. The runtime is still shut down first, in the
    /// background (as [`Runtime::shutdown_background`], which is the way
    /// to drop a runtime from async code).
    fn drop(&mut self) {
        if !self.shut_down && context::is_driving() && !std::thread::panicking() {
            self.shutdown(Some(Duration::ZERO));
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens when a \
                 runtime is dropped from within an asynchronous context (use `shutdown_background`)."
            );
        }
        self.shutdown(None);
    }
}

impl<D> fmt::Debug for Runtime<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").field("handle", &self.handle).field("workers", &self.workers.len()).finish()
    }
}
