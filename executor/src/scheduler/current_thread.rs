//! The current-thread scheduler: tasks run on the thread that calls
//! `block_on`, between polls of the `block_on` future.
//!
//! The [`Core`] (the local run queue and the driver) is taken by whichever
//! `block_on` call runs first; a concurrent `block_on` on another thread
//! waits on its own future and takes the core over when it is released.
//! Tasks woken on the thread that holds the core go to its local queue;
//! tasks woken elsewhere go to the injector and unpark the core's holder.
//! Shutdown follows the multi-thread order: registry first (every task
//! cancelled), then the queues are drained, and a late waker drains the
//! injector itself.
//!
//! With the runtime's clock paused (`clock.rs`), parking with nothing to
//! run lets the timer driver jump the clock to the next deadline; before
//! that the core polls the driver without blocking once and runs whatever
//! the ready I/O woke here, so the clock never jumps while a task of this
//! thread is runnable.
//! Metrics: the thread holding the core counts as the one worker. It is
//! busy from the moment it takes the core until it parks or gives the core
//! back; the mean poll time is sampled once per `global_queue_interval`
//! ticks (a batch cut by a park is skipped), and polls are timed one by
//! one only with the poll-time histogram on (one clock read per poll, as
//! in the multi-thread worker).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::ptr::{self, NonNull};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use crate::config::Config;
use crate::park::{Park, Parker, ThreadWaker, Unpark};
use crate::queue::Injector;
use crate::scheduler::{on_scheduler, ThreadCx};
use crate::sync::{fence, Arc, AtomicBool, Mutex, Ordering};
use crate::task::meta::Meta;
use crate::task::registry::Registry;
use crate::task::{Header, JoinHandle, Notified, Schedule, TaskId};
use crate::worker_metrics::{clock_nanos, fold_mean_poll, SchedulerMetrics, WorkerMetrics};

pub(crate) struct Shared {
    injector: Injector,
    pub(crate) registry: Registry,
    core: Mutex<Option<Box<Core>>>,
    /// Wakes whoever holds the core (the driver's or the parker's unpark).
    unpark: StdArc<dyn Unpark>,
    /// `block_on` callers waiting for the core.
    waiting: Mutex<Vec<StdArc<dyn Unpark>>>,
    shutdown: AtomicBool,
    pub(crate) config: Config,
    metrics: WorkerMetrics,
    /// Remote schedules and forced yields.
    pub(crate) scheduler_metrics: SchedulerMetrics,
}

pub(crate) struct Core {
    queue: VecDeque<Notified>,
    park: Box<dyn Park>,
    ticks: Ticks,
}

/// The core's tick count and what the metrics derive from it.
#[derive(Clone, Copy, Default)]
struct Ticks {
    tick: u32,
    /// `clock_nanos` at the start of the current batch of ticks (0: none
    /// running: the core is not held).
    batch_started: u64,
    /// The poll count at the start of the batch.
    batch_polls: u64,
    /// Mean poll time, an EWMA over batches (weight 1/4 per batch).
    mean_poll_nanos: u64,
    /// With the histogram on: when the last poll ended (a
    /// `metrics_clock::now`), if nothing but queue pops ran since (the
    /// next poll's start); else 0.
    clock: u64,
}

impl Ticks {
    /// At the end of a batch of `interval` ticks, or when a park or the
    /// end of `block_on` cuts one short (`now`: the clock read for it):
    /// folds its time per poll into the mean (`fold_mean_poll`), publishes
    /// it, and starts the next batch. A batch without a poll is no sample.
    fn sample_mean_poll(&mut self, interval: u32, metrics: &WorkerMetrics, now: Option<u64>) {
        let now = now.unwrap_or_else(clock_nanos);
        let polls = WorkerMetrics::get(&metrics.polls) - self.batch_polls;
        if self.batch_started != 0 && polls > 0 {
            let sample = now.saturating_sub(self.batch_started) / polls;
            self.mean_poll_nanos = fold_mean_poll(self.mean_poll_nanos, sample, polls, u64::from(interval));
            metrics.mean_poll_nanos.store(self.mean_poll_nanos, Ordering::Relaxed);
        }
        self.start_batch(now, metrics);
    }

    fn start_batch(&mut self, now: u64, metrics: &WorkerMetrics) {
        self.batch_started = now;
        self.batch_polls = WorkerMetrics::get(&metrics.polls);
    }
}

struct Cx {
    shared: *const Shared,
    queue: RefCell<Option<VecDeque<Notified>>>,
}

crate::sync::thread_local! {
    static CURRENT: Cell<*const Cx> = const { Cell::new(ptr::null()) };
}

impl Shared {
    pub(crate) fn new(driver: Option<Box<dyn Park>>, config: Config) -> Arc<Shared> {
        let park: Box<dyn Park> = driver.unwrap_or_else(|| Box::new(Parker::new()));
        let unpark = park.unparker();
        Arc::new(Shared {
            injector: Injector::new(),
            registry: Registry::new(1),
            core: Mutex::new(Some(Box::new(Core { queue: VecDeque::new(), park, ticks: Ticks::default() }))),
            unpark,
            waiting: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            metrics: WorkerMetrics::new(config.poll_time_histogram),
            config,
            scheduler_metrics: SchedulerMetrics::default(),
        })
    }

    #[track_caller]
    pub(crate) fn spawn<F>(this: &Arc<Self>, future: F, id: TaskId, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join) = this.registry.bind(future, this.clone(), id, meta);
        if let Some(notified) = notified {
            this.schedule(notified);
        }
        join
    }

    fn schedule(&self, task: Notified) {
        let task = match schedule_local(self, task) {
            Ok(()) => {
                // Only the thread holding the core pushes locally.
                WorkerMetrics::add(&self.metrics.local_schedules, 1);
                return;
            }
            Err(task) => task,
        };
        SchedulerMetrics::inc(&self.scheduler_metrics.remote_schedules);
        self.injector.push(task);
        fence(Ordering::SeqCst);
        if self.shutdown.load(Ordering::SeqCst) {
            // Inside a task's `schedule`: release only after it returns.
            while let Some(task) = self.injector.pop() {
                task.drop_after_schedule();
            }
            return;
        }
        self.unpark.unpark();
    }

    fn drain_injector(&self) {
        while let Some(task) = self.injector.pop() {
            drop(task);
        }
    }

    pub(crate) fn injector_len(&self) -> usize {
        self.injector.len()
    }

    pub(crate) fn worker_metrics(&self) -> &WorkerMetrics {
        &self.metrics
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.registry.len()
    }

    pub(crate) fn local_queue_len(&self) -> usize {
        self.core.lock().as_ref().map_or(0, |c| c.queue.len())
    }

    /// Runs `future` to completion on this thread, running tasks meanwhile.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let waiter = StdArc::new(ThreadWaker::new());
        let waker = Waker::from(waiter.clone());
        loop {
            if let Some(core) = self.take_core() {
                return CoreGuard { shared: self, core: Some(core) }.block_on(future.as_mut());
            }
            // Another thread runs the tasks: wait for our future, or for the
            // core to come free.
            let mut cx = Context::from_waker(&waker);
            if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                return out;
            }
            {
                let mut waiting = self.waiting.lock();
                let mine = waiter.unparker();
                // Once per wait, not once per wake of our future.
                if !waiting.iter().any(|w| StdArc::ptr_eq(w, &mine)) {
                    waiting.push(mine);
                }
            }
            if self.core.lock().is_some() {
                continue;
            }
            waiter.park();
        }
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().take()
    }

    fn put_core(&self, mut core: Box<Core>) {
        if self.shutdown.load(Ordering::SeqCst) {
            core.queue.clear();
        }
        *self.core.lock() = Some(core);
        for waiter in self.waiting.lock().drain(..) {
            waiter.unpark();
        }
    }

    pub(crate) fn shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.registry.close_and_shutdown_all();
        let core = self.take_core();
        self.drain_injector();
        if let Some(mut core) = core {
            core.queue.clear();
            // Dropping the core drops the driver.
            drop(core);
        }
        self.drain_injector();
    }
}

impl ThreadCx for Cx {
    type Shared = Shared;
    fn shared(&self) -> *const Shared {
        self.shared
    }
}

fn schedule_local(shared: &Shared, task: Notified) -> Result<(), Notified> {
    CURRENT.with(|current| {
        // SAFETY: CURRENT points to the `Cx` on the stack of a running
        // `CoreGuard::block_on`, and is reset before that frame ends.
        let Some(cx) = (unsafe { on_scheduler(current.get(), shared) }) else {
            return Err(task);
        };
        let Ok(mut queue) = cx.queue.try_borrow_mut() else {
            return Err(task);
        };
        match queue.as_mut() {
            Some(queue) => {
                queue.push_back(task);
                Ok(())
            }
            None => Err(task),
        }
    })
}

/// Holds the core while `block_on` runs; gives it back on exit or unwind.
struct CoreGuard<'a> {
    shared: &'a Shared,
    core: Option<Box<Core>>,
}

impl CoreGuard<'_> {
    fn block_on<F: Future>(mut self, mut future: std::pin::Pin<&mut F>) -> F::Output {
        let shared = self.shared;
        let mut core = self.core.take().expect("core present");
        let cx = Cx { shared, queue: RefCell::new(Some(std::mem::take(&mut core.queue))) };
        let prev = CURRENT.with(|c| c.replace(&cx));
        struct Restore<'a, 'b> {
            prev: *const Cx,
            cx: &'a Cx,
            guard: &'a mut CoreGuard<'b>,
            park: Option<Box<dyn Park>>,
            ticks: Ticks,
        }
        impl Drop for Restore<'_, '_> {
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.prev));
                let shared = self.guard.shared;
                let now = clock_nanos();
                self.ticks.sample_mean_poll(shared.config.global_queue_interval, &shared.metrics, Some(now));
                shared.metrics.idle_from(now);
                let queue = self.cx.queue.borrow_mut().take().unwrap_or_default();
                let park = self.park.take().expect("park present");
                let ticks = Ticks { batch_started: 0, clock: 0, ..self.ticks };
                shared.put_core(Box::new(Core { queue, park, ticks }));
            }
        }
        let now = clock_nanos();
        shared.metrics.busy_from(now);
        let mut ticks = core.ticks;
        ticks.start_batch(now, &shared.metrics);
        let mut restore = Restore { prev, cx: &cx, guard: &mut self, park: Some(core.park), ticks };

        let woken = StdArc::new(BlockOnWaker { woken: AtomicBool::new(true), unpark: shared.unpark.clone(), shared });
        let waker = Waker::from(woken.clone());
        let mut task_cx = Context::from_waker(&waker);
        let config = &shared.config;
        let metrics = &shared.metrics;
        loop {
            if woken.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut task_cx)) {
                    return out;
                }
            }
            let mut ran_all = true;
            restore.ticks.clock = 0;
            for _ in 0..config.event_interval {
                let ticks = &mut restore.ticks;
                ticks.tick = ticks.tick.wrapping_add(1);
                let task = if ticks.tick % config.global_queue_interval == 0 {
                    ticks.sample_mean_poll(config.global_queue_interval, metrics, None);
                    shared.injector.pop().or_else(|| cx.queue.borrow_mut().as_mut().and_then(VecDeque::pop_front))
                } else {
                    let local = cx.queue.borrow_mut().as_mut().and_then(VecDeque::pop_front);
                    local.or_else(|| shared.injector.pop())
                };
                match task {
                    Some(task) => {
                        WorkerMetrics::add(&metrics.polls, 1);
                        metrics.poll_started(task.id());
                        let started = if metrics.histogram().is_some() {
                            let now = if ticks.clock != 0 { ticks.clock } else { crate::metrics_clock::now() };
                            crate::task::current::set_poll_start(now);
                            now
                        } else {
                            0
                        };
                        task.run();
                        if let Some(histogram) = metrics.histogram() {
                            let now = crate::task::current::take_poll_end().unwrap_or_else(crate::metrics_clock::now);
                            histogram.record(now.saturating_sub(started));
                            restore.ticks.clock = now;
                        }
                        metrics.poll_finished();
                    }
                    None => {
                        ran_all = false;
                        break;
                    }
                }
            }
            let park = restore.park.as_mut().expect("park present");
            if !ran_all && !woken.woken.load(Ordering::Acquire) && config.clock.is_paused() {
                // A paused clock jumps when the driver parks: dispatch the
                // ready I/O first, and run what it woke on this thread
                // (such wakes do not unpark the driver) before it may.
                park.park(Some(std::time::Duration::ZERO));
                let local = cx.queue.borrow().as_ref().is_some_and(|q| !q.is_empty());
                if local || !shared.injector.is_empty() {
                    continue;
                }
            }
            if !ran_all && !woken.woken.load(Ordering::Acquire) {
                // Nothing to do: sleep until a wake, an event or a timer.
                let now = clock_nanos();
                restore.ticks.sample_mean_poll(config.global_queue_interval, metrics, Some(now));
                metrics.idle_from(now);
                WorkerMetrics::add(&metrics.parks, 1);
                WorkerMetrics::add(&metrics.park_unparks, 1);
                let hooks = shared.config.task_hooks.as_deref();
                hooks.inspect(|h| h.parking());
                park.park(None);
                hooks.inspect(|h| h.unparked());
                WorkerMetrics::add(&metrics.park_unparks, 1);
                let now = clock_nanos();
                metrics.busy_from(now);
                restore.ticks.start_batch(now, metrics);
            } else {
                // Busy: let the driver dispatch events without blocking.
                park.park(Some(std::time::Duration::ZERO));
            }
        }
    }
}

/// The waker of the `block_on` future: sets a flag and unparks the core.
struct BlockOnWaker {
    woken: AtomicBool,
    unpark: StdArc<dyn Unpark>,
    /// The scheduler whose core the waiting thread holds: a wake from that
    /// same thread (a task it runs) needs no unpark, since the thread checks
    /// `woken` before it parks.
    shared: *const Shared,
}

// SAFETY: `shared` is only compared with the thread-local context pointer,
// never dereferenced.
unsafe impl Send for BlockOnWaker {}
// SAFETY: as above; the other fields are `Sync`.
unsafe impl Sync for BlockOnWaker {}

impl Wake for BlockOnWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &StdArc<Self>) {
        self.woken.store(true, Ordering::Release);
        // SAFETY: CURRENT points to a live `Cx` while set (see
        // `schedule_local`).
        let on_core_thread = CURRENT.with(|c| unsafe { on_scheduler(c.get(), self.shared) }.is_some());
        if !on_core_thread {
            self.unpark.unpark();
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        Shared::schedule(self, task);
    }

    unsafe fn release(&self, task: NonNull<Header>) -> bool {
        // SAFETY: our caller's contract is the registry's.
        unsafe { self.registry.release(task) }
    }

    fn hooks(&self) -> Option<&crate::task::hooks::TaskHooks> {
        self.config.task_hooks.as_deref()
    }

    fn budget_forced_yield(&self) {
        SchedulerMetrics::inc(&self.scheduler_metrics.budget_forced_yields);
    }

    fn shutdown_on_unhandled_panic(&self) {
        // Cancelled tasks' JoinHandles resolve, so `block_on` returns; the
        // closed registry cancels later spawns.
        self.registry.close_and_shutdown_all();
    }
}
