//! Per-source readiness: the state word, the two wakers, and the protocol
//! that makes sure no readiness event is ever lost between "the operation
//! would block" and "the task's waker is stored".
//!
//! Every registered I/O source owns one [`ScheduledIo`]. Two roles touch it:
//!
//! * the **driver** (the thread inside `IoDriver::park`), which reports an
//!   event ([`ScheduledIo::set_readiness`]) and then takes the wakers of the
//!   directions it made ready ([`ScheduledIo::take_wakers`]), and wakes them
//!   after every lock is released;
//! * **reader** and **writer** tasks, which ask for readiness
//!   ([`ScheduledIo::poll_ready`]), try the operation, and on `WouldBlock`
//!   clear the readiness they observed ([`ScheduledIo::clear_readiness`]).
//!   Several tasks may wait on one direction (tasks sharing an
//!   `Arc<TcpListener>` all in `accept`): each distinct waker is kept, and an
//!   event wakes them all. A waker left behind by a future that was dropped
//!   costs at most one spurious wake-up at the next event.
//!
//! `Handle::shutdown` plays a third role: it sets [`SHUTDOWN`] and wakes
//! everyone, after which every `poll_ready` answers at once.
//!
//! # The state word
//!
//! ```text
//!  bit  31         30 ........ 16   15 ....... 2    1          0
//!     +----------+----------------+-------------+----------+----------+
//!     | SHUTDOWN |   TICK (15)    |  (unused)   | WRITABLE | READABLE |
//!     +----------+----------------+-------------+----------+----------+
//! ```
//!
//! Only the low 32 bits are used, so the layout is the same on 32-bit
//! targets.
//!
//! * `READABLE` / `WRITABLE`: the last event said the direction is ready and
//!   no operation has since seen `WouldBlock` *for that event*. A new source
//!   starts with both set (optimistic: the first operation is simply tried,
//!   which is correct in edge and oneshot mode alike).
//! * `TICK`: incremented (mod 2^15) by every event the driver delivers. An
//!   operation remembers the tick it saw in its [`ReadyEvent`]; clearing
//!   readiness is a compare-and-swap that succeeds only if the tick is still
//!   the same, so an event that arrived while the operation ran is kept.
//!   (The tick would have to wrap exactly 2^15 times during one operation
//!   for a stale clear to slip through; tokio accepts the same bound.)
//! * `SHUTDOWN`: set once, never cleared. It implies nothing about the
//!   readiness bits; `poll_ready` reports it before looking at them.
//!
//! Every change goes through one of three named transitions, each a single
//! compare-and-swap through one helper (`fetch_update`):
//! [`ScheduledIo::set_readiness`] (driver), [`ScheduledIo::clear_readiness`]
//! (task, returns a `#[must_use]` [`ClearOutcome`]), [`ScheduledIo::shutdown`].
//!
//! # Why no wake-up is lost
//!
//! The driver does, in this order:
//!
//! 1. D1: `state |= ready; tick += 1` (one RMW on the state word);
//! 2. D2: lock `waiters`, take the waker of each direction in `ready`, unlock;
//! 3. D3: wake what it took.
//!
//! A task polling direction `d` does:
//!
//! 1. T1: load the state; if `d` is ready (or `SHUTDOWN`), return `Ready`;
//! 2. T2: lock `waiters`, store its waker for `d`;
//! 3. T3: *still holding the lock*, load the state again; if `d` is ready
//!    (or `SHUTDOWN`) return `Ready`, else unlock and return `Pending`.
//!
//! The two critical sections D2 and T2–T3 are ordered by the mutex:
//!
//! * if D2 runs first, D1 happens-before the unlock in D2, which
//!   happens-before the lock in T2, so T3's load sees D1's readiness and the
//!   task returns `Ready` (its stored waker may fire spuriously later; that
//!   is harmless);
//! * if T2–T3 runs first, D2 finds the stored waker and D3 wakes the task.
//!
//! Either way the task either sees the event or is woken by it. Shutdown is
//! the same argument with `SHUTDOWN` in place of `ready` (it sets the bit,
//! then takes every waker under the lock).
//!
//! A task that tried its operation and got `WouldBlock` clears readiness
//! with the [`ReadyEvent`] from T1/T3. If the driver delivered a new event
//! in between (D1 ran), the tick differs, the clear does nothing
//! ([`ClearOutcome::Stale`]), and the task's next `poll_ready` returns
//! `Ready` at once, so it retries the operation instead of sleeping through
//! the new event. This is what makes edge-triggered mode safe: the kernel
//! reports each edge once, and the tick keeps that one report from being
//! erased by an operation that started before it.
//!
//! Locks: the reactor's slab lock may be held while `waiters` is locked
//! (the driver dispatches under it), never the other way round. Wakers are
//! never called while any lock is held.

// Some queries (`readiness`, `wake`, `ReadyEvent::ready`, ...) serve only
// the loom models (through `loom_api`) and the tests.
#![cfg_attr(not(spindle_loom), allow(dead_code))]

use std::fmt;
use std::task::{Context, Poll, Waker};

use crate::sync::{AtomicUsize, Mutex, Ordering};

/// The event says the source is readable.
pub const READABLE: usize = 1 << 0;
/// The event says the source is writable.
pub const WRITABLE: usize = 1 << 1;
/// Both readiness bits.
const READY_MASK: usize = READABLE | WRITABLE;
/// Where the tick starts.
const TICK_SHIFT: u32 = 16;
/// Width of the tick.
const TICK_BITS: u32 = 15;
/// The tick's bits, in place.
const TICK_MASK: usize = ((1 << TICK_BITS) - 1) << TICK_SHIFT;
/// The reactor was shut down; every operation fails from now on.
pub const SHUTDOWN: usize = 1 << 31;

/// A direction of I/O: each has its own readiness bit and its own waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Reading (and accepting, receiving, peeking).
    Read,
    /// Writing (and sending, connecting).
    Write,
}

impl Direction {
    /// The readiness bits that make this direction ready.
    pub fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::READABLE,
            Direction::Write => Ready::WRITABLE,
        }
    }
}

/// A set of readiness bits (a subset of `READABLE | WRITABLE`).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Ready(usize);

impl Ready {
    /// No direction.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// Both directions.
    pub const ALL: Ready = Ready(READY_MASK);

    /// The readiness a `polling` event reports.
    pub fn from_event(readable: bool, writable: bool) -> Ready {
        let mut bits = 0;
        if readable {
            bits |= READABLE;
        }
        if writable {
            bits |= WRITABLE;
        }
        Ready(bits)
    }

    /// Whether no direction is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the readable bit is set.
    pub fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether the writable bit is set.
    pub fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// The bits set in both.
    pub fn intersection(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready").field("readable", &self.is_readable()).field("writable", &self.is_writable()).finish()
    }
}

/// One reading of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Snapshot(usize);

impl Snapshot {
    fn ready(self) -> Ready {
        Ready(self.0 & READY_MASK)
    }

    fn tick(self) -> usize {
        (self.0 & TICK_MASK) >> TICK_SHIFT
    }

    fn is_shutdown(self) -> bool {
        self.0 & SHUTDOWN != 0
    }

    /// Adds `ready` and advances the tick (wrapping within its bits).
    fn with_event(self, ready: Ready) -> Snapshot {
        let tick = ((self.tick() + 1) << TICK_SHIFT) & TICK_MASK;
        Snapshot((self.0 & !TICK_MASK) | tick | ready.0)
    }

    /// What a poll for `dir` learns from this snapshot, if it may proceed.
    fn event_for(self, dir: Direction) -> Option<ReadyEvent> {
        let ready = self.ready().intersection(dir.mask());
        if self.is_shutdown() || !ready.is_empty() {
            Some(ReadyEvent { tick: self.tick(), ready, is_shutdown: self.is_shutdown() })
        } else {
            None
        }
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("ready", &self.ready())
            .field("tick", &self.tick())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

/// What a task learned when `poll_ready` let it proceed: the readiness for
/// its direction and the tick that readiness belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyEvent {
    tick: usize,
    ready: Ready,
    is_shutdown: bool,
}

impl ReadyEvent {
    /// The readiness observed (for the polled direction only).
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// Whether the reactor was shut down: the operation must fail.
    pub fn is_shutdown(&self) -> bool {
        self.is_shutdown
    }
}

/// The outcome of [`ScheduledIo::clear_readiness`].
#[must_use = "a stale clear means the operation should be retried at once"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The readiness was cleared: the next poll waits for a new event.
    Cleared,
    /// An event arrived after the observation (the tick moved on), so the
    /// readiness was kept.
    Stale,
}

/// The readers and the writers waiting on a source.
#[derive(Default)]
struct Waiters {
    reader: WaiterList,
    writer: WaiterList,
}

impl Waiters {
    fn list(&mut self, dir: Direction) -> &mut WaiterList {
        match dir {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// The distinct wakers waiting on one direction. The common case, one
/// waiter, needs no allocation; more go to `rest`, whose buffer is reused.
#[derive(Default)]
struct WaiterList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WaiterList {
    /// Adds `waker` unless an equivalent one is already waiting.
    fn add(&mut self, waker: &Waker) {
        match &self.first {
            None => self.first = Some(waker.clone()),
            Some(w) if w.will_wake(waker) => {}
            Some(_) => {
                if !self.rest.iter().any(|w| w.will_wake(waker)) {
                    self.rest.push(waker.clone());
                }
            }
        }
    }

    fn take_into(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.first.take());
        out.append(&mut self.rest);
    }

    fn is_waiting(&self) -> bool {
        self.first.is_some() || !self.rest.is_empty()
    }
}

/// Readiness and wakers of one registered source. See the
/// [module docs](self) for the protocol.
pub struct ScheduledIo {
    /// The state word; layout in the module docs.
    state: AtomicUsize,
    /// Stored under this lock, taken by the driver under this lock.
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    /// A source that is optimistically ready in both directions, tick 0.
    pub fn new() -> ScheduledIo {
        ScheduledIo { state: AtomicUsize::new(READY_MASK), waiters: Mutex::new(Waiters::default()) }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot(self.state.load(Ordering::Acquire))
    }

    /// The current readiness (both directions), for diagnostics and tests.
    pub fn readiness(&self) -> Ready {
        self.snapshot().ready()
    }

    /// Whether [`ScheduledIo::shutdown`] ran.
    pub fn is_shutdown(&self) -> bool {
        self.snapshot().is_shutdown()
    }

    /// Driver, step D1: records an event that made `ready` ready, advancing
    /// the tick. Follow it with [`ScheduledIo::take_wakers`].
    pub fn set_readiness(&self, ready: Ready) {
        let _ = self.fetch_update(|snap| Some(snap.with_event(ready)));
    }

    /// Marks the source shut down. Follow it with `take_wakers(Ready::ALL)`.
    pub fn shutdown(&self) {
        let _ = self.fetch_update(|snap| Some(Snapshot(snap.0 | SHUTDOWN)));
    }

    /// Driver, step D2: takes the wakers of the directions in `ready` into
    /// `out`. The caller wakes them after releasing every lock.
    pub fn take_wakers(&self, ready: Ready, out: &mut Vec<Waker>) {
        let mut waiters = self.waiters.lock();
        if ready.is_readable() {
            waiters.reader.take_into(out);
        }
        if ready.is_writable() {
            waiters.writer.take_into(out);
        }
    }

    /// [`take_wakers`](ScheduledIo::take_wakers) followed by waking them, with
    /// the lock released in between.
    pub fn wake(&self, ready: Ready) {
        let mut wakers = Vec::new();
        self.take_wakers(ready, &mut wakers);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Which directions have a waiter stored (the interest a oneshot poller
    /// must be re-armed with).
    pub fn interest(&self) -> Ready {
        let waiters = self.waiters.lock();
        Ready::from_event(waiters.reader.is_waiting(), waiters.writer.is_waiting())
    }

    /// Task, steps T1–T3: `Ready` if `dir` is ready or the reactor is shut
    /// down; otherwise stores the waker and returns `Pending`.
    pub fn poll_ready(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        // T1: the fast path takes no lock.
        if let Some(event) = self.snapshot().event_for(dir) {
            return Poll::Ready(event);
        }
        self.poll_ready_slow(dir, cx)
    }

    #[cold]
    fn poll_ready_slow(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        // T2: store the waker under the lock.
        let mut waiters = self.waiters.lock();
        waiters.list(dir).add(cx.waker());
        // T3: re-check under the lock; see "Why no wake-up is lost".
        if crate::sync::skip_recheck_mutant() {
            return Poll::Pending;
        }
        match self.snapshot().event_for(dir) {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }

    /// Task, after `WouldBlock`: clears the readiness in `event` unless an
    /// event arrived since it was observed.
    pub fn clear_readiness(&self, event: ReadyEvent) -> ClearOutcome {
        let outcome = self.fetch_update(|snap| {
            // Readiness bits only: SHUTDOWN and the tick are never cleared.
            (snap.tick() == event.tick).then_some(Snapshot(snap.0 & !event.ready.0))
        });
        match outcome {
            Ok(_) => ClearOutcome::Cleared,
            Err(_) => ClearOutcome::Stale,
        }
    }

    /// The one compare-and-swap loop every transition goes through: applies
    /// `f` to the current snapshot until the swap succeeds (`Ok(previous)`)
    /// or `f` declines with `None` (`Err(current)`).
    fn fetch_update(&self, mut f: impl FnMut(Snapshot) -> Option<Snapshot>) -> Result<Snapshot, Snapshot> {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let Some(next) = f(Snapshot(cur)) else {
                return Err(Snapshot(cur));
            };
            if next.0 == cur {
                return Ok(Snapshot(cur));
            }
            match self.state.compare_exchange_weak(cur, next.0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(prev) => return Ok(Snapshot(prev)),
                Err(actual) => cur = actual,
            }
        }
    }
}

impl Default for ScheduledIo {
    fn default() -> ScheduledIo {
        ScheduledIo::new()
    }
}

impl fmt::Debug for ScheduledIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScheduledIo").field("state", &self.snapshot()).finish_non_exhaustive()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomic;
    use std::sync::Arc;
    use std::task::Wake;

    #[derive(Default)]
    struct CountWaker(StdAtomic);

    impl Wake for CountWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<CountWaker>, Waker) {
        let c = Arc::new(CountWaker::default());
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn starts_ready_then_waits_after_clear() {
        let io = ScheduledIo::new();
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(ev) = io.poll_ready(Direction::Read, &mut cx) else {
            panic!("a new source is optimistically ready")
        };
        assert_eq!(ev.ready(), Ready::READABLE);
        assert_eq!(io.clear_readiness(ev), ClearOutcome::Cleared);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_pending());
        // Writable was not touched by the read-side clear.
        assert!(io.poll_ready(Direction::Write, &mut cx).is_ready());
        io.set_readiness(Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn event_between_observe_and_clear_is_kept() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(ev) = io.poll_ready(Direction::Read, &mut cx) else { panic!() };
        // The operation would block, but before it clears, an event lands.
        io.set_readiness(Ready::READABLE);
        assert_eq!(io.clear_readiness(ev), ClearOutcome::Stale);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn wakes_only_the_ready_direction() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        for dir in [Direction::Read, Direction::Write] {
            let Poll::Ready(ev) = io.poll_ready(dir, &mut cx) else { panic!() };
            let _ = io.clear_readiness(ev);
        }
        let (reads, rw) = counting();
        let (writes, ww) = counting();
        assert!(io.poll_ready(Direction::Read, &mut Context::from_waker(&rw)).is_pending());
        assert!(io.poll_ready(Direction::Write, &mut Context::from_waker(&ww)).is_pending());
        assert_eq!(io.interest(), Ready::ALL);
        io.set_readiness(Ready::WRITABLE);
        io.wake(Ready::WRITABLE);
        assert_eq!(writes.0.load(Ordering::SeqCst), 1);
        assert_eq!(reads.0.load(Ordering::SeqCst), 0);
        assert_eq!(io.interest(), Ready::READABLE);
    }

    #[test]
    fn shutdown_releases_waiters() {
        let io = ScheduledIo::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(ev) = io.poll_ready(Direction::Read, &mut cx) else { panic!() };
        let _ = io.clear_readiness(ev);
        let (count, waker) = counting();
        assert!(io.poll_ready(Direction::Read, &mut Context::from_waker(&waker)).is_pending());
        io.shutdown();
        io.wake(Ready::ALL);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        let Poll::Ready(ev) = io.poll_ready(Direction::Read, &mut cx) else { panic!("shut down source must be ready") };
        assert!(ev.is_shutdown());
        // Clearing never removes SHUTDOWN.
        let _ = io.clear_readiness(ev);
        assert!(io.is_shutdown());
    }

    #[test]
    fn tick_wraps_within_its_bits() {
        let mut s = Snapshot(READY_MASK);
        for _ in 0..(1usize << TICK_BITS) {
            s = s.with_event(Ready::EMPTY);
        }
        assert_eq!(s.tick(), 0, "tick wrapped: {s:?}");
        assert!(!s.is_shutdown());
        assert_eq!(s.ready(), Ready::ALL);
    }
}
