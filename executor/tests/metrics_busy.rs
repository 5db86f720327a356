//! `RuntimeMetrics` figures in time: the live busy duration and the mean
//! poll time, on both flavors.

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{current, multi, wait_until};

/// Spins (no sleep) for `d`: a poll that keeps its worker.
fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[test]
fn busy_duration_grows_while_a_worker_is_stuck_in_a_poll() {
    let rt = multi(1);
    let m = rt.metrics();
    let (entered, stuck) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let h = rt.spawn(async move {
        entered.send(()).unwrap();
        release.recv().unwrap();
    });
    stuck.recv().unwrap();
    let first = m.worker_total_busy_duration(0);
    thread::sleep(Duration::from_millis(60));
    let second = m.worker_total_busy_duration(0);
    // Same poll, no park in between: the figure is live.
    assert!(second >= first + Duration::from_millis(50), "{first:?} then {second:?}");
    release_tx.send(()).unwrap();
    rt.block_on(h).unwrap();
    // Once parked it stops moving.
    assert!(wait_until(Duration::from_secs(5), || m.worker_park_unpark_count(0) % 2 == 1));
    let parked = m.worker_total_busy_duration(0);
    thread::sleep(Duration::from_millis(30));
    assert_eq!(m.worker_total_busy_duration(0), parked);
    assert!(parked >= second);
}

#[test]
fn busy_duration_grows_while_current_thread_block_on_polls() {
    let rt = current();
    let m = rt.metrics();
    let (entered, stuck) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let reader = thread::spawn(move || {
        stuck.recv().unwrap();
        let first = m.worker_total_busy_duration(0);
        thread::sleep(Duration::from_millis(60));
        let second = m.worker_total_busy_duration(0);
        release_tx.send(()).unwrap();
        (first, second)
    });
    rt.block_on(rt.spawn(async move {
        entered.send(()).unwrap();
        release.recv().unwrap();
    }))
    .unwrap();
    let (first, second) = reader.join().unwrap();
    assert!(second >= first + Duration::from_millis(50), "{first:?} then {second:?}");
    // Outside `block_on` nobody holds the core: the figure stands still.
    let after = rt.metrics().worker_total_busy_duration(0);
    thread::sleep(Duration::from_millis(20));
    assert_eq!(rt.metrics().worker_total_busy_duration(0), after);
    assert!(after >= second);
}

/// One task yielding `polls` times, each poll spinning for `each`.
async fn yield_spinning(polls: usize, each: Duration) {
    for _ in 0..polls {
        spin(each);
        spindle_executor::task::yield_now().await;
    }
}

#[test]
fn mean_poll_time_follows_the_polls() {
    for rt in [current(), multi(1), multi(2)] {
        let m = rt.metrics();
        assert_eq!(m.worker_mean_poll_time(0), Duration::ZERO, "no batch yet");
        rt.block_on(rt.spawn(yield_spinning(400, Duration::from_micros(100)))).unwrap();
        let mean = (0..m.num_workers()).map(|w| m.worker_mean_poll_time(w)).max().unwrap();
        // Spinning polls of 100 µs; a loaded machine only makes them longer.
        assert!(mean >= Duration::from_micros(50), "mean poll {mean:?} on {} workers", m.num_workers());
        assert!(mean < Duration::from_secs(1), "mean poll {mean:?}");
    }
}

#[test]
fn mean_poll_time_with_a_fixed_global_queue_interval() {
    // The builder's interval turns the tuning off, not the figure.
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).global_queue_interval(31).build().unwrap();
    let m = rt.metrics();
    rt.block_on(rt.spawn(yield_spinning(200, Duration::from_micros(100)))).unwrap();
    assert!(m.worker_mean_poll_time(0) >= Duration::from_micros(50), "{:?}", m.worker_mean_poll_time(0));
}
