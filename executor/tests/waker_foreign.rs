//! Tasks woken from threads outside the runtime (std threads), through
//! futures-channel and through wakers stored by hand.

mod common;

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use common::{current, multi, watchdog};
use futures_util::StreamExt;
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

#[test]
fn smoke() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(20), "waker_foreign smoke");
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let h = rt.spawn(async move { rx.await.unwrap() * 2 });
        let t = std::thread::spawn(move || {
            // Long enough for the workers to be parked.
            std::thread::sleep(Duration::from_millis(30));
            tx.send(21).unwrap();
        });
        assert_eq!(rt.block_on(h).unwrap(), 42);
        t.join().unwrap();
    }
}

#[test]
fn mpsc_from_many_threads() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(20), "mpsc_from_many_threads");
        let (tx, mut rx) = futures_channel::mpsc::unbounded::<u64>();
        let h = rt.spawn(async move {
            let mut sum = 0;
            while let Some(v) = rx.next().await {
                sum += v;
            }
            sum
        });
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        tx.unbounded_send(t * 1000 + i).unwrap();
                        if i % 100 == 0 {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(rt.block_on(h).unwrap(), (0..4000u64).sum::<u64>());
    }
}

/// The task stores its waker in a plain `Mutex<Option<Waker>>`; a std
/// thread takes it and wakes it by value (or by reference, then drops it).
#[test]
fn hand_stored_waker_woken_by_value_and_by_ref() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(20), "hand_stored_waker");
        let rounds = 200usize;
        let shared: Arc<Mutex<(usize, Option<Waker>)>> = Arc::default();
        let s = shared.clone();
        let h = rt.spawn(async move {
            let mut seen = 0;
            while seen < rounds {
                seen = std::future::poll_fn(|cx| {
                    let mut g = s.lock().unwrap();
                    if g.0 > seen {
                        Poll::Ready(g.0)
                    } else {
                        g.1 = Some(cx.waker().clone());
                        Poll::Pending
                    }
                })
                .await;
            }
            seen
        });
        let s = shared.clone();
        let t = std::thread::spawn(move || {
            for i in 0..rounds {
                let w = {
                    let mut g = s.lock().unwrap();
                    g.0 += 1;
                    g.1.take()
                };
                if let Some(w) = w {
                    if i % 2 == 0 {
                        w.wake();
                    } else {
                        w.wake_by_ref();
                    }
                }
                if i % 20 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        assert_eq!(rt.block_on(h).unwrap(), rounds);
        t.join().unwrap();
    }
}

/// Many tasks each parked on their own oneshot; a std thread completes them
/// in reverse order after the runtime went idle.
#[test]
fn many_parked_tasks_woken_after_idle() {
    for rt in rts() {
        let _w = watchdog(Duration::from_secs(20), "many_parked_tasks_woken_after_idle");
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for i in 0..500u64 {
            let (tx, rx) = futures_channel::oneshot::channel::<u64>();
            senders.push(tx);
            handles.push(rt.spawn(async move { rx.await.unwrap() + i }));
        }
        rt.block_on(spindle_executor::task::yield_now());
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            for (i, tx) in senders.into_iter().enumerate().rev() {
                tx.send(i as u64).unwrap();
            }
        });
        let sum = rt.block_on(async {
            let mut s = 0;
            for h in handles {
                s += h.await.unwrap();
            }
            s
        });
        t.join().unwrap();
        assert_eq!(sum, 2 * (0..500u64).sum::<u64>());
    }
}

/// A std thread awaits a JoinHandle without any runtime (its own waker).
#[test]
fn join_handle_awaited_from_plain_thread() {
    let rt = multi(2);
    let (tx, rx) = futures_channel::oneshot::channel::<u8>();
    let h = rt.spawn(async move { rx.await.unwrap() });
    let waiter = std::thread::spawn(move || common::block_on_plain(h, Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(20));
    tx.send(3).unwrap();
    assert_eq!(waiter.join().unwrap().unwrap(), 3);
}
