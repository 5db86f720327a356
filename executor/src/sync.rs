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
//! Worker threads come from here too (`thread`): loom's under loom, so a
//! user's model (`loom::model(|| Builder::new_multi_thread()...)`) runs the
//! real workers on loom threads. `runtime/worker_threads.rs`, which starts
//! them, keeps its spares and joins them, uses this module's `Mutex` and
//! `Condvar` for the same reason (under loom a spare's timed wait times out
//! at once, so a model keeps no spares).
//!
//! Three kinds of code name `parking_lot` or `std` directly on purpose, being
//! real OS-thread bookkeeping that no model runs: the blocking pool
//! (`blocking/`, whose threads and timed waits loom cannot model; inside a
//! model every blocking spawn panics), `runtime/worker_exits.rs` (the timed
//! join of worker threads; a model joins its workers plainly) and the
//! clock's lock-free mirrors (`clock.rs`: std atomics whose value, not
//! ordering, matters; its state is behind this module's `Mutex`). `Arc`
//! appears as `std::sync::Arc` where it crosses the public API (`Park`'s
//! unparker) or is never raced on.
//!
//! Under loom the [`Mutex`] wrapper (loom's mutex behind parking_lot's API)
//! is also what the timer, the reactor and the facade's `spindle::sync` use,
//! through `loom_api::Mutex`: it exists once.

pub(crate) use imp::*;
#[cfg(spindle_loom)]
pub use imp::{Mutex, MutexGuard};

#[cfg(not(spindle_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;
    pub(crate) use std::thread_local;

    /// Gives the CPU to another thread (loom's scheduler under loom).
    pub(crate) use std::thread::yield_now;

    /// The runtime's worker threads: std's (loom's under loom, so a user's
    /// model runs the real workers). The same `Builder`, `JoinHandle` and
    /// `current` API in both.
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, Builder, JoinHandle};

        /// Whether the thread has finished.
        pub(crate) fn is_finished(handle: &JoinHandle<()>) -> bool {
            handle.is_finished()
        }
    }

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

    /// Gives the CPU to another thread (loom's scheduler under loom).
    pub(crate) use loom::thread::yield_now;

    /// loom's threads behind std's API: a user's model runs the real
    /// workers on them.
    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, Builder, JoinHandle};

        /// loom's handles cannot tell: a thread counts as running, so its
        /// handle is kept until a model joins it (plainly: loom has no
        /// deadline join).
        pub(crate) fn is_finished(_handle: &JoinHandle<()>) -> bool {
            false
        }
    }
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

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

/// Deliberately broken variants of the executor's protocols, which the
/// loom models switch on (through `mutant_switch`) to prove that they
/// catch the bug. Normal builds compile every check to `false`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(not(spindle_loom), allow(dead_code))]
pub enum Mutant {
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
    /// The last busy party to stop forgets to wake the timer driver that
    /// waits to advance a paused clock (`clock.rs`).
    ClockAllowSkipsDriver,
    /// A worker that hands its core off (`block_in_place`, `handoff.rs`)
    /// does not count itself busy for the clock while it blocks.
    HandOffSkipsBusy,
    /// A worker back from its park looks only at its LIFO slot for tasks the
    /// driver dispatched to it (they go to its deque, and nobody was woken
    /// for them).
    ParkedIgnoresDeque,
}
// (The reactor's mutant is the reactor's own: `spindle_reactor::loom_api::Mutant`.)

/// Whether `m` is the mutant switched on for this model: under loom, what
/// `mutant_switch` holds; in normal builds always `false`, a constant the
/// protocol code's checks fold away.
#[inline(always)]
pub(crate) fn mutant(m: Mutant) -> bool {
    #[cfg(spindle_loom)]
    return mutant_switch::is_on(m);
    #[cfg(not(spindle_loom))]
    {
        let _ = m;
        false
    }
}

/// The mutant switch of the whole runtime (loom builds only): which
/// mutant, of whichever crate's `Mutant` type, a model switched on. The
/// executor, the reactor and the facade's `spindle::sync` each keep their
/// own `Mutant` enum and ask `is_on` here; the
/// models switch one on with `loom_api::with_mutant`, which every crate's
/// `loom_api` re-exports. No mutant is on outside `with_mutant`.
#[cfg(spindle_loom)]
pub(crate) mod mutant_switch {
    use std::any::Any;
    use std::cell::RefCell;

    std::thread_local! {
        // loom runs a model's threads as coroutines on the test's own OS
        // thread, so a std thread-local set by the test is seen by all of
        // them.
        static ON: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    }

    /// Runs `f` (typically `loom::model(...)`) with `mutant` switched on,
    /// and switches it off after, even if `f` panics.
    pub fn with_mutant<M: Any, R>(mutant: M, f: impl FnOnce() -> R) -> R {
        struct Off;
        impl Drop for Off {
            fn drop(&mut self) {
                ON.with(|on| *on.borrow_mut() = None);
            }
        }
        ON.with(|on| *on.borrow_mut() = Some(Box::new(mutant)));
        let _off = Off;
        f()
    }

    /// Whether `mutant` is the one switched on.
    pub fn is_on<M: Any + PartialEq>(mutant: M) -> bool {
        ON.with(|on| on.borrow().as_ref().and_then(|m| m.downcast_ref::<M>()) == Some(&mutant))
    }
}
