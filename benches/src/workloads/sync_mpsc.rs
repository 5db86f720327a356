//! `mpsc_bounded`: 4 producers × 100,000 messages into one consumer through
//! a bounded channel of capacity 1,024, one [`BoundedChannel`] impl per
//! channel crate: spindle's, tokio's, async-channel and futures-channel.
//!
//! The home row (`mpsc_bounded`) runs each runtime's own channel on it
//! (spindle's on spindle, tokio's on tokio, async-channel on
//! async-executor); the `mpsc_bounded/<channel>` rows run one channel on all
//! three runtimes, so the spindle column of those rows compares the four
//! channels on one runtime.

use std::future::Future;

use futures_util::StreamExt;

use super::{wait, Latch};
use crate::rt::{BenchRuntime, Spawner};

/// Producer tasks.
pub const PRODUCERS: usize = 4;
/// Messages per producer.
pub const PER_PRODUCER: u64 = 100_000;
/// Channel capacity.
pub const CAPACITY: usize = 1_024;

/// One bounded channel crate, as its users would call it.
pub trait BoundedChannel: 'static {
    /// Row suffix.
    const NAME: &'static str;
    /// The sending half.
    type Tx: Clone + Send + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A channel of `capacity`.
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// Sends, waiting for a slot; panics if the receiver is gone.
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// The next message, `None` when every sender is gone.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// `spindle::sync::mpsc::channel`.
#[derive(Debug)]
pub struct SpindleMpsc;

impl BoundedChannel for SpindleMpsc {
    const NAME: &'static str = "spindle";
    type Tx = spindle::sync::mpsc::Sender<u64>;
    type Rx = spindle::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        spindle::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.expect("receiver alive");
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

/// `tokio::sync::mpsc::channel`.
#[derive(Debug)]
pub struct TokioMpsc;

impl BoundedChannel for TokioMpsc {
    const NAME: &'static str = "tokio";
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.expect("receiver alive");
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

/// `async_channel::bounded`.
#[derive(Debug)]
pub struct AsyncChannel;

impl BoundedChannel for AsyncChannel {
    const NAME: &'static str = "async-channel";
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.expect("receiver alive");
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// `futures_channel::mpsc::channel` (its capacity is `buffer` plus one slot
/// per sender, so `buffer` is the capacity less the producers).
#[derive(Debug)]
pub struct FuturesMpsc;

impl BoundedChannel for FuturesMpsc {
    const NAME: &'static str = "futures-channel";
    type Tx = futures_channel::mpsc::Sender<u64>;
    type Rx = futures_channel::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        futures_channel::mpsc::channel(capacity - PRODUCERS)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        // `SinkExt::send` without the `sink` feature: the same two calls.
        std::future::poll_fn(|cx| tx.poll_ready(cx)).await.expect("receiver alive");
        tx.start_send(value).expect("receiver alive");
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.next().await
    }
}

/// Runs the workload with channel `C` on runtime `R`: the consumer is a
/// task spawned from outside; it spawns the producers and checks that every
/// message arrived once.
pub fn mpsc_bounded<R: BenchRuntime, C: BoundedChannel>(rt: &R) {
    let (latch, done) = Latch::new(1);
    let spawner = rt.spawner();
    rt.spawn_remote(async move {
        let (tx, mut rx) = C::channel(CAPACITY);
        for _ in 0..PRODUCERS {
            let mut tx = tx.clone();
            spawner.spawn(async move {
                for i in 0..PER_PRODUCER {
                    C::send(&mut tx, i).await;
                }
            });
        }
        drop(tx);
        let (mut n, mut sum) = (0u64, 0u64);
        while let Some(v) = C::recv(&mut rx).await {
            n += 1;
            sum += v;
        }
        assert_eq!(n, PRODUCERS as u64 * PER_PRODUCER, "{}: messages lost", C::NAME);
        assert_eq!(sum, PRODUCERS as u64 * (PER_PRODUCER * (PER_PRODUCER - 1) / 2));
        latch.count_down();
    });
    wait(rt, done);
}
