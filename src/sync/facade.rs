//! The one place in the facade crate that chooses between real and
//! model-checked primitives.
//!
//! Normal builds use `std`'s atomics and `Arc` and `parking_lot`'s `Mutex` and `RwLock`;
//! under `--cfg spindle_loom` every one comes from `loom`, so the models in
//! `loom-tests/` (and a user's own models) explore every interleaving of the
//! primitives in [`crate::sync`]. The primitives import from here and never
//! name `std` or `loom` synchronization directly. The public half (`atomic`,
//! `Arc`) is re-exported as `spindle::sync::{atomic, Arc}`; the lock, the
//! cell, `thread_local!` (the `LocalSet` and `select!`'s RNG use it) and the
//! mutant switch are crate-private.

pub use imp::*;

#[cfg(not(spindle_loom))]
mod imp {
    pub use std::sync::atomic;
    pub use std::sync::Arc;
    /// Per-thread state: std's, loom's per loom thread inside a model (a
    /// std thread-local is shared by all of a model's threads, which run on
    /// one OS thread). std's syntax, `const { .. }` initializers included.
    pub(crate) use std::thread_local;

    pub(crate) use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard};

    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    #[derive(Debug, Default)]
    pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }
    }
}

/// loom's `thread_local!` with std's syntax: a `const { .. }` initializer
/// is accepted and evaluated lazily, as loom needs.
#[cfg(spindle_loom)]
macro_rules! loom_thread_local {
    ($(#[$m:meta])* static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        loom::thread_local!($(#[$m])* static $name: $t = $init);
        $crate::sync::facade::loom_thread_local!($($rest)*);
    };
    ($(#[$m:meta])* static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        loom::thread_local!($(#[$m])* static $name: $t = $init);
        $crate::sync::facade::loom_thread_local!($($rest)*);
    };
    () => {};
}

#[cfg(spindle_loom)]
pub(crate) use loom_thread_local;

#[cfg(spindle_loom)]
mod imp {
    pub(crate) use super::loom_thread_local as thread_local;
    pub use loom::sync::atomic;
    pub use loom::sync::Arc;

    use std::ops::{Deref, DerefMut};

    /// loom's mutex behind parking_lot's API: the executor's wrapper, the
    /// one the whole runtime uses under loom.
    pub(crate) use spindle_executor::loom_api::{Mutex, MutexGuard};

    /// loom's reader-writer lock behind parking_lot's API.
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

    /// A read guard of [`RwLock`].
    #[derive(Debug)]
    pub(crate) struct RwLockReadGuard<'a, T>(loom::sync::RwLockReadGuard<'a, T>);

    /// A write guard of [`RwLock`].
    #[derive(Debug)]
    pub(crate) struct RwLockWriteGuard<'a, T>(loom::sync::RwLockWriteGuard<'a, T>);

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> RwLock<T> {
            RwLock(loom::sync::RwLock::new(value))
        }

        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            RwLockReadGuard(self.0.read().unwrap())
        }

        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            RwLockWriteGuard(self.0.write().unwrap())
        }
    }

    impl<T> Deref for RwLockReadGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    impl<T> Deref for RwLockWriteGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    impl<T> DerefMut for RwLockWriteGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            &mut self.0
        }
    }

    /// loom's cell, with the `into_inner`/`get_mut` the primitives use.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(loom::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            self.0.with(f)
        }

        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            self.0.with_mut(f)
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            // SAFETY: `&mut self` is exclusive, so no other access to the
            // cell exists while the returned borrow lives.
            self.0.with_mut(|p| unsafe { &mut *p })
        }
    }
}

/// Deliberately broken variants of the sync protocols, which the loom
/// models switch on to prove that they catch the bug. Normal builds compile
/// every check to `false`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(not(spindle_loom), allow(dead_code))]
pub enum Mutant {
    /// A released permit goes to the counter even while waiters are queued
    /// (the waiters bit is ignored): a queued acquirer is never woken.
    ReleaseIgnoresWaiters,
    /// A dropped, already granted acquire future forgets its permits
    /// instead of handing them on.
    CancelledAcquireKeepsPermits,
    /// `notify_one` with no waiter queued drops the notification instead of
    /// storing the permit.
    NotifyOneDropsPermit,
    /// The oneshot sender stores the value without waking the receiver.
    OneshotSendSkipsWake,
}

/// Whether `m` is the mutant switched on for this model: under loom, the
/// executor's one mutant switch says; in normal builds always `false`.
#[inline(always)]
pub(crate) fn mutant(m: Mutant) -> bool {
    #[cfg(spindle_loom)]
    return spindle_executor::loom_api::mutant_is_on(m);
    #[cfg(not(spindle_loom))]
    {
        let _ = m;
        false
    }
}

/// What the loom models in `loom-tests/` may reach (only under
/// `cfg(spindle_loom)`).
#[cfg(spindle_loom)]
#[doc(hidden)]
pub mod loom_api {
    pub use super::Mutant;

    /// The runtime's one mutant switch (the executor's): runs `f`
    /// (typically `loom::model(...)`) with a [`Mutant`] switched on.
    pub use spindle_executor::loom_api::with_mutant;
}
