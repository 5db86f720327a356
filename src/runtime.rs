//! The runtime: [`Builder`], [`Runtime`], [`Handle`].
//!
//! The facade's `Builder` is the executor's with the I/O and timer drivers
//! installed: idle workers park in the reactor's poller, with the timer's
//! earliest deadline as the timeout, and every runtime thread (workers,
//! blocking threads, `block_on` callers) has the reactor and timer
//! current, so `spindle::net` and `spindle::time` work there.
//!
//! ```
//! let rt = spindle::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! assert_eq!(rt.block_on(async { 1 }), 1);
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use spindle_executor::park::Park;
use spindle_reactor::IoDriver;
use spindle_timer::TimerDriver;

pub use crate::per_core::{CoreContext, CorePanic, PerCore};
pub use spindle_executor::{EnterGuard, Handle, RuntimeMetrics, TryCurrentError};

use crate::task::JoinHandle;

/// Configures a [`Runtime`]; tokio's names.
///
/// ```
/// let rt = spindle::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
/// ```
pub struct Builder {
    inner: spindle_executor::Builder,
    /// Worker count, for the timer's shard count (`None`: one per CPU).
    workers: Option<usize>,
    current_thread: bool,
}

macro_rules! delegate {
    ($( $(#[$doc:meta])* fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*); )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self $(, $arg: $ty)*) -> &mut Builder {
                self.inner.$name($($arg),*);
                self
            }
        )*
    };
}

impl Builder {
    /// A multi-thread, work-stealing runtime.
    pub fn new_multi_thread() -> Builder {
        Builder { inner: spindle_executor::Builder::new_multi_thread(), workers: None, current_thread: false }
    }

    /// A runtime that runs tasks on the thread calling `block_on`.
    ///
    /// ```
    /// let rt = spindle::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(async { spindle::spawn(async { 3 }).await.unwrap() }), 3);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder { inner: spindle_executor::Builder::new_current_thread(), workers: None, current_thread: true }
    }

    delegate! {
        /// Stack size of the runtime's threads, in bytes.
        fn thread_stack_size(&mut self, size: usize);
        /// Ticks between checks of the global queue (default 61).
        ///
        /// # Panics
        /// If zero.
        fn global_queue_interval(&mut self, n: u32);
        /// Ticks between non-blocking polls of I/O and timers by a busy
        /// worker (default 61).
        ///
        /// # Panics
        /// If zero.
        fn event_interval(&mut self, n: u32);
        /// Cap on blocking-pool threads (default 512).
        ///
        /// # Panics
        /// If zero.
        fn max_blocking_threads(&mut self, n: usize);
        /// Keep-alive of idle blocking threads (default 10 s).
        fn thread_keep_alive(&mut self, d: Duration);
        /// Seeds the workers' random choices.
        fn rng_seed(&mut self, seed: u64);
    }

    /// Number of worker threads (default: the number of CPUs). Ignored by
    /// the current-thread flavor.
    ///
    /// # Panics
    /// If zero.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.inner.worker_threads(n);
        self.workers = Some(n);
        self
    }

    /// Name of the runtime's threads.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.inner.thread_name(name);
        self
    }

    /// Names threads with a function called for each new thread.
    pub fn thread_name_fn(&mut self, f: impl Fn() -> String + Send + Sync + 'static) -> &mut Builder {
        self.inner.thread_name_fn(f);
        self
    }

    /// Runs `f` on each runtime thread when it starts.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.inner.on_thread_start(f);
        self
    }

    /// Runs `f` on each runtime thread before it exits.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.inner.on_thread_stop(f);
        self
    }

    /// Turns the LIFO slot off.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.inner.disable_lifo_slot();
        self
    }

    /// Builds the runtime with its reactor and timer.
    ///
    /// # Errors
    /// If the OS poller cannot be created or a worker thread cannot start.
    pub fn build(&mut self) -> io::Result<Runtime> {
        install_blocking_spawner();
        let shards = if self.current_thread { 1 } else { self.workers.unwrap_or_else(num_workers).clamp(1, 64) };
        let drivers = Drivers::new(shards)?;
        let enter = drivers.enter_hook();
        let park = drivers.park;
        self.inner.driver(move || Ok(park)).on_enter(enter);
        Ok(Runtime { inner: self.inner.build()? })
    }
}

/// The drivers a runtime parks in, and their handles: the reactor's poller,
/// wrapped by the timer (which sleeps in the poller until the earliest
/// deadline, then fires what expired).
struct Drivers {
    park: Box<dyn Park>,
    reactor: spindle_reactor::Handle,
    timer: spindle_timer::Handle,
}

impl Drivers {
    fn new(timer_shards: usize) -> io::Result<Drivers> {
        let io = IoDriver::new()?;
        let reactor = io.handle();
        let timer = TimerDriver::with_shards(io, timer_shards);
        let timer_handle = timer.handle();
        Ok(Drivers { park: Box::new(timer), reactor, timer: timer_handle })
    }

    /// Makes the reactor and timer current on a runtime thread.
    fn enter_hook(&self) -> impl Fn() -> Box<dyn std::any::Any> + Send + Sync + 'static {
        let reactor = self.reactor.clone();
        let timer = self.timer.clone();
        move || Box::new((reactor.enter(), timer.enter()))
    }
}

fn num_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A spindle runtime: workers, blocking pool, reactor and timer.
///
/// Dropping it cancels every task, joins the workers, waits for blocking
/// threads, and shuts the reactor down (pending I/O then fails instead of
/// hanging).
///
/// ```
/// let rt = spindle::Runtime::new().unwrap();
/// let v = rt.block_on(async { spindle::spawn(async { 5 }).await.unwrap() });
/// assert_eq!(v, 5);
/// ```
pub struct Runtime {
    inner: spindle_executor::Runtime,
}

impl Runtime {
    /// A multi-thread runtime with default settings.
    ///
    /// # Errors
    /// As [`Builder::build`].
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// Runs a future to completion on the calling thread.
    ///
    /// # Panics
    /// If called from a thread that already drives a runtime.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 7 }), 7);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }

    /// Spawns a task.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        self.inner.handle()
    }

    /// Makes the runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.inner.enter()
    }

    /// Counters and gauges.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.inner.metrics()
    }

    /// Shuts down, waiting at most `timeout` in all for the workers (one may
    /// be stuck in a long poll) and the blocking threads; what has not
    /// finished by then is left detached. Every task is cancelled either way.
    pub fn shutdown_timeout(self, timeout: Duration) {
        // Cancels the tasks, then drops the drivers (the reactor shuts down
        // with its driver: pending I/O fails instead of hanging).
        self.inner.shutdown_timeout(timeout);
    }

    /// Shuts down without waiting for blocking threads or a stuck worker.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
