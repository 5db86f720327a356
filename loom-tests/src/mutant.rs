//! The mutant runner every model file uses: runs a model with one protocol
//! step deliberately broken, in a child process, and asserts that loom
//! catches it. Any crate's `Mutant` works: they all go through the
//! runtime's one switch, `spindle_executor::loom_api::with_mutant`.

use std::any::Any;
use std::fmt::Debug;

use spindle_executor::loom_api::with_mutant;

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
}
