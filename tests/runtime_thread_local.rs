//! A `Runtime` kept in a `thread_local!` is dropped during thread teardown,
//! possibly after the runtime's own thread-locals (its context, the coop
//! budget, the scheduler pointers) are gone. Its shutdown must then work
//! without them instead of aborting the process ("thread local panicked on
//! drop"). Both orders of destruction are covered: a local registered before
//! the runtime's (destroyed after them) and one registered after.
//!
//! If a fix regresses, the process aborts and this test binary fails.

use std::cell::RefCell;
use std::time::Duration;

use spindle::{Builder, Runtime};

thread_local! {
    static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Starts a runtime, parks work on it (an idle task holding a timer and a
/// socket, a finished task), and leaves it in `RT` for teardown.
fn populate(rt: Runtime) {
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        spindle::spawn(async move {
            let _listener = listener;
            spindle::time::sleep(Duration::from_secs(3600)).await;
        });
        // Cancelling the sender's task at shutdown wakes the receiver's:
        // a wake during shutdown, during thread teardown.
        for _ in 0..8 {
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            spindle::spawn(async move {
                let _ = rx.await;
            });
            spindle::spawn(async move {
                let _tx = tx;
                std::future::pending::<()>().await;
            });
        }
        spindle::task::yield_now().await;
        spindle::spawn(async { 1 }).await.unwrap();
        spindle::time::sleep(Duration::from_millis(1)).await;
    });
    RT.with(|slot| *slot.borrow_mut() = Some(rt));
}

fn both_orders(build: fn() -> Runtime) {
    // The runtime's locals are first touched after `RT` here, so they are
    // destroyed before it (destructors run in reverse registration order).
    std::thread::spawn(move || {
        RT.with(|_| {});
        populate(build());
    })
    .join()
    .expect("thread with a runtime in a thread-local exits cleanly");
    // The runtime's locals exist before `RT` is first touched.
    std::thread::spawn(move || {
        let rt = build();
        rt.block_on(async {});
        populate(rt);
    })
    .join()
    .expect("thread with a runtime in a thread-local exits cleanly");
}

#[test]
fn multi_thread_runtime_in_thread_local() {
    both_orders(|| Builder::new_multi_thread().worker_threads(2).build().unwrap());
}

#[test]
fn current_thread_runtime_in_thread_local() {
    both_orders(|| Builder::new_current_thread().build().unwrap());
}
