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
//! Tasks completed on this thread leave the registry in batches of
//! [`RELEASE_BATCH`] (see `task/registry.rs`): the batch is released when
//! full, at each driver tick (every `event_interval` ticks), before the
//! worker parks, and when it exits. A worker stuck in one long poll holds
//! its batch until the poll returns. The worker counts what enters and
//! leaves its batch in its metrics, so `num_alive_tasks` counts completed
//! tasks out at once.

use std::cell::{Cell, RefCell};
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

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
    /// `clock_nanos` when the current batch of `global_interval` ticks
    /// began; 0 after a park (that batch is not measured).
    batch_started: u64,
    /// Mean poll time, an exponentially weighted average over batches.
    mean_poll_nanos: u64,
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
            mean_poll_nanos: 0,
            seen_fills: 0,
            watch_period: GRACE,
        }
    }
}

/// The thread-local view of the running worker.
struct WorkerCx {
    shared: *const Shared,
    /// This worker's index (its `Core`'s), for its metrics.
    index: usize,
    core: RefCell<Option<Box<Core>>>,
    /// Tasks completed here whose registry entries are not yet removed.
    released: RefCell<Vec<Deferred>>,
}

impl WorkerCx {
    /// Removes the batch of completed tasks from the registry.
    fn release_batch(&self, shared: &Shared) {
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
        self.shared
    }
}

crate::sync::thread_local! {
    static CURRENT: Cell<*const WorkerCx> = const { Cell::new(ptr::null()) };
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
            let remote = &shared.remotes[core.index];
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
        if core.queue.len() == 1 {
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

/// The body of a worker thread. Returns when the runtime shuts down.
pub(crate) fn run_worker(shared: Arc<Shared>, core: Core) {
    let cx =
        WorkerCx { shared: &*shared, index: core.index, core: RefCell::new(None), released: RefCell::new(Vec::new()) };
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(ptr::null()));
        }
    }
    CURRENT.with(|c| c.set(&cx));
    let _reset = Reset;
    let worker = Worker { shared: &shared, cx: &cx };
    let mut core = Box::new(core);
    core.is_searching = false;
    let core = worker.run(core);
    worker.drain(core);
    cx.release_batch(&shared);
}

/// At the end of each batch of `global_interval` ticks: folds the batch's
/// mean poll time into the average and re-derives the interval (one clock
/// read per batch). A batch cut by a park is skipped.
fn tune_global_interval(core: &mut Core) {
    let now = clock_nanos();
    if core.batch_started != 0 {
        let sample = (now - core.batch_started) / u64::from(core.global_interval);
        core.mean_poll_nanos = if core.mean_poll_nanos == 0 { sample } else { (core.mean_poll_nanos * 3 + sample) / 4 };
        core.global_interval = crate::config::tuned_global_queue_interval(core.mean_poll_nanos);
    }
    core.batch_started = now;
}

struct Worker<'a> {
    shared: &'a Shared,
    cx: &'a WorkerCx,
}

impl Worker<'_> {
    fn metrics(&self, core: &Core) -> &WorkerMetrics {
        &self.shared.remotes[core.index].metrics
    }

    fn run(&self, mut core: Box<Core>) -> Box<Core> {
        let config = &self.shared.config;
        let mut busy_since = Instant::now();
        while !self.shared.is_shutdown() {
            core.until_event -= 1;
            if core.until_event == 0 {
                core.until_event = config.event_interval;
                // A busy worker (one that does not park) releases its
                // completed tasks here too.
                self.cx.release_batch(self.shared);
                core = self.poll_driver(core);
            }
            if let Some(task) = self.next_task(&mut core) {
                core = self.run_task(core, task);
                continue;
            }
            if let Some(task) = self.steal_work(&mut core) {
                core = self.run_task(core, task);
                continue;
            }
            WorkerMetrics::add(&self.metrics(&core).busy_nanos, busy_since.elapsed().as_nanos() as u64);
            core = self.park(core);
            core.batch_started = 0;
            busy_since = Instant::now();
        }
        core
    }

    fn next_task(&self, core: &mut Core) -> Option<Notified> {
        let shared = self.shared;
        core.until_global -= 1;
        if core.until_global == 0 {
            if shared.config.tune_global_queue {
                tune_global_interval(core);
            }
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
            let now = *now.get_or_insert_with(clock_nanos);
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

    fn run_task(&self, mut core: Box<Core>, task: Notified) -> Box<Core> {
        if core.is_searching {
            core.is_searching = false;
            if self.shared.idle.transition_worker_from_searching() {
                // We were the last searcher and there may be more work.
                self.shared.notify_parked();
            }
        }
        let metrics = self.metrics(&core);
        WorkerMetrics::add(&metrics.polls, 1);
        metrics.poll_started(task.id());
        *self.cx.core.borrow_mut() = Some(core);
        task.run();
        let core = self.cx.core.borrow_mut().take().expect("worker core is back after a poll");
        self.metrics(&core).poll_finished();
        core
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

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let shared = self.shared;
        let index = core.index;
        // An idle worker holds no completed tasks.
        self.cx.release_batch(shared);
        let last_searcher = shared.idle.transition_worker_to_parked(index, core.is_searching);
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
        core.is_searching = false;
        WorkerMetrics::add(&self.metrics(&core).parks, 1);
        let mut parker = core.parker.take().expect("worker parker present");
        let mut polled_driver = false;
        loop {
            let timeout = self.watch_timeout(&mut core);
            *self.cx.core.borrow_mut() = Some(core);
            let hooks = shared.config.task_hooks.as_deref();
            hooks.inspect(|h| h.parking());
            if timeout.is_some() && self.probe_driver() {
                polled_driver = true;
            } else {
                polled_driver |= parker.park(timeout);
            }
            hooks.inspect(|h| h.unparked());
            core = self.cx.core.borrow_mut().take().expect("worker core is back after parking");
            if shared.is_shutdown() {
                break;
            }
            if self.transition_from_parked(&mut core) {
                break;
            }
            if shared.watch.is_watcher(index) {
                if let Some(task) = self.steal_lifo(&core) {
                    // Wake up for real, then run the rescued task.
                    core.is_searching = !shared.idle.unpark_worker_by_id(index);
                    core.queue.push(task);
                    break;
                }
                if shared.has_queued_work() {
                    // Work no one was woken for: go and steal it.
                    core.is_searching = !shared.idle.unpark_worker_by_id(index);
                    break;
                }
            } else {
                WorkerMetrics::add(&self.metrics(&core).noop_unparks, 1);
            }
        }
        shared.watch.leave(index);
        core.parker = Some(parker);
        if polled_driver {
            // The driver was just polled: the busy countdown to the next
            // non-blocking poll starts again (a busy worker polls it at least
            // every `event_interval` ticks since it last did).
            core.until_event = shared.config.event_interval;
        }
        core
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
    fn watch_timeout(&self, core: &mut Core) -> Option<Duration> {
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
            let now = clock_nanos();
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

    /// Shutdown step 2: drop the references this worker still queues.
    fn drain(&self, core: Box<Core>) {
        drop(self.shared.remotes[core.index].lifo.take());
        while let Some(task) = core.queue.pop() {
            drop(task);
        }
        drop(core);
    }
}
