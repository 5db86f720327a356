//! spindle's timer: a hierarchical timing wheel behind a [`Park`] layer,
//! and the timer futures built on it — [`sleep()`], [`sleep_until()`],
//! [`timeout()`], [`timeout_at()`], [`interval()`], [`interval_at()`] —
//! and [`Pacer`], open-loop pacing for load generators.
//!
//! The runtime wraps the `Park` it sleeps in with a [`TimerDriver`]. The
//! thread that parks in the driver sleeps until the earliest timer deadline
//! (exactly; the wheel keeps exact deadlines, not ticks) and wakes the
//! expired timers' tasks when it returns. Timer futures find the timer
//! through the thread's current [`Handle`], which lives in the executor's
//! one runtime context (`spindle_executor::context`): the facade installs a
//! runtime's timer among its driver handles, and [`Handle::enter`] makes a
//! timer current without a runtime. Timers are sharded per thread so that
//! workers registering and cancelling timers do not contend on one lock.
//!
//! | module | owns |
//! |---|---|
//! | `wheel/` | the hierarchical timing wheel (geometry, slab of entries) |
//! | `shard.rs` | one lock's worth of timers, and the cancel-vs-fire and park-handshake protocol |
//! | `handle.rs` | the shared timer state, registration, shutdown |
//! | `driver.rs` | [`TimerDriver`]: the `Park` layer that sleeps until the earliest deadline |
//! | `entry.rs` | one timer's registration, shared by the futures |
//! | `instant.rs` | [`Instant`]: spindle's instant, read from the runtime's clock |
//! | `sleep.rs`, `timeout.rs`, `interval.rs` | the futures |
//! | `pacer.rs` | [`Pacer`]: a fixed schedule of intended starts, and [`Tick`] |
//! | `error.rs` | [`Elapsed`] |
//! | `sync.rs` | std or loom primitives |
//!
//! # Examples
//!
//! Without a runtime, a thread looping in `park` plays the runtime's part:
//!
//! ```
//! use spindle_executor::park::{Park, Parker};
//! use spindle_timer::{sleep, timeout, Instant, TimerDriver};
//! use std::time::Duration;
//!
//! let mut driver = TimerDriver::new(Parker::new());
//! let handle = driver.handle();
//! std::thread::spawn(move || loop { driver.park(None) });
//!
//! let _enter = handle.enter();
//! futures_executor::block_on(async {
//!     let start = Instant::now();
//!     sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//!
//!     let never = std::future::pending::<()>();
//!     assert!(timeout(Duration::from_millis(5), never).await.is_err());
//! });
//! ```
//!
//! [`Park`]: spindle_executor::park::Park
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod driver;
mod entry;
mod error;
mod handle;
mod instant;
mod interval;
mod pacer;
mod shard;
mod sleep;
mod sync;
mod timeout;
mod wheel;

#[cfg(spindle_loom)]
#[doc(hidden)]
pub mod loom_api;

pub use crate::driver::TimerDriver;
pub use crate::error::Elapsed;
pub use crate::handle::{EnterGuard, Handle};
pub use crate::instant::Instant;
pub use crate::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use crate::pacer::{Pacer, Tick};
pub use crate::sleep::{sleep, sleep_until, Sleep};
pub use crate::timeout::{timeout, timeout_at, Timeout};

/// Compile-time check of which public types are `Send` and `Sync`.
fn _ensure_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Handle>();
    is_send_sync::<Sleep>();
    is_send_sync::<Interval>();
    is_send_sync::<Timeout<std::future::Ready<()>>>();
    is_send_sync::<Elapsed>();
    is_send_sync::<Instant>();
    is_send_sync::<TimerDriver<spindle_executor::park::Parker>>();
}
