//! `join_set`: 100,000 tasks spawned into each runtime's join set from
//! inside `block_on`, then joined one by one with `join_next`.
//!
//! spindle's `task::JoinSet` against tokio's `task::JoinSet`; async-executor
//! has no join set, so its column is what smol users write instead: the
//! `Task`s in a `futures_util::stream::FuturesUnordered`. A set that scans
//! its entries per `join_next` shows up here as quadratic time.

use futures_util::StreamExt;

use crate::rt::{AsyncExecutorRt, BenchRuntime, SpindleRt, TokioRt};

/// Tasks per sample.
pub const JOIN_SET_TASKS: u64 = 100_000;

fn expected_sum() -> u64 {
    JOIN_SET_TASKS * (JOIN_SET_TASKS - 1) / 2
}

/// One sample on spindle.
pub fn join_set_spindle(rt: &SpindleRt) {
    let sum = rt.block_on(async {
        let mut set = spindle::task::JoinSet::new();
        for i in 0..JOIN_SET_TASKS {
            set.spawn(async move { i });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.expect("join_set task failed");
        }
        sum
    });
    assert_eq!(sum, expected_sum());
}

/// One sample on tokio.
pub fn join_set_tokio(rt: &TokioRt) {
    let sum = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..JOIN_SET_TASKS {
            set.spawn(async move { i });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.expect("join_set task failed");
        }
        sum
    });
    assert_eq!(sum, expected_sum());
}

/// One sample on async-executor.
pub fn join_set_async_executor(rt: &AsyncExecutorRt) {
    let ex = rt.executor();
    let sum = rt.block_on(async {
        let mut set = futures_util::stream::FuturesUnordered::new();
        for i in 0..JOIN_SET_TASKS {
            set.push(ex.spawn(async move { i }));
        }
        let mut sum = 0;
        while let Some(value) = set.next().await {
            sum += value;
        }
        sum
    });
    assert_eq!(sum, expected_sum());
}
