//! The runtime's clock (`spindle_executor::clock`): which clock each flavor
//! gets, `clock::now()` inside and outside a runtime, and the blocking
//! pool's part in auto-advance (a blocking closure inhibits it from spawn
//! to completion, through each of the three blocking spawns; a refused or
//! still waiting bounded spawn inhibits nothing).

use std::sync::mpsc;
use std::task::Waker;
use std::time::{Duration, Instant};

use spindle_executor::clock::{self, Clock};
use spindle_executor::Builder;

mod common;

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

/// Waits (bounded) until `clock` may jump: every inhibit ended.
fn wait_for_no_inhibit(clock: &Clock, what: &str) {
    assert!(common::wait_until(Duration::from_secs(10), || clock.can_auto_advance()), "{what}");
}

#[test]
fn bounded_spawns_inhibit_once_admitted_and_refusals_leak_nothing() {
    let rt =
        Builder::new_current_thread().start_paused(true).max_blocking_threads(1).max_blocking_queue(1).build().unwrap();
    let clock: Clock = rt.block_on(async { clock::current().unwrap() });
    let (go, wait) = mpsc::channel::<()>();
    let (started, is_started) = mpsc::channel::<()>();
    // Admitted (a thread starts for it): inhibits until it completes.
    let running = rt
        .try_spawn_blocking(move || {
            started.send(()).unwrap();
            let _ = wait.recv_timeout(Duration::from_secs(10));
            1
        })
        .unwrap();
    is_started.recv().unwrap();
    assert!(!clock.can_auto_advance());
    // Queued within the bound: inhibits too.
    let queued = rt.try_spawn_blocking(|| 2).unwrap();
    // Refused, full: the closure comes back and counts nothing.
    let refused = rt.try_spawn_blocking(|| 3).unwrap_err();
    assert!(refused.is_full(), "{refused}");
    // A bounded spawn waiting for room counts nothing either, and dropping
    // it ends nothing.
    let mut waiting = Box::pin(rt.handle().spawn_blocking_bounded(|| 4));
    let (waker, _) = common::counting_waker();
    assert!(common::poll_once(&mut waiting, &Waker::from(waker)).is_pending(), "no room: waits");
    drop(waiting);
    go.send(()).unwrap();
    assert_eq!(rt.block_on(running).unwrap(), 1);
    assert_eq!(rt.block_on(queued).unwrap(), 2);
    wait_for_no_inhibit(&clock, "the admitted closures ended their inhibits; the refused ones took none");
    // Admitted on its first poll (an idle thread is room): inhibits from
    // then on, until done.
    let (go, wait) = mpsc::channel::<()>();
    let bounded = rt.block_on(rt.handle().spawn_blocking_bounded(move || {
        let _ = wait.recv_timeout(Duration::from_secs(10));
        5
    }));
    assert!(!clock.can_auto_advance(), "an admitted bounded closure is outstanding");
    go.send(()).unwrap();
    assert_eq!(rt.block_on(bounded).unwrap(), 5);
    wait_for_no_inhibit(&clock, "the bounded closure ended its inhibit");
    // Refused after shutdown: nothing counted.
    let handle = rt.handle().clone();
    drop(rt);
    assert!(handle.try_spawn_blocking(|| 6).unwrap_err().is_shutdown());
    assert!(clock.can_auto_advance(), "a refusal after shutdown took no inhibit");
}
