//! The blocking pool: threads for closures that block (file I/O, DNS,
//! CPU-heavy work), so that they never stall a worker, and the
//! back-pressure of its queue.
//!
//! | file | owns |
//! |---|---|
//! | `pool.rs` | the threads, the queue, room and the spawn that ignores the bound (`spawn_blocking`) |
//! | `bounded.rs` | `try_spawn_blocking`, `spawn_blocking_bounded` and the line of waiters for room |
//! | `error.rs` | [`TrySpawnBlockingError`] |
//!
//! The queue is unbounded by default, as tokio's;
//! [`Builder::max_blocking_queue`](crate::runtime::Builder::max_blocking_queue)
//! bounds the closures that wait for a busy thread. Only the bounded
//! spawns honour the bound: plain `spawn_blocking` keeps tokio's contract
//! (it never fails and never waits) and queues past it.

mod bounded;
mod error;
mod pool;

pub(crate) use bounded::SpawnBlockingBounded;
pub use error::TrySpawnBlockingError;
pub(crate) use pool::{BlockingPool, BlockingTask};
