//! The shared timer state ([`Handle`]), and how a thread finds the current
//! timer: through the executor's one runtime context
//! (`spindle_executor::context::driver::<Handle>()`), where the facade
//! installs a runtime's timer among its driver handles; [`Handle::enter`]
//! makes a timer current on its own (a timer used without a runtime).
//!
//! # Roles
//!
//! * Any thread registers, resets and cancels timers through a `Handle`. A
//!   thread registers on the shard picked by its own thread-local index, so
//!   workers rarely contend on a shard lock; if that lock is held right then
//!   (typically by the driver firing the shard), it registers on the next
//!   shard whose lock is free instead of waiting. An entry records its shard;
//!   cancelling from any thread locks that shard.
//! * One thread at a time sits in [`TimerDriver::park`](crate::TimerDriver).
//!   It publishes the deadline it sleeps toward in `parked_until` (0 while
//!   nobody sleeps), and reads each shard's earliest deadline from an atomic.
//! * A registrar whose deadline is earlier than `parked_until` unparks the
//!   driver through the `Unpark` captured at construction; otherwise it does
//!   not (see the protocol in `shard.rs`).
//!
//! # Shutdown
//!
//! [`Handle::shutdown`] marks every shard shut down and wakes every armed
//! timer once. From then on no timer fires: a `Sleep` whose deadline has
//! passed still completes, and one whose deadline is still ahead panics when
//! polled (it could never complete; waiting would hang its caller, typically
//! a thread in `Handle::block_on` whose runtime was dropped). A runtime's own
//! tasks are dropped before its timer shuts down, so they never see this; a
//! task that did would end with a `JoinError` (a panic), not take a worker
//! down.

use spindle_executor::clock::Clock;
use spindle_executor::park::Unpark;
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::task::Waker;

use crate::shard::{Entry, Shard};
use crate::sync::{fence, AtomicBool, AtomicU64, Ordering};
use crate::wheel::EntryKey;
use crate::Instant;

/// A handle to a timer: registers timers and wakes the timer driver.
///
/// Cloning is cheap (an `Arc`). Timer futures find their handle through
/// [`Handle::current`], set on a thread by [`Handle::enter`].
///
/// # Examples
///
/// ```
/// use spindle_executor::park::Parker;
/// use spindle_timer::{Handle, TimerDriver};
///
/// let driver = TimerDriver::new(Parker::new());
/// let handle = driver.handle();
/// assert!(Handle::try_current().is_none());
/// let guard = handle.enter();
/// assert!(Handle::try_current().is_some());
/// drop(guard);
/// assert!(Handle::try_current().is_none());
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// Where time comes from: the runtime's clock (real, paused or
    /// simulated); a bare `TimerDriver`'s is real.
    clock: Clock,
    /// Time zero of every shard's wheel (the clock's value at creation).
    origin: Instant,
    shards: Box<[Shard]>,
    /// Wakes the thread parked in the driver.
    unparker: Arc<dyn Unpark>,
    /// The deadline (ns) the thread inside `TimerDriver::park` sleeps toward,
    /// `u64::MAX` for "no limit", 0 while no thread sleeps there.
    parked_until: AtomicU64,
    shutdown: AtomicBool,
    /// Timers fired, ever (`Handle::fired_count`): added per batch of
    /// wakers, before they are woken, by the thread in the driver.
    fired: AtomicU64,
}

/// Hands out per-thread shard indices round-robin.
static NEXT_THREAD_INDEX: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard index (modulo the shard count).
    static THREAD_INDEX: usize = NEXT_THREAD_INDEX.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Restores the previous current timer of this thread when dropped.
///
/// Returned by [`Handle::enter`]. It must be dropped on the thread that
/// created it, so it is neither `Send` nor `Sync`:
///
/// ```compile_fail
/// use spindle_executor::park::Parker;
/// let driver = spindle_timer::TimerDriver::new(Parker::new());
/// let guard = driver.handle().enter();
/// std::thread::spawn(move || drop(guard));
/// ```
pub type EnterGuard = spindle_executor::context::DriverGuard;

impl Handle {
    pub(crate) fn new(unparker: Arc<dyn Unpark>, shards: usize, clock: Clock) -> Handle {
        assert!(shards > 0, "a timer needs at least one shard");
        Handle {
            inner: Arc::new(Inner {
                origin: Instant::from_std(clock.now()),
                clock,
                shards: (0..shards).map(|_| Shard::new()).collect(),
                unparker,
                parked_until: AtomicU64::new(0),
                shutdown: AtomicBool::new(false),
                fired: AtomicU64::new(0),
            }),
        }
    }

    /// Makes this the current timer of the calling thread until the guard is
    /// dropped; the previous one (if any) is restored then.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// use spindle_timer::{Handle, TimerDriver};
    ///
    /// let (a, b) = (TimerDriver::new(Parker::new()), TimerDriver::new(Parker::new()));
    /// let _outer = a.handle().enter();
    /// {
    ///     let _inner = b.handle().enter();
    ///     assert!(Handle::current().same_timer(&b.handle()));
    /// }
    /// assert!(Handle::current().same_timer(&a.handle()));
    /// ```
    pub fn enter(&self) -> EnterGuard {
        spindle_executor::context::enter_driver(self.clone())
    }

    /// The current timer of this thread.
    ///
    /// # Panics
    ///
    /// Outside a spindle runtime (no [`Handle::enter`] in effect), with
    /// "spindle::time::Handle::current called outside a spindle runtime (no
    /// timer is running on this thread)".
    ///
    /// ```should_panic
    /// spindle_timer::Handle::current();
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        Handle::current_for("Handle::current")
    }

    /// The current timer of this thread, or `None` outside a runtime.
    ///
    /// ```
    /// assert!(spindle_timer::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        spindle_executor::context::driver::<Handle>()
    }

    /// [`Handle::current`] with the name of the API that needed it.
    #[track_caller]
    pub(crate) fn current_for(what: &str) -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => panic!(
                "spindle::time::{what} called outside a spindle runtime \
                 (no timer is running on this thread)"
            ),
        }
    }

    /// Whether two handles refer to the same timer.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// assert!(driver.handle().same_timer(&driver.handle()));
    /// ```
    pub fn same_timer(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Shuts the timer down: wakes every pending timer once, and from then
    /// on no timer fires. A timer future whose deadline has passed still
    /// completes; one whose deadline is ahead panics when polled (it could
    /// never complete; see the module docs). Idempotent. The runtime calls
    /// this when it shuts down, and dropping the
    /// [`TimerDriver`](crate::TimerDriver) calls it too.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// let handle = driver.handle();
    /// handle.shutdown();
    /// assert!(handle.is_shutdown());
    /// ```
    pub fn shutdown(&self) {
        self.inner.shutdown.store(true, Ordering::SeqCst);
        // Read after the flag: a timer that completed on the clock without
        // seeing the flag (and so left its entry to the driver) is due at
        // this instant, and its entry is freed here.
        let now = self.now_ns();
        let mut wakers = Vec::new();
        for shard in self.inner.shards.iter() {
            shard.shutdown(now, &mut wakers);
            wake_all(&mut wakers);
        }
    }

    /// Fires every timer that is due by this timer's clock now, waking
    /// their tasks (what the driver does when it wakes; safe from any
    /// thread, alongside it). `spindle::time::advance` calls it after
    /// moving a paused clock, so the timers it passed fire before the
    /// advancing task resumes.
    ///
    /// ```
    /// use spindle_executor::clock::Clock;
    /// use spindle_executor::park::Parker;
    /// use std::future::Future;
    /// use std::time::Duration;
    ///
    /// let clock = Clock::pausable(true);
    /// let driver = spindle_timer::TimerDriver::with_clock(Parker::new(), 1, clock.clone());
    /// let handle = driver.handle();
    /// let _enter = handle.enter();
    /// let mut s = std::pin::pin!(spindle_timer::sleep(Duration::from_secs(1)));
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(s.as_mut().poll(&mut cx).is_pending());
    /// clock.advance(Duration::from_secs(1));
    /// handle.fire_due();
    /// assert!(s.is_elapsed(), "fired, before any poll");
    /// ```
    pub fn fire_due(&self) {
        let earliest = self.earliest();
        let now = self.now_ns();
        if earliest <= now {
            let mut wakers = Vec::new();
            self.fire_expired(now, &mut wakers);
        }
    }

    /// Whether [`Handle::shutdown`] has been called.
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// assert!(!driver.handle().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.inner.shutdown.load(Ordering::SeqCst)
    }

    /// Nanoseconds from the timer's origin to `t`, saturating: instants
    /// before the origin are 0, and ones more than 584 years on `u64::MAX`.
    pub(crate) fn ns_of(&self, t: Instant) -> u64 {
        let since = t.saturating_duration_since(self.inner.origin);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Now, by this timer's clock.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        Instant::from_std(self.inner.clock.now())
    }

    /// The instant `ns` nanoseconds after the origin (saturating at about
    /// 30 years from it).
    pub(crate) fn instant_of(&self, ns: u64) -> Instant {
        let origin = self.inner.origin;
        origin.checked_add(std::time::Duration::from_nanos(ns)).unwrap_or_else(|| crate::sleep::far_future(origin))
    }

    /// The clock this timer reads (the runtime's; real for a bare
    /// [`TimerDriver::new`](crate::TimerDriver::new)).
    ///
    /// ```
    /// use spindle_executor::park::Parker;
    /// let driver = spindle_timer::TimerDriver::new(Parker::new());
    /// assert!(driver.handle().clock().is_real());
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Now, in nanoseconds since the origin.
    pub(crate) fn now_ns(&self) -> u64 {
        self.ns_of(self.now())
    }

    /// The shard this thread registers its timers on.
    pub(crate) fn local_shard(&self) -> usize {
        THREAD_INDEX.try_with(|i| *i).unwrap_or(0) % self.inner.shards.len()
    }

    /// Registers a timer due at `deadline` (ns) waking `waker`: on this
    /// thread's shard, or, while the driver (or another thread) holds that
    /// shard's lock, on the next shard whose lock is free; on this thread's
    /// shard again, waiting, if none is. Returns `(shard, key)`, or `None`
    /// once shut down. Does not notify the driver.
    pub(crate) fn register(&self, deadline: u64, waker: &Waker) -> Option<(usize, EntryKey)> {
        let shards = &self.inner.shards;
        let local = self.local_shard();
        let mut entry = Entry::new(waker);
        for i in 0..shards.len() {
            let index = (local + i) % shards.len();
            match shards[index].try_register(deadline, entry) {
                Ok(key) => return key.map(|key| (index, key)),
                Err(back) => entry = back,
            }
        }
        shards[local].register(deadline, entry).map(|key| (local, key))
    }

    pub(crate) fn shard(&self, index: usize) -> &Shard {
        &self.inner.shards[index]
    }

    /// Unparks the driver if it sleeps toward a later instant than
    /// `deadline` (ns). Called after publishing the deadline to a shard.
    pub(crate) fn notify_if_earlier(&self, deadline: u64) {
        // The registrar's half of the handshake: the shard's `next` was
        // stored (in `Shard::publish`), now the fence, then the load of
        // `parked_until`. The driver does store, fence, load in the other
        // order. SeqCst fences (not SeqCst accesses alone) are what the C++
        // model and loom both guarantee to order a store before a later load
        // of another location.
        fence(Ordering::SeqCst);
        if deadline < self.inner.parked_until.load(Ordering::SeqCst) {
            self.inner.unparker.unpark();
        }
    }

    /// Lower bound of the earliest deadline over all shards (ns), without
    /// taking any lock; `u64::MAX` when no timer is armed.
    pub(crate) fn earliest(&self) -> u64 {
        self.inner.shards.iter().map(Shard::next_deadline).min().unwrap_or(u64::MAX)
    }

    /// Publishes the instant (ns) the driver is about to sleep toward; 0 when
    /// it is not sleeping.
    pub(crate) fn set_parked_until(&self, deadline: u64) {
        self.inner.parked_until.store(deadline, Ordering::SeqCst);
        // The driver's half of the handshake (see `notify_if_earlier`): the
        // caller re-reads the shards' `next` after this.
        fence(Ordering::SeqCst);
    }

    /// Fires every timer due at `now` (ns), waking each shard's wakers after
    /// releasing that shard's lock. `wakers` is a reusable buffer, left empty.
    pub(crate) fn fire_expired(&self, now: u64, wakers: &mut Vec<Waker>) {
        for shard in self.inner.shards.iter() {
            if shard.next_deadline() <= now {
                while shard.fire(now, wakers) {
                    self.wake_fired(wakers);
                }
                self.wake_fired(wakers);
            }
        }
    }

    /// Counts a batch of fired timers, then wakes them: counted first, so
    /// that a woken task already sees its timer in `fired_count`.
    fn wake_fired(&self, wakers: &mut Vec<Waker>) {
        if !wakers.is_empty() {
            self.inner.fired.fetch_add(wakers.len() as u64, Ordering::Relaxed);
        }
        wake_all(wakers);
    }

    /// Timers this timer has fired: entries whose deadline passed and whose
    /// waiter it woke (cancelled or reset timers are not counted until they
    /// fire). What a runtime reports as `RuntimeMetrics::timers_fired_count`.
    ///
    /// ```
    /// use spindle_executor::park::{Park, Parker};
    /// use spindle_timer::{sleep, TimerDriver};
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    /// use std::time::{Duration, Instant};
    ///
    /// let mut driver = TimerDriver::new(Parker::new());
    /// let handle = driver.handle();
    /// std::thread::spawn(move || loop { driver.park(None) });
    /// let _enter = handle.enter();
    /// let mut timer = Box::pin(sleep(Duration::from_millis(20)));
    /// // The first poll registers it, unless the 20 ms are already over.
    /// let registered = timer.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending();
    /// let start = Instant::now();
    /// while registered && handle.fired_count() == 0 {
    ///     assert!(start.elapsed() < Duration::from_secs(10), "the driver fires it");
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// assert_eq!(handle.fired_count(), u64::from(registered));
    /// ```
    pub fn fired_count(&self) -> u64 {
        self.inner.fired.load(Ordering::Relaxed)
    }
}

/// Wakes every waker, each inside `catch_unwind`: a panicking waker must not
/// lose the wake-ups of the other timers fired in the same batch (their
/// entries are already removed from the wheel), nor unwind through the driver.
fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        wake_quietly(waker);
    }
}

pub(crate) use spindle_executor::task::wake_quietly;

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("clock", &self.inner.clock)
            .field("shards", &self.inner.shards.len())
            .field("earliest_ns", &self.earliest())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use spindle_executor::park::Parker;

    use crate::TimerDriver;

    /// While this thread's shard is locked (the driver firing it, say), a
    /// registration goes to a free shard instead of waiting.
    #[test]
    fn registration_avoids_a_locked_shard() {
        let driver = TimerDriver::with_shards(Parker::new(), 2);
        let handle = driver.handle();
        let local = handle.local_shard();
        let deadline = handle.now_ns() + 60_000_000_000;
        let held = handle.shard(local).hold_lock();
        let (index, key) = handle.register(deadline, Waker::noop()).expect("registered");
        assert_ne!(index, local, "went to the free shard");
        drop(held);
        assert_eq!(handle.shard(index).counts(), (1, 1));
        assert_eq!(handle.shard(local).counts(), (0, 0));
        drop(handle.shard(index).remove(key));
        // With its own shard free, a thread registers there.
        let (index, _) = handle.register(deadline, Waker::noop()).expect("registered");
        assert_eq!(index, local);
    }
}
