//! What the loom models in `loom-tests/` may reach (only under
//! `cfg(spindle_loom)`; normal builds never see this module).
//!
//! * [`TestScheduler`]: real task cells with a queue the model drives by
//!   hand (task state, JoinHandle, abort, wakers, shutdown).
//! * [`LoomRuntime`]: the real multi-thread scheduler, its workers running
//!   the real worker loop on loom threads (parking, idle accounting), with
//!   no driver, a stand-in driver with no events, or an [`EventSource`]'s
//!   driver that dispatches one wake-up into the worker parked in it.
//! * [`LoomLifo`]: one worker's stealable LIFO slot and the LIFO watch
//!   (`scheduler/multi_thread/watch.rs`), driven by hand.
//! * [`block_on`] and [`Parker`](crate::park::Parker): the thread parker.
//! * [`with_mutant`]: runs a model with one protocol step deliberately
//!   broken: one of the executor's [`Mutant`]s, or another crate's (the
//!   reactor's, `spindle::sync`'s), which ask [`mutant_is_on`]. The one
//!   switch for the whole runtime; the other crates' `loom_api`s re-export
//!   it.
//! * [`Mutex`]: loom's mutex behind parking_lot's API, shared with the
//!   timer's and the reactor's `sync.rs` and the facade's `sync/facade.rs`.

use std::collections::VecDeque;
use std::future::Future;
use std::ptr::NonNull;

pub use crate::sync::mutant_switch::{is_on as mutant_is_on, with_mutant};
pub use crate::sync::{Mutant, Mutex, MutexGuard};

use crate::config::Config;
use crate::scheduler::multi_thread::{self, Shared};
use crate::sync::{Arc, AtomicBool, Ordering};
use crate::task::meta::Meta;
use crate::task::registry::Registry;
use crate::task::{Header, JoinHandle, Notified, Schedule, TaskId};

/// A scheduler whose run queue the model drives by hand.
#[derive(Debug)]
pub struct TestScheduler {
    queue: Mutex<VecDeque<Notified>>,
    registry: Registry,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("len", &self.len()).finish()
    }
}

impl TestScheduler {
    /// An empty scheduler.
    pub fn new() -> Arc<TestScheduler> {
        Arc::new(TestScheduler { queue: Mutex::new(VecDeque::new()), registry: Registry::new(1) })
    }

    /// Spawns a task (queued, not yet polled).
    pub fn spawn<F>(this: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join) = this.registry.bind(future, this.clone(), TaskId::next(), Meta::caller());
        if let Some(notified) = notified {
            this.queue.lock().push_back(notified);
        }
        join
    }

    /// Runs the first queued task once. Returns `false` if none was queued.
    pub fn run_one(&self) -> bool {
        let task = self.queue.lock().pop_front();
        match task {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// Runs queued tasks until the queue is empty; returns how many runs.
    pub fn run_all(&self) -> usize {
        let mut n = 0;
        while self.run_one() {
            n += 1;
        }
        n
    }

    /// Number of queued `Notified`s.
    pub fn queued(&self) -> usize {
        self.queue.lock().len()
    }

    /// Tasks not yet complete.
    pub fn alive(&self) -> usize {
        self.registry.len()
    }

    /// Closes the registry, cancels every task and drops the queue.
    pub fn shutdown(&self) {
        self.registry.close_and_shutdown_all();
        let queued: Vec<Notified> = self.queue.lock().drain(..).collect();
        drop(queued);
    }
}

impl Schedule for Arc<TestScheduler> {
    fn schedule(&self, task: Notified) {
        self.queue.lock().push_back(task);
    }

    unsafe fn release(&self, task: NonNull<Header>) -> bool {
        // SAFETY: our caller's contract is the registry's.
        unsafe { self.registry.release(task) }
    }
}

/// One stealable LIFO slot and the LIFO watch, for the models of
/// `loom-tests/tests/lifo_watch.rs`. Tasks come from a [`TestScheduler`].
#[derive(Default)]
pub struct LoomLifo {
    slot: multi_thread::LifoSlot,
    watch: multi_thread::Watch,
}

impl Default for multi_thread::LifoSlot {
    fn default() -> Self {
        multi_thread::LifoSlot::new()
    }
}

impl Default for multi_thread::Watch {
    fn default() -> Self {
        multi_thread::Watch::new()
    }
}

impl std::fmt::Debug for LoomLifo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoomLifo").field("occupied", &self.slot.is_occupied()).finish()
    }
}

impl LoomLifo {
    /// The owner fills the slot with `sched`'s first queued task, then
    /// wakes the watcher if it sleeps deep (`schedule_local`). Returns the
    /// watcher to unpark, if any.
    ///
    /// # Panics
    /// If `sched` has no queued task.
    pub fn fill(&self, sched: &TestScheduler) -> Option<usize> {
        let task = sched.queue.lock().pop_front().expect("a queued task to put in the slot");
        assert!(self.slot.push(task).is_none(), "the model fills an empty slot");
        self.watch.on_fill()
    }

    /// The owner takes its slot and runs the task: whether it got one.
    pub fn owner_take_and_run(&self) -> bool {
        self.slot.take().map(Notified::run).is_some()
    }

    /// A thief takes the slot and runs the task: whether it got one.
    pub fn steal_and_run(&self) -> bool {
        self.slot.steal().map(Notified::run).is_some()
    }

    /// Worker `index` becomes the watcher.
    pub fn become_watcher(&self, index: usize) -> bool {
        self.watch.try_become(index)
    }

    /// The watcher's decision to sleep deep (`worker::watch_timeout`):
    /// `true` if it may park without a timeout, `false` if the re-check saw
    /// the slot filled.
    pub fn go_deep(&self, index: usize) -> bool {
        self.watch.set_deep(index);
        if !crate::sync::mutant(Mutant::WatchMissesFill) && self.slot.is_occupied() {
            self.watch.set_timed(index);
            return false;
        }
        true
    }
}

/// The real multi-thread scheduler on loom threads.
pub struct LoomRuntime {
    shared: Arc<Shared>,
    threads: Vec<loom::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LoomRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoomRuntime").field("workers", &self.threads.len()).finish()
    }
}

impl LoomRuntime {
    /// Starts `workers` workers, with the LIFO slot and the monitor off (the
    /// monitor relies on timed waits, which loom does not model).
    pub fn start(workers: usize) -> LoomRuntime {
        LoomRuntime::start_with(workers, None)
    }

    /// As [`start`](LoomRuntime::start), with a driver: a loom
    /// [`Parker`](crate::park::Parker) standing in for the reactor and
    /// timer, so that an idle worker sleeps *in the driver* (the parker's
    /// `PARKED_DRIVER` state) and is woken through the driver's unparker.
    pub fn start_with_driver(workers: usize) -> LoomRuntime {
        LoomRuntime::start_with(workers, Some(Box::new(crate::park::Parker::new())))
    }

    /// As [`start`](LoomRuntime::start), with a driver that delivers one
    /// event: [`EventSource::fire`] makes the driver's next (or current)
    /// park wake the task waiting in [`EventSource::wait`], from inside the
    /// park, on the parked worker's thread, as the reactor's dispatch does.
    pub fn start_with_event_driver(workers: usize) -> (LoomRuntime, EventSource) {
        let event = Arc::new(Event {
            ready: AtomicBool::new(false),
            waker: Mutex::new(None),
            driver: Mutex::new((false, false)),
            wakeup: crate::sync::Condvar::new(),
        });
        let driver = EventDriver { event: event.clone() };
        let rt = LoomRuntime::start_with(workers, Some(Box::new(driver)));
        (rt, EventSource { event })
    }

    fn start_with(workers: usize, driver: Option<Box<dyn crate::park::Park>>) -> LoomRuntime {
        let config = Config { lifo_enabled: false, monitor: false, ..Config::with_seed(1) };
        let (shared, cores) = Shared::new(workers, driver, config);
        let threads = cores
            .into_iter()
            .map(|core| {
                let shared = shared.clone();
                loom::thread::spawn(move || multi_thread::run_worker(shared, Box::new(core)))
            })
            .collect();
        LoomRuntime { shared, threads }
    }

    /// Spawns from outside the workers (through the injector).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Shared::spawn(&self.shared, future, TaskId::next(), Meta::caller())
    }

    /// `(searching, unparked)` workers.
    pub fn idle_counts(&self) -> (usize, usize) {
        let s = self.shared.idle.load();
        (s.num_searching(), s.num_unparked())
    }

    /// Whether the shutdown flag is set.
    pub fn is_shutdown(&self) -> bool {
        self.shared.shutdown.load(Ordering::SeqCst)
    }

    /// Shuts down as `shutdown_timeout` does when it gives up on a worker:
    /// signal, cancel the registry and drain the queues while the workers
    /// may still be running (and releasing their batches of completed
    /// tasks), then join them.
    pub fn shutdown_racing_workers(self) {
        self.shared.begin_shutdown();
        self.shared.finish_shutdown();
        for t in self.threads {
            t.join().unwrap();
        }
    }

    /// Shuts down in the runtime's order: signal, join the workers, cancel
    /// the registry, drain the queues.
    pub fn shutdown(self) {
        self.shared.begin_shutdown();
        for t in self.threads {
            t.join().unwrap();
        }
        self.shared.finish_shutdown();
    }
}

/// One I/O event, as the models see it: the source's readiness (sticky)
/// and the waker of the task waiting for it; and the driver's sleep: the
/// kernel's pending report and a pending unpark, under one lock.
struct Event {
    ready: AtomicBool,
    waker: Mutex<Option<std::task::Waker>>,
    /// `(reported, notified)`.
    driver: Mutex<(bool, bool)>,
    wakeup: crate::sync::Condvar,
}

impl Event {
    /// The driver's half of the kernel: sleeps (unless `timeout` is zero)
    /// until the event is reported or the driver is unparked; returns and
    /// clears the report.
    fn wait(&self, timeout: Option<std::time::Duration>) -> bool {
        let mut driver = self.driver.lock();
        if timeout != Some(std::time::Duration::ZERO) {
            while !driver.0 && !driver.1 {
                self.wakeup.wait(&mut driver);
            }
        }
        driver.1 = false;
        std::mem::take(&mut driver.0)
    }

    fn wake_driver(&self, report: bool) {
        let mut driver = self.driver.lock();
        driver.0 |= report;
        driver.1 = true;
        self.wakeup.notify_one();
    }
}

/// The event's side that a model holds: it fires the event and makes tasks
/// wait for it.
pub struct EventSource {
    event: Arc<Event>,
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource").field("ready", &self.event.ready.load(Ordering::SeqCst)).finish()
    }
}

impl EventSource {
    /// The event arrives: the source becomes ready and the kernel reports
    /// it to the driver (waking it if it sleeps); the driver then wakes the
    /// waiter from inside its park.
    pub fn fire(&self) {
        self.event.ready.store(true, Ordering::SeqCst);
        self.event.wake_driver(true);
    }

    /// Whether a task waits for the event (its waker is stored).
    pub fn is_waited(&self) -> bool {
        self.event.waker.lock().is_some()
    }

    /// Ready once the event has fired; stores the waker under the lock and
    /// re-checks there, as `ScheduledIo::poll_ready` does.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let event = self.event.clone();
        std::future::poll_fn(move |cx| {
            let mut waker = event.waker.lock();
            if event.ready.load(Ordering::SeqCst) {
                return std::task::Poll::Ready(());
            }
            *waker = Some(cx.waker().clone());
            std::task::Poll::Pending
        })
    }
}

/// The driver of [`LoomRuntime::start_with_event_driver`]: it sleeps like a
/// poller (until the event is reported or it is unparked) and, when the
/// event was reported, takes the stored waker and wakes it before returning
/// (the dispatch, on the parked worker's thread).
struct EventDriver {
    event: Arc<Event>,
}

/// Wakes the [`EventDriver`] (the poller's `notify`).
struct EventUnparker(Arc<Event>);

impl crate::park::Unpark for EventUnparker {
    fn unpark(&self) {
        self.0.wake_driver(false);
    }
}

impl crate::park::Park for EventDriver {
    fn park(&mut self, timeout: Option<std::time::Duration>) {
        if self.event.wait(timeout) {
            let waker = self.event.waker.lock().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn unparker(&self) -> std::sync::Arc<dyn crate::park::Unpark> {
        std::sync::Arc::new(EventUnparker(self.event.clone()))
    }
}

/// The multi-thread flavor's `block_on`: polls on this thread, parking in
/// between.
pub fn block_on<F: Future>(future: F) -> F::Output {
    crate::scheduler::block_on::block_on(future)
}
