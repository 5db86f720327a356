//! `spindle::block_on`: drive a future on a lazily started default runtime.

use std::future::Future;
use std::sync::OnceLock;

use crate::Runtime;

/// The runtime behind [`block_on`], started on first use and kept for the
/// life of the process.
fn default_runtime() -> &'static Runtime {
    if cfg!(spindle_loom) {
        // A runtime kept in a static would outlive the model that built its
        // loom objects.
        panic!(
            "spindle::block_on has no default runtime inside a loom model: build one in the model with \
             `spindle::runtime::Builder` and call its `block_on`"
        );
    }
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        crate::Builder::new_multi_thread()
            .thread_name("spindle-default")
            .build()
            .unwrap_or_else(|e| panic!("spindle::block_on could not start the default runtime: {e}"))
    })
}

/// Runs `future` to completion on the calling thread. Inside a runtime's
/// context it uses that runtime; elsewhere a default multi-thread runtime
/// (one worker per CPU) is started the first time and reused after.
///
/// # Panics
/// When called from a thread that already drives a runtime (a worker, or
/// inside another `block_on`): use `.await` there.
///
/// ```
/// assert_eq!(spindle::block_on(async { 6 * 7 }), 42);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    match crate::Handle::try_current() {
        Ok(handle) => handle.block_on(future),
        Err(_) => default_runtime().block_on(future),
    }
}
