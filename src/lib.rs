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
//! | `spindle-executor` | tasks, workers, stealing, parking, blocking pool, coop budget |
//! | `spindle-timer` | the timing wheel and `sleep` / `timeout` / `interval` |
//! | `spindle-reactor` | I/O readiness through `polling`, sockets |
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
mod sim_driver;
pub mod sync;
pub mod task;
pub mod time;

pub use default_runtime::block_on;
pub use runtime::{Builder, Handle, Runtime};
pub use spindle_executor::coop;
#[cfg(feature = "macros")]
pub use spindle_macros::{main, test};
pub use task::{spawn, spawn_blocking, JoinError, JoinHandle};
