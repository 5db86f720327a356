//! Many std threads waking many tasks: no wake-up may be lost. Each test
//! runs under a watchdog that aborts the process if it hangs.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::task::AtomicWaker;

use common::{current, multi, watchdog};
use spindle_executor::Runtime;

const THREADS: usize = 4;
const TASKS: usize = if cfg!(miri) { 8 } else { 200 };
const ROUNDS: usize = if cfg!(miri) { 2 } else { 200 };

struct Slot {
    /// Wakes sent so far.
    count: AtomicUsize,
    /// Rounds the task has seen complete.
    acked: AtomicUsize,
    waker: AtomicWaker,
}

/// Ready once `count` reaches `target`.
struct WaitCount<'a> {
    slot: &'a Slot,
    target: usize,
    polls: &'a mut usize,
}

impl Future for WaitCount<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.polls += 1;
        if self.slot.count.load(Ordering::SeqCst) >= self.target {
            return Poll::Ready(());
        }
        self.slot.waker.register(cx.waker());
        if self.slot.count.load(Ordering::SeqCst) >= self.target {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Lock-step: in each round every thread wakes every task once, then waits
/// until every task has seen the round's wakes. A lost wake-up leaves a task
/// asleep and the threads waiting: the watchdog fires.
fn run(rt: &Runtime, name: &'static str) {
    let _w = watchdog(Duration::from_secs(60), name);
    let start = Instant::now();
    let slots: Arc<Vec<Slot>> = Arc::new(
        (0..TASKS)
            .map(|_| Slot { count: AtomicUsize::new(0), acked: AtomicUsize::new(0), waker: AtomicWaker::new() })
            .collect(),
    );
    let handles: Vec<_> = (0..TASKS)
        .map(|i| {
            let slots = slots.clone();
            rt.spawn(async move {
                let slot = &slots[i];
                let mut polls = 0;
                for round in 1..=ROUNDS {
                    WaitCount { slot, target: round * THREADS, polls: &mut polls }.await;
                    slot.acked.store(round, Ordering::SeqCst);
                    if round % 10 == 0 {
                        // Hop through a yield and a nested task now and then.
                        spindle_executor::task::yield_now().await;
                        let s2 = slots.clone();
                        let target = round * THREADS;
                        spindle_executor::spawn(async move {
                            assert!(s2[i].count.load(Ordering::SeqCst) >= target);
                        })
                        .await
                        .unwrap();
                    }
                }
                polls
            })
        })
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let slots = slots.clone();
            std::thread::spawn(move || {
                // Strides coprime with TASKS: each thread visits every task,
                // in its own order.
                let stride = [1, 3, 7, 11][t];
                for round in 1..=ROUNDS {
                    for i in 0..TASKS {
                        let slot = &slots[(i * stride + round) % TASKS];
                        slot.count.fetch_add(1, Ordering::SeqCst);
                        slot.waker.wake();
                    }
                    let mut spins = 0u32;
                    while slots.iter().any(|s| s.acked.load(Ordering::SeqCst) < round) {
                        spins += 1;
                        if spins < 50 {
                            std::thread::yield_now();
                        } else {
                            std::thread::sleep(Duration::from_micros(100));
                        }
                    }
                }
            })
        })
        .collect();
    let total_polls: usize = rt.block_on(async {
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    for t in threads {
        t.join().unwrap();
    }
    for slot in slots.iter() {
        assert_eq!(slot.count.load(Ordering::SeqCst), ROUNDS * THREADS);
        assert_eq!(slot.acked.load(Ordering::SeqCst), ROUNDS);
    }
    assert!(total_polls >= ROUNDS * TASKS);
    let m = rt.metrics();
    assert!(common::wait_until(Duration::from_secs(5), || m.num_alive_tasks() == 0));
    eprintln!("{name}: {:?}, {total_polls} polls", start.elapsed());
}

#[test]
fn stress() {
    let rt = multi(2);
    run(&rt, "stress multi_thread(2)");
}

#[test]
fn stress_one_worker() {
    let rt = multi(1);
    run(&rt, "stress multi_thread(1)");
}

#[test]
fn stress_current_thread() {
    let rt = current();
    run(&rt, "stress current_thread");
}

#[test]
fn stress_lifo_disabled() {
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).disable_lifo_slot().build().unwrap();
    run(&rt, "stress lifo disabled");
}

/// Ping-pong between tasks through channels, with std threads injecting:
/// lots of wake-by-value through futures-channel wakers.
#[test]
fn stress_channels() {
    use futures_channel::mpsc;
    use futures_util::StreamExt;
    async fn send(tx: &mut mpsc::Sender<u32>, v: u32) -> Result<(), mpsc::SendError> {
        std::future::poll_fn(|cx| tx.poll_ready(cx)).await?;
        tx.start_send(v)
    }
    let rt = multi(2);
    let _w = watchdog(Duration::from_secs(60), "stress_channels");
    let n_pairs = 50;
    let msgs = 200;
    let mut joins = Vec::new();
    let mut feeders = Vec::new();
    for _ in 0..n_pairs {
        let (mut tx_a, mut rx_a) = mpsc::channel::<u32>(1);
        let (mut tx_b, mut rx_b) = mpsc::channel::<u32>(1);
        // Echo task.
        rt.spawn(async move {
            while let Some(v) = rx_a.next().await {
                if send(&mut tx_b, v + 1).await.is_err() {
                    break;
                }
            }
        });
        let (feed_tx, mut feed_rx) = mpsc::unbounded::<u32>();
        joins.push(rt.spawn(async move {
            let mut sum = 0u64;
            while let Some(v) = feed_rx.next().await {
                send(&mut tx_a, v).await.unwrap();
                sum += u64::from(rx_b.next().await.unwrap());
            }
            sum
        }));
        feeders.push(std::thread::spawn(move || {
            for i in 0..msgs {
                feed_tx.unbounded_send(i).unwrap();
            }
        }));
    }
    for f in feeders {
        f.join().unwrap();
    }
    let expect: u64 = (1..=u64::from(msgs)).sum();
    for j in joins {
        assert_eq!(rt.block_on(j).unwrap(), expect);
    }
}
