//! Helpers shared by the `spindle::sync` models (`sync_*.rs`): the model
//! runner, and the mutant runner (`spindle_loom_tests::mutant_must_fail`,
//! for `spindle::sync::loom_api::Mutant` as for every crate's mutants).
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

/// `loom::model` with the suite's preemption bound (`spindle_loom_tests::PREEMPTION_BOUND`).
#[allow(unused_imports)]
pub use spindle_loom_tests::model;

/// Polls `fut` once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}

/// Counts drops of the values it is attached to (std atomics: loom need not
/// interleave the counter).
#[derive(Clone, Default)]
pub struct DropCounter(pub StdArc<AtomicUsize>);

impl DropCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    pub fn track(&self) -> Tracked {
        Tracked(self.clone())
    }
}

pub struct Tracked(DropCounter);

impl Drop for Tracked {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The mutant runner (in a child process), shared by every model file
/// (unused by the files whose models have no mutant).
#[allow(unused_imports)]
pub use spindle_loom_tests::mutant_must_fail;
