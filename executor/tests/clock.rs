//! The runtime's clock (`spindle_executor::clock`): which clock each flavor
//! gets, `clock::now()` inside and outside a runtime, and the blocking
//! pool's part in auto-advance (a blocking closure inhibits it from spawn
//! to completion).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use spindle_executor::clock::{self, Clock};
use spindle_executor::Builder;

#[test]
fn flavors_get_their_clocks() {
    let mt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let clock = mt.block_on(async { clock::current().unwrap() });
    assert!(clock.is_real());

    let ct = Builder::new_current_thread().build().unwrap();
    let clock = ct.block_on(async { clock::current().unwrap() });
    assert!(!clock.is_real() && !clock.is_paused() && !clock.is_simulated());

    let paused = Builder::new_current_thread().start_paused(true).build().unwrap();
    assert!(paused.block_on(async { clock::current().unwrap().is_paused() }));
    assert!(clock::current().is_none(), "outside a runtime");
}

#[test]
fn now_reads_the_current_runtime_clock() {
    let rt = Builder::new_current_thread().start_paused(true).build().unwrap();
    let (inside, frozen) = rt.block_on(async {
        let a = clock::now();
        std::thread::sleep(Duration::from_millis(2));
        (a, clock::now())
    });
    assert_eq!(inside, frozen, "frozen inside");
    rt.block_on(async { clock::current().unwrap().advance(Duration::from_secs(600)) });
    let later = rt.block_on(async { clock::now() });
    assert_eq!(later - inside, Duration::from_secs(600));
    // Outside, real time: ten minutes behind the paused clock.
    assert!(clock::now() < later);
    assert!(Instant::now() < later);
}

#[test]
fn a_blocking_closure_inhibits_auto_advance_until_it_completes() {
    let rt = Builder::new_current_thread().start_paused(true).build().unwrap();
    let clock: Clock = rt.block_on(async { clock::current().unwrap() });
    assert!(clock.can_auto_advance());
    let (go, wait) = mpsc::channel::<()>();
    let (started, is_started) = mpsc::channel::<()>();
    let job = rt.spawn_blocking(move || {
        started.send(()).unwrap();
        wait.recv().unwrap();
        5
    });
    is_started.recv().unwrap();
    assert!(!clock.can_auto_advance(), "a blocking closure is outstanding");
    go.send(()).unwrap();
    assert_eq!(rt.block_on(job).unwrap(), 5);
    // The inhibit ends right after the JoinHandle is woken, on the blocking
    // thread: wait for it (bounded).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !clock.can_auto_advance() {
        assert!(Instant::now() < deadline, "the completed closure still inhibits auto-advance");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn shutdown_cancels_queued_blocking_closures_and_ends_their_inhibit() {
    let rt = Builder::new_current_thread().start_paused(true).max_blocking_threads(1).build().unwrap();
    let clock: Clock = rt.block_on(async { clock::current().unwrap() });
    let (go, wait) = mpsc::channel::<()>();
    let (started, is_started) = mpsc::channel::<()>();
    let _running = rt.spawn_blocking(move || {
        started.send(()).unwrap();
        let _ = wait.recv_timeout(Duration::from_secs(10));
    });
    is_started.recv().unwrap();
    // The pool's one thread is busy: this one waits in the queue.
    let queued = rt.spawn_blocking(|| ());
    assert!(!clock.can_auto_advance());
    go.send(()).unwrap();
    drop(rt);
    assert!(queued.is_finished());
    assert!(clock.can_auto_advance(), "every blocking task ended its inhibit");
}
