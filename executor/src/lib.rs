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
//! | [`runtime`] | the API: `Builder<D>` and its [`DriverFactory`](runtime::DriverFactory), `Runtime<D>`, `Handle`, `RuntimeMetrics`; the shutdown order across the crates; the worker threads (`worker_threads`: started, kept as spares, joined); where each blocking spawn goes (`blocking_spawns`: the pool, or a simulated runtime's virtual workers); [`simulate`](runtime::simulate) |
//! | [`context`] | the one runtime context: current runtime, its driver handles, "already driving" |
//! | `scheduler` | `Scheduler` (spawn, metric questions); `multi_thread` (workers, LIFO slots, stealing, idle accounting, parking; `sim`, its workers stepped from a seed), `current_thread`, `block_on` |
//! | [`task`] | the task cell (`state`, `raw`, `harness`, `waker`), `JoinHandle`, the registry |
//! | `blocking` | the blocking pool, and the back-pressure of its queue (`try_spawn_blocking`, `spawn_blocking_bounded`) |
//! | `queue` | crossbeam deques (or their loom stand-ins) |
//! | `rng` | leaf: the per-worker random number generator (steal victims) |
//! | `config` | leaf: `Config`, the `DEFAULT_*` constants, `ThreadHooks` |
//! | `metrics_clock` | leaf: the cheap clock that per-poll metrics read (a calibrated cycle counter where there is one) |
//! | `sched_clock` | leaf: the time the scheduler's policies read (monotonic, or simulated) |
//! | `worker_metrics` | leaf: per-worker counters (and the few scheduler-wide ones) |
//! | `histogram` | leaf: the poll-time histogram's layout (public through [`runtime`]) and per-worker buckets |
//! | [`park`] | leaf: the `Park`/`Unpark` traits, the condvar `Parker`, `ThreadWaker` |
//! | [`clock`] | leaf: the runtime's `Clock` (real, pausable, simulated) and auto-advance |
//! | [`coop`] | leaf: the per-poll operation budget |
//! | [`diagnostics`] | the one diagnostics seam (silent unless the `tracing` feature) |
//! | `sync` | std or loom primitives, and the worker threads' thread type |
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod blocking;
pub mod clock;
mod config;
pub mod coop;
pub mod diagnostics;
mod histogram;
mod metrics_clock;
pub mod park;
mod queue;
mod rng;
pub mod runtime;
mod sched_clock;
mod scheduler;
mod sync;
pub mod task;
mod worker_metrics;

#[cfg(spindle_loom)]
#[doc(hidden)]
pub mod loom_api;

pub use config::{
    default_worker_threads, DEFAULT_EVENT_INTERVAL, DEFAULT_GLOBAL_QUEUE_INTERVAL, DEFAULT_MAX_BLOCKING_THREADS,
    DEFAULT_THREAD_KEEP_ALIVE,
};
pub use runtime::{context, EnterGuard, Handle, RuntimeFlavor, RuntimeMetrics, TryCurrentError};

/// The executor's runtime builder: [`runtime::Builder`] with no driver
/// (idle workers sleep on condvars) unless [`Builder::driver`] installs one.
pub type Builder = runtime::Builder<runtime::NoDriver>;

/// The executor's runtime: [`runtime::Runtime`] with no driver.
pub type Runtime = runtime::Runtime<runtime::NoDriver>;
pub use task::{spawn, spawn_blocking, spawn_blocking_bounded, try_spawn_blocking, JoinError, JoinHandle};

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
