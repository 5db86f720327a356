//! `Builder`: every knob of a runtime, with tokio's names, and the
//! [`DriverFactory`] that chooses what its idle workers park in.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::context::DriverHandles;
use super::{Flavor, Parts, Runtime};
use crate::clock::Clock;
use crate::config::{
    default_worker_threads, BlockingConfig, Config, ThreadHooks, DEFAULT_EVENT_INTERVAL, DEFAULT_GLOBAL_QUEUE_INTERVAL,
};
use crate::park::Park;

/// Configures and builds a [`Runtime`].
///
/// `D` is the driver the runtime parks in unless [`Builder::driver`]
/// installs another (see [`DriverFactory`]); the executor's own
/// [`spindle_executor::Builder`](crate::Builder) is `Builder<NoDriver>`.
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .global_queue_interval(31)
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder<D = NoDriver> {
    kind: Kind,
    worker_threads: Option<usize>,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
    global_queue_interval: u32,
    tune_global_queue: bool,
    event_interval: u32,
    blocking: BlockingConfig,
    lifo_enabled: bool,
    pad_task_cells: bool,
    rng_seed: Option<u64>,
    /// The runtime's name ([`Handle::name`](crate::Handle::name)).
    name: Option<String>,
    watchdog: super::watchdog::Settings,
    task_hooks: crate::task::hooks::TaskHooks,
    /// [`Builder::start_paused`].
    start_paused: bool,
    /// Whether the poll-time histogram is on, and its layout.
    poll_time_histogram: (bool, crate::histogram::HistogramConfiguration),
    /// A driver installed by [`Builder::driver`], instead of `D`'s.
    driver: Option<MakeDriver>,
    _driver: PhantomData<fn() -> D>,
}

type MakeDriver = Box<dyn FnOnce(usize) -> io::Result<Box<dyn Park>>>;

/// Builds the driver a runtime's idle workers park in, once the builder
/// knows how many workers there are and which [`Clock`] the runtime keeps,
/// and the driver handles the runtime makes current on its threads (found
/// with [`context::driver`](crate::context::driver)). A timer in the driver
/// reads time from that clock; a [simulated](Clock::simulated) clock asks
/// for a driver that touches no OS timer or poller.
///
/// A type, not a value, so that `Builder::<D>::new_multi_thread()` and
/// `Runtime::<D>::new()` need no argument: the `spindle` facade's `Builder`
/// and `Runtime` are this crate's with its reactor-and-timer factory.
///
/// ```
/// use spindle_executor::clock::Clock;
/// use spindle_executor::park::{Park, Parker};
/// use spindle_executor::runtime::{Builder, DriverFactory};
/// use spindle_executor::context::{self, DriverHandles};
///
/// #[derive(Clone)]
/// struct Workers(usize);
///
/// struct CondvarDriver;
///
/// impl DriverFactory for CondvarDriver {
///     fn build(workers: usize, _clock: &Clock) -> std::io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
///         let mut handles = DriverHandles::new();
///         handles.insert(Workers(workers));
///         Ok(Some((Box::new(Parker::new()), handles)))
///     }
/// }
///
/// let rt = Builder::<CondvarDriver>::new_multi_thread().worker_threads(3).build().unwrap();
/// let seen = rt.block_on(async { context::driver::<Workers>().unwrap().0 });
/// assert_eq!(seen, 3);
/// ```
pub trait DriverFactory: 'static {
    /// The driver for a runtime of `workers` workers (1 for the
    /// current-thread flavor) whose time is `clock`, and the handles to
    /// make current with it; `None` for no driver (workers sleep on
    /// condvars).
    ///
    /// # Errors
    /// Returned from [`Builder::build`].
    fn build(workers: usize, clock: &Clock) -> io::Result<Option<(Box<dyn Park>, DriverHandles)>>;
}

/// No driver: idle workers sleep on their condvars. The executor's default.
#[derive(Debug)]
pub struct NoDriver;

impl DriverFactory for NoDriver {
    fn build(_workers: usize, _clock: &Clock) -> io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
        Ok(None)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    MultiThread,
    CurrentThread,
    Simulated,
}

/// Virtual workers of a simulated runtime unless
/// [`Builder::worker_threads`] says otherwise: a constant, not the CPU
/// count, so that a seed replays alike on every machine (tokio's tests run
/// 4 workers too).
pub const DEFAULT_SIMULATED_WORKERS: usize = 4;

impl<D: DriverFactory> Builder<D> {
    /// A multi-thread, work-stealing runtime (one worker per core by
    /// default).
    pub fn new_multi_thread() -> Builder<D> {
        Builder::new(Kind::MultiThread)
    }

    /// A runtime that runs tasks on the thread calling `block_on`.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// let here = std::thread::current().id();
    /// let there = rt.block_on(async { spindle_executor::spawn(async { std::thread::current().id() }).await.unwrap() });
    /// assert_eq!(here, there);
    /// ```
    pub fn new_current_thread() -> Builder<D> {
        Builder::new(Kind::CurrentThread)
    }

    /// A simulated multi-thread runtime, for tests: the multi-thread
    /// scheduler (the same task cells, queues, LIFO slots, stealing, idle
    /// accounting and worker steps) with its workers as virtual threads,
    /// stepped one at a time on the thread that calls `block_on`. Which
    /// worker steps next, and every random choice of the scheduler, comes
    /// from `seed`, so a seed replays the same schedule, poll for poll
    /// ([`Runtime::schedule_trace_hash`] checks it), and a sweep over seeds
    /// explores many ([`simulate`](crate::runtime::simulate) runs one and
    /// names the first failing seed).
    ///
    /// [`worker_threads`](Builder::worker_threads) sets the number of
    /// virtual workers (default [`DEFAULT_SIMULATED_WORKERS`]). Tasks run
    /// only while a thread is inside `block_on` (the workers are stepped
    /// there). No other thread is started: the watchdog is off and
    /// [`spawn_blocking`](crate::Handle::spawn_blocking) closures run as
    /// tasks on the virtual workers. When no task can run and the driver
    /// has nothing pending, `block_on` panics, naming the seed: the
    /// simulation is deadlocked.
    ///
    /// Time is the driver's: the `spindle` facade's simulated runtime has
    /// a virtual clock that stands still while any task can run and jumps
    /// to the next timer deadline when every virtual worker is idle, and
    /// no sockets (they panic, naming `spindle::io::duplex`). The
    /// executor's own builder has neither.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// // Which task sees the counter at 0 depends on the schedule.
    /// fn first_to_arrive(seed: u64) -> (usize, u64) {
    ///     let rt = spindle_executor::Builder::new_simulated(seed).worker_threads(3).build().unwrap();
    ///     let arrivals = Arc::new(AtomicUsize::new(0));
    ///     let first = rt.block_on(async {
    ///         let tasks: Vec<_> = (0..8)
    ///             .map(|i| {
    ///                 let arrivals = arrivals.clone();
    ///                 spindle_executor::spawn(async move {
    ///                     spindle_executor::task::yield_now().await;
    ///                     (arrivals.fetch_add(1, Ordering::SeqCst) == 0).then_some(i)
    ///                 })
    ///             })
    ///             .collect();
    ///         let mut first = None;
    ///         for t in tasks {
    ///             first = first.or(t.await.unwrap());
    ///         }
    ///         first.unwrap()
    ///     });
    ///     (first, rt.schedule_trace_hash().unwrap())
    /// }
    /// // One seed, one schedule.
    /// assert_eq!(first_to_arrive(3), first_to_arrive(3));
    /// // Other seeds, other schedules.
    /// let hashes: std::collections::HashSet<u64> = (0..10).map(|s| first_to_arrive(s).1).collect();
    /// assert!(hashes.len() > 1);
    /// ```
    pub fn new_simulated(seed: u64) -> Builder<D> {
        let mut builder = Builder::new(Kind::Simulated);
        builder.rng_seed = Some(seed);
        builder
    }

    fn new(kind: Kind) -> Builder<D> {
        Builder {
            kind,
            worker_threads: None,
            thread_name: Arc::new(|| "spindle-worker".to_owned()),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            global_queue_interval: DEFAULT_GLOBAL_QUEUE_INTERVAL,
            tune_global_queue: true,
            event_interval: DEFAULT_EVENT_INTERVAL,
            blocking: BlockingConfig::default(),
            lifo_enabled: true,
            pad_task_cells: true,
            rng_seed: None,
            name: None,
            watchdog: super::watchdog::Settings::default(),
            task_hooks: Default::default(),
            start_paused: false,
            poll_time_histogram: (false, Default::default()),
            driver: None,
            _driver: PhantomData,
        }
    }

    /// Number of worker threads (default: the number of CPUs). Ignored by
    /// the current-thread flavor.
    ///
    /// # Panics
    /// If `n` is zero.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder<D> {
        assert!(n > 0, "worker_threads must be at least 1");
        self.worker_threads = Some(n);
        self
    }

    /// Name of the runtime's threads (workers and blocking threads).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder<D> {
        let name = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// Names threads with a function called for each new thread.
    pub fn thread_name_fn(&mut self, f: impl Fn() -> String + Send + Sync + 'static) -> &mut Builder<D> {
        self.thread_name = Arc::new(f);
        self
    }

    /// Stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Builder<D> {
        self.thread_stack_size = Some(size);
        self
    }

    /// Runs `f` on each runtime thread when it starts.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder<D> {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread before it exits.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder<D> {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// A worker takes from the global queue first every `n` ticks, so tasks
    /// scheduled from outside cannot starve. By default multi-thread workers
    /// tune it themselves, starting at 61: 200 µs divided by their mean poll
    /// time, clamped to 2..=127 (tokio's rule); setting a value turns the
    /// tuning off (the current-thread flavor always uses the value, 61 by
    /// default).
    ///
    /// # Panics
    /// If `n` is zero.
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Builder<D> {
        assert!(n > 0, "global_queue_interval must be at least 1");
        self.global_queue_interval = n;
        self.tune_global_queue = false;
        self
    }

    /// A busy worker polls the driver (I/O, timers) without blocking every
    /// `n` ticks (default 61).
    ///
    /// # Panics
    /// If `n` is zero.
    pub fn event_interval(&mut self, n: u32) -> &mut Builder<D> {
        assert!(n > 0, "event_interval must be at least 1");
        self.event_interval = n;
        self
    }

    /// Cap on blocking-pool threads (default 512).
    ///
    /// # Panics
    /// If `n` is zero.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder<D> {
        assert!(n > 0, "max_blocking_threads must be at least 1");
        self.blocking.max_threads = n;
        self
    }

    /// Bounds the blocking pool's queue: at most `n` closures wait for a
    /// busy thread (beyond those an idle or new thread is about to take).
    /// Unbounded by default, as tokio's.
    ///
    /// The bound is what the bounded spawns honour:
    /// [`try_spawn_blocking`](crate::task::try_spawn_blocking) is refused at
    /// once when it is reached, and
    /// [`spawn_blocking_bounded`](crate::task::spawn_blocking_bounded)
    /// waits for room. Plain [`spawn_blocking`](crate::spawn_blocking)
    /// ignores it and queues past it (it keeps tokio's contract: it never
    /// fails and never waits), so the queue stays within `n` only while
    /// every spawn is a bounded one. `n = 0` admits a bounded spawn only
    /// when a thread can take it at once.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .max_blocking_threads(2)
    ///     .max_blocking_queue(8)
    ///     .build()
    ///     .unwrap();
    /// let n = rt.block_on(async {
    ///     let join = spindle_executor::task::spawn_blocking_bounded(|| 6 * 7).await;
    ///     join.await.unwrap()
    /// });
    /// assert_eq!(n, 42);
    /// ```
    pub fn max_blocking_queue(&mut self, n: usize) -> &mut Builder<D> {
        self.blocking.max_queue = Some(n);
        self
    }

    /// How long an idle blocking thread waits for work before exiting
    /// (default 10 s).
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Builder<D> {
        self.blocking.keep_alive = d;
        self
    }

    /// Turns the LIFO slot off: woken tasks go to the back of the queue.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder<D> {
        self.lifo_enabled = false;
        self
    }

    /// Whether the multi-thread runtime pads each task's allocation to
    /// whole cache lines with a gap after it (default `true`; the
    /// current-thread runtime never pads: one thread polls its tasks).
    ///
    /// Padded, two tasks polled at once on different workers never write
    /// the same cache line, whatever order the allocator placed them in: on
    /// the 2-core VM, 200 tasks yielding 1,000 times each ran in 4.1 ms on
    /// two workers padded against 8.1 ms unpadded (no faster than one
    /// worker). It costs memory: an idle task whose cell is 80 bytes takes
    /// 128 (tokio's cells are 128-byte aligned for the same reason). Turn it
    /// off for many mostly idle tasks, where memory counts more than
    /// cross-worker polling.
    ///
    /// ```
    /// use spindle_executor::Builder;
    ///
    /// let rt = Builder::new_multi_thread().worker_threads(2).pad_task_cells(false).build().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 6 * 7 })).unwrap(), 42);
    /// ```
    pub fn pad_task_cells(&mut self, pad: bool) -> &mut Builder<D> {
        self.pad_task_cells = pad;
        self
    }

    /// Seeds the workers' random choices (steal victims). On a real
    /// runtime the threads' timing still varies the schedule; for one
    /// that replays, use [`new_simulated`](Builder::new_simulated), whose
    /// seed this sets too.
    pub fn rng_seed(&mut self, seed: u64) -> &mut Builder<D> {
        self.rng_seed = Some(seed);
        self
    }

    /// Installs the driver idle workers park in instead of `D`'s, built in
    /// [`build`](Builder::build) from the resolved worker count (1 for the
    /// current-thread flavor); its error is returned from there. It brings
    /// no driver handles.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    ///
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .driver(|workers| {
    ///         assert_eq!(workers, 2);
    ///         Ok(Parker::new())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn driver<F, P>(&mut self, make: F) -> &mut Builder<D>
    where
        F: FnOnce(usize) -> io::Result<P> + 'static,
        P: Park,
    {
        self.driver = Some(Box::new(move |workers| make(workers).map(|p| Box::new(p) as Box<dyn Park>)));
        self
    }

    /// Names the runtime, as reported by
    /// [`Handle::name`](crate::Handle::name) (thread names are set with
    /// [`thread_name`](Builder::thread_name)).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().name("ingest").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// ```
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder<D> {
        self.name = Some(name.into());
        self
    }

    /// Does nothing: spindle's drivers (the reactor and the timer, where
    /// the facade installs them) are always on. Kept so that a tokio
    /// builder chain compiles unchanged.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().enable_all().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder<D> {
        self
    }

    /// Does nothing: the reactor is always on (see
    /// [`enable_all`](Builder::enable_all)).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().enable_io().build().unwrap();
    /// assert_eq!(rt.block_on(async { 2 }), 2);
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder<D> {
        self
    }

    /// Does nothing: the timer is always on (see
    /// [`enable_all`](Builder::enable_all)).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().enable_time().build().unwrap();
    /// assert_eq!(rt.block_on(async { 3 }), 3);
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder<D> {
        self
    }

    /// Starts the runtime with its clock paused (tokio's `start_paused`):
    /// `Instant::now()` and every timer read a clock that stands still
    /// until `spindle::time::advance` moves it, or until the runtime has
    /// nothing to run and the clock jumps to the next timer (auto-advance;
    /// see `spindle::time::pause`). Current-thread flavor only.
    ///
    /// # Panics
    /// [`build`](Builder::build) panics when this is set on a multi-thread
    /// runtime, with tokio's message ("`time::pause()` requires the
    /// `current_thread` runtime...").
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// let paused = rt.block_on(async { spindle_executor::clock::current().unwrap().is_paused() });
    /// assert!(paused);
    /// ```
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder<D> {
        self.start_paused = start_paused;
        self
    }

    /// Turns on the blocked-poll watchdog with this threshold (on by
    /// default, at [`DEFAULT_WATCHDOG_THRESHOLD`](crate::runtime::DEFAULT_WATCHDOG_THRESHOLD)):
    /// a poll that runs longer is reported (see
    /// [`on_blocked_poll`](Self::on_blocked_poll)). Costs no CPU while the
    /// runtime is idle and one wake-up per `threshold / 2` while it is busy.
    ///
    /// # Panics
    /// If `threshold` is zero.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .watchdog(std::time::Duration::from_millis(250))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn watchdog(&mut self, threshold: Duration) -> &mut Builder<D> {
        assert!(!threshold.is_zero(), "the watchdog threshold must be more than zero");
        self.watchdog.threshold = Some(threshold);
        self
    }

    /// Turns the watchdog off (no watchdog thread).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().disable_watchdog().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn disable_watchdog(&mut self) -> &mut Builder<D> {
        self.watchdog.threshold = None;
        self
    }

    /// Where the watchdog's reports go: `f` gets each
    /// [`BlockedPoll`](crate::runtime::BlockedPoll), once while the poll is
    /// stuck and once when it returns. It runs on the watchdog's thread; a
    /// panic in it is swallowed. Without it, reports go to the
    /// [`diagnostics`](crate::diagnostics) seam (or stderr, with
    /// [`watchdog_to_stderr`](Self::watchdog_to_stderr)).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .on_blocked_poll(|p| assert!(p.elapsed() >= std::time::Duration::from_millis(100)))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_blocked_poll(&mut self, f: impl Fn(&super::BlockedPoll) + Send + Sync + 'static) -> &mut Builder<D> {
        self.watchdog.callback = Some(Arc::new(f));
        self
    }

    /// Prints the watchdog's reports to stderr when no
    /// [`on_blocked_poll`](Self::on_blocked_poll) callback is set (opt-in:
    /// by default nothing is printed).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().watchdog_to_stderr().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn watchdog_to_stderr(&mut self) -> &mut Builder<D> {
        self.watchdog.to_stderr = true;
        self
    }

    /// Runs `f` for every task spawned on the runtime (on the spawning
    /// thread, before the task is first queued; not for blocking closures).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static SPAWNED: AtomicUsize = AtomicUsize::new(0);
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .on_task_spawn(|_| { SPAWNED.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(SPAWNED.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_task_spawn(&mut self, f: impl Fn(&crate::task::TaskMeta<'_>) + Send + Sync + 'static) -> &mut Builder<D> {
        self.task_hooks.on_spawn = Some(Arc::new(f));
        self
    }

    /// Runs `f` once for every task of the runtime that completes, panics
    /// or is cancelled (on the thread that finishes it, after its future
    /// was dropped).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static DONE: AtomicUsize = AtomicUsize::new(0);
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .on_task_terminate(|_| { DONE.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(DONE.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_task_terminate(
        &mut self,
        f: impl Fn(&crate::task::TaskMeta<'_>) + Send + Sync + 'static,
    ) -> &mut Builder<D> {
        self.task_hooks.on_terminate = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it is about to sleep for lack
    /// of work (tokio's name); a panic in `f` is swallowed.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static PARKS: AtomicUsize = AtomicUsize::new(0);
    /// let _rt = spindle_executor::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_thread_park(|| { PARKS.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// assert!(PARKS.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder<D> {
        self.task_hooks.on_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it wakes from such a sleep.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static UNPARKS: AtomicUsize = AtomicUsize::new(0);
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_thread_unpark(|| { UNPARKS.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert!(UNPARKS.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder<D> {
        self.task_hooks.on_unpark = Some(Arc::new(f));
        self
    }

    /// What a panic in a task whose `JoinHandle` was dropped does (default
    /// [`UnhandledPanic::Ignore`](crate::runtime::UnhandledPanic::Ignore)).
    ///
    /// ```
    /// use spindle_executor::runtime::UnhandledPanic;
    /// let rt = spindle_executor::Builder::new_current_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let idle = rt.spawn(std::future::pending::<()>());
    /// drop(rt.spawn(async { panic!("unread") }));
    /// assert!(rt.block_on(idle).unwrap_err().is_cancelled());
    /// ```
    pub fn unhandled_panic(&mut self, policy: crate::runtime::UnhandledPanic) -> &mut Builder<D> {
        self.task_hooks.unhandled_panic = policy;
        self
    }

    /// Turns on the poll-time histogram (tokio's name): every task poll is
    /// timed and counted in a per-worker histogram, read through
    /// [`RuntimeMetrics::poll_time_histogram_bucket_count`](crate::RuntimeMetrics::poll_time_histogram_bucket_count).
    /// Off by default: it costs a clock read per poll (the end of one poll
    /// is the start of the next, so one read, not two, per poll in a busy
    /// run). The buckets are log-scaled ([`LogHistogram::default`](crate::runtime::LogHistogram):
    /// 100 ns to 60 s, each at most 25 % wide) unless
    /// [`metrics_poll_time_histogram_configuration`](Self::metrics_poll_time_histogram_configuration)
    /// says otherwise (tokio's default is linear, 10 buckets of 100 µs).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().enable_metrics_poll_time_histogram().build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// let m = rt.metrics();
    /// assert!(m.poll_time_histogram_enabled());
    /// let polls: u64 = (0..m.poll_time_histogram_num_buckets()).map(|b| m.poll_time_histogram_bucket_count(0, b)).sum();
    /// assert_eq!(polls, 1);
    /// ```
    pub fn enable_metrics_poll_time_histogram(&mut self) -> &mut Builder<D> {
        self.poll_time_histogram.0 = true;
        self
    }

    /// The bucket layout of the poll-time histogram (tokio's name); it
    /// still has to be turned on with
    /// [`enable_metrics_poll_time_histogram`](Self::enable_metrics_poll_time_histogram).
    ///
    /// ```
    /// use spindle_executor::runtime::{HistogramConfiguration, LogHistogram};
    /// use std::time::Duration;
    ///
    /// let rt = spindle_executor::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(
    ///         LogHistogram::builder().min_value(Duration::from_micros(1)).max_value(Duration::from_millis(100)),
    ///     ))
    ///     .build()
    ///     .unwrap();
    /// let m = rt.metrics();
    /// assert!(m.poll_time_histogram_bucket_range(0).end <= Duration::from_micros(1));
    /// let last = m.poll_time_histogram_num_buckets() - 1;
    /// assert!(m.poll_time_histogram_bucket_range(last).start >= Duration::from_millis(100));
    /// ```
    pub fn metrics_poll_time_histogram_configuration(
        &mut self,
        configuration: crate::histogram::HistogramConfiguration,
    ) -> &mut Builder<D> {
        self.poll_time_histogram.1 = configuration;
        self
    }

    /// Builds the runtime, starting its worker threads.
    ///
    /// # Errors
    /// If the driver cannot be built, or a worker thread cannot be started.
    pub fn build(&mut self) -> io::Result<Runtime<D>> {
        let flavor = match self.kind {
            Kind::MultiThread => {
                Flavor::MultiThread { workers: self.worker_threads.unwrap_or_else(default_worker_threads) }
            }
            Kind::CurrentThread => Flavor::CurrentThread,
            Kind::Simulated => Flavor::Simulated {
                workers: self.worker_threads.unwrap_or(DEFAULT_SIMULATED_WORKERS),
                seed: self.rng_seed.unwrap_or(0),
            },
        };
        let workers = match flavor {
            Flavor::MultiThread { workers } | Flavor::Simulated { workers, .. } => workers,
            Flavor::CurrentThread => 1,
        };
        let clock = self.make_clock();
        // Once per process (about 2 ms): so that the first named task or
        // timed poll does not pay for it on a worker.
        crate::metrics_clock::calibrate();
        let (driver, drivers) = match self.driver.take() {
            Some(make) => (Some(make(workers)?), DriverHandles::new()),
            None => match D::build(workers, &clock)? {
                Some((park, handles)) => (Some(park), handles),
                None => (None, DriverHandles::new()),
            },
        };
        let config = Config {
            global_queue_interval: self.global_queue_interval,
            tune_global_queue: self.tune_global_queue,
            event_interval: self.event_interval,
            lifo_enabled: self.lifo_enabled,
            pad_task_cells: self.pad_task_cells,
            task_hooks: (!self.task_hooks.is_empty()).then(|| Arc::new(self.task_hooks.clone())),
            simulated: self.kind == Kind::Simulated,
            clock: clock.clone(),
            poll_time_histogram: self.poll_time_histogram.0.then_some(self.poll_time_histogram.1),
            // Inside a loom model a fixed seed: loom replays each schedule,
            // which needs every choice to repeat.
            ..Config::with_seed(self.rng_seed.unwrap_or_else(|| {
                if cfg!(spindle_loom) {
                    1
                } else {
                    crate::rng::random_seed()
                }
            }))
        };
        // A simulation runs no thread of its own: no watchdog.
        let watchdog = match self.kind {
            Kind::Simulated => super::watchdog::Settings { threshold: None, ..self.watchdog.clone() },
            _ => self.watchdog.clone(),
        };
        let hooks = ThreadHooks {
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
        };
        Runtime::start(Parts {
            flavor,
            driver,
            drivers,
            config,
            hooks,
            blocking: self.blocking,
            name: self.name.clone(),
            watchdog,
            clock,
        })
    }

    /// The runtime's clock: real for the multi-thread flavor (pausing it
    /// panics, as in tokio), pausable for the current-thread flavor, and
    /// simulated for a simulated runtime and inside a loom model (no real
    /// time there).
    #[track_caller]
    fn make_clock(&self) -> Clock {
        if cfg!(spindle_loom) {
            return Clock::simulated();
        }
        match self.kind {
            Kind::Simulated => Clock::simulated(),
            Kind::CurrentThread => Clock::pausable(self.start_paused),
            Kind::MultiThread => {
                if self.start_paused {
                    // Panics with tokio's message.
                    Clock::real().pause();
                }
                Clock::real()
            }
        }
    }
}

impl<D> fmt::Debug for Builder<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .field("max_blocking_threads", &self.blocking.max_threads)
            .field("max_blocking_queue", &self.blocking.max_queue)
            .field("thread_keep_alive", &self.blocking.keep_alive)
            .field("lifo_enabled", &self.lifo_enabled)
            .field("pad_task_cells", &self.pad_task_cells)
            .field("start_paused", &self.start_paused)
            .finish_non_exhaustive()
    }
}
