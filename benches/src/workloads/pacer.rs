//! `pacer`: an open-loop schedule of [`PACER_EVENTS`] events at
//! [`PACER_RATE`] per second, split over [`PACER_SHARES`] tasks (one per
//! worker of the default 2), each event's lateness measured from its
//! intended instant. spindle runs it with [`spindle::time::Pacer`] (its
//! [`shares`](spindle::time::Pacer::shares)); tokio and async-io run the
//! same loop written by hand over their own `sleep_until` / `Timer::at`
//! ([`Spawner::sleep_until`]): event `i` of task `k` is due at
//! `origin + (k + i × shares) × 10 µs`, late events are taken at once (never
//! skipped), exactly what the pacer does.
//!
//! `pacer_precise` is the same with a 50 µs spin ([`PRECISE_SPIN`]):
//! spindle's `Pacer::precise`, and on the others the loop sleeping to 50 µs
//! before each event and yielding until its instant.
//!
//! The sample's lateness is per event (woke minus intended), and its total
//! runs from the schedule's origin to the last event: 1.00 s when the
//! schedule kept up, so the achieved rate is `PACER_EVENTS / total`. The
//! row's OS floor ([`pacer_floor`]) is one bare thread sleeping toward the
//! same instants through the poller.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_channel::oneshot;

use super::timers::{nanos, TimerSample};
use crate::rt::{BenchRuntime, Spawner, SpindleRt};

/// Events per sample.
pub const PACER_EVENTS: u64 = 100_000;
/// Events per second.
pub const PACER_RATE: u64 = 100_000;
/// Tasks sharing the schedule.
pub const PACER_SHARES: u64 = 2;
/// The spin stretch of `pacer_precise`.
pub const PRECISE_SPIN: Duration = Duration::from_micros(50);
/// From the start of a sample to the schedule's origin: time to spawn.
const LEAD: Duration = Duration::from_millis(2);

fn late(woke: Instant, intended: Instant) -> i64 {
    match woke.checked_duration_since(intended) {
        Some(late) => nanos(late),
        None => -nanos(intended - woke),
    }
}

/// Event `index`'s instant on the schedule starting at `origin`.
fn due(origin: Instant, index: u64) -> Instant {
    origin + Duration::from_nanos(index * 1_000_000_000 / PACER_RATE)
}

/// Collects the shares' lateness lists into one sample.
fn collect<R: BenchRuntime>(
    rt: &R,
    origin: Instant,
    parts: Vec<oneshot::Receiver<(Vec<i64>, Instant)>>,
) -> TimerSample {
    let mut lateness_ns = Vec::with_capacity(PACER_EVENTS as usize);
    let mut last = origin;
    for part in parts {
        let (late, woke) = rt.block_on(part).unwrap_or_else(|_| panic!("{}: a pacer share was lost", R::NAME));
        lateness_ns.extend(late);
        last = last.max(woke);
    }
    TimerSample { lateness_ns, total: last - origin }
}

/// One sample on spindle, with `spindle::time::Pacer` (spinning the last
/// `spin` before each event when it is not zero).
pub fn pacer_spindle(rt: &SpindleRt, spin: Duration) -> TimerSample {
    let origin = Instant::now() + LEAD;
    let shares =
        spindle::time::Pacer::new(PACER_RATE).starting_at(origin.into()).precise(spin).shares(PACER_SHARES as usize);
    let parts = shares
        .into_iter()
        .map(|mut pacer| {
            let (tx, rx) = oneshot::channel();
            rt.spawn_remote(async move {
                let mut late_ns = Vec::with_capacity((PACER_EVENTS / PACER_SHARES) as usize);
                let mut woke = origin;
                while pacer.next_index() < PACER_EVENTS {
                    let tick = pacer.tick().await;
                    woke = Instant::now();
                    late_ns.push(late(woke, tick.intended().into_std()));
                }
                let _ = tx.send((late_ns, woke));
            });
            rx
        })
        .collect();
    collect(rt, origin, parts)
}

/// One sample on `rt` with the loop written by hand over its own timer;
/// with a non-zero `spin` it sleeps until `spin` before each event and
/// then yields (the runtime's `yield_now`) until the instant, as
/// `Pacer::precise` does.
pub fn pacer_by_hand<R: BenchRuntime>(rt: &R, spin: Duration) -> TimerSample {
    let origin = Instant::now() + LEAD;
    let spawner = rt.spawner();
    let parts = (0..PACER_SHARES)
        .map(|k| {
            let (tx, rx) = oneshot::channel();
            rt.spawn_remote(async move {
                let mut late_ns = Vec::with_capacity((PACER_EVENTS / PACER_SHARES) as usize);
                let mut woke = origin;
                let mut index = k;
                while index < PACER_EVENTS {
                    let intended = due(origin, index);
                    if spin.is_zero() {
                        spawner.sleep_until(intended).await;
                    } else {
                        let wake = intended.checked_sub(spin).unwrap_or(intended);
                        if Instant::now() < wake {
                            spawner.sleep_until(wake).await;
                        }
                        while Instant::now() < intended {
                            spawner.yield_now().await;
                        }
                    }
                    woke = Instant::now();
                    late_ns.push(late(woke, intended));
                    index += PACER_SHARES;
                }
                let _ = tx.send((late_ns, woke));
            });
            rx
        })
        .collect();
    collect(rt, origin, parts)
}

/// The schedule's instants as offsets from its origin (for the floor).
pub fn pacer_offsets() -> &'static [Duration] {
    static OFFSETS: OnceLock<Vec<Duration>> = OnceLock::new();
    OFFSETS.get_or_init(|| (0..PACER_EVENTS).map(|i| Duration::from_nanos(i * 1_000_000_000 / PACER_RATE)).collect())
}

/// The OS floor under `pacer`: one thread sleeping toward every instant.
pub fn pacer_floor() -> TimerSample {
    super::os_floor(pacer_offsets())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_arithmetic() {
        let t0 = Instant::now();
        assert_eq!(due(t0, 0), t0);
        assert_eq!(due(t0, 1) - t0, Duration::from_micros(10));
        assert_eq!(due(t0, PACER_EVENTS) - t0, Duration::from_secs(1));
        let spindle = spindle::time::Pacer::new(PACER_RATE).starting_at(t0.into());
        assert!((0..1_000).all(|i| spindle.intended(i).into_std() == due(t0, i)));
    }
}
