//! [`Pacer`]: open-loop pacing for load generators, and the [`Tick`] it
//! yields for each event.
//!
//! The model is on [`Pacer`]; `compare`'s `pacer` row measures it.
//!
//! A pacer needs a runtime (a current timer) only to wait; building it,
//! splitting it and asking for [`Pacer::intended`] work anywhere.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use crate::sleep::{far_future, sleep_until, Sleep};
use crate::Instant;

/// Below this much time left, a precise pacer busy-waits instead of
/// yielding to the scheduler (one trip through a run queue costs about as
/// much).
const BUSY_WAIT: Duration = Duration::from_micros(5);

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// One stretch of the schedule at a constant rate: event `index ≥ base` is
/// due at `origin + (index - base) × nanos / per` nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    origin: Instant,
    base: u64,
    /// The period as the exact fraction `nanos / per` of a nanosecond count.
    nanos: u128,
    per: u128,
}

impl Segment {
    fn at(&self, index: u64) -> Instant {
        debug_assert!(index >= self.base, "index {index} before segment base {}", self.base);
        let ns = u128::from(index - self.base) * self.nanos / self.per;
        let secs = u64::try_from(ns / NANOS_PER_SEC).unwrap_or(u64::MAX);
        let offset = Duration::new(secs, (ns % NANOS_PER_SEC) as u32);
        self.origin.checked_add(offset).unwrap_or_else(|| far_future(self.origin))
    }

    /// The last index due at or before `t` (at least `base`, whose instant
    /// is `origin`; callers ask only for `t ≥ origin`).
    fn last_due(&self, t: Instant) -> u64 {
        let elapsed = t.saturating_duration_since(self.origin).as_nanos();
        let steps = elapsed * self.per / self.nanos;
        self.base.saturating_add(u64::try_from(steps).unwrap_or(u64::MAX))
    }
}

/// What one event of a [`Pacer`] looked like when the pacer let it go.
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::Pacer;
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// // A schedule that began a second ago at 1,000 events per second.
/// let mut pacer = Pacer::new(1_000).starting_at(Instant::now() - Duration::from_secs(1));
/// let tick = pacer.tick().await;
/// assert_eq!(tick.index(), 0);
/// assert!(tick.lateness() >= Duration::from_secs(1)); // reported, not skipped
/// assert!(tick.behind() >= 999); // events 1..=999 were due too
/// # });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick {
    index: u64,
    intended: Instant,
    woke: Instant,
    behind: u64,
}

impl Tick {
    /// The event's index in the whole schedule (for a share, its global
    /// index: share `k` of `n` sees `k`, `k + n`, ...).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// When the event was meant to start: measure latency from here.
    pub fn intended(&self) -> Instant {
        self.intended
    }

    /// When the pacer let the event go (read as it completed).
    pub fn woke(&self) -> Instant {
        self.woke
    }

    /// How late the pacer let the event go: `woke - intended` (zero if on
    /// time).
    pub fn lateness(&self) -> Duration {
        self.woke.saturating_duration_since(self.intended)
    }

    /// How many more of this pacer's events were already due when this one
    /// went: 0 when keeping up; the caller can see a backlog build.
    pub fn behind(&self) -> u64 {
        self.behind
    }
}

/// An open-loop schedule of events at a fixed rate.
///
/// A pacer holds a fixed schedule of events: event `i` is *intended* to
/// start at `origin + i × period`, computed from the index each time (the
/// period is the exact rational `1 s / rate`, so a million events at
/// 3 per second land where they should, with no rounding that builds up).
/// Waiting for an event never moves the schedule: a task that took longer
/// than a period gets the next event at once, late, with the lateness and
/// the number of further events already due in its [`Tick`]; no event is
/// skipped. That is what an open-loop (coordinated-omission-correct) load
/// generator needs: it measures each request's latency from
/// [`Tick::intended`], not from when it got round to sending it.
///
/// The waiting itself is a [`Sleep`] toward the event's instant (reset in
/// place, so no allocation per event). With [`Pacer::precise`] the sleep
/// ends a configured stretch early and the pacer spins out the rest:
/// polling again through the scheduler (other tasks run in between) and,
/// for the last few microseconds, busy-waiting with
/// [`std::hint::spin_loop`]. That buys precision below the OS's wake-up
/// floor for CPU; it is off by default, so an idle pacer burns nothing.
///
/// One rate spread over many tasks stays exact: [`Pacer::shares`] splits a
/// schedule into `n` interleaved ones (share `k` gets events `k`, `k + n`,
/// `k + 2n`, ...), each holding the global index, so together they are
/// the original schedule event for event. A rate change
/// ([`Pacer::set_rate_from`]) starts a new segment at a given event index
/// whose origin is where the old schedule put that event: no jump, no
/// drift.
///
/// A pacer needs a runtime (a current timer) only to wait; building it,
/// splitting it and [`Pacer::intended`] work anywhere.
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::Pacer;
/// use std::time::Duration;
///
/// # futures_executor::block_on(async {
/// let mut pacer = Pacer::new(2_000); // one event every 500 µs, from now
/// let start = pacer.intended(0);
/// for i in 0..5 {
///     let tick = pacer.tick().await;
///     assert_eq!(tick.index(), i);
///     assert_eq!(tick.intended(), start + Duration::from_micros(500 * i));
///     assert!(tick.woke() >= tick.intended());
/// }
/// # });
/// ```
pub struct Pacer {
    current: Segment,
    /// Rate changes still ahead (each starts at its `base`, past `next`),
    /// in increasing `base` order. Several may be queued: a change made
    /// beyond a pending one stacks on it rather than replacing it.
    pending: Vec<Segment>,
    /// Global index of the next event this pacer yields.
    next: u64,
    /// Distance between this pacer's events (1 unless it is a share).
    stride: u64,
    /// How long before each deadline to stop sleeping and spin (zero: off).
    spin: Duration,
    /// Created on the first wait, then reset in place.
    sleep: Option<Sleep>,
}

impl Pacer {
    /// A schedule of `rate_per_sec` events per second, the first one now.
    ///
    /// # Panics
    ///
    /// If `rate_per_sec` is zero.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let pacer = Pacer::new(3);
    /// // Exact thirds of a second, not 333,333,333 ns times the index:
    /// assert_eq!(pacer.intended(3_000_000) - pacer.intended(0), Duration::from_secs(1_000_000));
    /// assert_eq!(pacer.intended(1) - pacer.intended(0), Duration::from_nanos(333_333_333));
    /// ```
    pub fn new(rate_per_sec: u64) -> Pacer {
        assert!(rate_per_sec > 0, "Pacer rate must be non-zero");
        Pacer::with_period(NANOS_PER_SEC, u128::from(rate_per_sec))
    }

    /// A schedule of one event every `period`, the first one now.
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let pacer = Pacer::from_interval(Duration::from_millis(2));
    /// assert_eq!(pacer.intended(5) - pacer.intended(0), Duration::from_millis(10));
    /// ```
    pub fn from_interval(period: Duration) -> Pacer {
        assert!(!period.is_zero(), "Pacer period must be non-zero");
        Pacer::with_period(period.as_nanos(), 1)
    }

    fn with_period(nanos: u128, per: u128) -> Pacer {
        Pacer {
            current: Segment { origin: Instant::now(), base: 0, nanos, per },
            pending: Vec::new(),
            next: 0,
            stride: 1,
            spin: Duration::ZERO,
            sleep: None,
        }
    }

    /// Moves the schedule so that event 0 (of the current rate segment)
    /// falls at `origin`; builder style.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    ///
    /// let origin = Instant::now() + Duration::from_secs(1);
    /// let pacer = Pacer::new(10).starting_at(origin);
    /// assert_eq!(pacer.intended(0), origin);
    /// assert_eq!(pacer.intended(10), origin + Duration::from_secs(1));
    /// ```
    pub fn starting_at(mut self, origin: Instant) -> Pacer {
        self.current.origin = origin;
        self.pending.clear();
        self
    }

    /// Sleeps until `spin` before each deadline and spins from there (off,
    /// `Duration::ZERO`, by default). Tens of microseconds (50 µs, say) are
    /// enough to cover the OS's wake-up latency; the cost is that much CPU
    /// per event. Builder style.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let pacer = Pacer::new(1_000).precise(Duration::from_micros(50));
    /// assert_eq!(pacer.spin(), Duration::from_micros(50));
    /// assert_eq!(Pacer::new(1_000).spin(), Duration::ZERO);
    /// ```
    pub fn precise(mut self, spin: Duration) -> Pacer {
        self.spin = spin;
        self
    }

    /// The spin stretch set by [`precise`](Pacer::precise) (zero: off).
    pub fn spin(&self) -> Duration {
        self.spin
    }

    /// Splits this pacer's schedule into `n` interleaved shares: share `k`
    /// gets this pacer's events `k`, `k + n`, `k + 2n`, ... Together they
    /// are exactly the original schedule, so `n` workers each driving one
    /// share produce the original rate with no drift between them.
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    ///
    /// let whole = Pacer::new(1_000);
    /// let shares = whole.clone_schedule().shares(3);
    /// assert_eq!(shares[1].next_index(), 1);
    /// assert_eq!(shares[1].stride(), 3);
    /// // Share 1's third event is the whole schedule's event 7.
    /// assert_eq!(shares[1].intended(7), whole.intended(7));
    /// ```
    pub fn shares(self, n: usize) -> Vec<Pacer> {
        assert!(n > 0, "Pacer::shares needs at least one share");
        let n = n as u64;
        (0..n)
            .map(|k| Pacer {
                next: self.next + k * self.stride,
                stride: self.stride * n,
                sleep: None,
                ..self.clone_schedule()
            })
            .collect()
    }

    /// A copy of the schedule (rate, origin, next event, spin) without the
    /// timer registration: a second pacer that yields the same events.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    ///
    /// let a = Pacer::new(100);
    /// let b = a.clone_schedule();
    /// assert_eq!(a.intended(42), b.intended(42));
    /// ```
    pub fn clone_schedule(&self) -> Pacer {
        Pacer {
            current: self.current,
            pending: self.pending.clone(),
            next: self.next,
            stride: self.stride,
            spin: self.spin,
            sleep: None,
        }
    }

    /// The global index of the next event this pacer yields.
    pub fn next_index(&self) -> u64 {
        self.next
    }

    /// The distance between this pacer's event indexes (1, or `n` for a
    /// share of [`shares(n)`](Pacer::shares)).
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// The instant event `index` (a global index) is intended to start at,
    /// under the schedule as it stands, rate changes included.
    ///
    /// # Panics
    ///
    /// If `index` lies before the current rate segment (the schedule of
    /// events before a rate change that has taken effect is forgotten).
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let pacer = Pacer::new(1_000);
    /// assert_eq!(pacer.intended(1_500) - pacer.intended(500), Duration::from_secs(1));
    /// ```
    pub fn intended(&self, index: u64) -> Instant {
        assert!(
            index >= self.current.base,
            "Pacer::intended({index}) asks for an event before the rate change at event {}",
            self.current.base
        );
        self.segment_for(index).at(index)
    }

    fn segment_for(&self, index: u64) -> &Segment {
        self.pending.iter().rev().find(|p| index >= p.base).unwrap_or(&self.current)
    }

    /// Changes the rate from this pacer's next event on; see
    /// [`set_rate_from`](Pacer::set_rate_from).
    ///
    /// # Panics
    ///
    /// If `rate_per_sec` is zero.
    pub fn set_rate(&mut self, rate_per_sec: u64) {
        self.set_rate_from(self.next, rate_per_sec);
    }

    /// Changes the period from this pacer's next event on.
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let mut pacer = Pacer::from_interval(Duration::from_millis(1));
    /// pacer.set_interval(Duration::from_millis(3));
    /// assert_eq!(pacer.intended(2) - pacer.intended(0), Duration::from_millis(6));
    /// ```
    pub fn set_interval(&mut self, period: Duration) {
        assert!(!period.is_zero(), "Pacer period must be non-zero");
        self.change_from(self.next, period.as_nanos(), 1);
    }

    /// Changes the rate (of the whole schedule, all shares together) from
    /// global event `index` on: that event stays where the old rate put it,
    /// and the events after it follow the new rate. Shares that make the
    /// same change at the same index keep producing one exact schedule.
    ///
    /// # Panics
    ///
    /// If `rate_per_sec` is zero, or `index` is before this pacer's next
    /// event (those have been yielded already).
    ///
    /// ```
    /// use spindle_timer::Pacer;
    /// use std::time::Duration;
    ///
    /// let mut pacer = Pacer::new(1_000); // 1 ms apart
    /// let at_10 = pacer.intended(10);
    /// pacer.set_rate_from(10, 100); // then 10 ms apart
    /// assert_eq!(pacer.intended(10), at_10);
    /// assert_eq!(pacer.intended(9), at_10 - Duration::from_millis(1));
    /// assert_eq!(pacer.intended(12), at_10 + Duration::from_millis(20));
    /// ```
    pub fn set_rate_from(&mut self, index: u64, rate_per_sec: u64) {
        assert!(rate_per_sec > 0, "Pacer rate must be non-zero");
        self.change_from(index, NANOS_PER_SEC, u128::from(rate_per_sec));
    }

    fn change_from(&mut self, index: u64, nanos: u128, per: u128) {
        assert!(
            index >= self.next,
            "Pacer rate change at event {index}, before the next event {} (those have gone)",
            self.next
        );
        let origin = self.segment_for(index).at(index);
        let segment = Segment { origin, base: index, nanos, per };
        if index == self.next {
            self.current = segment;
            self.pending.clear();
        } else {
            // Changes from `index` on are replaced; earlier ones stay.
            self.pending.retain(|p| p.base < index);
            self.pending.push(segment);
        }
    }

    /// Waits for the next event's intended start and returns its [`Tick`]
    /// (at once if it is already due: late events are returned, never
    /// skipped).
    ///
    /// # Panics
    ///
    /// Outside a spindle runtime, when it has to wait (as
    /// [`sleep_until`](crate::sleep_until)).
    pub async fn tick(&mut self) -> Tick {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next event: `Ready` with its [`Tick`] once it is due,
    /// else `Pending` with the task's waker registered (with the timer, or,
    /// while spinning, woken again at once).
    ///
    /// # Panics
    ///
    /// As [`tick`](Pacer::tick).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Tick> {
        let intended = self.intended(self.next);
        let mut now = Instant::now();
        if now < intended {
            let wake_at = intended.checked_sub(self.spin).unwrap_or(intended);
            if now < wake_at {
                let sleep = match &mut self.sleep {
                    Some(sleep) => {
                        if sleep.deadline() != wake_at {
                            sleep.reset(wake_at);
                        }
                        sleep
                    }
                    none => none.insert(sleep_until(wake_at)),
                };
                ready!(Pin::new(sleep).poll(cx));
                now = Instant::now();
            }
            // Spinning out the last stretch (only with `precise`, or if the
            // timer woke us a hair early by another clock's reading).
            while now < intended {
                if intended - now > BUSY_WAIT {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                std::hint::spin_loop();
                now = Instant::now();
            }
        }
        let tick = Tick { index: self.next, intended, woke: now, behind: self.due_after(self.next, now) };
        self.advance();
        Poll::Ready(tick)
    }

    /// How many of this pacer's events after `index` are due by `now`.
    fn due_after(&self, index: u64, now: Instant) -> u64 {
        let mut last = self.current.last_due(now);
        for p in &self.pending {
            if last < p.base {
                break;
            }
            last = p.last_due(now.max(p.origin));
        }
        last.saturating_sub(index) / self.stride
    }

    fn advance(&mut self) {
        self.next += self.stride;
        while self.pending.first().is_some_and(|p| self.next >= p.base) {
            self.current = self.pending.remove(0);
        }
    }
}

impl Stream for Pacer {
    type Item = Tick;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Tick>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

impl fmt::Debug for Pacer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacer")
            .field("next", &self.next)
            .field("stride", &self.stride)
            .field("next_intended", &self.intended(self.next))
            .field("spin", &self.spin)
            .finish_non_exhaustive()
    }
}

/// Compile-time check: a pacer moves into spawned tasks and threads.
fn _ensure_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Pacer>();
    is_send_sync::<Tick>();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Instant {
        Instant::now()
    }

    #[test]
    fn exact_rational_period() {
        let t0 = origin();
        let p = Pacer::new(3).starting_at(t0);
        assert_eq!(p.intended(1) - t0, Duration::from_nanos(333_333_333));
        assert_eq!(p.intended(2) - t0, Duration::from_nanos(666_666_666));
        assert_eq!(p.intended(3) - t0, Duration::from_secs(1));
        assert_eq!(p.intended(3_000_000_000) - t0, Duration::from_secs(1_000_000_000));
        let q = Pacer::new(100_000).starting_at(t0);
        assert_eq!(q.intended(100_000) - t0, Duration::from_secs(1));
        assert_eq!(q.intended(7) - t0, Duration::from_micros(70));
    }

    #[test]
    fn shares_partition_the_schedule() {
        let t0 = origin();
        let whole = Pacer::new(7_919).starting_at(t0);
        let shares = whole.clone_schedule().shares(4);
        let mut seen = vec![];
        for (k, s) in shares.iter().enumerate() {
            assert_eq!(s.next_index(), k as u64);
            assert_eq!(s.stride(), 4);
            for m in 0..1_000u64 {
                let i = k as u64 + 4 * m;
                assert_eq!(s.intended(i), whole.intended(i));
                seen.push(i);
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..4_000).collect::<Vec<_>>());
    }

    #[test]
    fn nested_shares() {
        let shares = Pacer::new(10).shares(2);
        let inner = shares.into_iter().nth(1).unwrap().shares(3);
        let firsts: Vec<_> = inner.iter().map(|p| (p.next_index(), p.stride())).collect();
        assert_eq!(firsts, [(1, 6), (3, 6), (5, 6)]);
    }

    #[test]
    fn rate_change_keeps_continuity() {
        let t0 = origin();
        let mut p = Pacer::new(1_000).starting_at(t0);
        p.set_rate_from(100, 10);
        assert_eq!(p.intended(99) - t0, Duration::from_millis(99));
        assert_eq!(p.intended(100) - t0, Duration::from_millis(100));
        assert_eq!(p.intended(101) - t0, Duration::from_millis(200));
        // A later change stacks on the pending one, which still holds
        // between the two (regression: the second change used to replace
        // the first, moving events 101..=109 back to 1 ms apart).
        p.set_rate_from(110, 1);
        assert_eq!(p.intended(105) - t0, Duration::from_millis(600));
        assert_eq!(p.intended(109) - t0, Duration::from_millis(1_000));
        assert_eq!(p.intended(110) - t0, Duration::from_millis(1_100));
        assert_eq!(p.intended(111) - t0, Duration::from_millis(2_100));
        // An earlier one replaces it.
        p.set_rate_from(50, 500);
        assert_eq!(p.intended(50) - t0, Duration::from_millis(50));
        assert_eq!(p.intended(51) - t0, Duration::from_millis(52));
    }

    #[test]
    fn advancing_promotes_the_pending_segment() {
        let t0 = origin() - Duration::from_secs(10);
        let mut p = Pacer::new(1_000).starting_at(t0);
        p.set_rate_from(2, 10);
        for _ in 0..3 {
            p.advance();
        }
        assert_eq!(p.next_index(), 3);
        assert_eq!(p.current.base, 2);
        assert!(p.pending.is_empty());
        assert_eq!(p.intended(3) - t0, Duration::from_millis(102));
    }

    #[test]
    fn stacked_changes_are_promoted_in_turn() {
        let t0 = origin() - Duration::from_secs(100);
        let mut p = Pacer::new(1_000).starting_at(t0);
        p.set_rate_from(2, 100); // 10 ms apart from event 2
        p.set_rate_from(4, 10); // 100 ms apart from event 4
        assert_eq!(p.intended(3) - t0, Duration::from_millis(12));
        assert_eq!(p.intended(5) - t0, Duration::from_millis(122));
        // Due by t0 + 122 ms: events 0..=5; after event 0 that is 5.
        assert_eq!(p.due_after(0, t0 + Duration::from_millis(122)), 5);
        for _ in 0..3 {
            p.advance();
        }
        assert_eq!((p.current.base, p.pending.len()), (2, 1));
        p.advance();
        assert_eq!((p.current.base, p.pending.len()), (4, 0));
        assert_eq!(p.intended(5) - t0, Duration::from_millis(122));
    }

    #[test]
    fn backlog_counts_this_pacers_events() {
        let t0 = origin();
        let whole = Pacer::new(1_000).starting_at(t0);
        assert_eq!(whole.due_after(0, t0 + Duration::from_micros(9_500)), 9);
        let share = whole.shares(4).into_iter().nth(1).unwrap();
        // Due by 9.5 ms: events 0..=9; share 1's after 1 are 5 and 9.
        assert_eq!(share.due_after(1, t0 + Duration::from_micros(9_500)), 2);
        assert_eq!(share.due_after(1, t0), 0);
    }

    #[test]
    #[should_panic(expected = "before the next event")]
    fn no_rewriting_the_past() {
        let mut p = Pacer::new(10);
        p.advance();
        p.set_rate_from(0, 5);
    }

    #[test]
    #[should_panic(expected = "rate must be non-zero")]
    fn zero_rate() {
        let _ = Pacer::new(0);
    }
}
