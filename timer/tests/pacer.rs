//! `Pacer` on a running timer: events come in order at or after their
//! intended instants, late ones are reported rather than skipped, shares
//! driven by separate threads together yield the whole schedule once, and
//! `precise` never lets an event go early.
//!
//! The assertions are on the schedule's arithmetic and on "never early",
//! which hold however noisy the machine is; how close to the instant an
//! event goes is a benchmark's question (`compare`'s `pacer` row).

mod common;

use spindle_timer::Instant;
use std::sync::Arc;
use std::time::Duration;

use common::Rt;
use futures_util::StreamExt;
use spindle_timer::Pacer;

#[test]
fn smoke() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut pacer = Pacer::new(10_000);
        let origin = pacer.intended(0);
        for i in 0..200 {
            let tick = pacer.tick().await;
            assert_eq!(tick.index(), i);
            assert_eq!(tick.intended(), origin + Duration::from_micros(100 * i));
            assert!(tick.woke() >= tick.intended(), "event {i} went early");
            assert!(Instant::now() >= tick.intended());
        }
        assert_eq!(pacer.next_index(), 200);
    });
}

#[test]
fn late_events_are_reported_not_skipped() {
    let rt = Rt::new();
    rt.block_on(async {
        let origin = Instant::now();
        let mut pacer = Pacer::from_interval(Duration::from_millis(1)).starting_at(origin);
        let first = pacer.tick().await;
        assert_eq!(first.index(), 0);
        // Stall for 20 periods: the next events are all due at once.
        std::thread::sleep(Duration::from_millis(20));
        let second = pacer.tick().await;
        assert_eq!(second.index(), 1);
        assert!(second.lateness() >= Duration::from_millis(19));
        assert!(second.behind() >= 18, "behind {}", second.behind());
        for i in 2..20 {
            let tick = pacer.tick().await;
            assert_eq!(tick.index(), i, "no event skipped");
            assert_eq!(tick.intended(), origin + Duration::from_millis(i));
        }
    });
}

#[test]
fn shares_on_threads_cover_the_schedule_once() {
    let rt = Arc::new(Rt::new());
    let whole = Pacer::new(20_000);
    let reference = whole.clone_schedule();
    let threads: Vec<_> = whole
        .shares(3)
        .into_iter()
        .map(|mut share| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    let mut seen = vec![];
                    for _ in 0..100 {
                        let tick = share.tick().await;
                        assert!(tick.woke() >= tick.intended());
                        seen.push((tick.index(), tick.intended()));
                    }
                    seen
                })
            })
        })
        .collect();
    let mut all: Vec<_> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all.len(), 300);
    for (i, (index, intended)) in all.into_iter().enumerate() {
        assert_eq!(index, i as u64);
        assert_eq!(intended, reference.intended(index));
    }
}

#[test]
fn precise_is_never_early() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut pacer = Pacer::new(5_000).precise(Duration::from_micros(100));
        for _ in 0..100 {
            let tick = pacer.tick().await;
            assert!(tick.woke() >= tick.intended());
            assert!(Instant::now() >= tick.intended());
        }
    });
}

#[test]
fn rate_change_mid_run() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut pacer = Pacer::new(10_000);
        let origin = pacer.intended(0);
        for _ in 0..10 {
            pacer.tick().await;
        }
        pacer.set_rate(2_000);
        for i in 10..20u64 {
            let tick = pacer.tick().await;
            assert_eq!(tick.intended(), origin + Duration::from_millis(1) + Duration::from_micros(500 * (i - 10)));
        }
    });
}

#[test]
fn as_a_stream() {
    let rt = Rt::new();
    rt.block_on(async {
        let pacer = Pacer::new(50_000);
        let ticks: Vec<_> = pacer.take(50).collect().await;
        assert!(ticks.windows(2).all(|w| w[1].index() == w[0].index() + 1));
    });
}
