//! Loom models of spindle's cross-thread protocols.
//!
//! Build and run with
//!
//! ```text
//! RUSTFLAGS="--cfg spindle_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p spindle-loom-tests --release --target-dir target/loom
//! ```
//!
//! Without `--cfg spindle_loom` every model compiles to nothing. Under it,
//! the crates swap their primitives for loom's (each crate's `sync.rs`) and
//! replace crossbeam's deques with a `Mutex<VecDeque>` model, so loom checks
//! our protocols (task state, JoinHandle, abort, wakers, parking, idle
//! accounting, shutdown, `block_on`); crossbeam and polling check theirs.
//!
//! Every key model has a *mutant* twin: the same model run with one
//! protocol step deliberately broken (`spindle_executor::loom_api::Mutant`),
//! expected to fail (`#[should_panic]`). A model that cannot fail proves
//! nothing.
//!
//! | file | model | preemption bound |
//! |---|---|---|
//! | `tests/task_state.rs` | 1. a wake racing a poll re-schedules exactly once; a wake after completion is a no-op | `LOOM_MAX_PREEMPTIONS` (CI: 2) |
//! | `tests/join_handle.rs` | 2. JoinHandle drop / await racing completion | same |
//! | `tests/abort.rs` | 3. abort racing poll and completion | same |
//! | `tests/waker.rs` | 4. waker clone / drop / wake from several threads | same |
//! | `tests/worker_park.rs` | 5. a task pushed while workers decide to sleep always runs; 6. searching accounting | same |
//! | `tests/shutdown.rs` | 7. shutdown racing spawn and wake | same |
//! | `tests/block_on.rs` | 10. `block_on` woken while about to park | same |
//!
//! Models 8 (timer) and 9 (reactor) live beside these once those crates
//! expose their `loom_api`.
