//! `ping_pong`: wake-ups across tasks through oneshot channels.

use futures_channel::oneshot;

use super::{wait, Latch, Workload};
use crate::rt::{BenchRuntime, Spawner};

/// Rounds per iteration.
pub const NUM_PINGS: usize = 1_000;

/// 1,000 concurrent rounds (the layout of tokio's `ping_pong` bench): a
/// task spawned from inside a task spawns a partner, sends it a ping on one
/// oneshot and awaits the pong on another. Every round spawns two tasks and
/// makes two cross-task wake-ups.
#[derive(Debug)]
pub struct PingPong;

impl Workload for PingPong {
    const NAME: &'static str = "ping_pong";

    fn run<R: BenchRuntime>(rt: &R) {
        let (latch, done) = Latch::new(NUM_PINGS);
        let spawner = rt.spawner();
        rt.spawn_remote(async move {
            for _ in 0..NUM_PINGS {
                let latch = latch.clone();
                spawner.spawn(async move {
                    let (ping_tx, ping_rx) = oneshot::channel::<()>();
                    let (pong_tx, pong_rx) = oneshot::channel::<()>();
                    spawner.spawn(async move {
                        ping_rx.await.expect("ping dropped");
                        pong_tx.send(()).expect("pong receiver dropped");
                    });
                    ping_tx.send(()).expect("ping receiver dropped");
                    pong_rx.await.expect("pong dropped");
                    latch.count_down();
                });
            }
        });
        wait(rt, done);
    }
}
