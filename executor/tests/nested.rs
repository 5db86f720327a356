//! Tasks spawning tasks spawning tasks, and tasks awaiting each other.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use common::{current, multi, watchdog};
use spindle_executor::{JoinHandle, Runtime};

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

/// A binary tree of tasks `depth` deep; returns the number of leaves.
fn tree(depth: u32) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            return 1;
        }
        let l = spindle_executor::spawn(tree(depth - 1));
        let r = spindle_executor::spawn(tree(depth - 1));
        l.await.unwrap() + r.await.unwrap()
    })
}

#[test]
fn smoke() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(30), "nested smoke");
        assert_eq!(rt.block_on(tree(10)), 1024);
        assert!(common::wait_until(Duration::from_secs(2), || rt.metrics().num_alive_tasks() == 0));
    }
}

#[test]
fn deep_chain() {
    // Each task spawns the next and awaits it: 2,000 deep.
    fn chain(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
        Box::pin(async move {
            if n == 0 {
                0
            } else {
                spindle_executor::spawn(chain(n - 1)).await.unwrap() + 1
            }
        })
    }
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(30), "deep_chain");
        assert_eq!(rt.block_on(rt.spawn(chain(2000))).unwrap(), 2000);
    }
}

#[test]
fn detached_grandchildren_run_after_parent_finishes() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(30), "detached_grandchildren");
        let (tx, rx) = std::sync::mpsc::channel::<u32>();
        rt.block_on(rt.spawn(async move {
            for i in 0..10 {
                let tx = tx.clone();
                spindle_executor::spawn(async move {
                    let tx2 = tx.clone();
                    spindle_executor::spawn(async move {
                        spindle_executor::task::yield_now().await;
                        tx2.send(i).unwrap();
                    });
                });
            }
        }))
        .unwrap();
        let mut got: Vec<u32> = Vec::new();
        rt.block_on(async {
            while got.len() < 10 {
                match rx.try_recv() {
                    Ok(v) => got.push(v),
                    Err(_) => spindle_executor::task::yield_now().await,
                }
            }
        });
        got.sort();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }
}

#[test]
fn tasks_await_each_others_join_handles() {
    // A pipeline: task i awaits task i-1's handle, which was handed to it.
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(30), "tasks_await_each_others_join_handles");
        let mut prev: JoinHandle<u64> = rt.spawn(async { 1 });
        for _ in 0..500 {
            let p = prev;
            prev = rt.spawn(async move { p.await.unwrap() + 1 });
        }
        assert_eq!(rt.block_on(prev).unwrap(), 501);
    }
}

#[test]
fn join_handles_awaited_across_runtimes() {
    let _w = watchdog(Duration::from_secs(30), "join_handles_awaited_across_runtimes");
    let a = multi(2);
    let b = std::sync::Arc::new(current());
    // `b` runs tasks only inside its block_on: drive it from a thread.
    let (stop_tx, stop_rx) = futures_channel::oneshot::channel::<()>();
    let bb = b.clone();
    let driver = std::thread::spawn(move || bb.block_on(stop_rx).unwrap());
    let h = a.spawn(async { 5 });
    let h2 = b.spawn(async move { h.await.unwrap() * 2 });
    let h3 = a.spawn(h2);
    assert_eq!(a.block_on(h3).unwrap().unwrap(), 10);
    stop_tx.send(()).unwrap();
    driver.join().unwrap();
}

#[test]
fn fan_out_fan_in() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(30), "fan_out_fan_in");
        let out = rt.block_on(async {
            let outer: Vec<_> = (0..20u64)
                .map(|i| {
                    spindle_executor::spawn(async move {
                        let inner: Vec<_> = (0..20u64).map(|j| spindle_executor::spawn(async move { i * j })).collect();
                        let mut s = 0;
                        for h in inner {
                            s += h.await.unwrap();
                        }
                        s
                    })
                })
                .collect();
            let mut s = 0;
            for h in outer {
                s += h.await.unwrap();
            }
            s
        });
        assert_eq!(out, 190 * 190);
    }
}
