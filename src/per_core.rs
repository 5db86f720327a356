//! [`PerCore`]: one current-thread runtime per core, each on its own
//! (optionally pinned) thread, running one closure per core; the shape load
//! generators (oha, wrk-style tools) build by hand.
//!
//! # When to prefer it to the work-stealing runtime
//!
//! The work-stealing [`Runtime`](crate::Runtime) balances uneven work:
//! tasks spawned anywhere run on whichever worker is free. That costs
//! cross-thread traffic (steals, remote wake-ups, shared queues) that a
//! workload split evenly up front does not need. A load generator is such
//! a workload: `n` identical loops, each owning its connections and its
//! share of the request rate. Run per core, each loop's tasks, sockets and
//! timers stay on one thread (and one CPU's caches when pinned), with no
//! stealing and no locks between cores; per-core counters need no atomics.
//!
//! Prefer the work-stealing runtime when the work is uneven or unknown
//! (servers, where one connection may be much busier than another): a
//! per-core loop that falls behind cannot hand its tasks to an idle core.
//! Prefer `PerCore` when the work divides evenly and its author wants each
//! piece pinned and independent: load generators, benchmark harnesses,
//! shard-per-core designs.
//!
//! # Panics and errors
//!
//! Every closure runs to the end or panics; [`PerCore::run`] joins all of
//! them before it returns. A panic on one core does not stop the others:
//! it comes back as an `io::Error` wrapping a [`CorePanic`] (which core, the
//! panic message), after every thread has been joined. Pinning is best
//! effort: where the OS refuses it, the closure runs unpinned and
//! [`CoreContext::is_pinned`] says so.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::thread;

use crate::runtime::{Builder, Runtime};

/// Builds and runs one current-thread runtime per core.
///
/// ```
/// use spindle::runtime::PerCore;
///
/// let sums = PerCore::new()
///     .cores(2)
///     .run(|ctx| {
///         let i = ctx.index();
///         ctx.block_on(async move { spindle::spawn(async move { i * 10 }).await.unwrap() })
///     })
///     .unwrap();
/// assert_eq!(sums, [0, 10]);
/// ```
#[derive(Debug, Clone)]
pub struct PerCore {
    cores: Option<usize>,
    pin: bool,
    thread_name: String,
}

impl Default for PerCore {
    fn default() -> PerCore {
        PerCore::new()
    }
}

impl PerCore {
    /// One runtime per available core, pinned, threads named
    /// `spindle-core-{index}`.
    ///
    /// ```
    /// let all = spindle::runtime::PerCore::new().run(|ctx| ctx.cores()).unwrap();
    /// assert!(!all.is_empty());
    /// assert!(all.iter().all(|&n| n == all.len()));
    /// ```
    pub fn new() -> PerCore {
        PerCore { cores: None, pin: true, thread_name: "spindle-core".into() }
    }

    /// How many runtimes (threads) to run (default: one per core the
    /// process may run on). More than there are cores wraps around: runtime
    /// `k` is pinned to core `k mod cores`.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// let v = spindle::runtime::PerCore::new().cores(3).pin(false).run(|ctx| ctx.index()).unwrap();
    /// assert_eq!(v, [0, 1, 2]);
    /// ```
    pub fn cores(&mut self, n: usize) -> &mut PerCore {
        assert!(n > 0, "PerCore::cores must be at least 1");
        self.cores = Some(n);
        self
    }

    /// Whether to pin each thread to its core (default `true`).
    ///
    /// ```
    /// let pinned = spindle::runtime::PerCore::new().cores(1).pin(false).run(|ctx| ctx.is_pinned()).unwrap();
    /// assert_eq!(pinned, [false]);
    /// ```
    pub fn pin(&mut self, pin: bool) -> &mut PerCore {
        self.pin = pin;
        self
    }

    /// Prefix of the threads' names; thread `k` is named `{prefix}-{k}`.
    ///
    /// ```
    /// let names = spindle::runtime::PerCore::new()
    ///     .cores(1)
    ///     .thread_name("gen")
    ///     .run(|_| std::thread::current().name().map(String::from))
    ///     .unwrap();
    /// assert_eq!(names, [Some("gen-0".to_string())]);
    /// ```
    pub fn thread_name(&mut self, prefix: impl Into<String>) -> &mut PerCore {
        self.thread_name = prefix.into();
        self
    }

    /// Starts one thread per core, each with its own current-thread
    /// runtime, calls `f` there with that core's [`CoreContext`], and
    /// returns the results in core order once every thread has finished.
    ///
    /// The threads are scoped: `f` may borrow from the caller.
    ///
    /// # Errors
    ///
    /// If a thread or its runtime cannot be started (the others that did
    /// start are still joined), or if `f` panicked on a core: the error
    /// then wraps a [`CorePanic`] (`err.get_ref()` and `downcast_ref`).
    /// With several failures, the first core's is returned.
    ///
    /// ```
    /// use spindle::runtime::{CorePanic, PerCore};
    ///
    /// let err = PerCore::new()
    ///     .cores(2)
    ///     .run(|ctx| if ctx.index() == 1 { panic!("core one gave up") } else { ctx.index() })
    ///     .unwrap_err();
    /// let panic = err.get_ref().unwrap().downcast_ref::<CorePanic>().unwrap();
    /// assert_eq!(panic.index(), 1);
    /// assert_eq!(panic.message(), "core one gave up");
    /// ```
    pub fn run<T, F>(&self, f: F) -> io::Result<Vec<T>>
    where
        F: Fn(CoreContext<'_>) -> T + Sync,
        T: Send,
    {
        let core_ids = if self.pin { core_affinity::get_core_ids().unwrap_or_default() } else { Vec::new() };
        let n = self.cores.unwrap_or_else(|| match core_ids.len() {
            0 => spindle_executor::default_worker_threads(),
            len => len,
        });
        let f = &f;
        let results: Vec<io::Result<T>> = thread::scope(|scope| {
            let threads: Vec<_> = (0..n)
                .map(|index| {
                    let core = (!core_ids.is_empty()).then(|| core_ids[index % core_ids.len()]);
                    thread::Builder::new()
                        .name(format!("{}-{index}", self.thread_name))
                        .spawn_scoped(scope, move || run_core(index, n, core, f))
                })
                .collect();
            threads
                .into_iter()
                .enumerate()
                .map(|(index, spawned)| match spawned {
                    Ok(thread) => thread.join().unwrap_or_else(|payload| Err(CorePanic::new(index, payload).into())),
                    Err(e) => {
                        Err(io::Error::new(e.kind(), format!("PerCore: starting the thread for core {index}: {e}")))
                    }
                })
                .collect()
        });
        results.into_iter().collect()
    }
}

/// One core's thread: pin, build the runtime, call the closure (a panic in
/// it is caught and reported for this core).
fn run_core<T, F>(index: usize, cores: usize, core: Option<core_affinity::CoreId>, f: &F) -> io::Result<T>
where
    F: Fn(CoreContext<'_>) -> T,
{
    let pinned = core.is_some_and(core_affinity::set_for_current);
    let runtime = Builder::new_current_thread()
        .build()
        .map_err(|e| io::Error::new(e.kind(), format!("PerCore: building the runtime for core {index}: {e}")))?;
    let ctx = CoreContext { index, cores, core_id: core.map(|c| c.id), pinned, runtime: &runtime };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ctx))).map_err(|p| CorePanic::new(index, p).into())
}

/// What [`PerCore::run`]'s closure learns about where it runs, and the
/// core's runtime.
///
/// ```
/// let v = spindle::runtime::PerCore::new()
///     .cores(2)
///     .run(|ctx| (ctx.index(), ctx.cores(), ctx.block_on(async { 7 })))
///     .unwrap();
/// assert_eq!(v, [(0, 2, 7), (1, 2, 7)]);
/// ```
#[derive(Clone, Copy)]
pub struct CoreContext<'a> {
    index: usize,
    cores: usize,
    core_id: Option<usize>,
    pinned: bool,
    runtime: &'a Runtime,
}

impl<'a> CoreContext<'a> {
    /// This runtime's index, `0..cores()`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many runtimes `run` started.
    pub fn cores(&self) -> usize {
        self.cores
    }

    /// The OS core id this thread was to be pinned to (`None` with pinning
    /// off or where the OS lists no cores).
    pub fn core_id(&self) -> Option<usize> {
        self.core_id
    }

    /// Whether the thread is pinned to [`core_id`](CoreContext::core_id).
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// This core's current-thread runtime.
    pub fn runtime(&self) -> &'a Runtime {
        self.runtime
    }

    /// Runs `future` to completion on this core's runtime (tasks it spawns
    /// run on this thread, inside the `block_on`).
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`], if called from inside a `block_on`.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl fmt::Debug for CoreContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoreContext")
            .field("index", &self.index)
            .field("cores", &self.cores)
            .field("core_id", &self.core_id)
            .field("pinned", &self.pinned)
            .finish_non_exhaustive()
    }
}

/// A closure that panicked on one core of [`PerCore::run`]: which one, and
/// its message (the payload, if it was a string).
///
/// ```
/// use spindle::runtime::{CorePanic, PerCore};
///
/// let err = PerCore::new().cores(1).run(|_| -> () { panic!("boom {}", 42) }).unwrap_err();
/// let panic: &CorePanic = err.get_ref().unwrap().downcast_ref().unwrap();
/// assert_eq!((panic.index(), panic.message()), (0, "boom 42"));
/// assert_eq!(err.to_string(), "PerCore: the closure on core 0 panicked: boom 42");
/// ```
pub struct CorePanic {
    index: usize,
    message: String,
}

impl CorePanic {
    fn new(index: usize, payload: Box<dyn Any + Send>) -> CorePanic {
        let message = match payload.downcast::<String>() {
            Ok(s) => *s,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(s) => (*s).to_string(),
                Err(_) => "(a non-string panic payload)".to_string(),
            },
        };
        CorePanic { index, message }
    }

    /// The index of the runtime whose closure panicked.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The panic message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for CorePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorePanic").field("index", &self.index).field("message", &self.message).finish()
    }
}

impl fmt::Display for CorePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PerCore: the closure on core {} panicked: {}", self.index, self.message)
    }
}

impl std::error::Error for CorePanic {}

impl From<CorePanic> for io::Error {
    fn from(panic: CorePanic) -> io::Error {
        io::Error::other(panic)
    }
}
