//! spindle's executor: tasks, work-stealing workers, parking, the blocking
//! pool and the cooperative budget. It knows nothing of I/O or time: idle
//! workers sleep through the [`park::Park`] trait, which the `spindle`
//! facade implements with its timer and reactor.
//!
//! Most users want the `spindle` crate, which re-exports this one.
//!
//! ```
//! use spindle_executor::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let out = rt.block_on(async {
//!     let a = spindle_executor::spawn(async { 20 });
//!     let b = spindle_executor::spawn(async { 22 });
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(out, 42);
//! ```
//!
//! # Map
//!
//! Top-down: the API, the mechanism under it, then the leaves everything
//! may import (which import nothing above them).
//!
//! | module | owns |
//! |---|---|
//! | [`runtime`] | the API: `Builder<D>` and its [`DriverFactory`](runtime::DriverFactory), `Runtime<D>`, `Handle`, `RuntimeMetrics`; the shutdown order across the crates |
//! | [`context`] | the one runtime context: current runtime, its driver handles, "already driving" |
//! | `scheduler` | `Scheduler` (spawn, metric questions); `multi_thread` (workers, LIFO slots, stealing, idle accounting, parking), `current_thread`, `block_on` |
//! | [`task`] | the task cell (`state`, `raw`, `harness`, `waker`), `JoinHandle`, the registry |
//! | `blocking` | the blocking pool |
//! | `queue` | crossbeam deques (or their loom stand-ins) |
//! | `config` | leaf: `Config`, the `DEFAULT_*` constants, `ThreadHooks` |
//! | `worker_metrics` | leaf: per-worker counters (and the few scheduler-wide ones) |
//! | `histogram` | leaf: the poll-time histogram's layout (public through [`runtime`]) and per-worker buckets |
//! | [`park`] | leaf: the `Park`/`Unpark` traits, the condvar `Parker`, `ThreadWaker` |
//! | [`coop`] | leaf: the per-poll operation budget |
//! | [`diagnostics`] | the one diagnostics seam (silent unless the `tracing` feature) |
//! | `sync` | std or loom primitives |
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod blocking;
mod config;
pub mod coop;
pub mod diagnostics;
mod histogram;
pub mod park;
mod queue;
mod rng;
pub mod runtime;
mod scheduler;
mod sync;
pub mod task;
mod worker_metrics;

#[cfg(spindle_loom)]
#[doc(hidden)]
pub mod loom_api;

pub use config::{
    DEFAULT_EVENT_INTERVAL, DEFAULT_GLOBAL_QUEUE_INTERVAL, DEFAULT_MAX_BLOCKING_THREADS, DEFAULT_THREAD_KEEP_ALIVE,
};
pub use runtime::{context, EnterGuard, Handle, RuntimeFlavor, RuntimeMetrics, TryCurrentError};

/// The executor's runtime builder: [`runtime::Builder`] with no driver
/// (idle workers sleep on condvars) unless [`Builder::driver`] installs one.
pub type Builder = runtime::Builder<runtime::NoDriver>;

/// The executor's runtime: [`runtime::Runtime`] with no driver.
pub type Runtime = runtime::Runtime<runtime::NoDriver>;
pub use task::{spawn, spawn_blocking, JoinError, JoinHandle};

/// What the `spindle` facade's `LocalSet` (its own executor for `!Send`
/// tasks) needs from the task module: task ids, join errors and the coop
/// budget. Not a public API.
#[doc(hidden)]
pub mod __local {
    use std::any::Any;

    use crate::task::{Id, JoinError};

    /// A fresh task id, from the same sequence as spawned tasks'.
    pub fn next_task_id() -> Id {
        Id::next()
    }

    /// The error of a task that was aborted or dropped unfinished.
    pub fn cancelled(id: Id) -> JoinError {
        JoinError::cancelled(id)
    }

    /// Runs `f` (one task poll) with a task's coop budget.
    pub fn with_budget<R>(f: impl FnOnce() -> R) -> R {
        crate::coop::with_budget(f)
    }

    /// The error of a task whose future panicked.
    pub fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError::panic(id, payload)
    }
}
