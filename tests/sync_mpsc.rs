//! `spindle::sync::mpsc`: order, closing, cancellation, destructors, the
//! coop budget, 1,000,000 messages across workers, a foreign executor.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use spindle::sync::mpsc::{self, error::TryRecvError, error::TrySendError};

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn smoke_order_is_fifo() {
    let (tx, mut rx) = mpsc::channel(8);
    for i in 0..8 {
        tx.try_send(i).unwrap();
    }
    assert!(matches!(tx.try_send(8), Err(TrySendError::Full(8))));
    for i in 0..8 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn recv_returns_none_after_the_last_sender() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let tx2 = tx.clone();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx2);
    assert_eq!(futures_executor::block_on(rx.recv()), None);
}

#[test]
fn a_full_channel_wakes_the_sender_when_a_slot_frees() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut send = pin!(tx.send(2));
    assert!(poll_once(send.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(poll_once(send.as_mut()).is_ready());
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_dropped_send_future_passes_its_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut first = Box::pin(tx.send(1));
    let mut second = pin!(tx.send(2));
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // the slot goes to `first`...
    drop(first); // ...which is cancelled: nothing sent, the slot moves on
    assert!(poll_once(second.as_mut()).is_ready());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_dropped_recv_future_loses_no_message() {
    let (tx, mut rx) = mpsc::channel(2);
    {
        let mut recv = pin!(rx.recv());
        assert!(poll_once(recv.as_mut()).is_pending());
    }
    tx.try_send(5).unwrap();
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn close_keeps_queued_messages_and_fails_waiting_senders() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut waiting = pin!(tx.send(2));
    assert!(poll_once(waiting.as_mut()).is_pending());
    rx.close();
    assert!(matches!(poll_once(waiting.as_mut()), Poll::Ready(Err(e)) if e.0 == 2));
    assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
    assert!(tx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn reserve_and_permits() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let p = tx.try_reserve().unwrap();
    let q = futures_executor::block_on(tx.reserve()).unwrap();
    assert!(tx.try_reserve().is_err());
    drop(p); // the slot comes back
    assert_eq!(tx.capacity(), 1);
    q.send(7);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 2);
}

#[test]
fn destructors_every_message_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::channel(16);
    for _ in 0..16 {
        tx.try_send(Tracked(drops.clone())).unwrap();
    }
    // Two in the receiver's private batch, the rest queued.
    drop(rx.try_recv().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    tx.try_send(Tracked(drops.clone())).unwrap();
    let refused = tx.try_send(Tracked(drops.clone()));
    assert!(matches!(refused, Err(TrySendError::Full(_))));
    drop(refused);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 18, "the 16 queued messages dropped once each");
    let after = tx.try_send(Tracked(drops.clone()));
    drop(after);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 19);

    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..100 {
        tx.send(Tracked(drops.clone())).unwrap();
    }
    drop(tx);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 119);
}

#[test]
fn recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    (0..10).for_each(|i| tx.send(i).unwrap());
    let mut buf = Vec::new();
    futures_executor::block_on(async {
        assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(rx.recv_many(&mut buf, 100).await, 6);
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 100).await, 0);
    });
    assert_eq!(buf, (0..10).collect::<Vec<_>>());
}

#[test]
fn an_always_ready_receiver_yields_to_its_worker() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10_000u32 {
        tx.send(i).unwrap();
    }
    let other_ran = Arc::new(AtomicBool::new(false));
    let received = rt.block_on(async {
        let other_ran2 = other_ran.clone();
        let reader = spindle::spawn(async move {
            let mut n = 0;
            while let Some(_i) = rx.recv().await {
                n += 1;
                if other_ran2.load(Ordering::SeqCst) {
                    return n;
                }
            }
            n
        });
        spindle::spawn(async move { other_ran.store(true, Ordering::SeqCst) });
        reader.await.unwrap()
    });
    assert!(received < 10_000, "the receiver never yielded ({received} messages in one go)");
    drop(tx);
}

#[test]
fn stress_a_million_messages_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let producers = 4;
    let per = if cfg!(miri) { 100 } else { 250_000 };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (tx, mut rx) = mpsc::channel::<(usize, usize)>(1024);
    let seen = rt.block_on(async move {
        for p in 0..producers {
            let tx = tx.clone();
            spindle::spawn(async move {
                for i in 0..per {
                    tx.send((p, i)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut next = vec![0; producers];
        let mut total = 0;
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(i, next[p], "producer {p}: message lost, duplicated or reordered");
            next[p] += 1;
            total += 1;
            if total % 65_536 == 0 {
                assert!(Instant::now() < deadline, "1,000,000 messages took over 60 s");
            }
        }
        total
    });
    assert_eq!(seen, producers * per);
}

#[test]
fn works_on_a_foreign_executor() {
    let (tx, mut rx) = mpsc::channel(4);
    let t = std::thread::spawn(move || {
        futures_executor::block_on(async {
            for i in 0..1000 {
                tx.send(i).await.unwrap();
            }
        })
    });
    let got = futures_executor::block_on(async {
        let mut n = 0;
        while let Some(i) = rx.recv().await {
            assert_eq!(i, n);
            n += 1;
        }
        n
    });
    t.join().unwrap();
    assert_eq!(got, 1000);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let weak = tx.downgrade();
    let strong = weak.upgrade().expect("a strong sender is alive");
    drop(tx);
    strong.try_send(1).unwrap();
    drop(strong);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(weak.upgrade().is_none(), "no upgrade after the last strong sender");
}
