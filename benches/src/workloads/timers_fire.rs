//! `timers_fire`: many timers firing at once: the timer's throughput
//! under load, and how late the wake-ups get when thousands expire per
//! millisecond.
//!
//! [`TIMERS_FIRE`] tasks, each sleeping a seeded random 1..=50 ms (the
//! same durations for every runtime and round), run by
//! [`sleep_many`](super::timers::sleep_many): reports the total from the
//! first spawn to the last wake, and each timer's lateness (wake time minus
//! deadline). About 2,000 timers expire per millisecond.

use std::sync::OnceLock;
use std::time::Duration;

use super::timers::{durations_ms, sleep_many, TimerSample, SEED};
use super::Workload;
use crate::rt::BenchRuntime;

/// Tasks (each with one timer) per sample.
pub const TIMERS_FIRE: usize = 100_000;

/// The durations of `timers_fire`: [`TIMERS_FIRE`] of them, 1..=50 ms.
pub fn fire_durations() -> &'static [Duration] {
    static DURATIONS: OnceLock<Vec<Duration>> = OnceLock::new();
    DURATIONS.get_or_init(|| durations_ms(TIMERS_FIRE, 1, 50, SEED))
}

/// One `timers_fire` sample on `rt`.
pub fn timers_fire<R: BenchRuntime>(rt: &R) -> TimerSample {
    sleep_many(rt, fire_durations())
}

/// `timers_fire` as a timed workload (criterion: the time is the total).
#[derive(Debug)]
pub struct TimersFire;

impl Workload for TimersFire {
    const NAME: &'static str = "timers_fire";

    fn run<R: BenchRuntime>(rt: &R) {
        let sample = timers_fire(rt);
        assert_eq!(sample.early(), 0, "{}: a timer fired early", R::NAME);
    }
}
