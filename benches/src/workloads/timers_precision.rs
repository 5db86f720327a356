//! `timers_precision`: how late a lightly loaded timer fires.
//!
//! [`TIMERS_PRECISION`] tasks, each sleeping a seeded random 1..=1000 ms
//! (the same durations for every runtime and round), run by
//! [`sleep_many`](super::timers::sleep_many): about one expiry per
//! millisecond, so the workers are idle between them and lateness is the
//! timer's resolution plus the wake-up path (a thread parked in the poller
//! or on a condvar, woken at the deadline). One sample takes about a
//! second.

use std::sync::OnceLock;
use std::time::Duration;

use super::timers::{durations_ms, sleep_many, TimerSample, SEED};
use crate::rt::BenchRuntime;

/// Tasks (each with one timer) per sample.
pub const TIMERS_PRECISION: usize = 1_000;

/// The durations of `timers_precision`: [`TIMERS_PRECISION`] of them,
/// 1..=1000 ms.
pub fn precision_durations() -> &'static [Duration] {
    static DURATIONS: OnceLock<Vec<Duration>> = OnceLock::new();
    DURATIONS.get_or_init(|| durations_ms(TIMERS_PRECISION, 1, 1000, SEED ^ 1))
}

/// One `timers_precision` sample on `rt`.
pub fn timers_precision<R: BenchRuntime>(rt: &R) -> TimerSample {
    sleep_many(rt, precision_durations())
}
