//! `Runtime::shutdown_timeout`'s `ShutdownReport`.

use std::time::Duration;

use spindle_executor::runtime::TaskState;
use spindle_executor::Builder;

#[test]
fn names_a_task_stuck_in_a_poll() {
    let rt = Builder::new_multi_thread().worker_threads(2).disable_watchdog().build().unwrap();
    let stuck = spindle_executor::task::Builder::new()
        .name("stubborn")
        .spawn_on(async { std::thread::sleep(Duration::from_millis(600)) }, rt.handle())
        .unwrap();
    let id = stuck.id();
    let _idle: Vec<_> = (0..10).map(|_| rt.spawn(std::future::pending::<()>())).collect();
    std::thread::sleep(Duration::from_millis(50));
    let report = rt.shutdown_timeout(Duration::from_millis(100));
    assert_eq!(report.unfinished().len(), 1, "{report}");
    let t = report.unfinished().next().unwrap();
    assert_eq!((t.id(), t.name()), (id, Some("stubborn")));
    assert!(matches!(t.state(), TaskState::Running { worker: Some(_) }));
    assert!(report.elapsed() >= Duration::from_millis(100) && report.elapsed() < Duration::from_millis(500));
    let text = report.to_string();
    assert!(text.contains("1 tasks still in a poll") && text.contains("stubborn"), "{text}");
    // The detached worker finishes its poll and exits on its own.
    std::thread::sleep(Duration::from_millis(700));
}

#[test]
fn counts_blocking_closures() {
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(400)));
    std::thread::sleep(Duration::from_millis(20));
    let report = rt.shutdown_timeout(Duration::from_millis(50));
    assert_eq!(report.blocking_still_running(), 1);
    assert!(report.unfinished().len() == 0 && !report.is_clean());
    std::thread::sleep(Duration::from_millis(450));
}

#[test]
fn clean() {
    for rt in
        [Builder::new_multi_thread().worker_threads(2).build().unwrap(), Builder::new_current_thread().build().unwrap()]
    {
        let _idle: Vec<_> = (0..100).map(|_| rt.spawn(std::future::pending::<()>())).collect();
        let report = rt.shutdown_timeout(Duration::from_secs(2));
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.unfinished().len(), 0);
        assert!(report.to_string().starts_with("shutdown clean"));
    }
}
