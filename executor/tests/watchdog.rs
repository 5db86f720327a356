//! The blocked-poll watchdog: one report for a stuck poll (and one when it
//! returns), none for a busy runtime of short polls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spindle_executor::runtime::BlockedPoll;
use spindle_executor::task::Builder as TaskBuilder;
use spindle_executor::Builder;

fn collecting(workers: usize) -> (spindle_executor::Runtime, Arc<Mutex<Vec<BlockedPoll>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(workers)
        .watchdog(Duration::from_millis(100))
        .on_blocked_poll(move |p| s.lock().unwrap().push(p.clone()))
        .build()
        .unwrap();
    (rt, seen)
}

#[test]
fn smoke() {
    let (rt, seen) = collecting(2);
    let sleeper = async { std::thread::sleep(Duration::from_millis(300)) };
    let line = line!() + 1;
    let j = TaskBuilder::new().name("sleeper").spawn_on(sleeper, rt.handle()).unwrap();
    let id = j.id();
    rt.block_on(j).unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (stuck, done) = (&seen[0], &seen[1]);
    assert!(!stuck.is_finished() && done.is_finished());
    for p in [stuck, done] {
        assert_eq!(p.task_id(), id);
        assert_eq!(p.task_name(), Some("sleeper"));
        assert_eq!(p.location().line(), line);
        assert!(p.worker() < 2);
    }
    assert!(stuck.elapsed() >= Duration::from_millis(100), "{stuck}");
    assert!(done.elapsed() >= Duration::from_millis(200) && done.elapsed() <= Duration::from_millis(400), "{done}");
    assert!(stuck.to_string().contains("sleeper"));
}

#[test]
fn busy_runtime_of_short_polls() {
    let (rt, seen) = collecting(2);
    rt.block_on(async {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(600) {
            let hs: Vec<_> = (0..200)
                .map(|_| {
                    spindle_executor::spawn(async {
                        for _ in 0..10 {
                            spindle_executor::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        }
    });
    assert!(seen.lock().unwrap().is_empty(), "{:?}", seen.lock().unwrap());
}

#[test]
fn wakes_after_idle() {
    let (rt, seen) = collecting(1);
    // Long enough idle for the watchdog to sleep with no deadline.
    std::thread::sleep(Duration::from_millis(400));
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(300)) })).unwrap();
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[test]
fn current_thread_and_disabled() {
    let seen = Arc::new(Mutex::new(0));
    let s = seen.clone();
    let rt = Builder::new_current_thread()
        .watchdog(Duration::from_millis(50))
        .on_blocked_poll(move |_| *s.lock().unwrap() += 1)
        .build()
        .unwrap();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(200)) })).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(*seen.lock().unwrap(), 2);

    let rt =
        Builder::new_multi_thread().worker_threads(1).disable_watchdog().on_blocked_poll(|_| panic!()).build().unwrap();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(200)) })).unwrap();
}
