//! Completed tasks leave the registry in per-worker batches
//! (`task/registry.rs`): what users can observe of that stays exact.
//!
//! * `num_alive_tasks` counts a completed task out at once, on a busy
//!   worker too (one that never parks to release its batch), and never
//!   counts a live task out while others come and go;
//! * a busy worker frees the cells of its completed tasks (at its driver
//!   ticks) without parking;
//! * a panicking destructor run when a batch frees a cell (a `JoinHandle`'s
//!   waker) is swallowed: the worker lives on and runs the next task.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use common::{block_on_plain, multi, wait_until, watchdog, Gate};
use spindle_executor::task::yield_now;
use spindle_executor::{JoinHandle, Runtime};

/// Keeps the worker busy (yielding) until the flag is set, so it never
/// parks; returns the flag and the task.
fn spin(rt: &Runtime) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let spinner = rt.spawn({
        let stop = stop.clone();
        async move {
            while !stop.load(Ordering::Relaxed) {
                yield_now().await;
            }
        }
    });
    (stop, spinner)
}

#[test]
fn a_task_awaited_inside_the_runtime_is_counted_out_at_once() {
    let rt = multi(1);
    let m = rt.metrics();
    let alive = rt
        .block_on(rt.spawn(async move {
            spindle_executor::spawn(async {}).await.unwrap();
            m.num_alive_tasks()
        }))
        .unwrap();
    assert_eq!(alive, 1, "only the task that counted is alive");
}

#[test]
fn a_busy_worker_counts_its_completed_tasks_out() {
    let _w = watchdog(Duration::from_secs(30), "a_busy_worker_counts_its_completed_tasks_out");
    let rt = multi(1);
    let m = rt.metrics();
    let (stop, spinner) = spin(&rt);
    let done: Vec<_> = (0..5).map(|_| rt.spawn(async {})).collect();
    rt.block_on(async {
        for handle in done {
            handle.await.unwrap();
        }
    });
    // The count is exact once the five have finished; the wait only covers
    // the worker publishing its batch length after `block_on` saw them.
    let counted_out = wait_until(Duration::from_secs(5), || m.num_alive_tasks() == 1);
    let alive = m.num_alive_tasks();
    stop.store(true, Ordering::Relaxed);
    rt.block_on(spinner).unwrap();
    assert!(counted_out, "{alive} tasks alive beside the spinning one");
    assert!(wait_until(Duration::from_secs(5), || m.num_alive_tasks() == 0));
}

/// A waker whose destructor panics.
struct PanicsOnDrop;

impl Wake for PanicsOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("waker destructor panics");
        }
    }
}

/// Polls the inner future once with `waker`, then returns it.
struct PollOnceWith<F> {
    future: Option<F>,
    waker: Waker,
}

impl<F: Future + Unpin> Future for PollOnceWith<F> {
    type Output = F;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<F> {
        let waker = self.waker.clone();
        let mut future = self.future.take().expect("polled after completion");
        let _ = Pin::new(&mut future).poll(&mut Context::from_waker(&waker));
        Poll::Ready(future)
    }
}

#[test]
fn a_panicking_join_waker_freed_by_a_batch_leaves_the_worker_running() {
    // No driver ticks: the batch is released when the worker parks, after
    // the parent has dropped the child's handle (a tick in between would
    // free the cell inside the parent's poll instead).
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).event_interval(u32::MAX).build().unwrap();
    let parent = rt.spawn(async {
        let child = spindle_executor::spawn(async {});
        // The child's JoinHandle stores this waker; the child completes
        // and joins the worker's batch; the batch frees the cell, and with
        // it the waker, once the handle is gone.
        let waker = Waker::from(Arc::new(PanicsOnDrop));
        let child = PollOnceWith { future: Some(child), waker }.await;
        while !child.is_finished() {
            yield_now().await;
        }
        drop(child);
    });
    let m = rt.metrics();
    // However the parent ends, the one worker must still run tasks. Wait
    // for it to park first: parking releases its batch (the parent's and
    // the child's cells), and a next task spawned sooner could run before.
    let _ = block_on_plain(parent, Duration::from_secs(10));
    let parks = m.worker_park_count(0);
    let _ = wait_until(Duration::from_secs(2), || m.worker_park_count(0) > parks);
    let next = rt.spawn(async { 7 });
    assert_eq!(block_on_plain(next, Duration::from_secs(10)).unwrap(), 7);
}

#[test]
fn num_alive_tasks_never_counts_a_live_task_out() {
    let _w = watchdog(Duration::from_secs(60), "num_alive_tasks_never_counts_a_live_task_out");
    let rt = multi(2);
    let m = rt.metrics();
    let stop = Arc::new(AtomicBool::new(false));
    let pending = rt.spawn(std::future::pending::<()>());
    let spawners: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            rt.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    spindle_executor::spawn(async {}).await.unwrap();
                }
            })
        })
        .collect();
    // Alive throughout: `pending` and the two spawners. (The first version
    // of the batch count read below 3 thousands of times a second here.)
    let start = Instant::now();
    let (mut reads, mut least) = (0u64, usize::MAX);
    while start.elapsed() < Duration::from_secs(1) {
        least = least.min(m.num_alive_tasks());
        reads += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for spawner in spawners {
        rt.block_on(spawner).unwrap();
    }
    pending.abort();
    assert!(least >= 3, "num_alive_tasks read {least} with 3 tasks alive throughout ({reads} reads)");
}

/// Counts its clones: a cell holding one as its join waker keeps the count
/// up until the cell is freed.
struct Held;

impl Wake for Held {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn a_busy_worker_frees_completed_cells_without_parking() {
    let _w = watchdog(Duration::from_secs(30), "a_busy_worker_frees_completed_cells_without_parking");
    let rt = multi(1);
    let (stop, spinner) = spin(&rt);
    let held = Arc::new(Held);
    let (gate, opener) = Gate::new();
    let mut child = rt.spawn(gate);
    // Stores a clone of `held` as the child's join waker.
    let waker = Waker::from(held.clone());
    assert!(Pin::new(&mut child).poll(&mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    opener.open();
    while !child.is_finished() {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(child);
    // The cell (and the waker in it) goes with the worker's batch, which a
    // worker that never parks releases at its next driver tick.
    let freed = wait_until(Duration::from_secs(10), || Arc::strong_count(&held) == 1);
    stop.store(true, Ordering::Relaxed);
    rt.block_on(spinner).unwrap();
    assert!(freed, "a busy worker kept a completed task's cell");
}
