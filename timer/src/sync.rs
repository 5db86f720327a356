//! The one place that chooses between real and model-checked primitives.
//!
//! Normal builds use `std` atomics and `parking_lot`'s `Mutex`. Under
//! `--cfg spindle_loom` both come from `loom`, so the models in `loom-tests/`
//! explore every interleaving of the shard protocol (register, reset, cancel
//! and fire racing each other). The rest of the crate imports from here and
//! never names `std`, `parking_lot` or `loom` synchronization directly. The
//! API is parking_lot's: `lock()` returns the guard.
//!
//! `Arc` stays `std`'s everywhere: the executor's `Park::unparker` hands out
//! a `std::sync::Arc<dyn Unpark>`, and no protocol here depends on reference
//! counts.

pub(crate) use imp::*;

#[cfg(not(spindle_loom))]
mod imp {
    pub(crate) use parking_lot::Mutex;
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
}

#[cfg(spindle_loom)]
mod imp {
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};

    /// loom's mutex behind parking_lot's API.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        pub(crate) fn try_lock(&self) -> Option<loom::sync::MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }
}
