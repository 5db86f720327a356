//! Time: [`sleep`], [`timeout`], [`interval`], on spindle's hierarchical
//! timing wheel (see `spindle-timer`). Deadlines are honoured to the
//! microsecond where the OS allows: the parked worker sleeps in the poller
//! until the earliest deadline exactly, not rounded to a tick.
//!
//! Timers belong to the runtime current where they are created (inside a
//! task, a `block_on`, or under [`Runtime::enter`](crate::Runtime::enter));
//! creating one elsewhere panics with a message naming the function. A
//! timer polled after its runtime was dropped, with its deadline still
//! ahead, panics too ("spindle timer polled after its runtime shut down"),
//! rather than leaving its caller waiting forever.
//!
//! [`Instant`] is spindle's own (as tokio's is): it reads the runtime's
//! clock, which a current-thread runtime can [`pause`] (tokio's test
//! utilities: [`pause`], [`advance`], [`resume`],
//! [`Builder::start_paused`](crate::runtime::Builder::start_paused)); a
//! paused runtime with nothing to run jumps its clock to the next timer.
//! Inside a loom model every runtime's clock is virtual that way.
//!
//! ```
//! use std::time::Duration;
//!
//! spindle::block_on(async {
//!     let start = spindle::time::Instant::now();
//!     spindle::time::sleep(Duration::from_millis(20)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(20));
//!
//!     let slow = spindle::time::sleep(Duration::from_secs(10));
//!     let err = spindle::time::timeout(Duration::from_millis(5), slow).await.unwrap_err();
//!     println!("{err}");
//! });
//! ```

pub use spindle_timer::{
    interval, interval_at, sleep, sleep_until, timeout, timeout_at, Elapsed, Instant, Interval, MissedTickBehavior,
    Sleep, Timeout,
};
pub use spindle_timer::{Pacer, Tick};

mod pause;
pub use pause::{advance, pause, resume};
