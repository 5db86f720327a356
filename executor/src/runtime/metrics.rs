//! `RuntimeMetrics`: counters and gauges read without stopping the runtime.
//!
//! Counters are per worker (`worker_metrics.rs`), written only by their
//! worker with relaxed stores, so reading them costs the workers nothing;
//! values are monotonic but not a consistent snapshot across workers. The
//! current-thread flavor reports as one worker. Every figure is asked of
//! the scheduler (`scheduler::Scheduler`'s methods), never read from its
//! fields here.

use std::fmt;
use std::time::Duration;

use super::handle::Handle;
use crate::scheduler::Scheduler;
use crate::worker_metrics::WorkerMetrics;

/// A view of a runtime's metrics. Get it from
/// [`Runtime::metrics`](crate::Runtime::metrics) or [`Handle::metrics`].
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

    /// Number of worker threads (1 for the current-thread flavor).
    pub fn num_workers(&self) -> usize {
        self.scheduler().num_workers()
    }

    /// Tasks polled by `worker`.
    ///
    /// # Panics
    /// If `worker >= num_workers()` (for every `worker_*` method).
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).polls)
    }

    /// Tasks `worker` stole from other workers.
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steals)
    }

    /// Successful steal operations (batches) by `worker`.
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steal_operations)
    }

    /// Times `worker` went to sleep.
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).parks)
    }

    /// Times `worker` woke up and found nothing to do.
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).noop_unparks)
    }

    /// Tasks `worker` took from the LIFO slot of a worker stuck in a poll.
    pub fn worker_lifo_rescue_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).lifo_rescues)
    }

    /// Time `worker` spent out of its parked state.
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        Duration::from_nanos(WorkerMetrics::get(&self.worker(worker).busy_nanos))
    }

    /// Tasks in `worker`'s local queue (LIFO slot included).
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.scheduler().worker_local_queue_depth(worker)
    }

    /// Tasks in the global (injection) queue.
    pub fn injection_queue_depth(&self) -> usize {
        self.scheduler().injection_queue_depth()
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

    /// Threads in the blocking pool.
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.num_threads()
    }

    /// Idle threads in the blocking pool.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.num_idle_threads()
    }

    /// Closures waiting for a blocking thread.
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
