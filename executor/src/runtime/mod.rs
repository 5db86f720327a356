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

mod blocking_spawns;
mod builder;
pub mod context;
#[cfg(feature = "criterion")]
mod criterion;
mod driver_metrics;
mod dump;
mod handle;
mod metrics;
mod report;
mod simulate;
mod watchdog;
mod worker_exits;
mod worker_threads;

pub use crate::histogram::{HistogramConfiguration, InvalidHistogramConfiguration, LogHistogram, LogHistogramBuilder};
pub use crate::task::UnhandledPanic;
pub use builder::{Builder, DriverFactory, NoDriver, DEFAULT_SIMULATED_WORKERS};
pub use context::EnterGuard;
pub use driver_metrics::DriverMetrics;
pub use dump::{Dump, TaskInfo, TaskState};
pub use handle::{Handle, Id, RuntimeFlavor, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use report::ShutdownReport;
pub use simulate::{simulate, SIM_SEED_VAR};
pub use watchdog::{BlockedPoll, DEFAULT_WATCHDOG_THRESHOLD};

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use crate::blocking::BlockingPool;
use crate::config::{BlockingConfig, Config, ThreadHooks};
use crate::park::Park;
use crate::scheduler::{current_thread, multi_thread, Scheduler};
use crate::task::JoinHandle;
use context::DriverHandles;
use handle::HandleInner;
use worker_threads::WorkerThreads;

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
    shut_down: bool,
    /// Stopped (by its drop) after the shutdown above.
    watchdog: Option<watchdog::Watchdog>,
    _driver: PhantomData<fn() -> D>,
}

/// Which scheduler to start, with its worker count.
pub(crate) enum Flavor {
    MultiThread {
        workers: usize,
    },
    CurrentThread,
    /// The multi-thread scheduler with `workers` virtual workers, stepped
    /// by `block_on` and drawn from `seed`.
    Simulated {
        workers: usize,
        seed: u64,
    },
}

/// Everything the builder resolved, ready to start a runtime.
pub(crate) struct Parts {
    pub(crate) flavor: Flavor,
    pub(crate) driver: Option<Box<dyn Park>>,
    pub(crate) drivers: DriverHandles,
    pub(crate) config: Config,
    pub(crate) hooks: ThreadHooks,
    pub(crate) blocking: BlockingConfig,
    pub(crate) name: Option<String>,
    pub(crate) watchdog: watchdog::Settings,
    pub(crate) clock: crate::clock::Clock,
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
        let Parts { flavor, driver, drivers, config, hooks, blocking, name, watchdog, clock } = parts;
        let (scheduler, cores) = match flavor {
            Flavor::MultiThread { workers } => {
                let (shared, cores) = multi_thread::Shared::new(workers, driver, config);
                (Scheduler::MultiThread(shared), cores)
            }
            Flavor::CurrentThread => {
                (Scheduler::CurrentThread(current_thread::Shared::new(driver, config)), Vec::new())
            }
            Flavor::Simulated { workers, seed } => {
                let driver = driver.unwrap_or_else(multi_thread::sim::Simulator::default_driver);
                let (shared, cores) = multi_thread::Shared::new(workers, Some(driver), config);
                let sim = multi_thread::sim::Simulator::new(shared, cores, seed);
                (Scheduler::Simulated(crate::sync::Arc::new(sim)), Vec::new())
            }
        };
        let handle = Runtime::<D>::make_handle(scheduler, drivers, &hooks, blocking, name, clock);
        let mut rt = Runtime { handle, shut_down: false, watchdog: None, _driver: PhantomData };
        rt.watchdog = watchdog::Watchdog::start(&rt.handle, watchdog)
            .map_err(|e| io::Error::new(e.kind(), format!("failed to start the watchdog thread: {e}")))?;
        let Scheduler::MultiThread(shared) = &rt.handle.inner.scheduler else { return Ok(rt) };
        let threads = &rt.handle.inner.worker_threads;
        if shared.starter.set(threads.starter()).is_err() {
            unreachable!("a new scheduler has no thread starter yet");
        }
        for (index, core) in cores.into_iter().enumerate() {
            let shared = shared.clone();
            if let Err((_, err)) = threads.start(Box::new(move || multi_thread::run_worker(shared, Box::new(core)))) {
                // Dropping `rt` shuts down the workers already started.
                let err = err.unwrap_or_else(|| io::Error::other("the runtime shut down while starting"));
                return Err(io::Error::new(err.kind(), format!("failed to start worker thread {index}: {err}")));
            }
        }
        Ok(rt)
    }

    fn make_handle(
        scheduler: Scheduler,
        drivers: DriverHandles,
        hooks: &ThreadHooks,
        blocking: BlockingConfig,
        name: Option<String>,
        clock: crate::clock::Clock,
    ) -> Handle {
        // Blocking and worker threads enter the runtime through a weak
        // reference (the pool and the thread set are part of what the
        // handle owns).
        let inner = StdArc::new_cyclic(|weak: &std::sync::Weak<HandleInner>| {
            let enter = || {
                let weak = weak.clone();
                Box::new(move || -> Box<dyn std::any::Any> {
                    match weak.upgrade() {
                        Some(inner) => Box::new(context::enter(Handle { inner })),
                        None => Box::new(()),
                    }
                })
            };
            let worker_threads = WorkerThreads::new(hooks.clone(), blocking.keep_alive, enter());
            let blocking = BlockingPool::new(blocking, hooks.clone(), enter(), clock.clone());
            HandleInner { scheduler, blocking, worker_threads, drivers, id: handle::Id::next(), name, clock }
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

    /// Runs a blocking closure if the blocking pool has room within
    /// `max_blocking_queue` (see [`Handle::try_spawn_blocking`]).
    ///
    /// # Errors
    /// [`TrySpawnBlockingError`](crate::task::TrySpawnBlockingError): the
    /// queue is full, or the runtime is shut down.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let h = rt.try_spawn_blocking(|| 2 + 2).unwrap();
    /// assert_eq!(rt.block_on(h).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn try_spawn_blocking<F, R>(&self, f: F) -> Result<JoinHandle<R>, crate::task::TrySpawnBlockingError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.try_spawn_blocking(f)
    }

    /// Waits for room within `max_blocking_queue`, then runs a blocking
    /// closure (see [`Handle::spawn_blocking_bounded`]).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let fut = rt.spawn_blocking_bounded(|| 2 + 2);
    /// assert_eq!(rt.block_on(async { fut.await.await.unwrap() }), 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_bounded<F, R>(&self, f: F) -> impl Future<Output = JoinHandle<R>> + Send + 'static
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking_bounded(f)
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

    /// For a simulated runtime ([`Builder::new_simulated`]), a hash of
    /// every poll so far, in order: which virtual thread polled which task
    /// (tasks named by their spawn order, so the hash is alike in every
    /// run of the same seed). Two runs of one seed give one hash; a
    /// different hash means a different schedule. `None` for a runtime
    /// that is not simulated.
    ///
    /// ```
    /// fn run(seed: u64) -> u64 {
    ///     let rt = spindle_executor::Builder::new_simulated(seed).worker_threads(2).build().unwrap();
    ///     rt.block_on(async {
    ///         let tasks: Vec<_> = (0..10).map(|i| spindle_executor::spawn(async move { i })).collect();
    ///         for t in tasks {
    ///             t.await.unwrap();
    ///         }
    ///     });
    ///     rt.schedule_trace_hash().unwrap()
    /// }
    /// assert_eq!(run(7), run(7));
    /// assert_eq!(spindle_executor::Runtime::new().unwrap().schedule_trace_hash(), None);
    /// ```
    pub fn schedule_trace_hash(&self) -> Option<u64> {
        match &self.handle.inner.scheduler {
            Scheduler::Simulated(sim) => Some(sim.trace_hash()),
            _ => None,
        }
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
            Scheduler::Simulated(sim) => {
                // As for the multi-thread flavor, with the virtual workers
                // leaving their loops here instead of being joined.
                sim.shared().begin_shutdown();
                let _enter = context::enter(handle.clone());
                sim.exit_workers();
                sim.shared().finish_shutdown();
            }
        }
        let blocking_timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let blocking = handle.inner.blocking.shutdown(blocking_timeout);
        ShutdownReport::new(unfinished, blocking, started.elapsed())
    }

    /// Joins the worker threads (but not the calling thread, if it is one;
    /// spares and threads that gave their core to `block_in_place`
    /// included), or with a deadline joins those that finished by then and
    /// detaches the rest. A detached worker keeps the scheduler's shared
    /// state alive, finds the shutdown flag when its poll returns, and
    /// exits; everything the rest of the shutdown touches tolerates it
    /// running meanwhile (see `multi_thread`'s shutdown notes).
    fn join_workers(&mut self, deadline: Option<Instant>) -> bool {
        self.handle.inner.worker_threads.shutdown_and_join(deadline)
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
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .field("threads", &self.handle.inner.worker_threads)
            .finish()
    }
}
