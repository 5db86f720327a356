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

/// The mutant runner (in a child process), shared by every model file
/// (unused by the files whose models have no mutant).
#[allow(unused_imports)]
pub use spindle_loom_tests::mutant_must_fail;

/// A bug planted in user-level code (the worked examples, `user_*.rs`):
/// the buggy model is a function of its own, so "switching it on" is
/// running it (the switch holds it, and no protocol step reads it).
#[derive(Debug, Clone, Copy)]
pub struct Planted(pub &'static str);

/// `loom::model` with the suite's preemption bound (`spindle_loom_tests::PREEMPTION_BOUND`).
#[allow(unused_imports)]
pub use spindle_loom_tests::model;
