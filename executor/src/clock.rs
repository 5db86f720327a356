//! The runtime's clock: real time, or virtual time that stands still until
//! something advances it. A leaf: the runtime owns one [`Clock`] per
//! runtime, the timer reads it (`spindle_timer` takes it in
//! `TimerDriver::with_clock`), and [`now`] reads the clock of the runtime
//! current on this thread (what `spindle::time::Instant::now()` calls).
//!
//! # Three kinds
//!
//! | kind | made by | `now()` | pause / resume |
//! |---|---|---|---|
//! | real | [`Clock::real`] (multi-thread runtimes) | `std::time::Instant::now()` | panic: "requires the `current_thread` runtime" (tokio's rule) |
//! | pausable | [`Clock::pausable`] (current-thread runtimes) | real time until [`pause`](Clock::pause)d, then frozen; after [`resume`](Clock::resume) real time again, shifted by the time spent paused and advanced | tokio's `time::pause` / `advance` / `resume` |
//! | simulated | [`Clock::simulated`] (loom models, simulated runtimes) | virtual only: frozen from the start, moved by [`advance`](Clock::advance) and auto-advance | `resume` panics: there is no real time to resume to |
//!
//! # Auto-advance: the protocol between the clock, the runtime and the timer
//!
//! A paused clock jumps to the next timer deadline when the runtime has
//! nothing to run (tokio's rule, extended to several threads):
//!
//! * Whatever can still make a task runnable without the timer counts
//!   itself *busy* with [`inhibit_auto_advance`](Clock::inhibit_auto_advance)
//!   and stops with [`allow_auto_advance`](Clock::allow_auto_advance): a
//!   blocking closure from spawn to completion (tokio's rule); inside a
//!   loom model (a simulated clock, threads racing the driver) also every
//!   multi-thread worker that is not parked
//!   (counted by the thread that wakes it, before the wake-up, so no task
//!   is runnable while the count is zero) and every thread inside
//!   `block_on` whose future is not parked.
//! * The thread in the timer driver, about to sleep toward a deadline,
//!   calls [`auto_advance`](Clock::auto_advance) with that deadline: if the
//!   clock is paused and nobody is busy, the clock jumps there and the
//!   driver fires the timers; if someone is busy, the driver is recorded
//!   as waiting and sleeps; the `allow_auto_advance` that brings the count
//!   to zero unparks it through the [`Unpark`] given to
//!   [`set_unparker`](Clock::set_unparker), and it tries again. The count,
//!   the waiting flag and the clock's value change together under one
//!   lock, so the zero and the waiting driver always meet.
//!
//! The clock's state sits behind the executor's mutex (`crate::sync`:
//! loom's inside a model). It must be loom's: the lock is what orders a
//! worker's timer registration before the driver's reading of the
//! deadlines (a worker registers, then parks and ends its busy period under
//! the lock; the driver takes the lock, sees zero, and reads the shards),
//! and loom only knows orderings made by its own primitives. The
//! lock-free mirrors `now` reads are std atomics: bookkeeping whose value,
//! not ordering, matters.
//!
//! [`now`] costs one load of a process-wide flag while no clock was
//! ever paused (then it is `std::time::Instant::now()`), as in tokio; after
//! that, a thread-local read of the current runtime's clock.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::park::Unpark;
use crate::sync::{mutant, Mutant, Mutex};

/// Set once any clock is paused (or a simulated clock is made), never
/// cleared: while it is false, [`now`] needs no thread-local.
static ANY_PAUSED: AtomicBool = AtomicBool::new(false);

/// A runtime's source of time. Cloning is cheap; clones are the same clock.
///
/// ```
/// use spindle_executor::clock::Clock;
/// use std::time::Duration;
///
/// let clock = Clock::pausable(true);
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(3600));
/// assert_eq!(clock.now() - t0, Duration::from_secs(3600));
/// clock.resume();
/// assert!(clock.now() - t0 >= Duration::from_secs(3600));
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    /// `None`: real time, never paused.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    simulated: bool,
    /// Time zero of `frozen_ns`.
    origin: Instant,
    /// Whether the clock is frozen right now (mirrors `State::unfrozen`,
    /// written under the lock): `now` reads `frozen_ns` without the lock.
    paused: AtomicBool,
    /// Whether the clock was ever paused: until then `now` is real time.
    ever_paused: AtomicBool,
    /// The frozen value, in ns since `origin`, while `paused`.
    frozen_ns: AtomicU64,
    state: Mutex<State>,
}

struct State {
    /// The clock's value at `unfrozen` (or now, while frozen).
    base: Instant,
    /// The real instant the clock last started running; `None` while paused.
    unfrozen: Option<Instant>,
    /// Busy parties (see the module docs).
    busy: usize,
    /// The timer driver sleeps until `busy` reaches zero.
    driver_waiting: bool,
    /// Set when `allow_auto_advance` woke the waiting driver.
    quiesced: bool,
    /// Wakes the timer driver.
    unparker: Option<Arc<dyn Unpark>>,
}

/// What [`Clock::auto_advance`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum AutoAdvance {
    /// The clock jumped to the deadline (or was already past it): fire the
    /// timers.
    Advanced,
    /// The clock runs in real time: sleep toward the deadline for real.
    NotPaused,
    /// Someone is busy: the driver is recorded as waiting and must sleep;
    /// the last busy party to stop unparks it (see the module docs).
    Inhibited,
}

impl Clock {
    /// Real time: `now` is `std::time::Instant::now()`, and pausing panics
    /// (the multi-thread flavor's clock, as in tokio).
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::real();
    /// assert!(!clock.is_paused());
    /// assert!(clock.now() <= std::time::Instant::now());
    /// ```
    pub fn real() -> Clock {
        Clock { inner: None }
    }

    /// Real time until [`pause`](Clock::pause)d (the current-thread
    /// flavor's clock); paused from the start with `start_paused`.
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::pausable(false);
    /// assert!(!clock.is_paused());
    /// clock.pause();
    /// assert!(clock.is_paused());
    /// ```
    pub fn pausable(start_paused: bool) -> Clock {
        let clock = Clock::with(false);
        if start_paused {
            clock.pause();
        }
        clock
    }

    /// Virtual time only: frozen from the start, moved by
    /// [`advance`](Clock::advance) and by auto-advance (the clock of loom
    /// models and simulated runtimes). [`resume`](Clock::resume) panics.
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::simulated();
    /// assert!(clock.is_paused() && clock.is_simulated());
    /// let t0 = clock.now();
    /// std::thread::sleep(std::time::Duration::from_millis(1));
    /// assert_eq!(clock.now(), t0, "real time does not move it");
    /// ```
    pub fn simulated() -> Clock {
        let clock = Clock::with(true);
        clock.pause();
        clock
    }

    fn with(simulated: bool) -> Clock {
        let now = Instant::now();
        Clock {
            inner: Some(Arc::new(Inner {
                simulated,
                origin: now,
                paused: AtomicBool::new(false),
                ever_paused: AtomicBool::new(false),
                frozen_ns: AtomicU64::new(0),
                state: Mutex::new(State {
                    base: now,
                    unfrozen: Some(now),
                    busy: 0,
                    driver_waiting: false,
                    quiesced: false,
                    unparker: None,
                }),
            })),
        }
    }

    /// The clock's current value.
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::real();
    /// let a = clock.now();
    /// assert!(clock.now() >= a);
    /// ```
    #[inline]
    pub fn now(&self) -> Instant {
        match &self.inner {
            None => Instant::now(),
            Some(inner) => inner.now(),
        }
    }

    /// Whether the clock is frozen (paused or simulated).
    ///
    /// ```
    /// assert!(!spindle_executor::clock::Clock::real().is_paused());
    /// ```
    pub fn is_paused(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.paused.load(Ordering::Acquire))
    }

    /// Whether this is a [`real`](Clock::real) clock (it can never be
    /// paused).
    ///
    /// ```
    /// use spindle_executor::clock::Clock;
    /// assert!(Clock::real().is_real());
    /// assert!(!Clock::pausable(false).is_real());
    /// ```
    pub fn is_real(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether this is a [`simulated`](Clock::simulated) clock (no real
    /// time at all: drivers built for it use no OS timer).
    ///
    /// ```
    /// assert!(!spindle_executor::clock::Clock::pausable(true).is_simulated());
    /// ```
    pub fn is_simulated(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.simulated)
    }

    /// Whether two handles are the same clock.
    ///
    /// ```
    /// use spindle_executor::clock::Clock;
    /// let c = Clock::pausable(false);
    /// assert!(c.same_clock(&c.clone()));
    /// assert!(!c.same_clock(&Clock::pausable(false)));
    /// ```
    pub fn same_clock(&self, other: &Clock) -> bool {
        match (&self.inner, &other.inner) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Freezes the clock at its current value (tokio's `time::pause`).
    ///
    /// # Panics
    /// On a real clock, with "`time::pause()` requires the `current_thread`
    /// runtime. This is the default runtime used by `#[spindle::test]`."; if
    /// already paused, with "time is already frozen" (tokio's messages).
    ///
    /// ```should_panic
    /// let clock = spindle_executor::clock::Clock::pausable(true);
    /// clock.pause(); // panics: time is already frozen
    /// ```
    #[track_caller]
    pub fn pause(&self) {
        let Some(inner) = &self.inner else {
            panic!(
                "`time::pause()` requires the `current_thread` runtime. This is the default runtime used by \
                 `#[spindle::test]`."
            );
        };
        let mut state = inner.state.lock();
        let Some(unfrozen) = state.unfrozen else {
            drop(state);
            panic!("time is already frozen");
        };
        state.base += unfrozen.elapsed();
        state.unfrozen = None;
        inner.publish_frozen(&state);
        inner.ever_paused.store(true, Ordering::Release);
        ANY_PAUSED.store(true, Ordering::Release);
    }

    /// Lets the clock run in real time again, from the value it had when
    /// frozen (tokio's `time::resume`).
    ///
    /// # Panics
    /// If the clock is not paused ("time is not frozen"), or is simulated.
    ///
    /// ```should_panic
    /// spindle_executor::clock::Clock::pausable(false).resume(); // panics: time is not frozen
    /// ```
    #[track_caller]
    pub fn resume(&self) {
        let Some(inner) = self.inner.as_ref().filter(|i| i.paused.load(Ordering::Acquire)) else {
            panic!("time is not frozen");
        };
        if inner.simulated {
            panic!(
                "time cannot be resumed in a simulated runtime or a loom model: its clock is virtual, \
                 with no real time to resume to"
            );
        }
        let mut state = inner.state.lock();
        state.unfrozen = Some(Instant::now());
        inner.paused.store(false, Ordering::Release);
    }

    /// Moves a paused clock forward by `by` (tokio's `time::advance`,
    /// without the yield: the facade's `advance` yields after it).
    ///
    /// # Panics
    /// If the clock is not paused, with "time is not frozen".
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::simulated();
    /// let t0 = clock.now();
    /// clock.advance(std::time::Duration::from_millis(5));
    /// assert_eq!(clock.now() - t0, std::time::Duration::from_millis(5));
    /// ```
    #[track_caller]
    pub fn advance(&self, by: Duration) {
        let Some(inner) = &self.inner else { panic!("time is not frozen") };
        let mut state = inner.state.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!("time is not frozen");
        }
        state.base += by;
        inner.publish_frozen(&state);
    }

    /// Counts one more party that can make a task runnable without the
    /// timer (see the module docs); no-op on a real clock.
    ///
    /// ```
    /// use spindle_executor::clock::{AutoAdvance, Clock};
    /// let clock = Clock::simulated();
    /// let later = clock.now() + std::time::Duration::from_secs(1);
    /// clock.inhibit_auto_advance();
    /// assert_eq!(clock.auto_advance(|| Some(later)), AutoAdvance::Inhibited);
    /// clock.allow_auto_advance();
    /// assert_eq!(clock.auto_advance(|| Some(later)), AutoAdvance::Advanced);
    /// assert_eq!(clock.now(), later);
    /// ```
    pub fn inhibit_auto_advance(&self) {
        if let Some(inner) = &self.inner {
            inner.state.lock().busy += 1;
        }
    }

    /// Ends one [`inhibit_auto_advance`](Clock::inhibit_auto_advance); the
    /// last one unparks a timer driver waiting to advance the clock.
    ///
    /// # Panics
    /// If nobody is counted busy (a bug in the caller's accounting).
    pub fn allow_auto_advance(&self) {
        let Some(inner) = &self.inner else { return };
        let mut state = inner.state.lock();
        assert!(state.busy > 0, "Clock::allow_auto_advance without a matching inhibit_auto_advance");
        state.busy -= 1;
        if state.busy == 0 && state.driver_waiting && !mutant(Mutant::ClockAllowSkipsDriver) {
            state.driver_waiting = false;
            state.quiesced = true;
            let unparker = state.unparker.clone();
            drop(state);
            if let Some(u) = unparker {
                u.unpark();
            }
        }
    }

    /// Whether a paused clock may jump now: paused and nobody busy.
    ///
    /// ```
    /// let clock = spindle_executor::clock::Clock::pausable(true);
    /// assert!(clock.can_auto_advance());
    /// clock.inhibit_auto_advance();
    /// assert!(!clock.can_auto_advance());
    /// ```
    pub fn can_auto_advance(&self) -> bool {
        self.inner.as_ref().is_some_and(|inner| {
            let state = inner.state.lock();
            state.unfrozen.is_none() && state.busy == 0
        })
    }

    /// The timer driver's step before sleeping toward a deadline: `deadline`
    /// is read under the clock's lock (so a timer registered by a party
    /// that was busy until just now is seen) and is `None` when no timer is
    /// armed. Paused and nobody busy: the clock jumps to the deadline (never
    /// backwards) and this returns `Advanced`. Somebody busy, or no timer
    /// armed: records the driver as waiting and returns `Inhibited` (the
    /// next busy period to end wakes it, since it may have armed a timer).
    pub fn auto_advance(&self, deadline: impl FnOnce() -> Option<Instant>) -> AutoAdvance {
        let Some(inner) = &self.inner else { return AutoAdvance::NotPaused };
        let mut state = inner.state.lock();
        if state.unfrozen.is_some() {
            return AutoAdvance::NotPaused;
        }
        state.quiesced = false;
        if state.busy > 0 {
            state.driver_waiting = true;
            return AutoAdvance::Inhibited;
        }
        state.driver_waiting = false;
        match deadline() {
            Some(deadline) => {
                if deadline > state.base {
                    state.base = deadline;
                    inner.publish_frozen(&state);
                }
                AutoAdvance::Advanced
            }
            None => {
                // No timer yet: a busy party may register one before it
                // stops, and its `allow_auto_advance` must find us waiting.
                state.driver_waiting = true;
                AutoAdvance::Inhibited
            }
        }
    }

    /// After sleeping on `Inhibited`: whether the wake-up came from the
    /// last busy party stopping (then the driver tries again); clears the
    /// waiting record either way.
    pub fn take_quiesced(&self) -> bool {
        let Some(inner) = &self.inner else { return false };
        let mut state = inner.state.lock();
        state.driver_waiting = false;
        std::mem::take(&mut state.quiesced)
    }

    /// Sets what [`allow_auto_advance`](Clock::allow_auto_advance) unparks
    /// (the timer driver's own `Park`, not a wrapper that reports wake-ups
    /// as work); no-op on a real clock.
    pub fn set_unparker(&self, unparker: Arc<dyn Unpark>) {
        if let Some(inner) = &self.inner {
            inner.state.lock().unparker = Some(unparker);
        }
    }
}

impl Inner {
    #[inline]
    fn now(&self) -> Instant {
        if self.paused.load(Ordering::Acquire) {
            return self.origin + Duration::from_nanos(self.frozen_ns.load(Ordering::Acquire));
        }
        if !self.ever_paused.load(Ordering::Acquire) {
            return Instant::now();
        }
        let state = self.state.lock();
        match state.unfrozen {
            Some(unfrozen) => state.base + unfrozen.elapsed(),
            None => state.base,
        }
    }

    /// Mirrors a frozen `state` into the lock-free fields.
    fn publish_frozen(&self, state: &State) {
        let ns = state.base.saturating_duration_since(self.origin).as_nanos();
        self.frozen_ns.store(u64::try_from(ns).unwrap_or(u64::MAX), Ordering::Release);
        self.paused.store(true, Ordering::Release);
    }
}

/// Now, by the clock of the runtime current on this thread; real time
/// outside a runtime (what `spindle::time::Instant::now()` reads).
///
/// ```
/// let rt = spindle_executor::Builder::new_current_thread().start_paused(true).build().unwrap();
/// let (before, after) = rt.block_on(async {
///     let before = spindle_executor::clock::now();
///     spindle_executor::clock::current().unwrap().advance(std::time::Duration::from_secs(5));
///     (before, spindle_executor::clock::now())
/// });
/// assert_eq!(after - before, std::time::Duration::from_secs(5));
/// ```
#[inline]
pub fn now() -> Instant {
    #[cfg(not(spindle_loom))]
    if !ANY_PAUSED.load(Ordering::Acquire) {
        return Instant::now();
    }
    crate::runtime::context::clock_now().unwrap_or_else(Instant::now)
}

/// The clock of the runtime current on this thread, if any.
///
/// ```
/// assert!(spindle_executor::clock::current().is_none());
/// let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
/// assert!(rt.block_on(async { spindle_executor::clock::current() }).is_some());
/// ```
pub fn current() -> Option<Clock> {
    crate::runtime::context::clock()
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            None => "real",
            Some(i) if i.simulated => "simulated",
            Some(_) => "pausable",
        };
        f.debug_struct("Clock").field("kind", &kind).field("paused", &self.is_paused()).finish()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_a_paused_clock_exactly() {
        let clock = Clock::pausable(true);
        let t0 = clock.now();
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now() - t0, Duration::from_millis(1500));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now() - t0, Duration::from_millis(1500), "frozen");
    }

    #[test]
    fn resume_continues_from_the_frozen_value() {
        let clock = Clock::pausable(false);
        let t0 = clock.now();
        clock.pause();
        clock.advance(Duration::from_secs(10));
        clock.resume();
        let t1 = clock.now();
        assert!(t1 - t0 >= Duration::from_secs(10));
        assert!(t1 - t0 < Duration::from_secs(11));
        // It can be paused again.
        clock.pause();
        clock.advance(Duration::from_secs(10));
        assert!(clock.now() - t0 >= Duration::from_secs(20));
    }

    #[test]
    #[should_panic(expected = "requires the `current_thread` runtime")]
    fn real_clock_cannot_pause() {
        Clock::real().pause();
    }

    #[test]
    #[should_panic(expected = "time is not frozen")]
    fn advance_requires_a_paused_clock() {
        Clock::pausable(false).advance(Duration::from_secs(1));
    }

    #[test]
    #[should_panic(expected = "no real time to resume to")]
    fn simulated_clock_cannot_resume() {
        Clock::simulated().resume();
    }

    #[test]
    fn auto_advance_waits_for_the_last_busy_party() {
        struct Count(std::sync::atomic::AtomicUsize);
        impl Unpark for Count {
            fn unpark(&self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let clock = Clock::simulated();
        let count = Arc::new(Count(Default::default()));
        clock.set_unparker(count.clone());
        let deadline = clock.now() + Duration::from_secs(60);
        clock.inhibit_auto_advance();
        clock.inhibit_auto_advance();
        assert_eq!(clock.auto_advance(|| Some(deadline)), AutoAdvance::Inhibited);
        clock.allow_auto_advance();
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "one party still busy");
        clock.allow_auto_advance();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the last one wakes the driver");
        assert!(clock.take_quiesced());
        assert_eq!(clock.auto_advance(|| Some(deadline)), AutoAdvance::Advanced);
        assert_eq!(clock.now(), deadline);
        // Never backwards.
        assert_eq!(clock.auto_advance(|| Some(deadline - Duration::from_secs(1))), AutoAdvance::Advanced);
        assert_eq!(clock.now(), deadline);
        // No timer: nothing to advance to.
        assert_eq!(clock.auto_advance(|| None), AutoAdvance::Inhibited);
        assert_eq!(Clock::real().auto_advance(|| Some(deadline)), AutoAdvance::NotPaused);
    }
}
