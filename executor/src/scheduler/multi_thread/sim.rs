//! The simulator behind `Builder::new_simulated`: the multi-thread
//! scheduler with its workers as virtual threads, stepped one at a time on
//! the thread that calls `block_on`, every choice drawn from one seed.
//!
//! # What is shared, what is simulated
//!
//! Shared with the real flavor, unchanged: everything in [`Shared`] (the
//! deques, LIFO slots, injector, idle accounting, LIFO watch, registry,
//! driver slot), the task cells, the wake rules (`worker::schedule_local`:
//! a wake on a worker's step goes to that worker's LIFO slot, any other to
//! the injector and `notify_parked`), and every decision of a worker: the
//! steps of `worker.rs` (see its "Steps"), which a worker thread runs in a
//! loop and the simulator calls one at a time. Its steal victims come from
//! each worker's own RNG (`rng.rs`), seeded from the same seed.
//!
//! Simulated:
//!
//! * **threads**: which virtual thread takes the next step is drawn from
//!   the simulator's RNG;
//! * **sleep**: a parked worker keeps its core and parker here instead of
//!   blocking, and steps again once unparked (its `WorkerParker` says so)
//!   or, as the LIFO watcher, at any time: a timed park that nobody ended
//!   early lasted its timeout, by which the scheduler's clock moves on;
//! * **the scheduler's clock** (`sched_clock.rs`): a counter that each poll moves
//!   on by a cost drawn from the RNG ([`POLL_NANOS`], or one in
//!   [`LONG_POLL_ONE_IN`] polls [`LONG_POLL_NANOS`]), read by the global
//!   queue interval's tuning and the LIFO grace;
//! * **user time** is the driver's business: the facade gives a simulated
//!   runtime a timer over a virtual clock that only moves when the
//!   simulator parks a worker in it with no timeout (below). The executor
//!   knows nothing of time.
//!
//! # One step
//!
//! | virtual thread | state | its step |
//! |---|---|---|
//! | worker | running | mark the previous poll finished (`finish_poll`); leave if shut down (`exit`); else `find_task`, then `poll` what it found, or begin to park (`park_begin`, `watch_timeout`) |
//! | worker | parked | `sleep` with a zero timeout (consumes the unpark, dispatches what the driver has due), then `park_woken`: leave (`park_end`) or stay (`watch_timeout`) |
//! | `block_on` | woken | poll the future, with a task's coop budget |
//!
//! May step: running workers, parked workers that were unparked or park
//! with a timeout, and `block_on`'s future once woken; the RNG picks one
//! of them uniformly.
//!
//! # When nothing may step
//!
//! One parked worker, drawn, takes the same `sleep` step with no timeout:
//! it sleeps in the driver, which (the facade's timer over its virtual
//! clock) moves its clock to the next deadline and fires what is due, so
//! the woken tasks land in that worker's queues as on a real runtime. If
//! the driver has nothing pending ([`Park::has_pending_events`]), nothing
//! can ever run again: `block_on` panics, naming the seed.
//!
//! # A poll ends at the worker's next step
//!
//! A real worker can be slow to come back from a poll (descheduled, or in
//! a long computation after it woke a task into its LIFO slot); the others
//! then see it inside that poll and, after the grace, take the task
//! (`watch.rs`). The simulator lets that happen: a worker's poll stays
//! marked as running (`poll_started` without `poll_finished`) until the
//! worker's next step, and the scheduler's clock moves on meanwhile, so a
//! worker the RNG leaves aside for long enough has its LIFO task rescued.
//!
//! # The trace
//!
//! Every poll is hashed (FNV-1a over 64-bit words) as (virtual thread,
//! task ordinal): workers are `0..n`, `block_on`'s future is `n` with
//! ordinal 0. A task's ordinal is its spawn order on this runtime, from 1:
//! the runtime hands out ids from a range it reserved ([`Id::reserve`]),
//! so ordinals are alike in every replay although ids are not.
//!
//! # Not simulated
//!
//! Other OS threads: the watchdog is off; the closures of all three
//! blocking spawns (`spawn_blocking`, `try_spawn_blocking`,
//! `spawn_blocking_bounded`, dispatched by `runtime/blocking_spawns.rs`)
//! run as tasks on the virtual workers (one that blocks waiting for a task
//! blocks the whole simulation), with no pool, so the pool's bounds do not
//! apply; `block_in_place` hands no core off (the simulator sets no thread
//! starter: `handoff.rs` refuses) and runs its closure inline, inside the
//! step that polls its task; and a wake from a thread outside reaches the
//! injector but nothing waits for it: a simulation that waits only on
//! other threads is reported as deadlocked.
//!
//! [`Id::reserve`]: crate::task::Id

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use super::worker::{Core, Worker, WorkerCx};
use super::{Shared, WorkerParker};
use crate::park::{Park, Unpark};
use crate::rng::FastRand;
use crate::sync::Arc;
use crate::task::meta::Meta;
use crate::task::{JoinHandle, TaskId};

/// The scheduler-clock cost of one poll.
pub(crate) const POLL_NANOS: u64 = 1_000;
/// The cost of a long poll: past the LIFO grace (30 µs), so a worker that
/// filled its slot before such a poll elsewhere can be rescued.
pub(crate) const LONG_POLL_NANOS: u64 = 100_000;
/// One poll in this many is long.
pub(crate) const LONG_POLL_ONE_IN: usize = 16;
/// Task ids reserved per simulated runtime; beyond them (a simulation of
/// four billion spawns), ids come from the process's counter and the trace
/// hashes those instead of ordinals.
const IDS_PER_RUNTIME: u64 = 1 << 32;
/// FNV-1a's 64-bit offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// A simulated multi-thread runtime's scheduler: [`Shared`], and the
/// virtual threads that step its workers.
pub(crate) struct Simulator {
    shared: Arc<Shared>,
    seed: u64,
    /// The first id of the range this runtime numbers its tasks from.
    first_id: u64,
    /// The next spawn ordinal.
    spawned: AtomicU64,
    /// The trace hash so far (read any time, written by steps).
    trace_hash: AtomicU64,
    polls: AtomicU64,
    threads: Mutex<Threads>,
}

/// The virtual threads: locked by the one `block_on` that steps them.
struct Threads {
    rng: FastRand,
    /// One context per virtual worker, current during its steps. Boxed:
    /// tasks' wakes find them through the thread-local by address.
    cxs: Box<[WorkerCx]>,
    workers: Vec<State>,
    /// Scratch: who may step now.
    runnable: Vec<usize>,
}

// SAFETY: `Threads` is !Send only through the worker contexts: each
// `WorkerCx` holds the `Shared` (an `Arc` of a `Sync` value) and cells of
// its own, and its batch of completed tasks holds registry references,
// which any thread may release (the closer of a real runtime does so for
// every worker). The mutex lets one thread at a time use them, and none is
// current on a thread between steps (`WorkerCx::enter` is scoped to a
// step).
unsafe impl Send for Threads {}

/// One virtual worker's thread.
enum State {
    /// Between two steps of its loop; `in_poll`: its last step polled a
    /// task, marked finished at its next step.
    Running { core: Box<Core>, in_poll: bool },
    /// Inside `park`, with a timeout (the LIFO watcher) or not.
    Parked { core: Box<Core>, parker: WorkerParker, timeout: Option<Duration> },
    /// Left its loop at shutdown.
    Exited,
}

/// What may take the next step.
#[derive(Clone, Copy)]
enum Pick {
    Worker(usize),
    BlockOn,
}

/// The driver of a simulated runtime built without one: never blocks, has
/// nothing to hand out (so only the deadlock check ever stops on it).
struct NoEvents;

struct NoUnpark;

impl Unpark for NoUnpark {
    fn unpark(&self) {}
}

impl Park for NoEvents {
    fn park(&mut self, _timeout: Option<Duration>) {}

    fn unparker(&self) -> StdArc<dyn Unpark> {
        StdArc::new(NoUnpark)
    }
}

/// `block_on`'s future's waker: a flag the step loop reads.
struct BlockOnWaker {
    woken: AtomicBool,
}

impl Wake for BlockOnWaker {
    fn wake(self: StdArc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
    }
}

impl Simulator {
    /// The driver a simulated runtime parks in when the builder has none:
    /// one that never blocks.
    pub(crate) fn default_driver() -> Box<dyn Park> {
        Box::new(NoEvents)
    }

    /// A simulator stepping `cores` (from [`Shared::new`], with a driver
    /// that never blocks when asked for a zero timeout, as every `Park`),
    /// drawing from `seed`.
    pub(crate) fn new(shared: Arc<Shared>, cores: Vec<Core>, seed: u64) -> Simulator {
        assert!(shared.driver.has_driver(), "a simulated runtime needs a driver that never blocks");
        let cxs = (0..cores.len()).map(|index| WorkerCx::new(&shared, index)).collect();
        let workers = cores.into_iter().map(|core| State::Running { core: Box::new(core), in_poll: false }).collect();
        Simulator {
            shared,
            seed,
            first_id: TaskId::reserve(IDS_PER_RUNTIME),
            spawned: AtomicU64::new(0),
            trace_hash: AtomicU64::new(FNV_OFFSET),
            polls: AtomicU64::new(0),
            threads: Mutex::new(Threads {
                // Its own stream: the workers' RNGs use the seed too.
                rng: FastRand::new(seed ^ 0x5349_4d55_4c41_5445),
                cxs,
                workers,
                runnable: Vec::new(),
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The hash of every poll so far (see "The trace").
    pub(crate) fn trace_hash(&self) -> u64 {
        self.trace_hash.load(Ordering::SeqCst)
    }

    /// The id of the next task spawned: its spawn ordinal within this
    /// runtime's reserved range.
    pub(crate) fn next_task_id(&self) -> TaskId {
        let ordinal = self.spawned.fetch_add(1, Ordering::Relaxed);
        if ordinal < IDS_PER_RUNTIME {
            if let Some(id) = TaskId::from_u64(self.first_id + ordinal) {
                return id;
            }
        }
        TaskId::next()
    }

    /// Spawns a blocking closure as a task on the virtual workers (a
    /// simulation runs no other threads).
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, f: F, meta: Meta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Shared::spawn(&self.shared, crate::blocking::BlockingTask::new(f), self.next_task_id(), meta)
    }

    /// Runs `future` to completion, stepping the virtual threads meanwhile.
    ///
    /// # Panics
    /// If another thread is inside `block_on` on this runtime, or when the
    /// simulation deadlocks (see "When nothing may step").
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut threads = self.threads.try_lock().unwrap_or_else(|| {
            panic!("a simulated spindle runtime runs one `block_on` at a time (another thread is inside one)")
        });
        let waker = StdArc::new(BlockOnWaker { woken: AtomicBool::new(true) });
        let std_waker = Waker::from(waker.clone());
        let mut cx = Context::from_waker(&std_waker);
        let mut future = pin!(future);
        loop {
            let woken = waker.woken.load(Ordering::SeqCst);
            match self.pick(&mut threads, woken) {
                Some(Pick::BlockOn) => {
                    waker.woken.store(false, Ordering::SeqCst);
                    self.record(threads.workers.len() as u64, 0);
                    if let Poll::Ready(out) = crate::coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                        return out;
                    }
                }
                Some(Pick::Worker(index)) => self.step(&mut threads, index, Some(Duration::ZERO)),
                None => self.all_idle(&mut threads),
            }
        }
    }

    /// Draws who steps next among those who may; `None` if nobody may.
    fn pick(&self, threads: &mut Threads, block_on_woken: bool) -> Option<Pick> {
        let Threads { rng, workers, runnable, .. } = threads;
        runnable.clear();
        for (index, state) in workers.iter().enumerate() {
            let may_step = match state {
                State::Running { .. } => true,
                State::Parked { parker, timeout, .. } => timeout.is_some() || parker.is_notified(),
                State::Exited => false,
            };
            if may_step {
                runnable.push(index);
            }
        }
        if block_on_woken {
            runnable.push(workers.len());
        }
        if runnable.is_empty() {
            return None;
        }
        let chosen = runnable[rng.next_below(runnable.len())];
        Some(if chosen == workers.len() { Pick::BlockOn } else { Pick::Worker(chosen) })
    }

    /// Nobody may step: a drawn parked worker sleeps in the driver with no
    /// timeout (its virtual clock jumps to the next event).
    fn all_idle(&self, threads: &mut Threads) {
        threads.runnable.clear();
        threads.runnable.extend(
            threads.workers.iter().enumerate().filter(|(_, s)| matches!(s, State::Parked { .. })).map(|(i, _)| i),
        );
        if threads.runnable.is_empty() || !self.shared.driver.has_pending_events() {
            panic!(
                "spindle simulation deadlocked (seed {}): `block_on`'s future is pending, no task can run, and no \
                 timer is pending ({} tasks alive, {} polls so far). A task waits for a wake-up that nothing will \
                 send, or for another OS thread, which a simulation does not run.",
                self.seed,
                self.shared.num_alive_tasks(),
                self.polls.load(Ordering::Relaxed),
            );
        }
        let index = threads.runnable[threads.rng.next_below(threads.runnable.len())];
        self.step(threads, index, None);
    }

    /// One step of worker `index` (see "One step"); a parked worker sleeps
    /// with `timeout`.
    fn step(&self, threads: &mut Threads, index: usize, timeout: Option<Duration>) {
        let Threads { rng, cxs, workers, .. } = threads;
        let shared = &*self.shared;
        let cx = &cxs[index];
        let _current = cx.enter();
        let worker = Worker::new(shared, cx);
        workers[index] = match std::mem::replace(&mut workers[index], State::Exited) {
            State::Running { core, in_poll } => {
                if in_poll {
                    worker.finish_poll(&core);
                }
                if shared.is_shutdown() {
                    worker.exit(core);
                    State::Exited
                } else {
                    match worker.find_task(core) {
                        (core, Some(task)) => {
                            self.record(index as u64, self.ordinal(task.id()));
                            // No hand-off here: a simulated runtime has no
                            // thread starter, so `block_in_place` runs its
                            // closure inline and the core comes back.
                            let core = worker.poll(core, task).expect("a simulated worker keeps its core");
                            let cost = if rng.next_below(LONG_POLL_ONE_IN) == 0 { LONG_POLL_NANOS } else { POLL_NANOS };
                            shared.sched_clock.advance(cost);
                            State::Running { core, in_poll: true }
                        }
                        (mut core, None) => {
                            let parker = worker.park_begin(&mut core);
                            let timeout = worker.watch_timeout(&mut core);
                            State::Parked { core, parker, timeout }
                        }
                    }
                }
            }
            State::Parked { core, mut parker, timeout: watch } => {
                if let (Some(watch), false) = (watch, parker.is_notified()) {
                    // Nobody woke the watcher: its timed park lasted.
                    shared.sched_clock.advance(u64::try_from(watch.as_nanos()).unwrap_or(u64::MAX));
                }
                let mut core = worker.sleep(core, &mut parker, timeout);
                if worker.park_woken(&mut core) {
                    worker.park_end(&mut core, parker);
                    State::Running { core, in_poll: false }
                } else {
                    let timeout = worker.watch_timeout(&mut core);
                    State::Parked { core, parker, timeout }
                }
            }
            State::Exited => State::Exited,
        };
    }

    /// A task's spawn ordinal on this runtime (from 1), or its id if it is
    /// not from this runtime's range.
    fn ordinal(&self, id: TaskId) -> u64 {
        let id = id.as_u64();
        match id.checked_sub(self.first_id) {
            Some(ordinal) if ordinal < IDS_PER_RUNTIME => ordinal + 1,
            _ => id,
        }
    }

    /// Adds one poll to the trace hash.
    fn record(&self, thread: u64, ordinal: u64) {
        let mut hash = self.trace_hash.load(Ordering::Relaxed);
        for word in [thread, ordinal] {
            hash = (hash ^ word).wrapping_mul(FNV_PRIME);
        }
        self.trace_hash.store(hash, Ordering::SeqCst);
        self.polls.fetch_add(1, Ordering::Relaxed);
    }

    /// Shutdown step 2 for the virtual workers: each leaves its loop as a
    /// worker thread does (`exit`), after the shutdown flag was set.
    pub(crate) fn exit_workers(&self) {
        let mut threads = self.threads.lock();
        let Threads { cxs, workers, .. } = &mut *threads;
        for (index, state) in workers.iter_mut().enumerate() {
            let cx = &cxs[index];
            let _current = cx.enter();
            let worker = Worker::new(&self.shared, cx);
            match std::mem::replace(state, State::Exited) {
                State::Running { core, in_poll } => {
                    if in_poll {
                        worker.finish_poll(&core);
                    }
                    worker.exit(core);
                }
                State::Parked { mut core, parker, .. } => {
                    worker.park_end(&mut core, parker);
                    worker.exit(core);
                }
                State::Exited => {}
            }
        }
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.seed)
            .field("polls", &self.polls.load(Ordering::Relaxed))
            .field("trace_hash", &format_args!("{:#018x}", self.trace_hash()))
            .finish_non_exhaustive()
    }
}
