//! The one place that chooses between real and model-checked primitives.
//!
//! Normal builds use `std` atomics and `Arc`, and `parking_lot`'s `Mutex` and
//! `Condvar`. Under `--cfg spindle_loom` every primitive comes from `loom`,
//! so the models in `loom-tests/` explore every interleaving of the code that
//! uses them. The protocol code imports from here and names neither `std`
//! nor `loom` synchronization, so no `cfg` is scattered through the logic.
//! The API is parking_lot's (`lock()` returns the guard; `Condvar` waits on
//! `&mut guard`) plus loom's `UnsafeCell::{with, with_mut}`.
//!
//! Two kinds of code name `parking_lot` or `std` directly on purpose, being
//! real OS-thread bookkeeping that no model runs: the blocking pool
//! (`blocking.rs`, whose threads and timed waits loom cannot model) and
//! `runtime/worker_exits.rs` (the timed join of worker threads). `Arc`
//! appears as `std::sync::Arc` where it crosses the public API (`Park`'s
//! unparker) or is never raced on.
//!
//! Under loom the [`Mutex`] wrapper (loom's mutex behind parking_lot's API)
//! is also what the timer and the reactor use, through `loom_api::Mutex`:
//! it exists once.

pub(crate) use imp::*;
#[cfg(spindle_loom)]
pub use imp::{Mutex, MutexGuard};

#[cfg(not(spindle_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;
    pub(crate) use std::thread_local;

    pub(crate) use parking_lot::{Condvar, Mutex};

    /// `std::cell::UnsafeCell` with loom's closure-based access API.
    #[derive(Debug, Default)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// loom's `thread_local!` with std's syntax: `const { .. }` initializers
/// are accepted and evaluated lazily, as loom needs. Crate-private (reached
/// by path, `crate::sync::thread_local!`), never exported.
#[cfg(spindle_loom)]
macro_rules! loom_thread_local {
    ($(#[$m:meta])* static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        loom::thread_local!($(#[$m])* static $name: $t = $init);
        $crate::sync::loom_thread_local!($($rest)*);
    };
    ($(#[$m:meta])* static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        loom::thread_local!($(#[$m])* static $name: $t = $init);
        $crate::sync::loom_thread_local!($($rest)*);
    };
    () => {};
}

#[cfg(spindle_loom)]
pub(crate) use loom_thread_local;

#[cfg(spindle_loom)]
mod imp {
    pub(crate) use super::loom_thread_local as thread_local;
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use loom::sync::Arc;

    use std::ops::{Deref, DerefMut};
    use std::time::Instant;

    /// loom's mutex behind parking_lot's API (`lock()` cannot fail). The
    /// one such wrapper: the timer and the reactor use it too.
    #[derive(Debug, Default)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    /// The guard of [`Mutex`]; `Option` only so that [`Condvar`] can hand
    /// the inner guard to loom by value and put it back.
    #[derive(Debug)]
    pub struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        /// A mutex holding `value`.
        pub fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// Locks it.
        pub fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().unwrap()))
        }

        /// Locks it if it is free.
        pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok().map(|g| MutexGuard(Some(g)))
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard is present outside Condvar::wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard is present outside Condvar::wait")
        }
    }

    /// The outcome of [`Condvar::wait_until`]: always a timeout under loom.
    #[derive(Debug)]
    pub(crate) struct WaitTimeoutResult;

    impl WaitTimeoutResult {
        pub(crate) fn timed_out(&self) -> bool {
            true
        }
    }

    /// loom's condvar behind parking_lot's API. A timed wait is modelled as
    /// a wait that may time out at once, which covers every real schedule.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let inner = guard.0.take().expect("guard is present");
            guard.0 = Some(self.0.wait(inner).unwrap());
        }

        /// Under loom a timed wait reports a timeout at once, without waiting.
        pub(crate) fn wait_until<T>(&self, _guard: &mut MutexGuard<'_, T>, _deadline: Instant) -> WaitTimeoutResult {
            WaitTimeoutResult
        }

        pub(crate) fn notify_one(&self) -> bool {
            self.0.notify_one();
            true
        }
    }
}

/// Deliberately broken variants of the protocols, which the loom models
/// switch on to prove that they catch the bug. Normal builds compile every
/// check to `false`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(not(spindle_loom), allow(dead_code))]
pub enum Mutant {
    /// No mutant: the real protocol.
    None,
    /// `transition_to_idle` forgets a wake that arrived during the poll.
    IdleDropsWake,
    /// Completion drops the output even though a `JoinHandle` will read it.
    CompleteIgnoresJoinInterest,
    /// The last searcher parks without re-checking the queues.
    SkipParkRecheck,
    /// The thread parker waits without checking for a pending unpark.
    ParkerIgnoresNotified,
    /// A worker's batch release drops the registry's reference of a task
    /// the closer already took (and released).
    BatchReleasesClosedTask,
    /// Unparking a worker asleep in the driver forgets to wake the driver.
    UnparkSkipsDriver,
    /// The LIFO watcher goes deep without re-checking the slots.
    WatchMissesFill,
    /// A LIFO thief empties the slot with a load and a store instead of a
    /// `swap`.
    LifoStealNotAtomic,
    /// A worker back from its park looks only at its LIFO slot for tasks the
    /// driver dispatched to it (they go to its deque, and nobody was woken
    /// for them).
    ParkedIgnoresDeque,
}
// (The reactor's mutant is the reactor's own: `spindle_reactor::loom_api::Mutant`.)

/// Whether `m` is the mutant switched on for this model.
#[cfg(not(spindle_loom))]
#[inline(always)]
pub(crate) fn mutant(_m: Mutant) -> bool {
    false
}

#[cfg(spindle_loom)]
std::thread_local! {
    // loom runs a model's threads as coroutines on the test's own OS
    // thread, so a std thread-local set by the test is seen by all of them.
    pub(crate) static MUTANT: std::cell::Cell<Mutant> = const { std::cell::Cell::new(Mutant::None) };
}

/// Whether `m` is the mutant switched on for this model.
#[cfg(spindle_loom)]
pub(crate) fn mutant(m: Mutant) -> bool {
    MUTANT.with(|c| c.get() == m)
}
