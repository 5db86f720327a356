//! `bytes_per_idle_task`: the memory a pending task costs.
//!
//! 1. Make [`IDLE_TASKS`] oneshot channels *before* the baseline, so the
//!    channels themselves (the same for every runtime) are not counted.
//! 2. Open a [`Window`](crate::alloc::Window), spawn one task per receiver
//!    from the main thread, each task doing nothing but awaiting it.
//! 3. Wait until every task has been polled once (a counter bumped in its
//!    first poll), then a few milliseconds more for the last polls to
//!    return `Pending` and the workers to go idle.
//! 4. Read the net growth and divide by the count: task cell, future, join
//!    state, and whatever the runtime keeps per live task (registries,
//!    queues), as requested bytes.
//! 5. Release: drop the senders, wait until every task has finished.
//!
//! The task's future holds only its receiver; counters are statics so that
//! they add nothing to it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use futures_channel::oneshot;

use crate::alloc::Window;
use crate::rt::BenchRuntime;

/// Tasks kept pending per measurement.
pub const IDLE_TASKS: usize = 100_000;

static POLLED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);

fn wait_for(counter: &AtomicUsize, n: usize, what: &str) {
    let mut spins = 0u64;
    while counter.load(Ordering::Acquire) < n {
        thread::sleep(Duration::from_micros(200));
        spins += 1;
        assert!(spins < 100_000, "idle tasks: {what} stuck at {} of {n}", counter.load(Ordering::Relaxed));
    }
}

/// Bytes per pending task on `rt`, with `n` tasks. Calls must not overlap
/// (the counters are global). Returns 0 where [`crate::alloc::Counting`]
/// is not the global allocator.
pub fn bytes_per_idle_task<R: BenchRuntime>(rt: &R, n: usize) -> f64 {
    POLLED.store(0, Ordering::SeqCst);
    FINISHED.store(0, Ordering::SeqCst);
    let mut senders = Vec::with_capacity(n);
    let mut receivers = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(tx);
        receivers.push(rx);
    }

    let window = Window::open();
    // `drain` keeps the vector's buffer, so no free lands in the window.
    for rx in receivers.drain(..) {
        rt.spawn_remote(async move {
            POLLED.fetch_add(1, Ordering::Release);
            let _ = rx.await;
            FINISHED.fetch_add(1, Ordering::Release);
        });
    }
    wait_for(&POLLED, n, "first polls");
    thread::sleep(Duration::from_millis(20));
    let grown = window.net_bytes();
    drop(window);

    drop(senders);
    wait_for(&FINISHED, n, "completions");
    // Let the workers free the finished tasks before the next sample.
    thread::sleep(Duration::from_millis(20));
    drop(receivers);
    grown as f64 / n as f64
}
