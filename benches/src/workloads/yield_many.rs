//! `yield_many`: the cost of a yield, i.e. a re-schedule of a woken task.

use super::{wait, Latch, Workload};
use crate::rt::{BenchRuntime, Spawner};

/// Tasks per iteration.
pub const TASKS: usize = 200;
/// Yields per task.
pub const NUM_YIELD: usize = 1_000;

/// 200 tasks, spawned from the main thread, each yielding 1,000 times with
/// its runtime's own `yield_now`.
#[derive(Debug)]
pub struct YieldMany;

impl Workload for YieldMany {
    const NAME: &'static str = "yield_many";

    fn run<R: BenchRuntime>(rt: &R) {
        let (latch, done) = Latch::new(TASKS);
        let spawner = rt.spawner();
        for _ in 0..TASKS {
            let latch = latch.clone();
            rt.spawn_remote(async move {
                for _ in 0..NUM_YIELD {
                    spawner.yield_now().await;
                }
                latch.count_down();
            });
        }
        wait(rt, done);
    }
}
