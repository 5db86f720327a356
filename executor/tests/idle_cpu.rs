//! An idle runtime sleeps: no spinning, no periodic wake-ups.
//!
//! Measures this process's CPU time (utime + stime from `/proc/self/stat`,
//! in clock ticks of 10 ms) across 500 ms of idleness. Only one test lives
//! in this file so that no other test's threads add CPU time.

mod common;

use std::time::Duration;

use common::multi;

fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)` (which may contain spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 14 (utime) and 15 (stime) of the full line: indices 11 and 12
    // after removing pid and comm.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[test]
#[allow(clippy::async_yields_async)] // the JoinHandle is returned on purpose
fn idle_runtime_uses_no_cpu() {
    let Some(_) = cpu_ticks() else {
        eprintln!("no /proc/self/stat: skipped");
        return;
    };
    let rt = multi(2);
    // Some work first, including a long poll (so a monitor was elected) and
    // blocking tasks, then all done.
    rt.block_on(async {
        let hs: Vec<_> = (0..1000).map(|i| spindle_executor::spawn(async move { i })).collect();
        for h in hs {
            h.await.unwrap();
        }
        spindle_executor::spawn(async { std::thread::sleep(Duration::from_millis(20)) }).await.unwrap();
        spindle_executor::spawn_blocking(|| ()).await.unwrap();
    });
    assert!(common::wait_until(Duration::from_secs(2), || rt.metrics().num_alive_tasks() == 0));
    measure(&rt, "after a burst of tasks");
    // A LIFO rescue (one worker stuck in a poll with a task in its slot),
    // then idle again: the monitor must stop once everyone sleeps.
    rt.block_on(rt.spawn(async {
        let b = spindle_executor::spawn(async {});
        std::thread::sleep(Duration::from_millis(100));
        b
    }))
    .map(|b| rt.block_on(b).unwrap())
    .unwrap();
    measure(&rt, "after a LIFO rescue");
}

fn measure(rt: &spindle_executor::Runtime, phase: &str) {
    std::thread::sleep(Duration::from_millis(50)); // let the workers park
    let m = rt.metrics();
    let wakeups = || -> u64 { (0..2).map(|w| m.worker_park_count(w) + m.worker_noop_count(w)).sum() };
    let parks_before = wakeups();
    let before = cpu_ticks().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let after = cpu_ticks().unwrap();
    let parks_after = wakeups();
    let used = after - before;
    eprintln!("idle {phase}: {used} ticks of CPU in 500 ms; parks/noops {parks_before} -> {parks_after}");
    assert!(used < 10, "{phase}: an idle runtime used {used} ticks (x10 ms) of CPU in 500 ms");
    assert!(
        parks_after - parks_before < 50,
        "{phase}: idle workers keep waking up: {} wake-ups in 500 ms",
        parks_after - parks_before
    );
}
