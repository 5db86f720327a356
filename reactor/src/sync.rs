//! The one place that chooses between real and model-checked primitives.
//!
//! Only the per-source readiness protocol ([`crate::source`]) runs under
//! loom, so only what it needs lives here: the state word's atomic and the
//! waker mutex. Normal builds use `std` atomics and `parking_lot`'s `Mutex`;
//! under `--cfg spindle_loom` both come from `loom`, behind the same API
//! (`lock()` returns the guard), so `source.rs` names neither `std` nor
//! `loom` and carries no `cfg`.

pub(crate) use imp::*;
#[cfg(spindle_loom)]
pub use imp::{with_mutant, Mutant};

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

    /// The executor's loom mutex behind parking_lot's API (one wrapper for
    /// the whole runtime).
    pub(crate) use spindle_executor::loom_api::Mutex;

    /// The reactor's deliberately broken protocol steps, which its loom
    /// model switches on (through the executor's one mutant switch,
    /// `spindle_executor::loom_api::with_mutant`) to prove that it catches
    /// the bug.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Mutant {
        /// The reactor stores a waker without re-checking readiness after.
        SkipsRecheck,
    }

    /// The runtime's one mutant switch, re-exported for the reactor's models.
    pub use spindle_executor::loom_api::with_mutant;

    /// Whether a loom model switched on the mutant that skips the re-check
    /// after storing a waker (to prove the model catches the lost wake-up).
    pub(crate) fn skip_recheck_mutant() -> bool {
        spindle_executor::loom_api::mutant_is_on(Mutant::SkipsRecheck)
    }
}
