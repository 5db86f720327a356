//! Completed tasks leave the registry in per-worker batches
//! (`task/registry.rs`): what users can observe of that stays exact.
//!
//! * `num_alive_tasks` counts a completed task out at once, on a busy
//!   worker too (one that never parks to release its batch);
//! * a panicking destructor run when a batch frees a cell (a `JoinHandle`'s
//!   waker) is swallowed: the worker lives on and runs the next task.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::{block_on_plain, multi, wait_until, watchdog};
use spindle_executor::task::yield_now;

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
    let stop = Arc::new(AtomicBool::new(false));
    let spinner = rt.spawn({
        let stop = stop.clone();
        async move {
            while !stop.load(Ordering::Relaxed) {
                yield_now().await;
            }
        }
    });
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
    let rt = multi(1);
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
