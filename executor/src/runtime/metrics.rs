//! `RuntimeMetrics`: counters and gauges read without stopping the runtime.
//!
//! Counters are per worker, written only by their worker with relaxed
//! stores, so reading them costs the workers nothing; values are monotonic
//! but not a consistent snapshot across workers. The current-thread flavor
//! reports as one worker.

use std::fmt;
use std::time::Duration;

use super::handle::{Handle, Scheduler};
use crate::multi_thread::WorkerMetrics;
use crate::sync::Ordering;

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
    fn worker(&self, worker: usize) -> &WorkerMetrics {
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => &shared.remotes[worker].metrics,
            Scheduler::CurrentThread(shared) => {
                assert_eq!(worker, 0, "worker index out of range: the current-thread runtime has one worker");
                &shared.metrics
            }
        }
    }

    /// Number of worker threads (1 for the current-thread flavor).
    pub fn num_workers(&self) -> usize {
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => shared.remotes.len(),
            Scheduler::CurrentThread(_) => 1,
        }
    }

    /// Tasks polled by `worker`.
    ///
    /// # Panics
    /// If `worker >= num_workers()` (for every `worker_*` method).
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker(worker).polls.load(Ordering::Relaxed)
    }

    /// Tasks `worker` stole from other workers.
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker(worker).steals.load(Ordering::Relaxed)
    }

    /// Successful steal operations (batches) by `worker`.
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker(worker).steal_operations.load(Ordering::Relaxed)
    }

    /// Times `worker` went to sleep.
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).parks.load(Ordering::Relaxed)
    }

    /// Times `worker` woke up and found nothing to do.
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        self.worker(worker).noop_unparks.load(Ordering::Relaxed)
    }

    /// Tasks `worker` took from the LIFO slot of a worker stuck in a poll.
    pub fn worker_lifo_rescue_count(&self, worker: usize) -> u64 {
        self.worker(worker).lifo_rescues.load(Ordering::Relaxed)
    }

    /// Time `worker` spent out of its parked state.
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        Duration::from_nanos(self.worker(worker).busy_nanos.load(Ordering::Relaxed))
    }

    /// Tasks in `worker`'s local queue (LIFO slot included).
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => {
                let remote = &shared.remotes[worker];
                remote.stealer.len() + usize::from(remote.lifo.is_occupied())
            }
            Scheduler::CurrentThread(shared) => {
                assert_eq!(worker, 0, "worker index out of range: the current-thread runtime has one worker");
                shared.local_queue_len()
            }
        }
    }

    /// Tasks in the global (injection) queue.
    pub fn injection_queue_depth(&self) -> usize {
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => shared.injector.len(),
            Scheduler::CurrentThread(shared) => shared.injector_len(),
        }
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
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => {
                // The registry still holds the completed tasks in the
                // workers' release batches: subtract those. Read each
                // worker's `batched` count before the registry (acquire: the
                // shard locks cannot move above it), `released` after: a
                // task counted out then completed before the count began and
                // was still registered when its shard was read (a release
                // that emptied its slot first is in `released`, bumped
                // before the removal and ordered by the shard lock). Races
                // only ever count a finished task in, never a live one out.
                let batched: Vec<u64> =
                    shared.remotes.iter().map(|r| r.metrics.batched.load(Ordering::Acquire)).collect();
                let registered = shared.registry.len();
                let waiting: u64 = shared
                    .remotes
                    .iter()
                    .zip(batched)
                    .map(|(r, batched)| batched.saturating_sub(r.metrics.released.load(Ordering::Relaxed)))
                    .sum();
                registered.saturating_sub(waiting as usize)
            }
            Scheduler::CurrentThread(shared) => shared.registry.len(),
        }
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
