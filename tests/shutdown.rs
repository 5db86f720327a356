//! A thread waiting on a timer through `Handle::block_on` while the runtime
//! is dropped gets a clear panic, never a hang.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `make()` in `Handle::block_on` on another thread, drops the runtime
/// while it waits, and returns the panic message that thread saw.
fn wait_through_shutdown<F, Fut>(make: F) -> String
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
{
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let handle = rt.handle().clone();
    let (started_tx, started_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle.block_on(async {
                let fut = make();
                started_tx.send(()).unwrap();
                fut.await;
            })
        }));
        let msg = match result {
            Ok(()) => "completed".to_string(),
            Err(e) => e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        };
        done_tx.send(msg).unwrap();
    });
    started_rx.recv_timeout(Duration::from_secs(10)).expect("the waiter started");
    std::thread::sleep(Duration::from_millis(50)); // let it register its timer
    drop(rt);
    done_rx.recv_timeout(Duration::from_secs(10)).expect("the waiter returned instead of hanging")
}

#[test]
fn sleep_in_handle_block_on_panics_when_the_runtime_drops() {
    let msg = wait_through_shutdown(|| spindle::time::sleep(Duration::from_secs(3600)));
    assert!(msg.contains("spindle timer polled after its runtime shut down"), "{msg}");
}

#[test]
fn timeout_in_handle_block_on_panics_when_the_runtime_drops() {
    let msg = wait_through_shutdown(|| async {
        let _ = spindle::time::timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
    });
    assert!(msg.contains("spindle timer polled after its runtime shut down"), "{msg}");
}

#[test]
fn elapsed_sleep_still_completes_after_the_runtime_drops() {
    let rt = spindle::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    // Made inside the runtime (a sleep needs a current timer), awaited later.
    let sleep = {
        let _enter = rt.enter();
        spindle::time::sleep(Duration::from_millis(1))
    };
    drop(rt);
    std::thread::sleep(Duration::from_millis(5));
    // The deadline has passed: no timer is needed to complete it.
    handle.block_on(sleep);
}
