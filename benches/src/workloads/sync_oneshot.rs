//! `oneshot_ping_pong`: the `ping_pong` workload (1,000 concurrent rounds,
//! each spawning a partner, a ping and a pong) with spindle's oneshot
//! instead of futures-channel's; `oneshot_ping_pong/tokio` runs tokio's.

use std::future::Future;

use super::ping_pong::NUM_PINGS;
use super::{wait, Latch};
use crate::rt::{BenchRuntime, Spawner};

/// One oneshot crate.
pub trait Oneshot: 'static {
    /// Row suffix.
    const NAME: &'static str;
    /// The sending half.
    type Tx: Send + 'static;
    /// The receiving half, a future of the value.
    type Rx: Future<Output = ()> + Send + 'static;
    /// A channel.
    fn channel() -> (Self::Tx, Self::Rx);
    /// Sends; panics if the receiver is gone.
    fn send(tx: Self::Tx);
}

/// `spindle::sync::oneshot`.
#[derive(Debug)]
pub struct SpindleOneshot;

impl Oneshot for SpindleOneshot {
    const NAME: &'static str = "spindle";
    type Tx = spindle::sync::oneshot::Sender<()>;
    type Rx = futures_util::future::Map<
        spindle::sync::oneshot::Receiver<()>,
        fn(Result<(), spindle::sync::oneshot::RecvError>),
    >;
    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = spindle::sync::oneshot::channel();
        (tx, futures_util::FutureExt::map(rx, |r| r.expect("sender dropped")))
    }
    fn send(tx: Self::Tx) {
        tx.send(()).expect("receiver dropped");
    }
}

/// `tokio::sync::oneshot`.
#[derive(Debug)]
pub struct TokioOneshot;

impl Oneshot for TokioOneshot {
    const NAME: &'static str = "tokio";
    type Tx = tokio::sync::oneshot::Sender<()>;
    type Rx = futures_util::future::Map<
        tokio::sync::oneshot::Receiver<()>,
        fn(Result<(), tokio::sync::oneshot::error::RecvError>),
    >;
    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (tx, futures_util::FutureExt::map(rx, |r| r.expect("sender dropped")))
    }
    fn send(tx: Self::Tx) {
        tx.send(()).expect("receiver dropped");
    }
}

/// Runs the ping-pong rounds with oneshot `O` on runtime `R`.
pub fn oneshot_ping_pong<R: BenchRuntime, O: Oneshot>(rt: &R) {
    let (latch, done) = Latch::new(NUM_PINGS);
    let spawner = rt.spawner();
    rt.spawn_remote(async move {
        for _ in 0..NUM_PINGS {
            let latch = latch.clone();
            spawner.spawn(async move {
                let (ping_tx, ping_rx) = O::channel();
                let (pong_tx, pong_rx) = O::channel();
                spawner.spawn(async move {
                    ping_rx.await;
                    O::send(pong_tx);
                });
                O::send(ping_tx);
                pong_rx.await;
                latch.count_down();
            });
        }
    });
    wait(rt, done);
}
