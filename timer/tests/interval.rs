//! `interval` / `interval_at` and each `MissedTickBehavior`.
//!
//! The assertions are on the *scheduled* instants that `tick` returns, which
//! are exact arithmetic, so they hold however noisy the machine is.

mod common;

use spindle_timer::Instant;
use std::time::Duration;

use common::Rt;
use spindle_timer::{interval, interval_at, MissedTickBehavior};

const PERIOD: Duration = Duration::from_millis(10);
/// Long enough to miss several ticks, well past the 5 ms "missed" threshold.
const STALL: Duration = Duration::from_millis(55);

#[test]
fn first_tick_is_immediate_then_periodic() {
    let rt = Rt::new();
    rt.block_on(async {
        let before = Instant::now();
        let mut iv = interval(PERIOD);
        let t0 = iv.tick().await;
        assert!(t0 >= before);
        assert!(t0 <= Instant::now());
        let t1 = iv.tick().await;
        assert!(Instant::now() >= t1, "never early");
        // Unless this machine stalled past the threshold, ticks stay on grid.
        if Instant::now() - t1 < Duration::from_millis(5) {
            assert_eq!(t1 - t0, PERIOD);
        }
    });
}

#[test]
fn interval_at_starts_at_start() {
    let rt = Rt::new();
    rt.block_on(async {
        let start = Instant::now() + Duration::from_millis(15);
        let mut iv = interval_at(start, PERIOD);
        assert_eq!(iv.tick().await, start);
        assert!(Instant::now() >= start);
    });
}

#[test]
fn burst_catches_up_on_the_original_grid() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut iv = interval(PERIOD);
        assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
        let t0 = iv.tick().await;
        std::thread::sleep(STALL);
        let stalled = Instant::now();
        // The ticks missed during the stall come back to back, on the grid.
        let mut k = 1;
        loop {
            let t = iv.tick().await;
            assert_eq!(t, t0 + PERIOD * k);
            if t > stalled {
                break;
            }
            k += 1;
        }
        assert!(k >= 5, "a {STALL:?} stall misses at least 5 ticks, got {k}");
    });
}

#[test]
fn delay_restarts_from_the_late_tick() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut iv = interval(PERIOD);
        iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let t0 = iv.tick().await;
        std::thread::sleep(STALL);
        let stalled = Instant::now();
        // The late tick is delivered at once, with its scheduled instant...
        assert_eq!(iv.tick().await, t0 + PERIOD);
        // ...and the next is a full period after it was delivered.
        let t2 = iv.tick().await;
        assert!(t2 >= stalled + PERIOD);
        let t3 = iv.tick().await;
        if Instant::now() - t3 < Duration::from_millis(5) {
            assert_eq!(t3 - t2, PERIOD);
        }
    });
}

#[test]
fn skip_jumps_to_the_next_grid_point() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut iv = interval(PERIOD);
        iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let t0 = iv.tick().await;
        std::thread::sleep(STALL);
        let stalled = Instant::now();
        assert_eq!(iv.tick().await, t0 + PERIOD);
        let t2 = iv.tick().await;
        assert!(t2 > stalled, "missed ticks are skipped");
        let offset = (t2 - t0).as_nanos();
        assert_eq!(offset % PERIOD.as_nanos(), 0, "still on the original grid");
        assert!(t2 - t0 >= PERIOD * 6);
    });
}

#[test]
fn reset_moves_the_schedule() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut iv = interval(Duration::from_secs(3600));
        iv.tick().await;
        iv.reset_immediately();
        iv.tick().await;
        let at = Instant::now() + Duration::from_millis(5);
        iv.reset_at(at);
        assert_eq!(iv.next_tick(), at);
        assert_eq!(iv.tick().await, at);
        iv.reset();
        assert!(iv.next_tick() > Instant::now() + Duration::from_secs(3000));
    });
}

#[test]
#[should_panic(expected = "`period` must be non-zero")]
fn zero_period_panics() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let _ = interval(Duration::ZERO);
}

#[test]
fn stream_yields_the_ticks_and_shares_their_schedule() {
    use futures_util::StreamExt;
    let rt = Rt::new();
    rt.block_on(async {
        let start = Instant::now() + Duration::from_millis(5);
        let mut iv = interval_at(start, PERIOD);
        assert_eq!(futures_util::Stream::size_hint(&iv), (usize::MAX, None), "endless");
        let streamed: Vec<Instant> = iv.by_ref().take(2).collect().await;
        // Burst (the default) keeps every tick on the grid, however late.
        assert_eq!(streamed, [start, start + PERIOD]);
        assert!(Instant::now() >= start + PERIOD, "never early");
        // The stream and `tick` advance one schedule.
        assert_eq!(iv.tick().await, start + PERIOD * 2);
        assert_eq!(iv.next().await, Some(start + PERIOD * 3));
    });
}
