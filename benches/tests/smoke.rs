//! Every row completes on every runtime (no lost task, no hang), and the
//! memory row measures something. The timer rows run as small variants of
//! the same workloads (the full ones take seconds).

use std::time::Duration;

use spindle_benches::alloc::{self, Counting};
use spindle_benches::rows::{Unit, ROWS, TIMER_ROWS};
use spindle_benches::rt::{BenchRuntime, Runtimes, Which};
use spindle_benches::workloads::{self, cancel_timers, sleep_many, timers};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The allocation counter is process-wide: a test allocating or freeing
/// while another one measures would skew it, so the tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn smoke() {
    let _serial = serial();
    assert!(alloc::installed());
    let rts = Runtimes::new(2).unwrap();
    for row in ROWS {
        if row.name.starts_with("timers_") {
            continue;
        }
        for which in Which::ALL {
            let sample = (row.sample)(&rts, which);
            match row.unit {
                Unit::Seconds => assert!(sample > 0.0, "{} on {}", row.name, which.name()),
                Unit::BytesPerTask => assert!(
                    (16.0..4096.0).contains(&sample),
                    "{} on {}: {sample} bytes per task",
                    row.name,
                    which.name()
                ),
            }
        }
    }
}

fn timers_on<R: BenchRuntime>(rt: &R, durations: &'static [Duration]) {
    let sample = sleep_many(rt, durations);
    assert_eq!(sample.lateness_ns.len(), durations.len());
    assert_eq!(sample.early(), 0, "{}: a timer fired early", R::NAME);
    let longest = durations.iter().max().unwrap();
    assert!(sample.total >= *longest, "{}: total {:?} under the longest sleep", R::NAME, sample.total);
    cancel_timers(rt, 4, 250);
}

#[test]
fn timers_small() {
    let _serial = serial();
    assert!(TIMER_ROWS.iter().all(|r| r.name.starts_with("timers_") || r.name.starts_with("pacer")));
    let durations: &'static [Duration] = timers::durations_ms(200, 1, 5, timers::SEED).leak();
    assert!(durations.iter().all(|d| (1..=5).contains(&d.as_millis())));
    assert_eq!(durations, timers::durations_ms(200, 1, 5, timers::SEED), "durations not reproducible");
    let rts = Runtimes::new(2).unwrap();
    timers_on(&rts.spindle, durations);
    timers_on(&rts.tokio, durations);
    timers_on(&rts.async_executor, durations);
}

/// The `pacer` row's samples: every event once, none early, on every
/// runtime, with and without the spin (a sample is a 1 s schedule, so
/// this takes about 7 s).
#[test]
fn pacer_rows() {
    let _serial = serial();
    let rts = Runtimes::new(2).unwrap();
    for name in ["pacer", "pacer_precise"] {
        let row = TIMER_ROWS.iter().find(|r| r.name == name).expect("a pacer row");
        for which in Which::ALL {
            let sample = (row.sample)(&rts, which);
            assert_eq!(sample.lateness_ns.len() as u64, workloads::PACER_EVENTS, "{name}: {}", which.name());
            assert_eq!(sample.early(), 0, "{name}: {}: an event went early", which.name());
            assert!(sample.total >= Duration::from_millis(999), "{name}: {}: {:?}", which.name(), sample.total);
        }
    }
    let floor = (workloads::pacer_floor)();
    assert_eq!(floor.early(), 0);
}
