//! The mechanism under the [`runtime`](crate::runtime) API: the two
//! schedulers, and [`Scheduler`], the handle through which the runtime
//! spawns onto either and asks it for its figures.
//!
//! | module | owns |
//! |---|---|
//! | `multi_thread` | workers, LIFO slots, stealing, idle accounting, parking (its `mod.rs` states the protocols and the shutdown order); `multi_thread::sim`, the same scheduler with its workers stepped as virtual threads |
//! | `current_thread` | the scheduler that runs tasks inside `block_on`, and the hand-off of its core between `block_on` callers |
//! | `block_on` | blocking the calling thread on a future (the multi-thread `block_on`) |
//!
//! Both schedulers answer the metric questions themselves (the methods
//! below); nothing outside a scheduler walks its fields.

pub(crate) mod block_on;
pub(crate) mod current_thread;
pub(crate) mod multi_thread;

use std::future::Future;

use crate::histogram::HistogramConfiguration;
use crate::sync::Arc;
use crate::task::meta::Meta;
use crate::task::{JoinHandle, TaskId};
use crate::worker_metrics::{SchedulerMetrics, WorkerMetrics};

/// One runtime's scheduler: of either flavor, or the multi-thread one
/// simulated.
pub(crate) enum Scheduler {
    MultiThread(Arc<multi_thread::Shared>),
    CurrentThread(Arc<current_thread::Shared>),
    /// The multi-thread scheduler's workers stepped as virtual threads
    /// (`Builder::new_simulated`).
    Simulated(Arc<multi_thread::sim::Simulator>),
}

/// A scheduler's state, whoever runs its workers.
enum Flavor<'a> {
    Multi(&'a multi_thread::Shared),
    Current(&'a Arc<current_thread::Shared>),
}

impl Scheduler {
    fn flavor_state(&self) -> Flavor<'_> {
        match self {
            Scheduler::MultiThread(shared) => Flavor::Multi(shared),
            Scheduler::Simulated(sim) => Flavor::Multi(sim.shared()),
            Scheduler::CurrentThread(shared) => Flavor::Current(shared),
        }
    }

    /// Spawns a task onto this scheduler, with a fresh id (a simulated
    /// runtime's ids follow the spawn order, see `multi_thread/sim.rs`).
    #[track_caller]
    pub(crate) fn spawn<F>(&self, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = match self {
            Scheduler::Simulated(sim) => sim.next_task_id(),
            _ => TaskId::next(),
        };
        let hooks = match self.flavor_state() {
            Flavor::Multi(shared) => &shared.config.task_hooks,
            Flavor::Current(shared) => &shared.config.task_hooks,
        };
        if let Some(hooks) = hooks {
            hooks.spawned(id, &meta);
        }
        match self {
            Scheduler::MultiThread(shared) => multi_thread::Shared::spawn(shared, future, id, meta),
            Scheduler::Simulated(sim) => multi_thread::Shared::spawn(sim.shared(), future, id, meta),
            Scheduler::CurrentThread(shared) => current_thread::Shared::spawn(shared, future, id, meta),
        }
    }

    /// The registry of this scheduler's live tasks (for dumps).
    pub(crate) fn registry(&self) -> &crate::task::registry::Registry {
        match self.flavor_state() {
            Flavor::Multi(shared) => &shared.registry,
            Flavor::Current(shared) => &shared.registry,
        }
    }

    /// The flavor's name, for `Debug`.
    pub(crate) fn flavor(&self) -> &'static str {
        match self {
            Scheduler::MultiThread(_) => "multi_thread",
            Scheduler::CurrentThread(_) => "current_thread",
            Scheduler::Simulated(_) => "multi_thread (simulated)",
        }
    }

    /// Number of workers (1 for the current-thread flavor).
    pub(crate) fn num_workers(&self) -> usize {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.num_workers(),
            Flavor::Current(_) => 1,
        }
    }

    /// The counters of `worker`.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    pub(crate) fn worker_metrics(&self, worker: usize) -> &WorkerMetrics {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.worker_metrics(worker),
            Flavor::Current(shared) => {
                check_current_thread_index(worker);
                shared.worker_metrics()
            }
        }
    }

    /// Tasks in `worker`'s local queue (LIFO slot included).
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    pub(crate) fn worker_local_queue_depth(&self, worker: usize) -> usize {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.worker_local_queue_depth(worker),
            Flavor::Current(shared) => {
                check_current_thread_index(worker);
                shared.local_queue_len()
            }
        }
    }

    /// Tasks in the injection queue.
    pub(crate) fn injection_queue_depth(&self) -> usize {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.injection_queue_depth(),
            Flavor::Current(shared) => shared.injector_len(),
        }
    }

    /// Tasks spawned since the runtime started (every task that entered
    /// the registry; see
    /// [`RuntimeMetrics::spawned_tasks_count`](crate::RuntimeMetrics::spawned_tasks_count)).
    pub(crate) fn spawned_tasks_count(&self) -> u64 {
        self.registry().inserted()
    }

    /// The counters kept for the whole scheduler.
    pub(crate) fn scheduler_metrics(&self) -> &SchedulerMetrics {
        match self.flavor_state() {
            Flavor::Multi(shared) => &shared.metrics,
            Flavor::Current(shared) => &shared.scheduler_metrics,
        }
    }

    /// The layout of the poll-time histogram, if it is on.
    pub(crate) fn poll_time_histogram(&self) -> Option<&HistogramConfiguration> {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.config.poll_time_histogram.as_ref(),
            Flavor::Current(shared) => shared.config.poll_time_histogram.as_ref(),
        }
    }

    /// Tasks spawned and not yet finished (see
    /// [`RuntimeMetrics::num_alive_tasks`](crate::RuntimeMetrics::num_alive_tasks)).
    pub(crate) fn num_alive_tasks(&self) -> usize {
        match self.flavor_state() {
            Flavor::Multi(shared) => shared.num_alive_tasks(),
            Flavor::Current(shared) => shared.num_alive_tasks(),
        }
    }
}

/// A scheduler's per-thread context: what the thread that runs its tasks
/// keeps on its stack, pointed to by the scheduler's thread-local while it
/// runs them.
pub(crate) trait ThreadCx {
    /// The scheduler state the context belongs to.
    type Shared;
    fn shared(&self) -> *const Self::Shared;
}

/// "Am I on this scheduler?": the context `current` (a scheduler's
/// thread-local) points to, if this thread runs `shared`'s tasks.
///
/// # Safety
/// `current` is null or points to a live context on this thread's stack,
/// valid for `'a` (the schedulers set their thread-local for the frame that
/// runs the tasks, reset it before that frame ends, and read it only within
/// a `with` on this thread).
pub(crate) unsafe fn on_scheduler<'a, C: ThreadCx>(current: *const C, shared: *const C::Shared) -> Option<&'a C> {
    if current.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    let cx = unsafe { &*current };
    std::ptr::eq(cx.shared(), shared).then_some(cx)
}

#[track_caller]
fn check_current_thread_index(worker: usize) {
    assert_eq!(worker, 0, "worker index out of range: the current-thread runtime has one worker");
}
