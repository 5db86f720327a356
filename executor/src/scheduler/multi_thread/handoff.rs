//! `block_in_place` on a worker: the worker hands its core (deque, LIFO
//! slot, parker, tick counters, RNG: everything worker `index` is) to
//! another thread, blocks, and takes the core back afterwards if nobody
//! has started running it yet (tokio's design).
//!
//! # Roles
//!
//! * The *blocker*: the worker thread whose task called `block_in_place`,
//!   inside that task's poll (its core sits in its `WorkerCx`).
//! * The *replacement*: a runtime thread that runs the worker loop for
//!   the core while the blocker blocks ([`StartWorker`], implemented by the
//!   runtime: a spare worker thread or a new one).
//! * The *cell*: `Mutex<Option<Box<Core>>>`, shared by the two.
//!
//! # Protocol
//!
//! 1. The blocker releases its batch of completed tasks (it will write
//!    none of worker `index`'s counters from now on), moves its LIFO task
//!    to the back of its deque (stealable by any searcher while the
//!    replacement starts), ends its poll in the worker's metrics
//!    (`poll_finished`: the watchdog and the LIFO thieves see worker
//!    `index` idle, not stuck), marks its `WorkerCx` handed off, puts the
//!    core in the cell, and asks for a replacement. Refused (shut down, no
//!    thread), it takes the core straight back and blocks in place.
//! 2. The replacement takes the core out of the cell, if it is still
//!    there, and runs the worker loop with it as worker `index` (its own
//!    `WorkerCx`, a fresh release batch). Else it returns at once.
//! 3. The blocker runs the closure, with its thread no longer driving (so
//!    `Handle::block_on` works inside) and no coop budget.
//! 4. Afterwards (or while unwinding), the blocker takes the core out of
//!    the cell if it is still there, puts it back in its `WorkerCx`,
//!    restarts the poll in the metrics and goes on as worker `index`.
//!    Else it goes on as a plain thread until the task's poll returns
//!    (wakes it makes go to the injector; the task's completion releases
//!    its registry entry at once), then leaves the worker loop without
//!    touching the core, and the runtime keeps the thread as a spare.
//!
//! The cell is a lock taken once by each side, not an atomic state
//! machine: whoever takes `Some` owns the core, and the lock orders
//! everything the blocker wrote as worker `index` (its counters, its
//! deque's owner end) before the replacement's first access. Worker
//! `index` therefore has one thread at a time, and its counters keep their
//! single writer. No loom model: the two `take`s under one mutex have no
//! interleaving that a lock does not already serialise (the blocker's
//! other steps are on its own thread, before step 1's unlock).
//!
//! # The clock's busy count, loom and the simulator
//!
//! Inside a loom model the paused clock jumps only while nobody is busy
//! (`clock.rs`; every unparked worker counts, `idle.rs`). The idle state
//! does not change at a hand-off, so the replacement inherits worker
//! `index`'s busy period; the blocker counts busy on its own
//! ([`Idle::blocker_busy`](super::Idle::blocker_busy)) from step 1, before
//! the core is offered, until step 4 takes the core back or, without it,
//! until its task's poll returns (`run_worker`): the closure and the rest
//! of that poll may wake tasks or register timers, and the clock must not
//! jump meanwhile. Outside loom both are no-ops.
//!
//! In a user's loom model the replacement is a new loom thread (a model
//! keeps no spares, `runtime/worker_threads.rs`), and loom allows five
//! threads in all: a hand-off that would pass that count panics, saying
//! so. A simulated runtime (`sim.rs`) sets no starter: step 1 refuses and
//! the closure runs inline, inside the simulator's step.
//!
//! # What stays as it was
//!
//! The worker count, the indexes and the `Remote`s never change: the
//! replacement *is* worker `index` (same stealer, LIFO slot, unparker,
//! metrics). The idle accounting too: the worker was unparked and not
//! searching (it was polling) and the replacement starts so. The driver
//! is never held during a poll (`park.rs`), so there is nothing to hand
//! over; `begin_shutdown` unparks through the core's unparker wherever
//! the core is. A thread that gave its core away exits at shutdown like
//! any worker thread, and the runtime's deadline join counts it.

use std::marker::PhantomData;
use std::sync::Arc as StdArc;

use super::worker::{run_worker, with_worker_cx, Core, WorkerCx};
use super::Shared;
use crate::sync::{Arc, Mutex};
use crate::task::TaskId;

/// The body of a runtime thread that runs a worker loop.
pub(crate) type WorkerJob = Box<dyn FnOnce() + Send + 'static>;

/// Starts a worker job on a runtime thread (the runtime context entered,
/// marked as driving), implemented by the runtime
/// (`runtime/worker_threads.rs`). It gives the job back, unrun, after
/// shutdown or if no thread can be started.
pub(crate) trait StartWorker: Send + Sync {
    fn start(&self, job: WorkerJob) -> Result<(), WorkerJob>;
}

type CoreCell = StdArc<Mutex<Option<Box<Core>>>>;

/// A core handed off by this thread (step 1 done). Dropping it is step 4.
/// Not `Send`: it belongs to the blocker's thread.
pub(crate) struct HandOff {
    cell: CoreCell,
    /// The task whose poll the blocker is in.
    task: TaskId,
    _not_send: PhantomData<*const ()>,
}

/// Step 1: if this thread is a worker holding its core inside a poll of
/// `task`, hands the core off. `None` otherwise (not a worker, already
/// handed off, outside a poll, shut down, or no replacement thread), in
/// which case the caller blocks in place.
pub(crate) fn hand_off(task: TaskId) -> Option<HandOff> {
    with_worker_cx(|cx| {
        let cx = cx?;
        let shared = &cx.shared;
        if cx.handed_off.get() || shared.is_shutdown() {
            return None;
        }
        let starter = shared.starter.get()?.clone();
        // The batch first, while the core can still take what its
        // destructors schedule.
        cx.release_batch(shared);
        let mut core = cx.core.try_borrow_mut().ok()?.take()?;
        core.prepare_hand_off(shared);
        cx.handed_off.set(true);
        // This thread's own busy period for a model's clock, from before
        // the core can be taken (ended in `HandOff::drop` or, when the
        // core is gone, in `run_worker`).
        shared.idle.blocker_busy();
        let cell: CoreCell = StdArc::new(Mutex::new(Some(core)));
        let job = replacement(shared.clone(), cell.clone());
        let handed = HandOff { cell, task, _not_send: PhantomData };
        match starter.start(job) {
            Ok(()) => Some(handed),
            Err(job) => {
                drop(job);
                // No replacement: take the core back (step 4) and block in
                // place.
                drop(handed);
                None
            }
        }
    })
}

/// Step 2, on the replacement's thread.
fn replacement(shared: Arc<Shared>, cell: CoreCell) -> WorkerJob {
    Box::new(move || {
        let core = cell.lock().take();
        if let Some(core) = core {
            run_worker(shared, core);
        }
    })
}

impl Drop for HandOff {
    /// Step 4.
    fn drop(&mut self) {
        let Some(core) = self.cell.lock().take() else { return };
        with_worker_cx(|cx| {
            let cx: &WorkerCx = cx.expect("`block_in_place` ends on the worker thread it began on");
            let mut slot = cx.core.borrow_mut();
            assert!(slot.is_none(), "a worker got a second core during `block_in_place`");
            cx.shared.worker_metrics(cx.index).poll_started(self.task);
            *slot = Some(core);
            cx.handed_off.set(false);
            drop(slot);
            // Worker `index`'s busy period is this thread's again (ended
            // with the core's cell free: it may unpark the driver).
            cx.shared.idle.blocker_done();
        });
    }
}

/// Whether this thread runs a multi-thread worker loop (holding its core
/// or not).
pub(crate) fn is_worker_thread() -> bool {
    with_worker_cx(|cx| cx.is_some())
}
