//! Helpers shared by the black-box tests (not a test target itself).
#![allow(dead_code)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use spindle_executor::{Builder, Runtime};

/// A multi-thread runtime with `n` workers.
pub fn multi(n: usize) -> Runtime {
    Builder::new_multi_thread().worker_threads(n).build().unwrap()
}

/// A current-thread runtime.
pub fn current() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// How many times slower than native the tests run: `SPINDLE_TEST_SLOWDOWN`
/// (an integer, default 1), set by `.ci/run` for valgrind and Miri, where a
/// test takes 20-50 times its native time. Every time limit below is
/// multiplied by it, so a limit still catches a hang without failing a slow
/// but correct run.
pub fn slowdown() -> u32 {
    std::env::var("SPINDLE_TEST_SLOWDOWN").ok().and_then(|v| v.parse().ok()).filter(|&n: &u32| n >= 1).unwrap_or(1)
}

/// Aborts the process with `what` if not dropped within `limit` (times
/// [`slowdown`]): a test that would hang on a lost wake-up fails loudly
/// instead.
pub struct Watchdog(Option<mpsc::Sender<()>>, Option<thread::JoinHandle<()>>);

pub fn watchdog(limit: Duration, what: &'static str) -> Watchdog {
    let limit = limit * slowdown();
    let (tx, rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("WATCHDOG: `{what}` did not finish within {limit:?} (lost wake-up / hang?)");
            std::process::abort();
        }
    });
    Watchdog(Some(tx), Some(t))
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.0.take());
        if let Some(t) = self.1.take() {
            let _ = t.join();
        }
    }
}

/// Increments its counter when dropped.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

pub fn get(c: &Arc<AtomicUsize>) -> usize {
    c.load(Ordering::SeqCst)
}

/// Wraps a future, counting its drops.
pub struct Tracked<F> {
    pub fut: F,
    pub _drop: DropCounter,
}

impl<F: Future + Unpin> Future for Tracked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.fut).poll(cx)
    }
}

pub fn tracked<F: Future + Unpin>(fut: F, drops: &Arc<AtomicUsize>) -> Tracked<F> {
    Tracked { fut, _drop: DropCounter(drops.clone()) }
}

/// A waker that counts wakes and its own final drop (via `Arc`).
pub struct CountingWaker {
    pub wakes: AtomicUsize,
    pub dropped: Arc<AtomicUsize>,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for CountingWaker {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn counting_waker() -> (Arc<CountingWaker>, Arc<AtomicUsize>) {
    let dropped = counter();
    (Arc::new(CountingWaker { wakes: AtomicUsize::new(0), dropped: dropped.clone() }), dropped)
}

/// Unparks a thread.
struct ThreadUnpark(thread::Thread);

impl Wake for ThreadUnpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor-free `block_on` (no spindle runtime involved), with a
/// deadline: panics if the future is not ready by then.
pub fn block_on_plain<F: Future>(fut: F, limit: Duration) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadUnpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + limit;
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let now = Instant::now();
        assert!(now < deadline, "future not ready within {limit:?}");
        thread::park_timeout(deadline - now);
    }
}

/// Polls once with `waker`.
pub fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Waits (bounded by `limit` times [`slowdown`]) until `cond` holds; returns
/// whether it did.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit * slowdown();
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A future that is `Pending` until `flag` is set through its waker slot.
pub struct Gate {
    pub inner: Arc<GateInner>,
}

pub struct GateInner {
    pub open: std::sync::atomic::AtomicBool,
    pub waker: futures_util::task::AtomicWaker,
}

impl Gate {
    pub fn new() -> (Gate, Arc<GateInner>) {
        let inner = Arc::new(GateInner {
            open: std::sync::atomic::AtomicBool::new(false),
            waker: futures_util::task::AtomicWaker::new(),
        });
        (Gate { inner: inner.clone() }, inner)
    }
}

impl GateInner {
    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        self.waker.wake();
    }
}

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.inner.open.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        self.inner.waker.register(cx.waker());
        if self.inner.open.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
