//! A tiny runtime stand-in: one thread loops in `TimerDriver::park(None)`
//! while the test thread runs futures with `futures_executor::block_on`.
#![allow(dead_code)]

use spindle_timer::Instant;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use spindle_executor::park::{Park, Parker, Unpark};
use spindle_timer::{Handle, TimerDriver};

pub struct Rt {
    handle: Handle,
    stop: Arc<AtomicBool>,
    unparker: Arc<dyn Unpark>,
    thread: Option<JoinHandle<()>>,
}

impl Rt {
    pub fn new() -> Rt {
        Rt::with_driver(TimerDriver::new(Parker::new()))
    }

    pub fn with_shards(shards: usize) -> Rt {
        Rt::with_driver(TimerDriver::with_shards(Parker::new(), shards))
    }

    pub fn with_driver(mut driver: TimerDriver<Parker>) -> Rt {
        let handle = driver.handle();
        let unparker = driver.unparker();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = thread::Builder::new()
            .name("timer-driver".into())
            .spawn(move || {
                while !stop2.load(Ordering::Acquire) {
                    driver.park(None);
                }
                // Dropping the driver shuts the timer down.
            })
            .unwrap();
        Rt { handle, stop, unparker, thread: Some(thread) }
    }

    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        let _enter = self.handle.enter();
        futures_executor::block_on(f)
    }

    /// Stops the driver thread (which shuts the timer down) and joins it.
    pub fn stop(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.unparker.unpark();
        if let Some(t) = self.thread.take() {
            t.join().expect("driver thread panicked");
        }
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// A waker that counts its wake-ups and remembers when the first came.
#[derive(Default)]
pub struct CountingWaker {
    pub count: AtomicUsize,
    pub first: Mutex<Option<Instant>>,
    pub thread: Mutex<Option<thread::Thread>>,
}

impl CountingWaker {
    pub fn new() -> Arc<CountingWaker> {
        Arc::new(CountingWaker::default())
    }

    /// Also unpark `thread` on every wake.
    pub fn unparking(thread: thread::Thread) -> Arc<CountingWaker> {
        let w = CountingWaker::new();
        *w.thread.lock().unwrap() = Some(thread);
        w
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let now = Instant::now();
        self.first.lock().unwrap().get_or_insert(now);
        self.count.fetch_add(1, Ordering::SeqCst);
        if let Some(t) = &*self.thread.lock().unwrap() {
            t.unpark();
        }
    }
}

/// Polls `fut` once with `waker`.
pub fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Generous bound for "completes promptly" on a noisy shared machine.
pub const PROMPT: Duration = Duration::from_secs(5);
