//! The multi-thread scheduler: one worker per thread, each with a FIFO deque
//! and a LIFO slot, a global injector, work stealing and parking.
//!
//! # Roles
//!
//! * [`Shared`]: everything all workers and all wakers see: the per-worker
//!   [`Remote`]s (stealer, LIFO slot, unparker, metrics), the injector, the
//!   idle accounting, the task registry, the driver, the shutdown flag.
//! * `worker::Core`: what only the owning worker touches (its deque's push
//!   end, tick counter, RNG, searching flag). See `worker.rs` for the loop.
//! * A worker *thread* runs a core; `block_in_place` can move a core to
//!   another thread mid-poll (`handoff.rs`), so "worker *i*" means the
//!   core and its `Remote`, whichever thread holds it. The threads are the
//!   runtime's (`runtime/worker_threads.rs`, through [`StartWorker`]).
//!
//! # Who runs the workers
//!
//! A worker is a [`Core`] driven through the steps of `worker.rs`: a
//! worker thread runs them in a loop (`run_worker`), parking on its
//! condvar or in the driver; a simulated runtime (`sim.rs`,
//! `Builder::new_simulated`) runs the same steps for every worker on the
//! thread that calls `block_on`, drawing which worker takes the next step
//! from a seed, never sleeping for real, and reading a simulated clock
//! for the policies below (`Shared::sched_clock`). Everything in
//! [`Shared`] is the same for both. Only worker threads hand cores off: a
//! simulated runtime sets no [`Shared::starter`], so `block_in_place` runs
//! its closure inline inside the simulator's step. Inside a user's loom
//! model the worker threads are loom threads (`crate::sync::thread`), the
//! hand-off included.
//!
//! # Where a scheduled task goes
//!
//! | scheduled by | goes to |
//! |---|---|
//! | a worker of this runtime, task woken or spawned | that worker's LIFO slot (the displaced task goes to the back of its deque) |
//! | a worker, task woken while running (yield) | the back of that worker's deque |
//! | the driver's dispatch (I/O events, timers) in a worker parked in it | the back of that worker's deque |
//! | any other thread | the injector |
//!
//! After a push that others could take, a parked worker is woken only if
//! nobody is searching (see `idle.rs`), and a fill of an empty LIFO slot wakes
//! nobody: the owner takes it as soon as its current poll returns. Pushes made
//! by the driver's dispatch while the worker is parked in it wake nobody
//! either: the worker decides once, when its park returns (`worker.rs`,
//! `transition_from_parked`).
//!
//! # The LIFO slot is stealable, and cannot starve
//!
//! The slot is an `AtomicPtr` in [`Remote`]; the owner fills and empties it
//! with a `swap` on a cache line nobody else writes in the common case, so
//! message passing keeps its locality at the cost of one uncontended atomic.
//! Each worker marks every poll (`WorkerMetrics::poll_started`, one relaxed
//! store at each end of a poll) and stamps it with the clock when the poll
//! fills its slot (`WorkerMetrics::stamp_poll`). A worker that searches or is
//! about to park takes the slot's task of a worker that has been inside the
//! same poll for longer than [`watch::GRACE`]; when all other workers sleep,
//! the one keeping the watch (`watch.rs`) does, woken by the fill itself if
//! it slept without a timeout. A fill wakes nobody otherwise. The watcher's
//! timed looks are also the backstop of the cheap notify rule (a push onto
//! a non-empty deque wakes nobody, see `worker::schedule_local`): if it finds
//! stealable work in any deque or the injector, it wakes up and steals. A
//! fully idle runtime has no watcher timeout, so it uses no CPU, and neither
//! does a worker stuck in polls that fill nothing. `tests/starvation.rs`
//! checks the guarantee.
//!
//! # Shutdown
//!
//! 1. `shutdown` is set and every worker and the driver are unparked.
//! 2. Each worker finishes its current poll, leaves its loop, drops the
//!    `Notified`s in its LIFO slot and deque (only references; the tasks
//!    stay in the registry) and releases its batch of completed tasks.
//! 3. The runtime joins the worker threads (spares and threads that gave
//!    their core away included), then closes the registry and cancels
//!    every task in it: futures are dropped, `JoinHandle`s see cancelled.
//!    With a deadline (`shutdown_timeout`), a worker still inside one poll
//!    when it passes is left detached, and steps 3 to 5 run while it may
//!    still be polling: the registry marks the task it polls cancelled (it
//!    is dropped when the poll returns), the closer takes the tasks waiting
//!    in its batch (the batch then finds them gone), its deque and LIFO
//!    slot are safe to steal from concurrently, and it never takes the
//!    driver again (it sees `shutdown` when its poll returns and leaves its
//!    loop). It keeps this state alive through its `Arc` until it exits.
//! 4. The injector is drained. A waker that pushes to the injector after
//!    that sees `shutdown` after its push (both sides use `SeqCst`) and
//!    drains the injector itself, so no reference is left behind.
//! 5. Every worker's deque and LIFO slot is emptied (a detached worker's
//!    included: stealing from it is safe while it runs).
//! 6. The driver is dropped (see `runtime/mod.rs` for what that shuts down
//!    in the other crates).
//! 7. The injector is drained once more: dropping futures and the driver
//!    may have woken tasks (their wakers drained it themselves, since
//!    `shutdown` is set; this is for certainty).
//!
//! The runtime then shuts the blocking pool down.

mod handoff;
mod idle;
mod park;
pub(crate) mod sim;
mod watch;
mod worker;

use crossbeam_utils::CachePadded;
use std::future::Future;
use std::ptr::NonNull;
use std::sync::{Arc as StdArc, OnceLock};

use crate::config::Config;
use crate::park::Park;
use crate::queue::{Injector, LocalQueue, Stealer};
use crate::sched_clock::SchedClock;
use crate::sync::{fence, Arc, AtomicBool, AtomicPtr, Ordering};
use crate::task::meta::Meta;
use crate::task::registry::Registry;
use crate::task::{Header, JoinHandle, Notified, Schedule, TaskId};
use crate::worker_metrics::{SchedulerMetrics, WorkerMetrics};

pub(crate) use handoff::{hand_off, is_worker_thread, StartWorker, WorkerJob};
pub(crate) use idle::Idle;
pub(crate) use park::{DriverSlot, WorkerParker, WorkerUnparker};
#[cfg(spindle_loom)]
pub(crate) use watch::Watch;
pub(crate) use worker::{run_worker, Core};

/// Most consecutive polls taken from the LIFO slot before the deque gets a
/// turn (tokio's `MAX_LIFO_POLLS_PER_TICK`).
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

/// State shared by all workers of one runtime.
pub(crate) struct Shared {
    pub(crate) remotes: Box<[CachePadded<Remote>]>,
    pub(crate) injector: Injector,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) driver: StdArc<DriverSlot>,
    pub(crate) shutdown: AtomicBool,
    /// Which parked worker keeps the LIFO watch, and how (`watch.rs`).
    pub(crate) watch: watch::Watch,
    /// The time the policies read (poll timing, the LIFO grace).
    pub(crate) sched_clock: SchedClock,
    pub(crate) config: Config,
    /// Starts the threads that run worker loops, set once by the runtime
    /// before the workers start (loom threads inside a user's loom model);
    /// `block_in_place` asks it for a replacement (`handoff.rs`). Unset on
    /// a simulated runtime and in the loom models that drive the workers
    /// by hand (`loom_api`): no hand-off there.
    pub(crate) starter: OnceLock<StdArc<dyn StartWorker>>,
    /// Remote schedules and forced yields, counted from any thread.
    pub(crate) metrics: SchedulerMetrics,
}

/// The parts of a worker that other threads reach.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer,
    pub(crate) lifo: LifoSlot,
    pub(crate) unparker: WorkerUnparker,
    pub(crate) metrics: WorkerMetrics,
}

/// A one-task slot, filled and emptied by its worker, stealable by the
/// others (see `watch.rs`). Holds a `Notified` as a raw pointer (null = empty).
pub(crate) struct LifoSlot(AtomicPtr<Header>);

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(std::ptr::null_mut()))
    }

    /// Puts `task` in the slot, returning the task it displaced.
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        let ptr = task.header().as_ptr();
        std::mem::forget(task);
        // SeqCst: the filler then loads the watch's state (`watch.rs`, "No
        // fill is missed by a deep watcher").
        let prev = self.0.swap(ptr, Ordering::SeqCst);
        // SAFETY: every non-null pointer in the slot carries a Notified's
        // reference, moved in by `push`; the swap moved it out to us.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Empties the slot.
    pub(crate) fn take(&self) -> Option<Notified> {
        if self.0.load(Ordering::Relaxed).is_null() {
            return None;
        }
        let prev = self.0.swap(std::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `push`.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Empties another worker's slot (a thief's take, `watch.rs`): the
    /// same `swap` as the owner's, so the task goes to exactly one of them.
    pub(crate) fn steal(&self) -> Option<Notified> {
        if crate::sync::mutant(crate::sync::Mutant::LifoStealNotAtomic) {
            let prev = self.0.load(Ordering::SeqCst);
            self.0.store(std::ptr::null_mut(), Ordering::SeqCst);
            // SAFETY: none: this is the broken protocol the loom model must
            // catch (two takers may both get the same reference).
            return NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) });
        }
        self.take()
    }

    pub(crate) fn is_occupied(&self) -> bool {
        !self.0.load(Ordering::SeqCst).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl Shared {
    /// Builds the shared state and the cores the worker threads will own.
    pub(crate) fn new(num_workers: usize, driver: Option<Box<dyn Park>>, config: Config) -> (Arc<Shared>, Vec<Core>) {
        let driver = StdArc::new(DriverSlot::new(driver));
        let mut remotes = Vec::with_capacity(num_workers);
        let mut cores = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let queue = LocalQueue::new();
            let parker = WorkerParker::new(driver.clone());
            remotes.push(CachePadded::new(Remote {
                stealer: queue.stealer(),
                lifo: LifoSlot::new(),
                unparker: parker.unparker(),
                metrics: WorkerMetrics::new(config.poll_time_histogram),
            }));
            cores.push(Core::new(index, queue, parker, config.global_queue_interval, config.seed));
        }
        // A simulation keeps one registry shard: the order in which
        // shutdown cancels tasks then follows their spawn order, not their
        // ids (which differ between runs).
        let (registry, sched_clock) = if config.simulated {
            (Registry::new(1), SchedClock::simulated())
        } else {
            (Registry::new(num_workers * 4), SchedClock::Monotonic)
        };
        let shared = Arc::new(Shared {
            remotes: remotes.into_boxed_slice(),
            injector: Injector::new(),
            idle: Idle::new(num_workers, config.clock.clone()),
            registry,
            driver,
            shutdown: AtomicBool::new(false),
            watch: watch::Watch::new(),
            sched_clock,
            config,
            starter: OnceLock::new(),
            metrics: SchedulerMetrics::default(),
        });
        (shared, cores)
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    /// # Panics
    /// If `worker` is out of range.
    pub(crate) fn worker_metrics(&self, worker: usize) -> &WorkerMetrics {
        &self.remotes[worker].metrics
    }

    /// Tasks in `worker`'s deque and LIFO slot.
    ///
    /// # Panics
    /// If `worker` is out of range.
    pub(crate) fn worker_local_queue_depth(&self, worker: usize) -> usize {
        let remote = &self.remotes[worker];
        remote.stealer.len() + usize::from(remote.lifo.is_occupied())
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.injector.len()
    }

    /// Tasks spawned and not yet finished.
    ///
    /// The registry still holds the completed tasks in the workers' release
    /// batches: subtract those. Read each worker's `batched` count before
    /// the registry (acquire: the shard locks cannot move above it),
    /// `released` after: a task counted out then completed before the count
    /// began and was still registered when its shard was read (a release
    /// that emptied its slot first is in `released`, bumped before the
    /// removal and ordered by the shard lock). Races only ever count a
    /// finished task in, never a live one out.
    pub(crate) fn num_alive_tasks(&self) -> usize {
        let batched: Vec<u64> = self.remotes.iter().map(|r| r.metrics.batched.load(Ordering::Acquire)).collect();
        let registered = self.registry.len();
        let waiting: u64 = self
            .remotes
            .iter()
            .zip(batched)
            .map(|(r, batched)| batched.saturating_sub(WorkerMetrics::get(&r.metrics.released)))
            .sum();
        registered.saturating_sub(waiting as usize)
    }

    /// Spawns a task on this runtime.
    #[track_caller]
    pub(crate) fn spawn<F>(this: &Arc<Self>, future: F, id: TaskId, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join) = this.registry.bind(future, this.clone(), id, meta);
        if let Some(notified) = notified {
            this.schedule_task(notified, false);
        }
        join
    }

    fn schedule_task(&self, task: Notified, is_yield: bool) {
        if let Err(task) = worker::schedule_local(self, task, is_yield) {
            self.schedule_remote(task);
        }
    }

    /// Queues a task from outside this runtime's workers.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        SchedulerMetrics::inc(&self.metrics.remote_schedules);
        self.injector.push(task);
        // Pairs with the fence in `begin_shutdown` (no reference is left in
        // the injector) and with the parker's SeqCst RMW (no lost wake-up).
        fence(Ordering::SeqCst);
        if self.shutdown.load(Ordering::SeqCst) {
            // We may be running inside a task's `schedule`: release what we
            // drain only after it returns.
            while let Some(task) = self.injector.pop() {
                task.drop_after_schedule();
            }
            return;
        }
        self.notify_parked();
    }

    /// After a fill of a LIFO slot: wakes the watcher if it sleeps deep.
    #[inline]
    pub(crate) fn notify_watcher(&self) {
        if let Some(index) = self.watch.on_fill() {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Wakes one parked worker if nobody is searching.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Whether any queue other workers can take from is non-empty.
    pub(crate) fn has_queued_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    pub(crate) fn drain_injector(&self) {
        while let Some(task) = self.injector.pop() {
            drop(task);
        }
    }

    /// Step 1 of shutdown (see the module docs).
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }
        self.driver.unpark();
    }

    /// Steps 3 to 7, after the workers are joined (or given up on).
    pub(crate) fn finish_shutdown(&self) {
        self.registry.close_and_shutdown_all();
        self.drain_injector();
        for remote in self.remotes.iter() {
            while let Some(task) = remote.stealer.steal() {
                drop(task);
            }
            drop(remote.lifo.take());
        }
        drop(self.driver.take());
        // Dropping futures above may have woken tasks; they were drained by
        // their wakers (shutdown is set), but drain once more for certainty.
        self.drain_injector();
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    unsafe fn release(&self, task: NonNull<Header>) -> bool {
        // SAFETY: our caller's contract (`Schedule::release`): it holds a
        // reference to the complete task.
        if unsafe { worker::defer_release(self, task) } {
            return false;
        }
        // SAFETY: our caller's contract is the registry's.
        unsafe { self.registry.release(task) }
    }

    fn hooks(&self) -> Option<&crate::task::hooks::TaskHooks> {
        self.config.task_hooks.as_deref()
    }

    fn pads_cells(&self) -> bool {
        self.config.pad_task_cells
    }

    fn budget_forced_yield(&self) {
        SchedulerMetrics::inc(&self.metrics.budget_forced_yields);
    }

    fn shutdown_on_unhandled_panic(&self) {
        // The workers stop; every task is cancelled now (the rest of the
        // shutdown runs when the `Runtime` is dropped).
        self.begin_shutdown();
        self.registry.close_and_shutdown_all();
    }
}
