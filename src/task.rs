//! Tasks: spawning, joining, aborting, yielding.
//!
//! ```
//! spindle::block_on(async {
//!     let h = spindle::task::spawn(async { spindle::task::yield_now().await; 1 });
//!     assert_eq!(h.await.unwrap(), 1);
//! });
//! ```

pub use spindle_executor::coop::{consume_budget, unconstrained, Unconstrained};
pub use spindle_executor::task::{
    block_in_place, id, try_id, yield_now, AbortHandle, Builder, Id, JoinError, JoinHandle, TaskMeta,
    TrySpawnBlockingError,
};
pub use spindle_executor::{spawn, spawn_blocking, spawn_blocking_bounded, try_spawn_blocking};

pub use crate::join_set::JoinSet;
pub use crate::local_set::{spawn_local, LocalJoinHandle, LocalSet, RunUntil};
