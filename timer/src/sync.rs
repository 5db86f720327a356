//! The one place that chooses between real and model-checked primitives.
//!
//! Normal builds use `std` atomics and `parking_lot`'s `Mutex`. Under
//! `--cfg spindle_loom` both come from `loom`, so the models in `loom-tests/`
//! explore every interleaving of the shard protocol (register, reset, cancel
//! and fire racing each other). The protocol code (`shard.rs`, `entry.rs`,
//! the handle's `parked_until` handshake) imports from here; `handle.rs`
//! also names `std::sync::atomic::AtomicUsize` for the per-thread shard
//! index, a round-robin counter no model races on. The API is
//! parking_lot's: `lock()` returns the guard.
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

    /// The executor's loom mutex behind parking_lot's API (one wrapper for
    /// the whole runtime).
    pub(crate) use spindle_executor::loom_api::Mutex;
}
