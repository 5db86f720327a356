//! `UnhandledPanic`: a panic whose `JoinHandle` is gone stops the runtime
//! under `ShutdownRuntime`, and changes nothing under `Ignore`.

use std::time::Duration;

use spindle_executor::runtime::UnhandledPanic;
use spindle_executor::Builder;

fn build(multi: bool, policy: UnhandledPanic) -> spindle_executor::Runtime {
    let mut b = if multi { Builder::new_multi_thread() } else { Builder::new_current_thread() };
    if multi {
        b.worker_threads(2);
    }
    b.unhandled_panic(policy).build().unwrap()
}

#[test]
fn shutdown_runtime() {
    for multi in [true, false] {
        let rt = build(multi, UnhandledPanic::ShutdownRuntime);
        let idle = rt.spawn(std::future::pending::<()>());
        // Handle dropped before or after the panic: both are unhandled.
        drop(rt.spawn(async { panic!("nobody reads this") }));
        assert!(rt.block_on(idle).unwrap_err().is_cancelled(), "multi = {multi}");
        let later = rt.spawn(async { 1 });
        assert!(rt.block_on(later).unwrap_err().is_cancelled());
    }
}

#[test]
fn read_panics_and_ignore() {
    for multi in [true, false] {
        // A panic read through its handle is handled.
        let rt = build(multi, UnhandledPanic::ShutdownRuntime);
        assert!(rt.block_on(rt.spawn(async { panic!("read") })).unwrap_err().is_panic());
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
        let rt = build(multi, UnhandledPanic::Ignore);
        drop(rt.spawn(async { panic!("ignored") }));
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
    }
}
