//! spindle: a multi-threaded, work-stealing async runtime.
//!
//! A future is lazy until it is awaited or spawned; [`spawn`] turns it into
//! a task that the runtime's workers poll until it completes, and
//! [`block_on`] drives a top-level future on the calling thread. Idle
//! workers steal from busy ones.
//!
//! ```
//! let total = spindle::block_on(async {
//!     let a = spindle::spawn(async { 20 });
//!     let b = spindle::spawn(async { 22 });
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(total, 42);
//! ```
//!
//! | crate | what it brings |
//! |---|---|
//! | `spindle-executor` | tasks, workers, stealing, parking, blocking pool, coop budget, the runtime context |
//! | `spindle-timer` | the timing wheel, `sleep` / `timeout` / `interval`, `Pacer` |
//! | `spindle-reactor` | I/O readiness through `polling`, sockets, the platform seam |
//!
//! What this crate adds on top (one module each):
//!
//! | module | owns |
//! |---|---|
//! | [`runtime`] | the executor's `Builder` / `Runtime` / `Handle` with the reactor-and-timer driver factory; [`PerCore`](runtime::PerCore) (`per_core.rs`) |
//! | `default_runtime.rs` | [`block_on`] on a lazily started default runtime |
//! | [`task`] | spawning, `JoinSet` (`join_set.rs`), `LocalSet` / `spawn_local` (`local_set.rs`) |
//! | [`time`], [`net`] | the timer's and the reactor's types, re-exported |
//! | [`io`] | futures-io traits and helpers, `duplex`, `copy_bidirectional`, `TokioIo` (feature `tokio-io`) |
//! | [`sync`] | channels, `Mutex`, `RwLock`, `Semaphore`, `Notify`, `Barrier`, on one loom-switchable facade |
//! | [`signal`] | `ctrl_c`, and `unix::signal` on Unix (one platform seam: `signal/{unix,windows}.rs`) |
//! | `hyper` | hyper 1.x's runtime traits on spindle (feature `hyper`) |
//! | `criterion` | criterion's `AsyncExecutor` (feature `criterion`) |
//! | `macros` | `join!`, `try_join!`, `pin!`, `select!`; `#[main]` / `#[test]` come from `spindle-macros` (feature `macros`, on by default) |
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "criterion")]
pub mod criterion;
mod default_runtime;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
mod join_set;
mod local_set;
#[doc(hidden)]
pub mod macros;
pub mod net;
mod per_core;
pub mod runtime;
pub mod signal;
// Only `Builder::new_simulated` outside loom builds it (inside a loom
// model the driver is the timer over loom's parker, `runtime.rs`).
#[cfg(not(spindle_loom))]
mod sim_driver;
pub mod sync;
pub mod task;
pub mod time;

pub use default_runtime::block_on;
pub use runtime::{Builder, Handle, Runtime};
pub use spindle_executor::coop;
#[cfg(feature = "macros")]
pub use spindle_macros::{main, test};
pub use task::{spawn, spawn_blocking, spawn_blocking_bounded, try_spawn_blocking, JoinError, JoinHandle};
