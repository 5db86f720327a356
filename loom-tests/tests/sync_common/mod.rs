//! Helpers shared by the `spindle::sync` models (`sync_*.rs`): the model
//! runner and the mutant runner over `spindle::sync::loom_api` (the sync
//! module's own mutant switch, separate from the executor's).
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

use spindle::sync::loom_api::{with_mutant, Mutant};

/// Preemption bound of the sync models: each runs in well under a second
/// at 3.
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

/// Runs `model` with `mutant` on in a child process (this test binary,
/// this test only) and asserts that loom catches it; see
/// `common::mutant_must_fail` for why a child.
pub fn mutant_must_fail(test_name: &str, mutant: Mutant, model: fn()) {
    if std::env::var_os("SPINDLE_LOOM_MUTANT_CHILD").is_some() {
        with_mutant(mutant, model);
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
}
