//! Helpers of the worked examples (`user_*.rs`): loom models of *user*
//! code running on the real spindle runtime, written against spindle's
//! public API only, as a user's own test would be.
//!
//! * [`model`]: `loom::model` with the bound these models use.
//! * [`runtime`]: the runtime a model builds (inside the model).
//! * [`trace`]: a log of what the user code did, in the order loom ran
//!   it. When an iteration fails (an assertion, or loom finding every
//!   thread blocked) a panic hook prints it: the failing interleaving in
//!   the user's own terms. (loom's `LOOM_LOG=trace` and `LOOM_LOCATION=1`
//!   show iterations at the level of loom's operations; loom's
//!   `LOOM_CHECKPOINT_FILE`, with its `checkpoint` feature, replays one.)
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex as StdMutex, Once};

/// Preemption bound of the user-level models. The whole runtime runs in
/// them (two workers, the `block_on` thread, the timer), so one more
/// preemption multiplies the interleavings by about 35: a two-worker
/// spawn-and-join explores 2,964 interleavings at 1 (1 s) and 104,084 at 2
/// (35 s). Both planted bugs need only one preemption to show.
pub const PREEMPTION_BOUND: usize = 1;

/// `loom::model` with [`PREEMPTION_BOUND`].
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    print_trace_on_panic();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTION_BOUND);
    builder.check(move || {
        reset_trace();
        f();
    });
}

/// Installs (once) a panic hook that prints the current iteration's trace
/// before the panic's own report. A hook, not a destructor: a deadlock
/// unwinds through loom's objects, whose destructors abort the process.
fn print_trace_on_panic() {
    static INSTALL: Once = Once::new();
    static PRINTED: AtomicBool = AtomicBool::new(false);
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let events = TRACE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if !events.is_empty() && !PRINTED.swap(true, Ordering::SeqCst) {
                eprintln!("failing interleaving ({} events):", events.len());
                for (i, e) in events.iter().enumerate() {
                    eprintln!("  {:>2}. {e}", i + 1);
                }
                eprintln!();
            }
            default(info);
        }));
    });
}

/// The runtime of a model: the real multi-thread runtime, on loom threads.
pub fn runtime(workers: usize) -> spindle::Runtime {
    spindle::runtime::Builder::new_multi_thread().worker_threads(workers).build().unwrap()
}

/// This iteration's events. A std mutex: loom runs the model's threads one
/// at a time, and the log must not add interleavings of its own.
static TRACE: StdMutex<Vec<String>> = StdMutex::new(Vec::new());

/// Records an event of the user code.
pub fn trace(event: impl Into<String>) {
    TRACE.lock().unwrap_or_else(|e| e.into_inner()).push(event.into());
}

fn reset_trace() {
    TRACE.lock().unwrap_or_else(|e| e.into_inner()).clear();
}
