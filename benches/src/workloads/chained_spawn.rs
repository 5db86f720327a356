//! `chained_spawn`: spawn latency, one task at a time.

use futures_channel::oneshot;

use super::Workload;
use crate::rt::{BenchRuntime, Spawner};

/// Length of the chain.
pub const CHAIN: usize = 1_000;

/// A chain of 1,000 tasks: each spawns the next from inside itself and
/// ends; the last one signals the main thread.
#[derive(Debug)]
pub struct ChainedSpawn;

fn link<S: Spawner>(spawner: S, left: usize, done: oneshot::Sender<()>) {
    if left == 0 {
        let _ = done.send(());
    } else {
        spawner.spawn(async move { link(spawner, left - 1, done) });
    }
}

impl Workload for ChainedSpawn {
    const NAME: &'static str = "chained_spawn";

    fn run<R: BenchRuntime>(rt: &R) {
        let (tx, done) = oneshot::channel();
        let spawner = rt.spawner();
        // The first link is spawned from outside; the other CHAIN - 1 from
        // inside the previous task.
        rt.spawn_remote(async move { link(spawner, CHAIN - 1, tx) });
        super::wait(rt, done);
    }
}
