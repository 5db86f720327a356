//! [`Instant`]: spindle's own instant type (tokio's design), a newtype over
//! `std::time::Instant` whose [`Instant::now`] reads the clock of the
//! runtime current on this thread: real time normally, the frozen or
//! virtual clock of a paused runtime (`spindle::time::pause`,
//! `Builder::start_paused`), a simulated runtime or a loom model. Every
//! timer API takes and returns it; `From` converts to and from std's.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of a monotonically nondecreasing clock: the current
/// runtime's. Opaque, useful only with `Duration`, as `std::time::Instant`.
///
/// In a normal runtime `Instant::now()` is `std::time::Instant::now()` (one
/// extra load of a process-wide flag); inside a runtime whose clock is
/// paused it is that clock's value.
///
/// ```
/// use spindle_timer::Instant;
/// use std::time::Duration;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later - start, Duration::from_millis(5));
/// assert_eq!(start - later, Duration::ZERO, "saturates, as tokio's");
/// assert_eq!(later.checked_duration_since(start), Some(Duration::from_millis(5)));
/// assert_eq!(Instant::from_std(start.into_std()), start);
/// let std_instant: std::time::Instant = start.into();
/// assert_eq!(Instant::from(std_instant), start);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// Now, by the current runtime's clock (real time outside a runtime).
    ///
    /// ```
    /// let a = spindle_timer::Instant::now();
    /// assert!(spindle_timer::Instant::now() >= a);
    /// ```
    #[inline]
    pub fn now() -> Instant {
        Instant { std: spindle_executor::clock::now() }
    }

    /// Wraps a `std::time::Instant`.
    ///
    /// ```
    /// let std = std::time::Instant::now();
    /// assert_eq!(spindle_timer::Instant::from_std(std).into_std(), std);
    /// ```
    #[inline]
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The `std::time::Instant` inside.
    ///
    /// ```
    /// let now = spindle_timer::Instant::now();
    /// let _std: std::time::Instant = now.into_std();
    /// ```
    #[inline]
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later (tokio's
    /// behaviour).
    ///
    /// ```
    /// use spindle_timer::Instant;
    /// use std::time::Duration;
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(1);
    /// assert_eq!(b.duration_since(a), Duration::from_secs(1));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time from `earlier` to `self`, `None` if `earlier` is later.
    ///
    /// ```
    /// use spindle_timer::Instant;
    /// let a = Instant::now();
    /// let b = a + std::time::Duration::from_secs(1);
    /// assert!(a.checked_duration_since(b).is_none());
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// ```
    /// use spindle_timer::Instant;
    /// let a = Instant::now();
    /// assert_eq!(a.saturating_duration_since(a + std::time::Duration::from_secs(1)), std::time::Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time since `self`, by the current runtime's clock.
    ///
    /// ```
    /// let start = spindle_timer::Instant::now();
    /// assert!(start.elapsed() < std::time::Duration::from_secs(60));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` if that does not fit.
    ///
    /// ```
    /// let now = spindle_timer::Instant::now();
    /// assert!(now.checked_add(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that does not fit.
    ///
    /// ```
    /// let now = spindle_timer::Instant::now();
    /// assert!(now.checked_sub(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// If the result does not fit (as `std::time::Instant`).
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// If the result does not fit (as `std::time::Instant`).
    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturating, as [`Instant::duration_since`].
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_matches_std() {
        let std_now = std::time::Instant::now();
        let now = Instant::from_std(std_now);
        let d = Duration::from_micros(1234);
        assert_eq!((now + d).into_std(), std_now + d);
        assert_eq!((now - d).into_std(), std_now - d);
        let mut t = now;
        t += d;
        t -= d;
        assert_eq!(t, now);
        assert!(now < now + d);
        assert_eq!(format!("{now:?}"), format!("{std_now:?}"));
    }
}
