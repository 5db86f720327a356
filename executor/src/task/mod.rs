//! Tasks: one heap cell per spawned future, the handles that point at it,
//! and the functions that create them (`spawn`, `spawn_blocking`,
//! `yield_now`).
//!
//! # Handles and their references
//!
//! Every handle below owns one reference in the task's state word (see
//! `state`); the cell is freed when the last one goes.
//!
//! | handle | who holds it | what it may do |
//! |---|---|---|
//! | `Task` | the runtime's registry | cancel the task at shutdown |
//! | `Notified` | a run queue | run the task once (`SCHEDULED` is its token) |
//! | [`JoinHandle`] | the spawner | read the output, abort |
//! | `Waker` | whoever the future gave it to | schedule the task |
//!
//! A task starts with three references (registry, `JoinHandle`, first
//! `Notified`). The registry's goes when the task completes (or at
//! shutdown), so a task can never be freed before its future is dropped. A
//! worker releases the registry's references of the tasks it completes in
//! batches (see `registry`), so a completed cell may outlive its completion
//! by up to a batch.
//!
//! # Files
//!
//! | file | owns |
//! |---|---|
//! | `state.rs` | the state word, its bits and its transitions (the task-state protocol) |
//! | `raw.rs` | the cell layout, the vtable, `RawTask` |
//! | `harness.rs` | poll, complete, cancel, read the output (the vtable's functions) |
//! | `stage.rs` | the stage union (future, then output) and its tag in the vtable word |
//! | `waker.rs` | the wake entry points and the cell's `Waker` |
//! | `join.rs` | `JoinHandle`, `AbortHandle` |
//! | `registry.rs` | the registry of live tasks and the workers' release batches |
//! | `meta.rs` | the spawn site and name block in the header |
//! | `builder.rs` | `task::Builder`: named tasks |
//! | `hooks.rs` | `TaskMeta` and the spawn/terminate hooks |
//! | `current.rs` | `task::id()` / `try_id()`: the id of the task being polled |
//! | `block_in_place.rs` | `block_in_place`: which case applies (the hand-off itself is the scheduler's) |
//!
//! # Fields and who may touch them
//!
//! * the state word: anyone holding a reference, through the transitions in
//!   `state`;
//! * the future: only the thread that set `RUNNING`;
//! * the output: after `COMPLETE`, only the `JoinHandle` if it still existed
//!   at completion, else the completing thread;
//! * the join waker: the `JoinHandle` while `JOIN_WAKER` is clear, the task
//!   side (read only) while it is set;
//! * the scheduler handle and the id: read only, by anyone.
//!
//! # Panics
//!
//! A panic in `poll` is caught and becomes the `JoinError`; so is a panic
//! from dropping the future (on completion or cancellation). A panic from
//! dropping an output nobody reads is swallowed. The worker never unwinds.

mod block_in_place;
mod builder;
pub(crate) mod current;
mod error;
mod harness;
pub(crate) mod hooks;
mod id;
mod join;
pub(crate) mod meta;
mod raw;
pub(crate) mod registry;
mod spawn;
mod stage;
pub(crate) mod state;
mod waker;
mod yield_now;

pub use crate::blocking::TrySpawnBlockingError;
pub use block_in_place::block_in_place;
pub use builder::Builder;
pub use current::{id, try_id};
pub use error::JoinError;
pub use hooks::{TaskMeta, UnhandledPanic};
pub use id::Id;
pub use join::{AbortHandle, JoinHandle};
pub use spawn::{spawn, spawn_blocking, spawn_blocking_bounded, try_spawn_blocking};
pub use waker::wake_quietly;
pub use yield_now::yield_now;

pub(crate) use id::TaskId;
pub(crate) use raw::{Header, RawTask};

use std::fmt;
use std::future::Future;
use std::ptr::NonNull;

/// Where a task goes when it is woken, and how it leaves the registry.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a woken task.
    fn schedule(&self, task: Notified);

    /// Queues a task that was woken while it was running (it yielded). The
    /// default treats it as any other wake.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// Removes a completed task from the registry, now or later. Returns
    /// `true` if the registry's reference was still held and is now the
    /// caller's to release; `false` if the closer already took it, or if
    /// the removal was batched (a worker's batch: the registry keeps its
    /// reference until the batch is released).
    ///
    /// # Safety
    /// `task` is a task of this scheduler that has just completed (the
    /// harness's `complete`, once per task), and the caller holds a
    /// reference to it for the whole call.
    unsafe fn release(&self, task: NonNull<Header>) -> bool;

    /// The runtime's task hooks, if it has any (the harness runs
    /// `on_task_terminate` through them).
    fn hooks(&self) -> Option<&hooks::TaskHooks> {
        None
    }

    /// Whether this scheduler's task cells are padded apart
    /// (`raw::cell_layout`), so that tasks polled on different threads at
    /// once never write one cache line. Read once when a cell is allocated
    /// and once when it is freed: the answer must not change. The default
    /// is no (a cell is then exactly its size).
    fn pads_cells(&self) -> bool {
        false
    }

    /// A poll of one of this scheduler's tasks ended after a leaf forced
    /// a yield (the coop budget ran out): counts it for
    /// `RuntimeMetrics::budget_forced_yield_count`. The default does
    /// nothing.
    fn budget_forced_yield(&self) {}

    /// `UnhandledPanic::ShutdownRuntime`: cancels every task and stops the
    /// workers. Called by the harness while it completes the panicked task
    /// (holding a reference to it). The default does nothing.
    fn shutdown_on_unhandled_panic(&self) {}
}

/// Creates a task: the registry's handle, the first `Notified`, and the
/// `JoinHandle`.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: meta::Meta,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // The three initial references: one for each handle made here.
    let raw = RawTask::new(future, scheduler, id, meta);
    (Task(raw), Notified(raw), JoinHandle::from_raw(raw))
}

/// The registry's reference to a task.
pub(crate) struct Task(RawTask);

// SAFETY: a task may be shut down and released from any thread: the cell's
// shared parts are atomics or read-only, and the future is only touched by
// the holder of RUNNING. `new_task` requires `F: Send`.
unsafe impl Send for Task {}
// SAFETY: every `&self` operation is either a CAS-driven transition of the
// atomic state word (`shutdown` runs the cancellation only for the thread
// whose transition won RUNNING), a read of an immutable header field (id,
// vtable), or a registry-key access that the registry's shard lock guards
// (`set_registry_key` is `unsafe` and documents it). None of them touches
// the future or the output without owning it through the state word.
unsafe impl Sync for Task {}

impl Task {
    pub(crate) fn header(&self) -> NonNull<Header> {
        self.0.header_ptr()
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    /// Cancels the task if no thread owns its future; otherwise marks it
    /// cancelled for the owner to finish.
    pub(crate) fn shutdown(&self) {
        // SAFETY: `self` holds a reference for the call.
        unsafe { (self.0.vtable().shutdown)(self.0.header_ptr()) }
    }

    /// Stores this task's key in the registry shard.
    ///
    /// # Safety
    /// Only the registry calls this, under its shard lock, once per task.
    pub(crate) unsafe fn set_registry_key(&self, key: u32) {
        // SAFETY: the caller's contract.
        unsafe { self.0.set_registry_key(key) }
    }

    pub(crate) fn id(&self) -> TaskId {
        self.0.id()
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task").field("id", &self.id()).field("state", self.0.state()).finish()
    }
}

/// A scheduled task: the token to run it once.
pub(crate) struct Notified(RawTask);

// SAFETY: as for `Task`: running a task from another thread is the point.
unsafe impl Send for Notified {}

impl Notified {
    /// # Safety
    /// `ptr` is a task header, and the caller hands over a reference that
    /// carries the task's `SCHEDULED` token.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        // SAFETY: the caller hands over a reference.
        Notified(unsafe { RawTask::from_raw(ptr) })
    }

    /// Polls the task once (or cancels it, or releases it if it is already
    /// running elsewhere or complete).
    pub(crate) fn run(self) {
        let raw = self.0;
        std::mem::forget(self);
        // SAFETY: we give up the Notified's reference to `run`.
        unsafe { (raw.vtable().run)(raw.header_ptr()) }
    }

    pub(crate) fn header(&self) -> NonNull<Header> {
        self.0.header_ptr()
    }

    pub(crate) fn id(&self) -> TaskId {
        self.0.id()
    }

    /// Cancels a task that will never run (a queue dropped at shutdown),
    /// then releases the reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: `self` holds a reference for the call.
        unsafe { (self.0.vtable().shutdown)(self.0.header_ptr()) }
    }

    /// Releases the reference once the `Schedule` call running on this
    /// thread has returned. A scheduler that drops tasks while it is being
    /// called through a task (draining a queue at shutdown) uses this: the
    /// dropped reference may be the last, and the cell holds the scheduler
    /// handle that the running call borrows.
    pub(crate) fn drop_after_schedule(self) {
        let mut task = Some(self);
        let _ = POSTPONED.try_with(|d| d.borrow_mut().extend(task.take()));
        // The list is gone (thread teardown, a runtime in a `thread_local!`):
        // releasing now could free the cell under the running call, so the
        // reference is leaked instead.
        std::mem::forget(task);
    }

    /// [`Notified::shutdown`], with the release postponed as in
    /// [`Notified::drop_after_schedule`].
    pub(crate) fn shutdown_after_schedule(self) {
        // SAFETY: `self` holds a reference for the call.
        unsafe { (self.0.vtable().shutdown)(self.0.header_ptr()) }
        self.drop_after_schedule();
    }
}

crate::sync::thread_local! {
    /// References whose release is postponed to the end of a `Schedule`
    /// call ("postponed", not "deferred": the registry's batched removals
    /// are the other thing).
    static POSTPONED: std::cell::RefCell<Vec<Notified>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Releases the references postponed by [`Notified::drop_after_schedule`].
/// Called by the task harness after every call into its scheduler.
pub(crate) fn release_postponed() {
    let postponed = POSTPONED
        .try_with(|d| {
            let mut d = d.borrow_mut();
            if d.is_empty() {
                Vec::new()
            } else {
                std::mem::take(&mut *d)
            }
        })
        .unwrap_or_default();
    drop(postponed);
}

impl Drop for Notified {
    /// A `Notified` dropped without running (queues drained at shutdown)
    /// just releases its reference; the registry still cancels the task.
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

impl fmt::Debug for Notified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").field("id", &self.id()).finish()
    }
}
