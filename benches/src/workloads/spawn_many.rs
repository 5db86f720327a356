//! `spawn_many_local` and `spawn_many_remote`: spawn throughput.

use super::{wait, Latch, Workload};
use crate::rt::{BenchRuntime, Spawner};

/// Tasks spawned per iteration.
pub const NUM_SPAWN: usize = 10_000;

/// 10,000 empty tasks spawned from inside a task (so onto a worker's own
/// queue where the runtime has one), timed until all have run.
#[derive(Debug)]
pub struct SpawnManyLocal;

impl Workload for SpawnManyLocal {
    const NAME: &'static str = "spawn_many_local";

    fn run<R: BenchRuntime>(rt: &R) {
        let (latch, done) = Latch::new(NUM_SPAWN);
        let spawner = rt.spawner();
        rt.spawn_remote(async move {
            for _ in 0..NUM_SPAWN {
                let latch = latch.clone();
                spawner.spawn(async move { latch.count_down() });
            }
        });
        wait(rt, done);
    }
}

/// 10,000 empty tasks spawned from the main thread, timed until all have
/// run.
#[derive(Debug)]
pub struct SpawnManyRemote;

impl Workload for SpawnManyRemote {
    const NAME: &'static str = "spawn_many_remote";

    fn run<R: BenchRuntime>(rt: &R) {
        let (latch, done) = Latch::new(NUM_SPAWN);
        for _ in 0..NUM_SPAWN {
            let latch = latch.clone();
            rt.spawn_remote(async move { latch.count_down() });
        }
        wait(rt, done);
    }
}
