//! Helpers shared by the models.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

use loom::sync::{Arc, Mutex};

/// Counts drops of values it is attached to (plain std atomics: loom does
/// not need to interleave the counter itself).
#[derive(Clone, Default)]
pub struct DropCounter(pub StdArc<AtomicUsize>);

impl DropCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct Tracked<T> {
    pub value: T,
    counter: DropCounter,
}

impl<T> Tracked<T> {
    pub fn new(value: T, counter: &DropCounter) -> Tracked<T> {
        Tracked { value, counter: counter.clone() }
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        self.counter.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A one-shot signal with a waker slot: the future side returns `Pending`
/// until `fire` was called, storing its waker; `fire` wakes it.
#[derive(Clone, Default)]
pub struct Signal(pub Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    pub fn new() -> Signal {
        Signal(Arc::new(Mutex::new((false, None))))
    }

    pub fn fire(&self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub fn take_waker(&self) -> Option<Waker> {
        self.0.lock().unwrap().1.take()
    }

    pub fn wait(&self) -> SignalWait {
        SignalWait(self.clone())
    }
}

pub struct SignalWait(Signal);

impl Future for SignalWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = (self.0).0.lock().unwrap();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Runs `model` with `mutant` on in a child process (this test binary, this
/// test only) and asserts that loom catches it. A child is needed because
/// loom reports some bugs (deadlocks: every thread blocked on a lost
/// wake-up) by panicking inside a destructor, which aborts the process.
pub fn mutant_must_fail<M: MutantSwitch>(test_name: &str, mutant: M, model: fn()) {
    if std::env::var_os("SPINDLE_LOOM_MUTANT_CHILD").is_some() {
        mutant.run_with(model);
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = std::process::Command::new(exe)
        .args([test_name, "--exact", "--test-threads=1", "--nocapture"])
        .env("SPINDLE_LOOM_MUTANT_CHILD", "1")
        .output()
        .expect("run the mutant child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "loom did not catch mutant {mutant:?}; child stderr:\n{stderr}");
    assert!(
        stderr.contains("deadlock") || stderr.contains("panicked"),
        "mutant {mutant:?} failed for an unexpected reason:\n{stderr}"
    );
    // A model that traces its events (the user-level examples) prints the
    // failing interleaving; pass it on (shown with `--nocapture`).
    if let Some(at) = stderr.find("failing interleaving") {
        let trace: String = stderr[at..].lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        println!("{mutant:?}: {trace}");
    }
}

/// A bug planted in user-level code (the worked examples, `user_*.rs`):
/// the buggy model is a function of its own, so "switching it on" is
/// running it.
#[derive(Debug, Clone, Copy)]
pub struct Planted(pub &'static str);

impl MutantSwitch for Planted {
    fn run_with(self, model: fn()) {
        model();
    }
}

/// A crate's mutant: each crate keeps its own switch.
pub trait MutantSwitch: std::fmt::Debug + Copy {
    /// Runs `model` with this mutant switched on.
    fn run_with(self, model: fn());
}

impl MutantSwitch for spindle_executor::loom_api::Mutant {
    fn run_with(self, model: fn()) {
        spindle_executor::loom_api::with_mutant(self, model);
    }
}

impl MutantSwitch for spindle_reactor::loom_api::Mutant {
    fn run_with(self, model: fn()) {
        spindle_reactor::loom_api::with_mutant(self, model);
    }
}

/// Preemption bound of the models that run through [`model`]: they are
/// small enough for 3 (each runs in under a few seconds), one more than
/// tokio's CI uses. The worker-loop models (`worker_park.rs`) use
/// `loom::model` and the `LOOM_MAX_PREEMPTIONS` environment variable (2 in
/// CI), since at 3 they take minutes.
pub const PREEMPTION_BOUND: usize = 3;

/// `loom::model` with [`PREEMPTION_BOUND`].
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTION_BOUND);
    builder.check(f);
}
