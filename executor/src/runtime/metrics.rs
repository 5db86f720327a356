//! `RuntimeMetrics`: counters and gauges read without stopping the runtime.
//!
//! Counters are per worker (`worker_metrics.rs`), written only by their
//! worker with relaxed stores, so reading them costs the workers nothing;
//! values are monotonic but not a consistent snapshot across workers. The
//! current-thread flavor reports as one worker: the thread inside
//! `block_on` that holds its core. Every figure is asked of the scheduler
//! (`scheduler::Scheduler`'s methods), never read from its fields here;
//! the I/O and timer figures are asked of the driver through the
//! [`DriverMetrics`](super::DriverMetrics) its factory installed.
//!
//! Names are tokio's where tokio has the metric (all of spindle's are
//! stable); the README's "Metrics" table maps each to tokio's.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use super::handle::Handle;
use crate::scheduler::Scheduler;
use crate::worker_metrics::WorkerMetrics;

/// A view of a runtime's metrics. Get it from
/// [`Runtime::metrics`](crate::Runtime::metrics) or [`Handle::metrics`].
///
/// Counters (`*_count`, durations) start at zero when the runtime is built
/// and only grow; gauges (`*_depth`, `num_*`) go up and down. Methods that
/// take a `worker` index panic if it is not below
/// [`num_workers`](Self::num_workers).
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     spindle_executor::spawn(async {}).await.unwrap();
/// });
/// let m = rt.metrics();
/// assert_eq!(m.num_workers(), 2);
/// let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
/// assert!(polls >= 1);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    pub(crate) handle: Handle,
}

impl RuntimeMetrics {
    fn scheduler(&self) -> &Scheduler {
        &self.handle.inner.scheduler
    }

    fn worker(&self, worker: usize) -> &WorkerMetrics {
        self.scheduler().worker_metrics(worker)
    }

    /// Number of worker threads (1 for the current-thread flavor). Fixed
    /// for the runtime's life.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.scheduler().num_workers()
    }

    /// Task polls by `worker`: one per `Future::poll` of a task, counted
    /// as the poll starts.
    ///
    /// # Panics
    /// If `worker >= num_workers()` (as every `worker_*` method).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async { spindle_executor::task::yield_now().await })).unwrap();
    /// assert_eq!(rt.metrics().worker_poll_count(0), 2);
    /// ```
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).polls)
    }

    /// Tasks `worker` stole from other workers' queues (the task it runs
    /// at once included). Always 0 on the current-thread flavor.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// let m = rt.metrics();
    /// assert!(m.worker_steal_operations(0) <= m.worker_steal_count(0));
    /// ```
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steals)
    }

    /// Steal operations that took at least one task from another worker
    /// (one operation takes up to half of the victim's queue).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().worker_steal_operations(0), 0);
    /// ```
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steal_operations)
    }

    /// Times `worker` went to sleep for lack of work.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {}); // ready at once: no park
    /// assert_eq!(rt.metrics().worker_park_count(0), 0);
    /// ```
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).parks)
    }

    /// Times `worker` went to sleep plus times it woke up from such a
    /// sleep (tokio's figure): odd while it sleeps.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let m = rt.metrics();
    /// while m.worker_park_count(0) == 0 {
    ///     std::thread::sleep(std::time::Duration::from_millis(1));
    /// }
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert!(m.worker_park_unpark_count(0) >= 2);
    /// ```
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).park_unparks)
    }

    /// Times `worker` woke up and found nothing to do (woken for work
    /// another worker took first).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().worker_noop_count(0), 0);
    /// ```
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).noop_unparks)
    }

    /// Tasks `worker` took from the LIFO slot of another worker stuck in
    /// one poll for longer than a grace period (spindle's stealable LIFO
    /// slot; no tokio equivalent).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.metrics().worker_lifo_rescue_count(1), 0);
    /// ```
    pub fn worker_lifo_rescue_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).lifo_rescues)
    }

    /// Time `worker` spent out of its parked state: polling, looking for
    /// work, driving I/O and timers. Live: a worker busy right now counts
    /// up to the moment of the call (the current-thread flavor's worker is
    /// busy while a `block_on` holds its core and does not sleep).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let m = rt.metrics();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// rt.spawn(async move {
    ///     tx.send(()).unwrap();
    ///     std::thread::sleep(Duration::from_millis(50)); // stuck in one poll
    /// });
    /// rx.recv().unwrap();
    /// std::thread::sleep(Duration::from_millis(20));
    /// // The worker has not parked since, yet its busy time moved.
    /// assert!(m.worker_total_busy_duration(0) >= Duration::from_millis(20));
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        Duration::from_nanos(self.worker(worker).busy_nanos())
    }

    /// Tasks `worker` scheduled onto its own queue (LIFO slot or deque):
    /// tasks spawned or woken on that worker's thread, and tasks that
    /// yielded there.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     spindle_executor::spawn(async {}).await.unwrap(); // spawned on the worker
    /// });
    /// assert_eq!(rt.metrics().worker_local_schedule_count(0), 1);
    /// ```
    pub fn worker_local_schedule_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).local_schedules)
    }

    /// Mean time of one of `worker`'s task polls: an exponentially
    /// weighted moving average, sampled once per batch of
    /// `global_queue_interval` ticks (the batch's elapsed time over its
    /// polls; a full batch weighs 1/4, one cut short by a park in
    /// proportion to its polls), the same figure the multi-thread workers
    /// tune their global queue interval with. Zero until a first batch
    /// with a poll ends. It includes the scheduler's own work between
    /// polls (tens of ns), and in a batch cut short the search before the
    /// park.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     for _ in 0..300 {
    ///         spindle_executor::spawn(async { std::thread::sleep(Duration::from_micros(100)) }).await.unwrap();
    ///     }
    /// });
    /// let mean = rt.metrics().worker_mean_poll_time(0);
    /// assert!(mean >= Duration::from_micros(20), "{mean:?}");
    /// ```
    pub fn worker_mean_poll_time(&self, worker: usize) -> Duration {
        Duration::from_nanos(WorkerMetrics::get(&self.worker(worker).mean_poll_nanos))
    }

    /// Tasks in `worker`'s local queue (LIFO slot included).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().worker_local_queue_depth(0), 0);
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.scheduler().worker_local_queue_depth(worker)
    }

    /// Tasks in the global (injection) queue: scheduled from outside the
    /// workers and not yet taken.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// let h = rt.spawn(async {});
    /// assert_eq!(rt.metrics().injection_queue_depth(), 1);
    /// rt.block_on(h).unwrap();
    /// ```
    pub fn injection_queue_depth(&self) -> usize {
        self.scheduler().injection_queue_depth()
    }

    /// Tokio's name for [`injection_queue_depth`](Self::injection_queue_depth).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().global_queue_depth(), 0);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.injection_queue_depth()
    }

    /// Tasks scheduled from outside the runtime's workers (into the
    /// global queue): spawned or woken on another thread.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// let h = rt.spawn(async {}); // from outside the runtime
    /// rt.block_on(h).unwrap();
    /// assert_eq!(rt.metrics().remote_schedule_count(), 1);
    /// ```
    pub fn remote_schedule_count(&self) -> u64 {
        WorkerMetrics::get(&self.scheduler().scheduler_metrics().remote_schedules)
    }

    /// Tasks spawned on the runtime since it was built (not blocking
    /// closures; a spawn after shutdown, cancelled at once, is not
    /// counted).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(async {
    ///     for _ in 0..3 {
    ///         spindle_executor::spawn(async {}).await.unwrap();
    ///     }
    /// });
    /// assert_eq!(rt.metrics().spawned_tasks_count(), 3);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        self.scheduler().spawned_tasks_count()
    }

    /// Task polls that a leaf resource cut short because the task had
    /// spent its coop budget ([`coop::BUDGET`](crate::coop::BUDGET)
    /// operations in one poll): counted once per such poll.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async {
    ///     for _ in 0..3 * spindle_executor::coop::BUDGET as usize {
    ///         spindle_executor::coop::consume_budget().await;
    ///     }
    /// }))
    /// .unwrap();
    /// assert_eq!(rt.metrics().budget_forced_yield_count(), 2);
    /// ```
    pub fn budget_forced_yield_count(&self) -> u64 {
        WorkerMetrics::get(&self.scheduler().scheduler_metrics().budget_forced_yields)
    }

    /// I/O readiness events the runtime's reactor dispatched to the
    /// sockets waiting on them, as its driver reports them (see
    /// [`DriverMetrics`](super::DriverMetrics)); 0 for a runtime without a
    /// reactor, such as the executor's own.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.metrics().io_driver_ready_count(), 0);
    /// ```
    pub fn io_driver_ready_count(&self) -> u64 {
        self.handle.inner.drivers.metrics().map_or(0, |m| m.io_driver_ready_count())
    }

    /// Timers the runtime's timer fired (deadline passed, waiter woken),
    /// as its driver reports them; 0 for a runtime without a timer.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.metrics().timers_fired_count(), 0);
    /// ```
    pub fn timers_fired_count(&self) -> u64 {
        self.handle.inner.drivers.metrics().map_or(0, |m| m.timers_fired_count())
    }

    /// Whether the poll-time histogram is on
    /// ([`Builder::enable_metrics_poll_time_histogram`](crate::runtime::Builder::enable_metrics_poll_time_histogram)).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert!(!rt.metrics().poll_time_histogram_enabled());
    /// ```
    pub fn poll_time_histogram_enabled(&self) -> bool {
        self.scheduler().poll_time_histogram().is_some()
    }

    /// Buckets of the poll-time histogram (0 when it is off).
    ///
    /// ```
    /// use spindle_executor::runtime::HistogramConfiguration;
    /// let rt = spindle_executor::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
    ///         std::time::Duration::from_micros(100),
    ///         10,
    ///     ))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.metrics().poll_time_histogram_num_buckets(), 10);
    /// ```
    pub fn poll_time_histogram_num_buckets(&self) -> usize {
        self.scheduler().poll_time_histogram().map_or(0, |h| h.num_buckets())
    }

    /// The poll times `bucket` counts: from the range's start (included)
    /// to its end (excluded); the last bucket ends at `u64::MAX` ns.
    ///
    /// # Panics
    /// If the histogram is off or `bucket >= poll_time_histogram_num_buckets()`.
    ///
    /// ```
    /// use spindle_executor::runtime::HistogramConfiguration;
    /// use std::time::Duration;
    /// let rt = spindle_executor::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(Duration::from_micros(100), 10))
    ///     .build()
    ///     .unwrap();
    /// let m = rt.metrics();
    /// assert_eq!(m.poll_time_histogram_bucket_range(1), Duration::from_micros(100)..Duration::from_micros(200));
    /// assert_eq!(m.poll_time_histogram_bucket_range(9).end, Duration::from_nanos(u64::MAX));
    /// ```
    #[track_caller]
    pub fn poll_time_histogram_bucket_range(&self, bucket: usize) -> Range<Duration> {
        let config = self.scheduler().poll_time_histogram().expect("the poll-time histogram is off");
        let range = config.bucket_range(bucket);
        Duration::from_nanos(range.start)..Duration::from_nanos(range.end)
    }

    /// Task polls by `worker` whose time fell in `bucket` (0 when the
    /// histogram is off). A poll is timed from just before the task is
    /// polled to just after, scheduler bookkeeping of a few tens of ns
    /// included.
    ///
    /// # Panics
    /// If `worker` is out of range, or the histogram is on and `bucket` is.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().enable_metrics_poll_time_histogram().build().unwrap();
    /// rt.block_on(async {
    ///     for _ in 0..10 {
    ///         spindle_executor::spawn(async {}).await.unwrap();
    ///     }
    /// });
    /// let m = rt.metrics();
    /// let counted: u64 = (0..m.num_workers())
    ///     .flat_map(|w| (0..m.poll_time_histogram_num_buckets()).map(move |b| (w, b)))
    ///     .map(|(w, b)| m.poll_time_histogram_bucket_count(w, b))
    ///     .sum();
    /// let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
    /// assert_eq!(counted, polls);
    /// ```
    #[track_caller]
    pub fn poll_time_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        self.worker(worker).histogram().map_or(0, |h| h.get(bucket))
    }

    /// Tasks spawned and not yet finished. While tasks come and go it may
    /// count one that just finished, never miss one that has not (except
    /// during shutdown, which cancels them all).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let m = rt.metrics();
    /// let alive = rt.block_on(rt.spawn(async move {
    ///     spindle_executor::spawn(async {}).await.unwrap();
    ///     m.num_alive_tasks()
    /// }));
    /// // The awaited child has finished; the task that counted had not.
    /// assert_eq!(alive.unwrap(), 1);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.scheduler().num_alive_tasks()
    }

    /// Threads in the blocking pool, busy or idle.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { spindle_executor::task::spawn_blocking(|| ()).await }).unwrap();
    /// assert_eq!(rt.metrics().num_blocking_threads(), 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.num_threads()
    }

    /// Blocking-pool threads waiting for a closure.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.num_idle_threads()
    }

    /// Closures waiting for a blocking thread.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().blocking_queue_depth(), 0);
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.inner.blocking.queue_depth()
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("injection_queue_depth", &self.injection_queue_depth())
            .field("num_blocking_threads", &self.num_blocking_threads())
            .finish()
    }
}
