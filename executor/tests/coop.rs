//! The cooperative budget: a task awaiting many ready things yields now and
//! then, but always completes.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{current, multi, watchdog};
use spindle_executor::coop;

/// A leaf that is always ready but honours the budget.
struct AlwaysReady;

impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let restore = std::task::ready!(coop::poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    }
}

#[test]
fn smoke() {
    for rt in [multi(1), current()] {
        let _w = watchdog(Duration::from_secs(20), "coop smoke");
        // 1,000 finished JoinHandles awaited inside a task: the budget runs
        // out several times; the task still completes.
        let out = rt
            .block_on(rt.spawn(async {
                let hs: Vec<_> = (0..1000u64).map(|i| spindle_executor::spawn(async move { i })).collect();
                for _ in 0..5 {
                    spindle_executor::task::yield_now().await;
                }
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                s
            }))
            .unwrap();
        assert_eq!(out, 499_500);
    }
}

#[test]
fn budget_forces_a_yield_to_other_tasks() {
    // One worker: a task looping on an always-ready leaf must let a
    // bystander run before it finishes its 10,000 iterations.
    for rt in [multi(1), current()] {
        let _w = watchdog(Duration::from_secs(20), "budget_forces_a_yield_to_other_tasks");
        let bystander_ran_at = Arc::new(AtomicUsize::new(usize::MAX));
        let progress = Arc::new(AtomicUsize::new(0));
        let (b, p) = (bystander_ran_at.clone(), progress.clone());
        rt.block_on(rt.spawn(async move {
            let p2 = p.clone();
            let bystander = spindle_executor::spawn(async move {
                b.store(p2.load(Ordering::SeqCst), Ordering::SeqCst);
            });
            for i in 0..10_000 {
                p.store(i, Ordering::SeqCst);
                AlwaysReady.await;
            }
            bystander.await.unwrap();
        }))
        .unwrap();
        let at = bystander_ran_at.load(Ordering::SeqCst);
        assert!(at < 10_000 && at <= 2 * usize::from(coop::BUDGET), "bystander ran at iteration {at}");
    }
}

#[test]
fn unconstrained_outside_tasks() {
    assert!(coop::has_budget_remaining());
    let rt = multi(1);
    // block_on's own future has no budget: 10,000 ready leaves in a row.
    rt.block_on(async {
        for _ in 0..10_000 {
            AlwaysReady.await;
        }
        assert!(coop::has_budget_remaining());
    });
    // Blocking closures have none either.
    let ok = rt.block_on(rt.spawn_blocking(coop::has_budget_remaining)).unwrap();
    assert!(ok);
}

#[test]
fn consume_budget_yields() {
    let rt = multi(1);
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let seen = rt
        .block_on(rt.spawn(async move {
            spindle_executor::spawn(async move { f.store(true, Ordering::SeqCst) });
            let mut n = 0;
            while !flag.load(Ordering::SeqCst) {
                coop::consume_budget().await;
                n += 1;
                assert!(n < 100_000, "consume_budget never yielded");
            }
            n
        }))
        .unwrap();
    assert!(seen >= 1);
}
