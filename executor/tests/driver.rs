//! A runtime with a driver (`Builder::driver`): idle workers sleep in it,
//! wakes it dispatches on a worker land in that worker's queues, unparks
//! reach it, and it is dropped exactly once at shutdown.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::watchdog;
use spindle_executor::park::{Park, Unpark};
use spindle_executor::{Builder, Runtime};

/// A tiny timer driver: futures register (deadline, waker); `park` sleeps
/// until the earliest deadline, an unpark or the timeout, then wakes the
/// expired entries (on the parking thread).
#[derive(Default)]
struct Timers {
    entries: Mutex<Vec<(Instant, Waker)>>,
    notified: Mutex<bool>,
    cv: Condvar,
    parks: AtomicUsize,
    polls: AtomicUsize,
    dispatched: AtomicUsize,
    drops: AtomicUsize,
}

struct Driver(Arc<Timers>);
struct DriverUnpark(Arc<Timers>);

impl Unpark for DriverUnpark {
    fn unpark(&self) {
        let mut n = self.0.notified.lock().unwrap();
        *n = true;
        self.0.cv.notify_all();
    }
}

impl Park for Driver {
    fn park(&mut self, timeout: Option<Duration>) {
        let t = &self.0;
        if timeout == Some(Duration::ZERO) {
            t.polls.fetch_add(1, Ordering::SeqCst);
        } else {
            t.parks.fetch_add(1, Ordering::SeqCst);
            let earliest = t.entries.lock().unwrap().iter().map(|e| e.0).min();
            let mut wait = timeout;
            if let Some(e) = earliest {
                let d = e.saturating_duration_since(Instant::now());
                wait = Some(wait.map_or(d, |w| w.min(d)));
            }
            let mut n = t.notified.lock().unwrap();
            if !*n {
                match wait {
                    Some(w) => n = t.cv.wait_timeout(n, w).unwrap().0,
                    None => {
                        while !*n {
                            n = t.cv.wait(n).unwrap();
                        }
                    }
                }
            }
            *n = false;
        }
        // Dispatch expired timers outside the lock.
        let now = Instant::now();
        let expired: Vec<Waker> = {
            let mut e = t.entries.lock().unwrap();
            let (due, rest): (Vec<_>, Vec<_>) = e.drain(..).partition(|(d, _)| *d <= now);
            *e = rest;
            due.into_iter().map(|(_, w)| w).collect()
        };
        t.dispatched.fetch_add(expired.len(), Ordering::SeqCst);
        expired.into_iter().for_each(Waker::wake);
    }

    fn unparker(&self) -> Arc<dyn Unpark> {
        Arc::new(DriverUnpark(self.0.clone()))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Sleeps until `deadline` through the driver.
struct Sleep {
    timers: Arc<Timers>,
    deadline: Instant,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        self.timers.entries.lock().unwrap().push((self.deadline, cx.waker().clone()));
        // Like a real timer: a new deadline may be earlier than the one the
        // driver sleeps until, so wake it to recompute.
        DriverUnpark(self.timers.clone()).unpark();
        Poll::Pending
    }
}

fn build(multi: bool) -> (Runtime, Arc<Timers>) {
    let timers = Arc::new(Timers::default());
    let t = timers.clone();
    let mut b = if multi {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        Builder::new_current_thread()
    };
    let rt = b.driver(move |_| Ok(Driver(t))).build().unwrap();
    (rt, timers)
}

#[test]
fn smoke() {
    for multi in [true, false] {
        let _w = watchdog(Duration::from_secs(30), "driver smoke");
        let (rt, timers) = build(multi);
        let start = Instant::now();
        let hs: Vec<_> = (0..100u64)
            .map(|i| {
                let timers = timers.clone();
                rt.spawn(async move {
                    Sleep { timers, deadline: Instant::now() + Duration::from_millis(1 + i % 20) }.await;
                    i
                })
            })
            .collect();
        let sum: u64 = rt.block_on(async {
            let mut s = 0;
            for h in hs {
                s += h.await.unwrap();
            }
            s
        });
        assert_eq!(sum, 4950);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(19), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(timers.dispatched.load(Ordering::SeqCst) >= 1);
        assert!(timers.parks.load(Ordering::SeqCst) >= 1, "nobody slept in the driver");
        drop(rt);
        assert_eq!(timers.drops.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn foreign_wakes_reach_a_worker_sleeping_in_the_driver() {
    for multi in [true, false] {
        let _w = watchdog(Duration::from_secs(30), "foreign_wakes_reach_a_worker_sleeping_in_the_driver");
        let (rt, timers) = build(multi);
        for _ in 0..20 {
            let (tx, rx) = futures_channel::oneshot::channel::<u8>();
            let h = rt.spawn(async move { rx.await.unwrap() });
            let t = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(3));
                tx.send(9).unwrap();
            });
            assert_eq!(rt.block_on(h).unwrap(), 9);
            t.join().unwrap();
        }
        assert!(timers.parks.load(Ordering::SeqCst) >= 1);
    }
}

#[test]
fn busy_workers_poll_the_driver() {
    // Tasks that keep yielding: the driver is polled without blocking every
    // event_interval ticks, so timers fire even though no worker is idle.
    let timers = Arc::new(Timers::default());
    let t = timers.clone();
    let rt =
        Builder::new_multi_thread().worker_threads(1).event_interval(7).driver(move |_| Ok(Driver(t))).build().unwrap();
    let _w = watchdog(Duration::from_secs(30), "busy_workers_poll_the_driver");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let spinner = rt.spawn(async move {
        while !s.load(Ordering::SeqCst) {
            spindle_executor::task::yield_now().await;
        }
    });
    let tm = timers.clone();
    let sleeper = rt.spawn(async move {
        Sleep { timers: tm, deadline: Instant::now() + Duration::from_millis(10) }.await;
    });
    let start = Instant::now();
    common::block_on_plain(sleeper, Duration::from_secs(5)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    rt.block_on(spinner).unwrap();
    assert!(timers.polls.load(Ordering::SeqCst) >= 1, "the driver was never polled while busy");
}

#[test]
fn block_on_future_woken_by_the_driver() {
    for multi in [true, false] {
        let _w = watchdog(Duration::from_secs(30), "block_on_future_woken_by_the_driver");
        let (rt, timers) = build(multi);
        for i in 0..20u64 {
            let start = Instant::now();
            let d = Duration::from_millis(1 + i % 5);
            rt.block_on(Sleep { timers: timers.clone(), deadline: Instant::now() + d });
            assert!(start.elapsed() >= d);
            assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        }
    }
}

#[test]
fn lifo_task_rescued_while_the_other_worker_sleeps_in_the_driver() {
    let (rt, _timers) = build(true);
    let _w = watchdog(Duration::from_secs(30), "lifo_task_rescued_while_the_other_worker_sleeps_in_the_driver");
    for pause in [0u64, 30] {
        let b_ran = Arc::new(Mutex::new(None::<Instant>));
        let b = b_ran.clone();
        let (placed, a_done, bh) = rt
            .block_on(rt.spawn(async move {
                std::thread::sleep(Duration::from_millis(pause));
                let placed = Instant::now();
                let bh = spindle_executor::spawn(async move { *b.lock().unwrap() = Some(Instant::now()) });
                std::thread::sleep(Duration::from_millis(300));
                (placed, Instant::now(), bh)
            }))
            .unwrap();
        rt.block_on(bh).unwrap();
        let ran = b_ran.lock().unwrap().expect("B never ran");
        assert!(ran < a_done, "B waited for A's long poll (pause {pause} ms)");
        assert!(ran - placed < Duration::from_millis(250), "B ran {:?} after being placed", ran - placed);
    }
}
