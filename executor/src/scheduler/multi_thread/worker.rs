//! The worker loop: what one worker thread does, tick by tick.
//!
//! ```text
//! loop:
//!   every event_interval ticks: poll the driver without blocking
//!   task = next_task()            every global_queue_interval ticks the
//!                                 injector first; then the LIFO slot (at
//!                                 most MAX_LIFO_POLLS in a row), the deque,
//!                                 a batch from the injector
//!       or steal_work()           become a searcher (at most half of the
//!                                 workers), steal half of a random victim's
//!                                 deque, then from the injector, then the
//!                                 LIFO task of a worker stuck in a poll
//!       or park()                 release the batch of completed tasks,
//!                                 publish "parked", re-check the queues if
//!                                 last searcher, sleep (in the driver if
//!                                 free; with a timeout if keeping the
//!                                 LIFO watch, after a non-blocking look
//!                                 at the driver), come back searching if
//!                                 notified
//!   run_task(task)                leave searching first (waking one more
//!                                 worker if we were the last searcher)
//! ```
//!
//! While a task is polled (and while the driver dispatches events), the
//! worker's [`Core`] sits in the thread-local [`WorkerCx`], so that wakes on
//! this thread push to this worker's LIFO slot and deque without locks.
//!
//! # Metrics
//!
//! The worker counts into its `WorkerMetrics` (`worker_metrics.rs`) with
//! plain relaxed stores. It reads the scheduler clock (`sched_clock.rs`) at each park and unpark (busy
//! time, published live), once per batch of `global_interval` ticks (the
//! mean poll time, which also tunes the interval), and, only when the
//! poll-time histogram is on, once per poll: the end of one poll is the
//! start of the next when nothing else ran between them (`Core::clock`),
//! so back-to-back polls cost one clock read each, not two. The per-poll
//! reads are metrics only, so they go to the cheap metrics clock
//! (`metrics_clock.rs`: a calibrated cycle counter), or to the scheduler
//! clock when that is simulated (so a simulated run replays); the
//! policies (mean poll time, LIFO grace, watcher) read the scheduler
//! clock alone.
//!
//! Tasks completed on this thread leave the registry in batches of
//! [`RELEASE_BATCH`] (see `task/registry.rs`): the batch is released when
//! full, at each driver tick (every `event_interval` ticks), before the
//! worker parks, and when it exits. A worker stuck in one long poll holds
//! its batch until the poll returns. The worker counts what enters and
//! leaves its batch in its metrics, so `num_alive_tasks` counts completed
//! tasks out at once.
//!
//! # Steps
//!
//! The loop is written as the steps a simulator can call one at a time
//! (`sim.rs`, `Builder::new_simulated`), with no other code between them:
//! [`Worker::find_task`] (one tick's search), [`Worker::poll`] and
//! [`Worker::finish_poll`] (one poll, and the mark that it returned),
//! [`Worker::park_begin`], [`Worker::watch_timeout`], [`Worker::sleep`],
//! [`Worker::park_woken`] and [`Worker::park_end`] (one park: publish,
//! sleep, decide on each wake-up, leave), and [`Worker::exit`]. A real
//! thread runs them in [`run_worker`]'s order; the simulator runs the same
//! steps, choosing which virtual worker takes the next one, and never sleeps
//! for real (see `sim.rs` for how it replaces the sleep and the clock).

use std::cell::{Cell, RefCell};
use std::ptr::{self, NonNull};
use std::time::Duration;

use super::watch::{GRACE, GRACE_NANOS, MAX_PERIOD};
use super::{Shared, WorkerParker, MAX_LIFO_POLLS};
use crate::queue::LocalQueue;
use crate::rng::FastRand;
use crate::scheduler::{on_scheduler, ThreadCx};
use crate::sync::{fence, mutant, Arc, Mutant, Ordering};
use crate::task::registry::Deferred;
use crate::task::{Header, Notified};
use crate::worker_metrics::{clock_nanos, WorkerMetrics};

/// Completed tasks a worker holds before removing them from the registry
/// together. Each keeps its cell (as large as its future, 80 bytes for the
/// smallest) and its join waker until then.
pub(crate) const RELEASE_BATCH: usize = 32;

/// What only the owning worker touches.
pub(crate) struct Core {
    index: usize,
    queue: LocalQueue,
    parker: Option<WorkerParker>,
    /// Ticks left until the next non-blocking driver poll (a countdown, so
    /// the hot loop has no division).
    until_event: u32,
    /// Ticks left until the injector is checked first.
    until_global: u32,
    lifo_polls: u32,
    is_searching: bool,
    rng: FastRand,
    /// The global queue interval in use (tuned unless the builder set it).
    global_interval: u32,
    /// The scheduler clock when the current batch of ticks began (0: not
    /// yet, or dropped by a hand-off).
    batch_started: u64,
    /// The worker's poll count when it began.
    batch_polls: u64,
    /// Mean poll time, an exponentially weighted average over batches.
    mean_poll_nanos: u64,
    /// When the poll-time histogram is on: the metrics clock (the
    /// scheduler clock if simulated) at which the last poll ended, if the worker has done nothing but look for the
    /// next task since (so it is also the next poll's start); else 0.
    clock: u64,
    /// Whether the park in progress polled the driver (then the busy
    /// countdown to the next driver poll restarts when it ends).
    polled_driver: bool,
    /// The LIFO watch's last look at the other workers' fill counts.
    seen_fills: u64,
    /// The watcher's current timed park (`watch.rs`: from GRACE, doubling
    /// to MAX_PERIOD while fills are served by their owners).
    watch_period: Duration,
}

impl Core {
    pub(crate) fn new(index: usize, queue: LocalQueue, parker: WorkerParker, global_interval: u32, seed: u64) -> Core {
        Core {
            index,
            queue,
            parker: Some(parker),
            until_event: 1,
            until_global: 1,
            lifo_polls: 0,
            is_searching: false,
            rng: FastRand::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9)),
            global_interval,
            batch_started: 0,
            batch_polls: 0,
            mean_poll_nanos: 0,
            clock: 0,
            polled_driver: false,
            seen_fills: 0,
            watch_period: GRACE,
        }
    }
}

impl Core {
    /// `handoff.rs` step 1, the core's part: the LIFO task goes to the
    /// deque (stealable while the replacement starts), the poll ends in
    /// the worker's metrics, and the tuning batch in progress is dropped
    /// (it would measure the blocking closure as a poll).
    pub(super) fn prepare_hand_off(&mut self, shared: &Shared) {
        let remote = &shared.remotes[self.index];
        remote.metrics.poll_finished();
        self.batch_started = 0;
        self.clock = 0;
        self.lifo_polls = 0;
        if let Some(task) = remote.lifo.take() {
            self.queue.push(task);
        }
        if !self.queue.is_empty() {
            // As `schedule_local`: the deque is stealable, wake a sleeper
            // if nobody searches.
            fence(Ordering::SeqCst);
            shared.notify_parked();
        }
    }
}

/// The thread-local view of the running worker: a worker thread's own for
/// its life (`run_worker`), or one per virtual worker of the simulator,
/// current during that worker's steps ([`WorkerCx::enter`]).
pub(crate) struct WorkerCx {
    pub(super) shared: Arc<Shared>,
    /// This worker's index (its `Core`'s), for its metrics.
    pub(super) index: usize,
    pub(super) core: RefCell<Option<Box<Core>>>,
    /// Tasks completed here whose registry entries are not yet removed.
    released: RefCell<Vec<Deferred>>,
    /// Set while this thread's core is handed off by `block_in_place`
    /// (`handoff.rs`): the thread is no longer worker `index`, so it
    /// writes none of its counters and batches no releases.
    pub(super) handed_off: Cell<bool>,
}

impl WorkerCx {
    pub(crate) fn new(shared: &Arc<Shared>, index: usize) -> WorkerCx {
        WorkerCx {
            shared: shared.clone(),
            index,
            core: RefCell::new(None),
            released: RefCell::new(Vec::new()),
            handed_off: Cell::new(false),
        }
    }

    /// Makes this the worker of the calling thread until the guard drops
    /// (which restores the previous one): wakes and spawns on this thread
    /// then go to this worker's queues.
    pub(crate) fn enter(&self) -> CxGuard {
        CxGuard(CURRENT.with(|c| c.replace(self)))
    }

    /// Removes the batch of completed tasks from the registry.
    pub(super) fn release_batch(&self, shared: &Shared) {
        if self.handed_off.get() {
            return;
        }
        let Ok(mut slot) = self.released.try_borrow_mut() else { return };
        if slot.is_empty() {
            return;
        }
        // Taken out of the cell: dropping the registry's references below
        // may run destructors, which must find the cell free.
        let mut batch = std::mem::take(&mut *slot);
        drop(slot);
        // Counted before the registry shrinks (see `num_alive_tasks`).
        WorkerMetrics::add(&shared.remotes[self.index].metrics.released, batch.len() as u64);
        shared.registry.release_batch(&mut batch);
        if let Ok(mut slot) = self.released.try_borrow_mut() {
            if slot.is_empty() {
                // Keep the capacity.
                *slot = batch;
            }
        }
    }
}

impl ThreadCx for WorkerCx {
    type Shared = Shared;
    fn shared(&self) -> *const Shared {
        &*self.shared
    }
}

crate::sync::thread_local! {
    static CURRENT: Cell<*const WorkerCx> = const { Cell::new(ptr::null()) };
}

/// Runs `f` with this thread's worker context, if this thread is running
/// a multi-thread worker loop (of any runtime) or a simulator's step.
pub(super) fn with_worker_cx<R>(f: impl FnOnce(Option<&WorkerCx>) -> R) -> R {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: a non-null CURRENT points to a live WorkerCx: the one on this
    // thread's stack in `run_worker`, or a simulator's (boxed in it) during
    // one step; either is current only through a `CxGuard`, which restores
    // the previous value before the context goes away. `f` runs within
    // this call, on this thread.
    f((!current.is_null()).then(|| unsafe { &*current }))
}

/// Restores the thread's previous worker context (see [`WorkerCx::enter`]).
pub(crate) struct CxGuard(*const WorkerCx);

impl Drop for CxGuard {
    fn drop(&mut self) {
        // During thread teardown the thread-local may be gone: nothing to
        // restore then.
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// Pushes `task` to the current worker's queues if this thread is a worker
/// of `shared` that can take it now; otherwise gives it back.
pub(crate) fn schedule_local(shared: &Shared, task: Notified, is_yield: bool) -> Result<(), Notified> {
    CURRENT.with(|current| {
        // SAFETY: CURRENT points to the WorkerCx on this thread's stack in
        // `run_worker`, and is reset before that frame ends.
        let Some(cx) = (unsafe { on_scheduler(current.get(), shared) }) else {
            return Err(task);
        };
        let Ok(mut core) = cx.core.try_borrow_mut() else {
            return Err(task);
        };
        let Some(core) = core.as_mut() else {
            return Err(task);
        };
        let remote = &shared.remotes[core.index];
        WorkerMetrics::add(&remote.metrics.local_schedules, 1);
        // Inside `park` (our parker is out), the driver is dispatching its
        // events and timers into our queues.
        let parked = core.parker.is_none();
        // The LIFO slot is for a task woken by the task now running; a wake
        // from the driver's dispatch has none, so it goes to the back of the
        // deque: tasks run in the order the kernel reported their events
        // (the slot would run the newest first), the worker woken by the
        // hand-off can steal them at once (a slot only after the watch's
        // grace), and the LIFO watch sees no fills it would keep a timed
        // watch for.
        let task = if is_yield || parked || !shared.config.lifo_enabled {
            task
        } else {
            let prev = remote.lifo.push(task);
            WorkerMetrics::add(&remote.metrics.lifo_fills, 1);
            // Nobody to wake unless the watcher sleeps deep: we run the task
            // next, or a thief does if this poll lasts (`watch.rs`).
            shared.notify_watcher();
            match prev {
                None => return Ok(()),
                Some(prev) => prev,
            }
        };
        core.queue.push(task);
        if parked {
            // Waking a sleeper is decided once the park returns
            // (`transition_from_parked`), after we have taken ourselves off
            // the sleepers list: a notify from here may pick this very
            // worker (still listed asleep), which costs a `Poller::notify`
            // and wakes nobody. (tokio delays this notify in the same way.)
            return Ok(());
        }
        // A yielding task is the one this worker just polled: its poll has
        // returned, so with the LIFO slot empty and the task alone in the
        // deque this worker pops it next. Waking a sleeper to steal it
        // would only move it, for a futex wake and a park per yield (a task
        // blocking its worker in polls that yield, beside an idle worker).
        let runs_next_here = || is_yield && !remote.lifo.is_occupied();
        if core.queue.len() == 1 && !runs_next_here() {
            // The deque just became stealable: wake a sleeper if nobody
            // searches. A push onto a non-empty deque wakes nobody: the push
            // that made it non-empty did, and a worker that parked since
            // re-checked the deques as the last searcher (`idle.rs`). The
            // length is read without a fence, so in the store-buffer race
            // (a thief empties the deque, re-checks and parks while this push
            // is still in flight) it can look longer than it is: the LIFO
            // watcher's timed looks (see `park`) bound that case while it
            // is timed; a deep watcher is woken by the fill that displaced
            // the task into the deque.
            fence(Ordering::SeqCst);
            shared.notify_parked();
        }
        Ok(())
    })
}

/// Takes a completed task's registry removal into the current worker's
/// batch, if this thread is a worker of `shared`: returns `true` if it did
/// (the registry keeps its reference until the batch is released), `false`
/// if the caller must release it now.
///
/// # Safety
/// As [`Registry::deferred`](crate::task::registry::Registry::deferred):
/// the caller holds a reference to the complete task.
pub(crate) unsafe fn defer_release(shared: &Shared, task: NonNull<Header>) -> bool {
    CURRENT.with(|current| {
        // SAFETY: as in `schedule_local`.
        let Some(cx) = (unsafe { on_scheduler(current.get(), shared) }) else {
            return false;
        };
        if cx.handed_off.get() {
            // Not a worker any more (`block_in_place`): release it now.
            return false;
        }
        if cx.released.try_borrow().is_ok_and(|b| b.len() >= RELEASE_BATCH) {
            cx.release_batch(shared);
        }
        let Ok(mut batch) = cx.released.try_borrow_mut() else { return false };
        // SAFETY: the caller's contract.
        batch.push(unsafe { shared.registry.deferred(task) });
        WorkerMetrics::add(&shared.remotes[cx.index].metrics.batched, 1);
        true
    })
}

/// The body of a worker thread: runs `core` until the runtime shuts down,
/// or until a task's poll hands the core to another thread
/// (`block_in_place`, see `handoff.rs`) and returns.
pub(crate) fn run_worker(shared: Arc<Shared>, mut core: Box<Core>) {
    let cx = WorkerCx::new(&shared, core.index);
    let _current = cx.enter();
    let worker = Worker::new(&shared, &cx);
    core.is_searching = false;
    match worker.run(core) {
        Some(core) => worker.exit(core),
        // The core went to another thread, which owns worker `index` now:
        // this one leaves without touching it. Its poll has returned, so
        // its own busy period for a model's clock ends (`handoff.rs`).
        None => shared.idle.blocker_done(),
    }
}

/// At the end of each batch of `global_interval` ticks, and at a park
/// (`now`: the clock read for it) that cuts a batch short: folds the
/// batch's time per poll into the mean (`fold_mean_poll`: a batch weighs
/// 1/4 times its polls over the interval), publishes it
/// (`worker_mean_poll_time`) and, if the builder left the interval to the
/// worker, re-derives the interval; then starts the next batch. One clock
/// read per batch, none when the poll that just ended read it. A batch
/// without a poll (a worker that searched and parked) is not a sample.
fn sample_mean_poll(core: &mut Core, shared: &Shared, now: Option<u64>) {
    let metrics = &shared.remotes[core.index].metrics;
    // `core.clock` is a scheduler clock reading only when simulated.
    let clock = &shared.sched_clock;
    let now = now.unwrap_or_else(|| if core.clock != 0 && !clock.is_monotonic() { core.clock } else { clock.now() });
    let total = WorkerMetrics::get(&metrics.polls);
    let polls = total - core.batch_polls;
    if core.batch_started != 0 && polls > 0 {
        let sample = now.saturating_sub(core.batch_started) / polls;
        let interval = u64::from(core.global_interval);
        core.mean_poll_nanos = crate::worker_metrics::fold_mean_poll(core.mean_poll_nanos, sample, polls, interval);
        metrics.mean_poll_nanos.store(core.mean_poll_nanos, std::sync::atomic::Ordering::Relaxed);
        if shared.config.tune_global_queue {
            core.global_interval = crate::config::tuned_global_queue_interval(core.mean_poll_nanos);
        }
    }
    core.batch_started = now;
    core.batch_polls = total;
}

/// One worker's steps, over its shared state and its context.
pub(crate) struct Worker<'a> {
    shared: &'a Shared,
    cx: &'a WorkerCx,
}

impl<'a> Worker<'a> {
    pub(crate) fn new(shared: &'a Shared, cx: &'a WorkerCx) -> Worker<'a> {
        Worker { shared, cx }
    }

    fn metrics(&self, core: &Core) -> &WorkerMetrics {
        &self.shared.remotes[core.index].metrics
    }

    /// The loop of a worker thread: the steps, in order, until shutdown;
    /// `None` if the core was handed off during a poll.
    fn run(&self, mut core: Box<Core>) -> Option<Box<Core>> {
        self.start_batch(&mut core);
        while !self.shared.is_shutdown() {
            let task;
            (core, task) = self.find_task(core);
            if let Some(task) = task {
                core = self.poll(core, task)?;
                self.finish_poll(&core);
                continue;
            }
            core = self.park(core);
        }
        self.metrics(&core).idle_from(clock_nanos());
        Some(core)
    }

    /// The worker is busy from now, and a batch of ticks starts (at the
    /// loop's start and after each park).
    pub(crate) fn start_batch(&self, core: &mut Core) {
        let clock = &self.shared.sched_clock;
        let now = clock.now();
        let metrics = self.metrics(core);
        // Busy time is the machine's, simulated or not.
        metrics.busy_from(if clock.is_monotonic() { now } else { clock_nanos() });
        core.batch_started = now;
        core.batch_polls = WorkerMetrics::get(&metrics.polls);
    }

    /// One tick's search: the non-blocking driver poll every
    /// `event_interval` ticks, then [`next_task`](Self::next_task), then
    /// [`steal_work`](Self::steal_work). `None`: nothing to run, park.
    ///
    /// The hot steps are `inline(always)`: the simulator calls them too,
    /// and without it the compiler outlines them from the real loop (a
    /// call per tick that the loop did not pay before the split).
    #[inline(always)]
    pub(crate) fn find_task(&self, mut core: Box<Core>) -> (Box<Core>, Option<Notified>) {
        core.until_event -= 1;
        if core.until_event == 0 {
            core.until_event = self.shared.config.event_interval;
            // A busy worker (one that does not park) releases its
            // completed tasks here too.
            self.cx.release_batch(self.shared);
            core = self.poll_driver(core);
            core.clock = 0;
        }
        let task = match self.next_task(&mut core) {
            Some(task) => Some(task),
            None => {
                core.clock = 0;
                self.steal_work(&mut core)
            }
        };
        (core, task)
    }

    #[inline(always)]
    fn next_task(&self, core: &mut Core) -> Option<Notified> {
        let shared = self.shared;
        core.until_global -= 1;
        if core.until_global == 0 {
            sample_mean_poll(core, shared, None);
            core.until_global = core.global_interval;
            if let Some(task) = shared.injector.pop() {
                return Some(task);
            }
        }
        let lifo = &shared.remotes[core.index].lifo;
        if core.lifo_polls < MAX_LIFO_POLLS {
            if let Some(task) = lifo.take() {
                core.lifo_polls += 1;
                return Some(task);
            }
        } else if let Some(task) = lifo.take() {
            // The slot had its turns: it goes to the back of the deque so
            // that the deque's tasks run.
            core.queue.push(task);
        }
        core.lifo_polls = 0;
        core.queue.pop().or_else(|| shared.injector.steal_batch_and_pop(&core.queue))
    }

    #[inline(always)]
    fn steal_work(&self, core: &mut Core) -> Option<Notified> {
        let shared = self.shared;
        let n = shared.remotes.len();
        if !core.is_searching {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        let start = core.rng.next_below(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == core.index {
                continue;
            }
            let before = core.queue.len();
            if let Some(task) = shared.remotes[victim].stealer.steal_batch_and_pop(&core.queue) {
                let metrics = self.metrics(core);
                WorkerMetrics::add(&metrics.steal_operations, 1);
                WorkerMetrics::add(&metrics.steals, (core.queue.len() - before) as u64 + 1);
                return Some(task);
            }
        }
        shared.injector.steal_batch_and_pop(&core.queue).or_else(|| self.steal_lifo(core))
    }

    /// Takes the LIFO task of a worker that has been inside one poll for
    /// longer than the grace (`watch.rs`).
    fn steal_lifo(&self, core: &Core) -> Option<Notified> {
        let shared = self.shared;
        let mut now = None;
        for (victim, remote) in shared.remotes.iter().enumerate() {
            if victim == core.index || !remote.lifo.is_occupied() {
                continue;
            }
            let now = *now.get_or_insert_with(|| shared.sched_clock.now());
            remote.metrics.stamp_poll(|| now);
            let Some(started) = remote.metrics.poll_started_at() else { continue };
            if now.saturating_sub(started) < GRACE_NANOS {
                continue;
            }
            if let Some(task) = remote.lifo.steal() {
                WorkerMetrics::add(&self.metrics(core).lifo_rescues, 1);
                return Some(task);
            }
        }
        None
    }

    /// Polls `task` once, leaving the searching state first (waking one
    /// more worker if this was the last searcher). The poll stays marked
    /// as running until [`finish_poll`](Self::finish_poll). `None` if the
    /// poll handed the core off (`block_in_place`), in which case nothing
    /// of worker `index` may be touched any more.
    #[inline(always)]
    pub(crate) fn poll(&self, mut core: Box<Core>, task: Notified) -> Option<Box<Core>> {
        if core.is_searching {
            core.is_searching = false;
            if self.shared.idle.transition_worker_from_searching() {
                // We were the last searcher and there may be more work.
                self.shared.notify_parked();
            }
        }
        let metrics = self.metrics(&core);
        WorkerMetrics::add(&metrics.polls, 1);
        // The poll stamp stays lazy even when the poll is timed: the LIFO
        // watch's grace counts from a thief's first look, as without the
        // histogram.
        metrics.poll_started(task.id());
        // A named task's harness times its polls on the monotonic clock:
        // the worker hands its reading over, and takes the harness's end
        // back, only when it reads the same clock (not when simulated).
        let clock = &self.shared.sched_clock;
        let read = || if clock.is_monotonic() { crate::metrics_clock::now() } else { clock.now() };
        let started = if metrics.histogram().is_some() {
            let now = if core.clock != 0 { core.clock } else { read() };
            if clock.is_monotonic() {
                crate::task::current::set_poll_start(now);
            }
            now
        } else {
            0
        };
        *self.cx.core.borrow_mut() = Some(core);
        task.run();
        let mut core = self.cx.core.borrow_mut().take()?;
        if let Some(histogram) = self.metrics(&core).histogram() {
            let harness_end = crate::task::current::take_poll_end().filter(|_| clock.is_monotonic());
            let now = harness_end.unwrap_or_else(read);
            histogram.record(now.saturating_sub(started));
            core.clock = now;
        }
        Some(core)
    }

    /// Marks the end of the poll begun by [`poll`](Self::poll): from here
    /// the LIFO thieves no longer see this worker inside it.
    #[inline(always)]
    pub(crate) fn finish_poll(&self, core: &Core) {
        self.metrics(core).poll_finished();
    }

    /// Polls the driver without blocking, with the core reachable so that
    /// woken tasks land in this worker's queues.
    fn poll_driver(&self, core: Box<Core>) -> Box<Core> {
        if !self.shared.driver.has_driver() {
            return core;
        }
        *self.cx.core.borrow_mut() = Some(core);
        self.shared.driver.poll_nonblocking();
        self.cx.core.borrow_mut().take().expect("worker core is back after the driver")
    }

    /// Sleeps until there is work (or shutdown): the park steps in order.
    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let mut parker = self.park_begin(&mut core);
        loop {
            let timeout = self.watch_timeout(&mut core);
            core = self.sleep(core, &mut parker, timeout);
            if self.park_woken(&mut core) {
                break;
            }
        }
        self.park_end(&mut core, parker);
        core
    }

    /// Before sleeping: releases the batch of completed tasks, publishes
    /// "parked" and, as the last searcher, re-checks the queues. Returns
    /// the parker, held outside the core until [`park_end`](Self::park_end).
    pub(crate) fn park_begin(&self, core: &mut Core) -> WorkerParker {
        let shared = self.shared;
        // An idle worker holds no completed tasks.
        self.cx.release_batch(shared);
        let last_searcher = shared.idle.transition_worker_to_parked(core.index, core.is_searching);
        // Pairs with the pusher's fence (`schedule_local`, `schedule_remote`):
        // either its load of the idle state sees us parked, or our re-check
        // below sees its task. (A SeqCst RMW alone does not order the later
        // queue loads on weak memory models.)
        fence(Ordering::SeqCst);
        if last_searcher && !mutant(Mutant::SkipParkRecheck) && shared.has_queued_work() {
            // We were the last searcher: a task pushed while we searched
            // may have seen us searching and woken nobody.
            shared.notify_parked();
        }
        // Only now idle for a simulated clock (see `idle.rs`).
        shared.idle.worker_settled();
        core.is_searching = false;
        // The batch this park cuts short still counts, by its polls.
        let clock = &shared.sched_clock;
        let now = clock.now();
        sample_mean_poll(core, shared, Some(now));
        let metrics = self.metrics(core);
        metrics.idle_from(if clock.is_monotonic() { now } else { clock_nanos() });
        WorkerMetrics::add(&metrics.parks, 1);
        WorkerMetrics::add(&metrics.park_unparks, 1);
        core.polled_driver = false;
        core.parker.take().expect("worker parker present")
    }

    /// Sleeps once in `parker` (in the driver if free), with the core
    /// reachable so that what the driver wakes lands in this worker's
    /// queues; the park hooks run around it. A timed sleep (the LIFO
    /// watch's) first looks at the driver without blocking
    /// ([`probe_driver`](Self::probe_driver)) and is skipped if that handed
    /// us tasks.
    pub(crate) fn sleep(&self, core: Box<Core>, parker: &mut WorkerParker, timeout: Option<Duration>) -> Box<Core> {
        *self.cx.core.borrow_mut() = Some(core);
        let hooks = self.shared.config.task_hooks.as_deref();
        hooks.inspect(|h| h.parking());
        let polled_driver = (timeout.is_some() && self.probe_driver()) || parker.park(timeout);
        hooks.inspect(|h| h.unparked());
        let mut core = self.cx.core.borrow_mut().take().expect("worker core is back after parking");
        core.polled_driver |= polled_driver;
        core
    }

    /// After a wake-up: whether to leave the parked state (shutdown, tasks
    /// handed over by the driver, a notification, or, for the LIFO
    /// watcher, a stuck LIFO task or unclaimed stealable work).
    pub(crate) fn park_woken(&self, core: &mut Core) -> bool {
        let shared = self.shared;
        let index = core.index;
        if shared.is_shutdown() || self.transition_from_parked(core) {
            return true;
        }
        if shared.watch.is_watcher(index) {
            if let Some(task) = self.steal_lifo(core) {
                // Wake up for real, then run the rescued task.
                core.is_searching = !shared.idle.unpark_worker_by_id(index);
                core.queue.push(task);
                return true;
            }
            if shared.has_queued_work() {
                // Work no one was woken for: go and steal it.
                core.is_searching = !shared.idle.unpark_worker_by_id(index);
                return true;
            }
        } else {
            WorkerMetrics::add(&self.metrics(core).noop_unparks, 1);
        }
        false
    }

    /// Leaves the park: gives up the watch, takes the parker back, and
    /// starts a busy period and a batch of ticks.
    pub(crate) fn park_end(&self, core: &mut Core, parker: WorkerParker) {
        self.shared.watch.leave(core.index);
        WorkerMetrics::add(&self.metrics(core).park_unparks, 1);
        core.parker = Some(parker);
        if core.polled_driver {
            // The driver was just polled: the busy countdown to the next
            // non-blocking poll starts again (a busy worker polls it at least
            // every `event_interval` ticks since it last did).
            core.until_event = self.shared.config.event_interval;
        }
        self.start_batch(core);
    }

    /// Before a timed park (the LIFO watch's): polls the driver without
    /// blocking, if it is free, with the core in the thread-local context so
    /// that woken tasks land in our queues. Returns whether we now hold
    /// tasks; the caller then skips the sleep, and `transition_from_parked`
    /// takes us out of the parked state as after a park in the driver.
    ///
    /// Why: `polling` arms its timerfd on every timed wait, even one that
    /// returns at once because events are waiting. Arming a timer that
    /// becomes the CPU's next event, then disarming it at the next wait,
    /// reprograms the timer hardware twice, which traps to the hypervisor
    /// in a VM: on the 2-core development VM a `notify` + `wait` costs about
    /// 3 µs with no timeout and 9-12 µs with a 1 ms one (40 µs with 60 µs).
    /// A busy socket server parks its idle worker as the watcher, with a
    /// timeout, while events are already waiting; the probe costs one
    /// non-blocking wait (5 system calls) where it finds nothing.
    fn probe_driver(&self) -> bool {
        self.shared.driver.poll_nonblocking() && self.cx.core.borrow().as_ref().is_some_and(|core| self.has_tasks(core))
    }

    /// Whether `core`'s LIFO slot or deque holds a task.
    fn has_tasks(&self, core: &Core) -> bool {
        self.shared.remotes[core.index].lifo.is_occupied()
            || (!core.queue.is_empty() && !mutant(Mutant::ParkedIgnoresDeque))
    }

    /// Keeps the LIFO watch (`watch.rs`) if another worker is awake, and
    /// says how long to park: `None` when not watching or watching deep.
    pub(crate) fn watch_timeout(&self, core: &mut Core) -> Option<Duration> {
        let shared = self.shared;
        let index = core.index;
        let watching = shared.remotes.len() > 1
            && shared.config.monitor
            && shared.idle.load().num_unparked() > 0
            && (shared.watch.is_watcher(index) || shared.watch.try_become(index));
        if !watching {
            shared.watch.leave(index);
            return None;
        }
        let fills: u64 = shared.remotes.iter().map(|r| WorkerMetrics::get(&r.metrics.lifo_fills)).sum();
        let filled = std::mem::replace(&mut core.seen_fills, fills) != fills;
        if core.watch_period == GRACE {
            // Alert (just woken by a fill, or just elected): look again when
            // the oldest occupied slot's poll has run for the grace.
            let now = shared.sched_clock.now();
            let wait = shared
                .remotes
                .iter()
                .filter(|r| r.lifo.is_occupied())
                .filter_map(|r| {
                    r.metrics.stamp_poll(|| now);
                    r.metrics.poll_started_at()
                })
                .map(|started| (started + GRACE_NANOS).saturating_sub(now))
                .min();
            if let Some(wait) = wait {
                core.watch_period = GRACE * 2;
                return Some(Duration::from_nanos(wait.max(1_000)));
            }
        }
        if filled {
            core.watch_period = (core.watch_period * 2).min(MAX_PERIOD);
            return Some(core.watch_period);
        }
        // No fill since the last look: sleep deep, unless a slot was filled
        // after all (see "No fill is missed by a deep watcher").
        shared.watch.set_deep(index);
        core.watch_period = GRACE;
        let missed = !mutant(Mutant::WatchMissesFill)
            && shared.remotes.iter().enumerate().any(|(i, r)| i != index && r.lifo.is_occupied());
        if missed {
            shared.watch.set_timed(index);
            return Some(GRACE);
        }
        None
    }

    /// After a wake-up: decides whether to leave the parked state.
    fn transition_from_parked(&self, core: &mut Core) -> bool {
        let shared = self.shared;
        if self.has_tasks(core) {
            // The driver handed us tasks. Leave the parked state ourselves
            // (not searching, unless someone had already woken us), and pass
            // the driver on: wake a sleeper to take it while we run tasks.
            // This one notify also stands for the pushes the dispatch made
            // (`schedule_local` does not notify while we are parked).
            core.is_searching = !shared.idle.unpark_worker_by_id(core.index);
            shared.notify_parked();
            return true;
        }
        if shared.idle.is_parked(core.index) {
            return false;
        }
        // Woken by `notify_parked`, which counted us as searching.
        core.is_searching = true;
        true
    }

    /// Shutdown step 2: drops the references this worker still queues and
    /// releases its batch of completed tasks.
    pub(crate) fn exit(&self, core: Box<Core>) {
        drop(self.shared.remotes[core.index].lifo.take());
        while let Some(task) = core.queue.pop() {
            drop(task);
        }
        drop(core);
        self.cx.release_batch(self.shared);
    }
}
