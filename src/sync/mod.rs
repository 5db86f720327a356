//! Async synchronization primitives: channels, locks and notifications,
//! with tokio's names, semantics and error types.
//!
//! | primitive | what for |
//! |---|---|
//! | [`mpsc`] | many producers, one consumer; bounded or unbounded |
//! | [`oneshot`] | one value, once |
//! | [`broadcast`] | every receiver sees every value; laggards get `Lagged(n)` |
//! | [`watch`] | the latest value, and a wake-up when it changes |
//! | [`Mutex`] | a fair (FIFO) lock whose guard may be held across `.await` |
//! | [`RwLock`] | a fair, write-preferring reader-writer lock |
//! | [`Semaphore`] | a fair counting semaphore, permits borrowed or owned |
//! | [`Notify`] | wake one task (a permit is stored if none waits) or all |
//! | [`Barrier`] | `n` tasks wait for each other |
//!
//! One waiting core serves them all: a FIFO of waiters in a slab with
//! generations (no intrusive pointers, no `unsafe`), under each
//! primitive's lock. `Mutex`, `RwLock`, `Semaphore` and the bounded
//! channel's slots are one batch semaphore (tokio's design: a permit word
//! with a fast path, and the FIFO for those who wait).
//!
//! Every waiting future is cancel-safe: dropping it loses no message and
//! no permit, and a wake-up it had been handed goes to the next waiter.
//! A waiting future stores its waker once and replaces it only when the
//! new one would wake a different task; wake-ups run after the internal
//! lock is released. Receives and acquires spend the task's
//! [coop](crate::coop) budget, so a receiver whose channel is always full
//! still yields. The primitives need no spindle runtime: any executor
//! drives them.
//!
//! # Model checking
//!
//! Every primitive is built on one facade (`facade.rs`) that, under
//! `--cfg spindle_loom`, swaps its atomics and locks for [loom]'s; the
//! models in `loom-tests/` check the primitives' protocols that way. The
//! same switch applies to [`atomic`] and [`Arc`] here: they are std's in a
//! normal build and loom's under `spindle_loom`, so code written against
//! `spindle::sync` can be model-checked with loom as a whole.
//!
//! [loom]: https://docs.rs/loom
//!
//! ```
//! use spindle::sync::atomic::{AtomicUsize, Ordering};
//! use spindle::sync::Arc;
//!
//! let n = Arc::new(AtomicUsize::new(1));
//! assert_eq!(n.fetch_add(1, Ordering::Relaxed), 1);
//! ```

mod barrier;
mod batch_semaphore;
pub mod broadcast;
pub(crate) mod facade;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod wait_list;
pub mod watch;

/// std's atomics (loom's under `cfg(spindle_loom)`).
pub use facade::atomic;
/// std's `Arc` (loom's under `cfg(spindle_loom)`).
pub use facade::Arc;

#[cfg(spindle_loom)]
#[doc(hidden)]
pub use facade::loom_api;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use semaphore::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};
