//! The one place that chooses between real and model-checked primitives.
//!
//! Only the per-source readiness protocol ([`crate::source`]) runs under
//! loom, so only what it needs lives here: the state word's atomic and the
//! waker mutex. Normal builds use `std` atomics and `parking_lot`'s `Mutex`;
//! under `--cfg spindle_loom` both come from `loom`, behind the same API
//! (`lock()` returns the guard), so `source.rs` names neither `std` nor
//! `loom` and carries no `cfg`.

pub(crate) use imp::*;

#[cfg(not(spindle_loom))]
mod imp {
    pub(crate) use parking_lot::Mutex;
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

    /// Deliberately broken protocol steps exist only in loom builds.
    #[inline(always)]
    pub(crate) fn skip_recheck_mutant() -> bool {
        false
    }
}

#[cfg(spindle_loom)]
mod imp {
    pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

    /// Whether a loom model switched on the mutant that skips the re-check
    /// after storing a waker (to prove the model catches the lost wake-up).
    pub(crate) fn skip_recheck_mutant() -> bool {
        use spindle_executor::loom_api::{mutant_is, Mutant};
        mutant_is(Mutant::ReactorSkipsRecheck)
    }

    /// loom's mutex behind parking_lot's API (`lock()` cannot fail).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }
}
