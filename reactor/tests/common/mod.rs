//! Test harness: no runtime exists in this crate, so a background thread
//! drives the reactor (`IoDriver::park(None)` in a loop) and tests run their
//! futures with `futures_executor::block_on` inside `Handle::enter`.

#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use spindle_executor::park::{Park, Unpark};
use spindle_reactor::{Handle, IoDriver};

/// A reactor driven by a background thread; stops it on drop.
pub struct Rt {
    handle: Handle,
    stop: Arc<AtomicBool>,
    unparker: Arc<dyn Unpark>,
    thread: Option<JoinHandle<()>>,
}

impl Rt {
    pub fn new() -> Rt {
        let mut driver = IoDriver::new().expect("create driver");
        let handle = driver.handle();
        let unparker = driver.unparker();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("test-io-driver".into())
            .spawn(move || {
                while !stop2.load(Ordering::SeqCst) {
                    driver.park(None);
                }
            })
            .expect("spawn driver thread");
        Rt { handle, stop, unparker, thread: Some(thread) }
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `f` on this thread with the reactor entered.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        let _guard = self.handle.enter();
        futures_executor::block_on(f)
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.unparker.unpark();
        if let Some(thread) = self.thread.take() {
            thread.join().expect("driver thread panicked");
        }
    }
}

/// Runs `body` on its own thread and fails the test if it takes longer than
/// `secs` seconds (a hang becomes a failure, not a stuck test run).
/// Panics in `body` propagate.
pub fn bounded<T: Send + 'static>(secs: u64, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let out = body();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {secs}s (hang)"),
    }
}

/// A bounded test with a fresh runtime: `bounded(secs, || rt.block_on(f()))`.
pub fn run<F, Fut, T>(secs: u64, f: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    bounded(secs, move || {
        let rt = Rt::new();
        rt.block_on(f())
    })
}
