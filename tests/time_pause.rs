//! tokio's test-util time control on the current-thread runtime: `pause`,
//! `advance`, `resume`, `Builder::start_paused`, and auto-advance (the
//! clock jumps to the next timer when the runtime has nothing to run).
//! Wall-clock bounds are generous: they only tell "no real sleep" (under a
//! second) from "slept for real" (an hour).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle::runtime::Builder;
use spindle::time::{self, Instant};

fn paused_rt() -> spindle::Runtime {
    Builder::new_current_thread().start_paused(true).build().unwrap()
}

/// Real time taken by `f`.
fn wall<R>(f: impl FnOnce() -> R) -> (R, Duration) {
    let start = std::time::Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[test]
fn sleep_an_hour_auto_advances() {
    let rt = paused_rt();
    let (elapsed, real) = wall(|| {
        rt.block_on(async {
            let start = Instant::now();
            time::sleep(Duration::from_secs(3600)).await;
            start.elapsed()
        })
    });
    assert_eq!(elapsed, Duration::from_secs(3600), "the clock moved exactly to the deadline");
    assert!(real < Duration::from_secs(30), "no real sleep: {real:?}");
}

#[test]
fn timeout_fires_in_virtual_time_and_fast_work_wins() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        let never = std::future::pending::<()>();
        assert!(time::timeout(Duration::from_secs(30), never).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(30));

        // Work that completes without the timer never times out, however
        // long the timeout: the clock stands still while a task can run.
        let work = spindle::spawn(async {
            for _ in 0..100 {
                spindle::task::yield_now().await;
            }
            7
        });
        let t1 = Instant::now();
        assert_eq!(time::timeout(Duration::from_nanos(1), work).await.unwrap().unwrap(), 7);
        assert_eq!(t1.elapsed(), Duration::ZERO);
    });
}

#[test]
fn sleeps_complete_in_deadline_order() {
    let rt = paused_rt();
    let order = rt.block_on(async {
        let (tx, mut rx) = spindle::sync::mpsc::unbounded_channel();
        for secs in [30u64, 10, 20] {
            let tx = tx.clone();
            spindle::spawn(async move {
                time::sleep(Duration::from_secs(secs)).await;
                tx.send(secs).unwrap();
            });
        }
        drop(tx);
        let mut order = Vec::new();
        while let Some(s) = rx.recv().await {
            order.push(s);
        }
        order
    });
    assert_eq!(order, [10, 20, 30]);
}

#[test]
fn interval_ticks_at_its_period() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        let mut every = time::interval(Duration::from_millis(250));
        for i in 0..5u32 {
            let tick = every.tick().await;
            assert_eq!(tick - start, Duration::from_millis(250) * i);
        }
    });
}

#[test]
fn advance_moves_the_clock_and_fires_passed_timers() {
    let rt = paused_rt();
    rt.block_on(async {
        let fired = Arc::new(AtomicBool::new(false));
        let f = fired.clone();
        let task = spindle::spawn(async move {
            time::sleep(Duration::from_secs(5)).await;
            f.store(true, Ordering::SeqCst);
        });
        spindle::task::yield_now().await;
        let start = Instant::now();
        time::advance(Duration::from_secs(4)).await;
        assert!(!fired.load(Ordering::SeqCst));
        time::advance(Duration::from_secs(1)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(fired.load(Ordering::SeqCst), "the timer passed by `advance` fired before it returned");
        task.await.unwrap();
    });
}

/// tokio's `resume_lets_time_move_forward_instead_of_resetting_it`.
#[test]
fn resume_continues_from_the_paused_value() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        time::pause();
        time::advance(Duration::from_secs(10)).await;
        let advanced = Instant::now();
        assert!(advanced - start >= Duration::from_secs(10));
        assert!(advanced - start < Duration::from_secs(11));
        time::resume();
        assert!(advanced <= Instant::now());
        assert!(Instant::now() - advanced < Duration::from_secs(1));
        // tokio's `can_pause_after_resume`.
        time::pause();
        time::advance(Duration::from_secs(10)).await;
        assert!(Instant::now() - start >= Duration::from_secs(20));
        assert!(Instant::now() - start < Duration::from_secs(21));
    });
}

#[test]
fn std_instant_is_not_affected() {
    let rt = paused_rt();
    rt.block_on(async {
        let std_start = std::time::Instant::now();
        time::advance(Duration::from_secs(3600)).await;
        assert!(std_start.elapsed() < Duration::from_secs(60));
    });
}

#[test]
fn instant_now_outside_the_runtime_is_real() {
    let rt = paused_rt();
    let inside = rt.block_on(async {
        time::advance(Duration::from_secs(7200)).await;
        Instant::now()
    });
    // Outside any runtime `Instant::now()` is the real clock, two hours
    // behind the paused one.
    assert!(Instant::now() < inside);
}

#[test]
fn spawn_blocking_inhibits_auto_advance_until_it_completes() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        // A blocking closure that takes real time. While it runs the
        // runtime has nothing else to do; were the clock free to jump, the
        // 60 s timeout would fire at once.
        let blocking = spindle::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(30));
            7
        });
        let out = time::timeout(Duration::from_secs(60), blocking).await;
        assert_eq!(out.expect("no auto-advance while the closure runs").unwrap(), 7);
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Once it completed, the clock may jump again.
        time::sleep(Duration::from_secs(60)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    });
}

#[test]
fn start_paused_freezes_the_clock() {
    let rt = paused_rt();
    rt.block_on(async {
        let a = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(Instant::now(), a);
    });
}

#[test]
#[should_panic(expected = "time is already frozen")]
fn pause_twice_panics() {
    paused_rt().block_on(async { time::pause() });
}

#[test]
#[should_panic(expected = "time is not frozen")]
fn resume_when_running_panics() {
    Builder::new_current_thread().build().unwrap().block_on(async { time::resume() });
}

#[test]
#[should_panic(expected = "time is not frozen")]
fn advance_when_running_panics() {
    Builder::new_current_thread().build().unwrap().block_on(time::advance(Duration::from_secs(1)));
}

#[test]
#[should_panic(expected = "requires the `current_thread` runtime")]
fn pause_on_multi_thread_panics() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    rt.block_on(async { time::pause() });
}

#[test]
#[should_panic(expected = "requires the `current_thread` runtime")]
fn start_paused_on_multi_thread_panics() {
    let _ = Builder::new_multi_thread().worker_threads(1).start_paused(true).build();
}

#[test]
#[should_panic(expected = "time cannot be frozen from outside the spindle runtime")]
fn pause_outside_a_runtime_panics() {
    time::pause();
}

#[test]
fn multi_thread_instant_is_real_time() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    rt.block_on(async {
        let a = Instant::now();
        spindle::time::sleep(Duration::from_millis(5)).await;
        assert!(a.elapsed() >= Duration::from_millis(5));
    });
}
