//! The one runtime context: a single thread-local that says which runtime
//! is current on this thread, which driver handles (the facade's reactor
//! and timer) are current with it, and whether this thread already drives
//! a runtime (so `block_on` inside it panics instead of deadlocking).
//!
//! # Design
//!
//! The executor knows nothing of I/O or time, yet the reactor and the timer
//! must find "their" handle on any runtime thread. Rather than each crate
//! keeping its own thread-local and enter guard, glued together by a hook
//! the facade installs, there is one context, entered once:
//!
//! * A runtime's [`Handle`] carries its driver handles as typed slots
//!   ([`DriverHandles`], keyed by type, filled once by the builder's
//!   [`DriverFactory`](super::DriverFactory)). Entering the runtime
//!   ([`Handle::enter`], every worker and blocking thread, every
//!   `block_on`) makes them all current with one thread-local write.
//! * The reactor and the timer look their handle up by type with
//!   [`driver`]: `spindle_timer::Handle::current()` is
//!   `context::driver::<spindle_timer::Handle>()`.
//! * A driver used without a runtime (a test, a bare `TimerDriver`) is
//!   entered on its own with [`enter_driver`]; such entries stack above the
//!   current runtime's slots until their guard drops. Entering a runtime
//!   sets them aside (they belong to the scope outside it) and its guard
//!   puts them back, so the innermost enter always wins.
//!
//! Guards restore what they replaced, so they must be dropped in the
//! reverse order of their creation; an [`EnterGuard`] dropped out of order
//! panics, as tokio's (each knows its depth). None of them is `Send`. Every
//! access that can run during thread teardown (a runtime kept in a
//! `thread_local!` shuts down after this context may be destroyed) uses
//! `try_with` and does nothing once the context is gone.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use super::Handle;

/// One typed slot: a driver handle and the `TypeId` it is found by.
struct Slot {
    type_id: TypeId,
    handle: Box<dyn Any + Send + Sync>,
}

impl Slot {
    fn new<T: Clone + Send + Sync + 'static>(handle: T) -> Slot {
        Slot { type_id: TypeId::of::<T>(), handle: Box::new(handle) }
    }

    fn get<T: 'static>(&self) -> Option<&T> {
        if self.type_id == TypeId::of::<T>() {
            self.handle.downcast_ref()
        } else {
            None
        }
    }
}

/// The driver handles a runtime makes current on its threads, one per type
/// (at most a handful: the facade installs the reactor's and the timer's).
///
/// ```
/// use spindle_executor::context::DriverHandles;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct MyDriver(u32);
///
/// let mut handles = DriverHandles::new();
/// handles.insert(MyDriver(7));
/// assert_eq!(handles.get::<MyDriver>(), Some(&MyDriver(7)));
/// assert_eq!(handles.get::<u8>(), None);
/// ```
#[derive(Default)]
pub struct DriverHandles {
    slots: Vec<Slot>,
    /// What the driver reports to `RuntimeMetrics`.
    metrics: Option<std::sync::Arc<dyn super::DriverMetrics>>,
}

impl DriverHandles {
    /// No handles.
    pub fn new() -> DriverHandles {
        DriverHandles::default()
    }

    /// Adds `handle`, replacing a handle of the same type.
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, handle: T) {
        self.slots.retain(|s| s.type_id != TypeId::of::<T>());
        self.slots.push(Slot::new(handle));
    }

    /// The handle of type `T`, if one was inserted.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.slots.iter().find_map(Slot::get)
    }

    /// Sets what the runtime's [`RuntimeMetrics`](crate::RuntimeMetrics)
    /// asks for the driver's figures (see
    /// [`DriverMetrics`](super::DriverMetrics)), replacing any set before.
    ///
    /// ```
    /// use spindle_executor::context::DriverHandles;
    /// use spindle_executor::runtime::DriverMetrics;
    ///
    /// struct Events;
    /// impl DriverMetrics for Events {
    ///     fn io_driver_ready_count(&self) -> u64 {
    ///         3
    ///     }
    /// }
    /// let mut handles = DriverHandles::new();
    /// handles.set_metrics(Events);
    /// assert_eq!(handles.metrics().unwrap().io_driver_ready_count(), 3);
    /// ```
    pub fn set_metrics(&mut self, metrics: impl super::DriverMetrics) {
        self.metrics = Some(std::sync::Arc::new(metrics));
    }

    /// The driver's metrics, if the factory set them.
    ///
    /// ```
    /// assert!(spindle_executor::context::DriverHandles::new().metrics().is_none());
    /// ```
    pub fn metrics(&self) -> Option<&dyn super::DriverMetrics> {
        self.metrics.as_deref()
    }
}

impl fmt::Debug for DriverHandles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverHandles")
            .field("len", &self.slots.len())
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// The thread's context.
struct Context {
    /// The current runtime.
    runtime: RefCell<Option<Handle>>,
    /// Driver handles entered on their own since the current runtime was
    /// entered, innermost last; searched before the runtime's slots.
    entered: RefCell<Vec<Slot>>,
    /// Whether this thread drives a runtime (a worker, or inside
    /// `block_on`).
    driving: Cell<bool>,
    /// How many [`EnterGuard`]s are alive on this thread; each guard knows
    /// the depth it was created at, so one dropped out of order is caught.
    depth: Cell<usize>,
}

crate::sync::thread_local! {
    static CONTEXT: Context = const {
        Context {
            runtime: RefCell::new(None),
            entered: RefCell::new(Vec::new()),
            driving: Cell::new(false),
            depth: Cell::new(0),
        }
    };
}

/// Makes a runtime current on this thread until dropped, so that
/// [`spawn`](crate::spawn) and [`Handle::current`] work here, and so do the
/// runtime's driver handles (the facade's reactor and timer, so sockets and
/// timers can be created here too). Returned by
/// [`Runtime::enter`](crate::Runtime::enter) and [`Handle::enter`].
///
/// Guards must be dropped in the reverse order of their creation; as in
/// tokio, dropping one out of order panics (it would leave the wrong runtime
/// current):
///
/// ```should_panic
/// let a = spindle_executor::Runtime::new().unwrap();
/// let b = spindle_executor::Runtime::new().unwrap();
/// let outer = a.enter();
/// let inner = b.enter();
/// drop(outer); // panics: `inner` is still alive
/// # drop(inner);
/// ```
///
/// During thread teardown, once the thread's context is gone (a runtime
/// kept in a `thread_local!`), entering does nothing and the guard is inert.
#[must_use = "the runtime stays entered only while the guard lives"]
pub struct EnterGuard<'a> {
    /// This guard's depth (1 for the outermost), `0` when entering found
    /// the context already destroyed.
    depth: usize,
    prev: Option<Handle>,
    /// The driver handles entered on their own outside this runtime, set
    /// aside while it is current.
    prev_entered: Vec<Slot>,
    _handle: PhantomData<&'a Handle>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

pub(crate) fn enter(handle: Handle) -> EnterGuard<'static> {
    // `try_with`: a runtime dropped during thread teardown enters itself
    // for its shutdown after this thread's context may be gone.
    let entered = CONTEXT.try_with(|cx| {
        let prev = cx.runtime.borrow_mut().replace(handle);
        let depth = cx.depth.get() + 1;
        cx.depth.set(depth);
        (depth, prev, std::mem::take(&mut *cx.entered.borrow_mut()))
    });
    let (depth, prev, prev_entered) = entered.unwrap_or((0, None, Vec::new()));
    EnterGuard { depth, prev, prev_entered, _handle: PhantomData, _not_send: PhantomData }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        if self.depth == 0 {
            return;
        }
        let prev = self.prev.take();
        let prev_entered = std::mem::take(&mut self.prev_entered);
        // What we installed is dropped outside the borrows: dropping the
        // last handle of a runtime may run task destructors.
        let ours = CONTEXT.try_with(|cx| {
            let current = cx.depth.get();
            if current != self.depth && !std::thread::panicking() {
                // Leave the context as it is: the inner guard still alive
                // restores it when it drops.
                return Err(current);
            }
            cx.depth.set(self.depth - 1);
            let entered = std::mem::replace(&mut *cx.entered.borrow_mut(), prev_entered);
            let runtime = std::mem::replace(&mut *cx.runtime.borrow_mut(), prev);
            Ok((runtime, entered))
        });
        if let Ok(Err(current)) = ours {
            panic!(
                "`EnterGuard` values dropped out of order: guards returned by `Runtime::enter` and \
                 `Handle::enter` must be dropped in the reverse order they were acquired (this guard \
                 was entered at depth {}, the innermost live guard is at depth {current})",
                self.depth
            );
        }
        drop(ours);
    }
}

/// Runs `f` with the current runtime's handle, if any (none once the
/// thread's context is destroyed).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let handle = CONTEXT.try_with(|cx| cx.runtime.borrow().clone()).ok().flatten();
    f(handle.as_ref())
}

/// Now, by the current runtime's clock; `None` outside a runtime (and
/// while the thread's locals are being destroyed).
pub(crate) fn clock_now() -> Option<std::time::Instant> {
    CONTEXT.try_with(|cx| cx.runtime.borrow().as_ref().map(|rt| rt.inner.clock.now())).ok().flatten()
}

/// The current runtime's clock.
pub(crate) fn clock() -> Option<crate::clock::Clock> {
    CONTEXT.try_with(|cx| cx.runtime.borrow().as_ref().map(|rt| rt.inner.clock.clone())).ok().flatten()
}

/// Whether this thread drives a runtime (a worker, or inside `block_on`),
/// where blocking on a runtime's shutdown is not allowed.
pub(crate) fn is_driving() -> bool {
    CONTEXT.try_with(|cx| cx.driving.get()).unwrap_or(false)
}

/// The current driver handle of type `T` on this thread: the innermost one
/// entered with [`enter_driver`] since the current runtime was entered, else
/// the current runtime's. `None` outside both (and while the thread's
/// locals are being destroyed).
///
/// ```
/// use spindle_executor::context;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Clock(&'static str);
///
/// assert_eq!(context::driver::<Clock>(), None);
/// let outer = context::enter_driver(Clock("outer"));
/// {
///     let _inner = context::enter_driver(Clock("inner"));
///     assert_eq!(context::driver::<Clock>(), Some(Clock("inner")));
/// }
/// assert_eq!(context::driver::<Clock>(), Some(Clock("outer")));
/// drop(outer);
/// assert_eq!(context::driver::<Clock>(), None);
/// ```
pub fn driver<T: Clone + 'static>() -> Option<T> {
    CONTEXT
        .try_with(|cx| {
            if let Some(found) = cx.entered.borrow().iter().rev().find_map(Slot::get::<T>) {
                return Some(found.clone());
            }
            cx.runtime.borrow().as_ref().and_then(|rt| rt.inner.drivers.get::<T>().cloned())
        })
        .ok()
        .flatten()
}

/// Makes `handle` the current driver handle of its type on this thread
/// until the guard drops, for a driver used without a runtime (see
/// [`driver`]). The reactor's and the timer's `Handle::enter` are this.
pub fn enter_driver<T: Clone + Send + Sync + 'static>(handle: T) -> DriverGuard {
    // Once the context is destroyed (thread teardown) nothing is entered,
    // and the guard's depth matches no entry.
    let depth = CONTEXT
        .try_with(|cx| {
            let mut entered = cx.entered.borrow_mut();
            entered.push(Slot::new(handle));
            entered.len() - 1
        })
        .unwrap_or(usize::MAX);
    DriverGuard { depth, _not_send: PhantomData }
}

/// Returned by [`enter_driver`]; removes the entry when dropped. Not
/// `Send`: it must be dropped on the thread that created it.
///
/// ```compile_fail
/// let guard = spindle_executor::context::enter_driver(1u8);
/// std::thread::spawn(move || drop(guard));
/// ```
#[must_use = "the handle is current only until the guard is dropped"]
pub struct DriverGuard {
    /// Index of our entry in `Context::entered`.
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        let removed = CONTEXT.try_with(|cx| {
            let mut entered = cx.entered.borrow_mut();
            if entered.len() > self.depth {
                entered.split_off(self.depth)
            } else {
                Vec::new()
            }
        });
        // Dropped outside the borrow: a handle's destructor may enter again.
        drop(removed);
    }
}

impl fmt::Debug for DriverGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverGuard").finish_non_exhaustive()
    }
}

/// Marks this thread as driving a runtime (a worker, or inside
/// `block_on`) until the guard drops.
pub(crate) struct DrivingGuard(bool);

/// # Panics
/// If this thread already drives a runtime.
#[track_caller]
pub(crate) fn enter_driving() -> DrivingGuard {
    if CONTEXT.try_with(|cx| cx.driving.replace(true)).unwrap_or(false) {
        panic!(
            "Cannot start a runtime from within a runtime: `block_on` was called on a thread that is \
             already driving asynchronous tasks (a runtime worker, or inside another `block_on`). \
             Use `.await` instead, or move the blocking call to `spawn_blocking`."
        );
    }
    DrivingGuard(false)
}

/// Marks this thread as not driving until the guard drops (the closure of
/// `block_in_place`, which may call `block_on`), then restores the mark.
pub(crate) fn leave_driving() -> DrivingGuard {
    DrivingGuard(CONTEXT.try_with(|cx| cx.driving.replace(false)).unwrap_or(false))
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.driving.set(self.0));
    }
}
