//! How the models run, shared by every model file: [`model`] (loom with
//! this suite's preemption bound) and [`mutant_must_fail`] (a model with
//! one protocol step deliberately broken, in a child process, which loom
//! must catch). Any crate's `Mutant` works: they all go through the
//! runtime's one switch, `spindle_executor::loom_api::with_mutant`.

use std::any::Any;
use std::fmt::Debug;

use spindle_executor::loom_api::with_mutant;

/// Preemption bound of the models that run through [`model`]: they are
/// small enough for 3 (each runs in under a few seconds; the sync models
/// in well under one), one more than tokio's CI uses. The worker-loop
/// models (`worker_park.rs`) use `loom::model` and the
/// `LOOM_MAX_PREEMPTIONS` environment variable (2 in CI), since at 3 they
/// take minutes.
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

/// Runs `model` with `mutant` on in a child process (this test binary, this
/// test only) and asserts that loom catches it. A child is needed because
/// loom reports some bugs (deadlocks: every thread blocked on a lost
/// wake-up) by panicking inside a destructor, which aborts the process.
pub fn mutant_must_fail<M: Any + Debug + Copy>(test_name: &str, mutant: M, model: fn()) {
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
    // A model that traces its events (the user-level examples) prints the
    // failing interleaving; pass it on (shown with `--nocapture`).
    if let Some(at) = stderr.find("failing interleaving") {
        let trace: String = stderr[at..].lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        println!("{mutant:?}: {trace}");
    }
}
