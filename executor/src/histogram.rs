//! The poll-time histogram: its configuration (tokio's public names:
//! [`HistogramConfiguration`], [`LogHistogram`], [`LogHistogramBuilder`])
//! and the per-worker buckets the schedulers fill ([`Histogram`]). A leaf:
//! `config.rs` carries the configuration, `worker_metrics.rs` the buckets,
//! [`RuntimeMetrics`](crate::RuntimeMetrics) reads them.
//!
//! # Log-scaled buckets
//!
//! A [`LogHistogram`] of precision `p` splits every power of two into
//! `2^p` equal buckets (the log-linear layout of HdrHistogram and H2
//! histograms), so a bucket is at most `2^-p` of its lower bound wide:
//!
//! ```text
//! value v (ns)             raw bucket
//! v < 2^p                  v                        (width 1)
//! 2^h <= v < 2^(h+1)       (h - p) * 2^p + (v >> (h - p))
//!                                                   (width 2^(h-p))
//! ```
//!
//! The configured range `min_value..max_value` selects the raw buckets
//! kept: bucket 0 holds everything below the raw bucket of `min_value`
//! (so it is no wider than `min_value`), then one bucket per raw bucket up
//! to the one holding `max_value`, and a last bucket from there to
//! `u64::MAX` ns. Finding a value's bucket is a leading-zero count and two
//! shifts.
//!
//! # Recording
//!
//! Each worker owns one [`Histogram`] and is its only writer (a relaxed
//! load and store per poll, as the other per-worker counters); readers
//! load each bucket relaxed, so a reading is exact per bucket but not a
//! snapshot across buckets.

use std::error::Error;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use crate::sync::{AtomicU64, Ordering};

/// Default `min_value` of a [`LogHistogram`] (tokio's): 100 ns.
const DEFAULT_MIN: Duration = Duration::from_nanos(100);
/// Default `max_value` of a [`LogHistogram`] (tokio's): 60 s.
const DEFAULT_MAX: Duration = Duration::from_secs(60);
/// Default precision: buckets at most 25 % of their lower bound wide.
const DEFAULT_PRECISION: u32 = 2;
/// Highest precision (2^-10, about 0.1 %).
const MAX_PRECISION: u32 = 10;

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// How a runtime's poll-time histogram lays out its buckets, for
/// [`Builder::metrics_poll_time_histogram_configuration`](crate::runtime::Builder::metrics_poll_time_histogram_configuration)
/// (tokio's name and constructors).
///
/// ```
/// use spindle_executor::runtime::{HistogramConfiguration, LogHistogram};
/// use std::time::Duration;
///
/// let log = HistogramConfiguration::log(LogHistogram::builder().max_value(Duration::from_millis(100)));
/// let linear = HistogramConfiguration::linear(Duration::from_micros(50), 20);
/// assert_eq!(linear.num_buckets(), 20);
/// assert!(log.num_buckets() > 20);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistogramConfiguration {
    layout: Layout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `num_buckets` buckets of `width` ns; the last one is open-ended.
    Linear {
        width: u64,
        num_buckets: usize,
    },
    Log(LogHistogram),
}

impl HistogramConfiguration {
    /// `num_buckets` buckets, each `bucket_width` wide, starting at 0; the
    /// last bucket also holds every longer poll.
    ///
    /// # Panics
    /// If `bucket_width` is zero or `num_buckets` is zero.
    ///
    /// ```
    /// use spindle_executor::runtime::HistogramConfiguration;
    /// let c = HistogramConfiguration::linear(std::time::Duration::from_micros(100), 10);
    /// assert_eq!(c.num_buckets(), 10);
    /// ```
    pub fn linear(bucket_width: Duration, num_buckets: usize) -> HistogramConfiguration {
        let width = nanos(bucket_width);
        assert!(width > 0, "the bucket width of a linear histogram must be at least 1 ns");
        assert!(num_buckets > 0, "a histogram needs at least one bucket");
        HistogramConfiguration { layout: Layout::Linear { width, num_buckets } }
    }

    /// Log-scaled buckets (see [`LogHistogram`]); takes a
    /// [`LogHistogramBuilder`] too.
    ///
    /// ```
    /// use spindle_executor::runtime::{HistogramConfiguration, LogHistogram};
    /// let c = HistogramConfiguration::log(LogHistogram::builder().precision_exact(0));
    /// assert!(c.num_buckets() > 2);
    /// ```
    pub fn log(configuration: impl Into<LogHistogram>) -> HistogramConfiguration {
        HistogramConfiguration { layout: Layout::Log(configuration.into()) }
    }

    /// How many buckets this layout has.
    ///
    /// ```
    /// use spindle_executor::runtime::HistogramConfiguration;
    /// assert_eq!(HistogramConfiguration::linear(std::time::Duration::from_nanos(1), 3).num_buckets(), 3);
    /// ```
    pub fn num_buckets(&self) -> usize {
        match self.layout {
            Layout::Linear { num_buckets, .. } => num_buckets,
            Layout::Log(log) => log.num_buckets,
        }
    }

    /// The bucket a poll of `nanos` ns falls in.
    #[inline]
    pub(crate) fn bucket_of(&self, nanos: u64) -> usize {
        match self.layout {
            Layout::Linear { width, num_buckets } => (nanos / width).min(num_buckets as u64 - 1) as usize,
            Layout::Log(log) => log.bucket_of(nanos),
        }
    }

    /// The range of `bucket`, in ns; the last bucket ends at `u64::MAX`.
    ///
    /// # Panics
    /// If `bucket >= num_buckets()`.
    pub(crate) fn bucket_range(&self, bucket: usize) -> Range<u64> {
        let n = self.num_buckets();
        assert!(bucket < n, "histogram bucket {bucket} out of range: there are {n}");
        let range = match self.layout {
            Layout::Linear { width, .. } => {
                let start = width.saturating_mul(bucket as u64);
                start..start.saturating_add(width)
            }
            Layout::Log(log) => log.bucket_range(bucket),
        };
        if bucket == n - 1 {
            range.start..u64::MAX
        } else {
            range
        }
    }
}

impl Default for HistogramConfiguration {
    /// Log-scaled: [`LogHistogram::default`].
    fn default() -> HistogramConfiguration {
        HistogramConfiguration::log(LogHistogram::default())
    }
}

/// A log-scaled bucket layout (see the [module docs](self)): bucket 0 holds
/// polls shorter than about `min_value`, the last one polls longer than
/// `max_value`, and every bucket between is at most `2^-p` of its lower
/// bound wide. Built with [`LogHistogram::builder`]; the default is
/// 100 ns to 60 s at 25 % (tokio's defaults).
///
/// ```
/// use spindle_executor::runtime::LogHistogram;
/// use std::time::Duration;
///
/// let h = LogHistogram::builder().min_value(Duration::from_micros(1)).max_value(Duration::from_secs(1)).build();
/// assert!(h.num_buckets() > 2);
/// assert!(h.max_value() >= Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogHistogram {
    /// Precision: `2^p` buckets per power of two.
    p: u32,
    /// The raw bucket that becomes bucket 1 (everything below is bucket 0).
    first: u64,
    num_buckets: usize,
}

impl Default for LogHistogram {
    fn default() -> LogHistogram {
        LogHistogram::builder().build()
    }
}

impl LogHistogram {
    /// A builder, at the defaults.
    ///
    /// ```
    /// let h = spindle_executor::runtime::LogHistogram::builder().max_error(0.1).build();
    /// assert!(h.num_buckets() > spindle_executor::runtime::LogHistogram::default().num_buckets());
    /// ```
    pub fn builder() -> LogHistogramBuilder {
        LogHistogramBuilder::default()
    }

    /// How many buckets the layout has.
    ///
    /// ```
    /// assert!(spindle_executor::runtime::LogHistogram::default().num_buckets() > 2);
    /// ```
    pub fn num_buckets(&self) -> usize {
        self.num_buckets
    }

    /// Where the last (open-ended) bucket begins: polls at least this long
    /// all land there.
    ///
    /// ```
    /// use std::time::Duration;
    /// let h = spindle_executor::runtime::LogHistogram::builder().max_value(Duration::from_millis(10)).build();
    /// assert!(h.max_value() > Duration::from_millis(10));
    /// ```
    pub fn max_value(&self) -> Duration {
        Duration::from_nanos(self.bucket_range(self.num_buckets - 1).start)
    }

    /// The raw bucket of `v` (see the module docs).
    #[inline]
    fn raw_index(p: u32, v: u64) -> u64 {
        if v < 1 << p {
            return v;
        }
        let shift = (63 - v.leading_zeros()) - p;
        (u64::from(shift) << p) + (v >> shift)
    }

    /// The lower bound of raw bucket `i` (saturating at `u64::MAX`).
    fn raw_lower(p: u32, i: u64) -> u64 {
        if i < 1 << p {
            return i;
        }
        let shift = (i >> p) - 1;
        let mantissa = i - (shift << p);
        if shift + u64::from(64 - mantissa.leading_zeros()) > 64 {
            return u64::MAX;
        }
        mantissa << shift
    }

    #[inline]
    fn bucket_of(&self, nanos: u64) -> usize {
        let raw = LogHistogram::raw_index(self.p, nanos);
        if raw < self.first {
            return 0;
        }
        ((raw - self.first + 1) as usize).min(self.num_buckets - 1)
    }

    fn bucket_range(&self, bucket: usize) -> Range<u64> {
        if bucket == 0 {
            return 0..LogHistogram::raw_lower(self.p, self.first);
        }
        let raw = self.first + bucket as u64 - 1;
        LogHistogram::raw_lower(self.p, raw)..LogHistogram::raw_lower(self.p, raw + 1)
    }
}

/// Builds a [`LogHistogram`] (tokio's methods).
///
/// ```
/// use spindle_executor::runtime::LogHistogram;
/// use std::time::Duration;
///
/// let h = LogHistogram::builder()
///     .min_value(Duration::from_micros(10))
///     .max_value(Duration::from_millis(500))
///     .max_error(0.05)
///     .max_buckets(1_000)
///     .unwrap();
/// assert!(h.num_buckets() <= 1_000);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct LogHistogramBuilder {
    min_value: Option<Duration>,
    max_value: Option<Duration>,
    precision: Option<u32>,
}

impl From<LogHistogramBuilder> for LogHistogram {
    fn from(builder: LogHistogramBuilder) -> LogHistogram {
        builder.build()
    }
}

impl LogHistogramBuilder {
    /// Buckets at most `max_error` of their lower bound wide: the smallest
    /// precision `p` with `2^-p <= max_error` (at most 10).
    ///
    /// # Panics
    /// Unless `0 < max_error < 1`.
    ///
    /// ```
    /// let h = spindle_executor::runtime::LogHistogram::builder().max_error(0.5).build();
    /// assert!(h.num_buckets() > 2);
    /// ```
    pub fn max_error(mut self, max_error: f64) -> LogHistogramBuilder {
        assert!(max_error > 0.0 && max_error < 1.0, "max_error must be between 0 and 1, got {max_error}");
        let mut p = 0;
        while p < MAX_PRECISION && 2f64.powi(-(p as i32)) > max_error {
            p += 1;
        }
        self.precision = Some(p);
        self
    }

    /// Sets the precision directly: `2^p` buckets per power of two (`0`:
    /// each bucket twice as wide as the one before).
    ///
    /// # Panics
    /// If `p > 10`.
    ///
    /// ```
    /// let h = spindle_executor::runtime::LogHistogram::builder().precision_exact(0).build();
    /// assert!(h.num_buckets() < spindle_executor::runtime::LogHistogram::default().num_buckets());
    /// ```
    pub fn precision_exact(mut self, p: u32) -> LogHistogramBuilder {
        assert!(p <= MAX_PRECISION, "precision must be at most {MAX_PRECISION}, got {p}");
        self.precision = Some(p);
        self
    }

    /// The shortest poll resolved: bucket 0 (everything below) is no
    /// wider than this (default 100 ns).
    ///
    /// ```
    /// use std::time::Duration;
    /// let h = spindle_executor::runtime::LogHistogram::builder().min_value(Duration::from_micros(1)).build();
    /// assert!(h.num_buckets() < spindle_executor::runtime::LogHistogram::default().num_buckets());
    /// ```
    pub fn min_value(mut self, min: Duration) -> LogHistogramBuilder {
        self.min_value = Some(min);
        self
    }

    /// The longest poll resolved: longer ones share the last bucket
    /// (default 60 s).
    ///
    /// # Panics
    /// If `max` is zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// let h = spindle_executor::runtime::LogHistogram::builder().max_value(Duration::from_millis(1)).build();
    /// assert!(h.max_value() >= Duration::from_millis(1));
    /// ```
    pub fn max_value(mut self, max: Duration) -> LogHistogramBuilder {
        assert!(!max.is_zero(), "max_value must be more than zero");
        self.max_value = Some(max);
        self
    }

    /// Builds the layout, or fails if it needs more than `max_buckets`.
    ///
    /// # Errors
    /// [`InvalidHistogramConfiguration`] with the count it would need.
    ///
    /// ```
    /// let err = spindle_executor::runtime::LogHistogram::builder().max_buckets(5).unwrap_err();
    /// assert!(err.required_bucket_count() > 5);
    /// ```
    pub fn max_buckets(&self, max_buckets: usize) -> Result<LogHistogram, InvalidHistogramConfiguration> {
        let histogram = self.build();
        if histogram.num_buckets > max_buckets {
            return Err(InvalidHistogramConfiguration { required: histogram.num_buckets, allowed: max_buckets });
        }
        Ok(histogram)
    }

    /// Builds the layout.
    ///
    /// # Panics
    /// If `min_value` is not below `max_value`.
    ///
    /// ```
    /// let h = spindle_executor::runtime::LogHistogram::builder().build();
    /// assert_eq!(h, spindle_executor::runtime::LogHistogram::default());
    /// ```
    pub fn build(&self) -> LogHistogram {
        let p = self.precision.unwrap_or(DEFAULT_PRECISION);
        let min = nanos(self.min_value.unwrap_or(DEFAULT_MIN));
        let max = nanos(self.max_value.unwrap_or(DEFAULT_MAX));
        assert!(min < max, "min_value ({min} ns) must be below max_value ({max} ns)");
        let first = LogHistogram::raw_index(p, min).max(1);
        let last = LogHistogram::raw_index(p, max);
        // Bucket 0, one per raw bucket `first..=last`, and the open end.
        let num_buckets = (last - first + 3) as usize;
        LogHistogram { p, first, num_buckets }
    }
}

/// A [`LogHistogramBuilder::max_buckets`] limit that the layout exceeds.
///
/// ```
/// let err = spindle_executor::runtime::LogHistogram::builder().max_buckets(1).unwrap_err();
/// assert!(err.to_string().contains("buckets"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidHistogramConfiguration {
    required: usize,
    allowed: usize,
}

impl InvalidHistogramConfiguration {
    /// How many buckets the layout would need.
    ///
    /// ```
    /// let err = spindle_executor::runtime::LogHistogram::builder().max_buckets(2).unwrap_err();
    /// assert_eq!(err.required_bucket_count(), spindle_executor::runtime::LogHistogram::default().num_buckets());
    /// ```
    pub fn required_bucket_count(&self) -> usize {
        self.required
    }
}

impl fmt::Display for InvalidHistogramConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the histogram needs {} buckets, more than the {} allowed", self.required, self.allowed)
    }
}

impl Error for InvalidHistogramConfiguration {}

/// One worker's buckets. Written only by its worker.
pub(crate) struct Histogram {
    config: HistogramConfiguration,
    buckets: Box<[AtomicU64]>,
}

impl Histogram {
    pub(crate) fn new(config: HistogramConfiguration) -> Histogram {
        Histogram { config, buckets: (0..config.num_buckets()).map(|_| AtomicU64::new(0)).collect() }
    }

    /// Counts one poll of `nanos` ns; only the owning worker calls this.
    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        let bucket = &self.buckets[self.config.bucket_of(nanos)];
        bucket.store(bucket.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Polls counted in `bucket`.
    ///
    /// # Panics
    /// If `bucket` is out of range.
    pub(crate) fn get(&self, bucket: usize) -> u64 {
        let n = self.buckets.len();
        assert!(bucket < n, "histogram bucket {bucket} out of range: there are {n}");
        self.buckets[bucket].load(Ordering::Relaxed)
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    /// Every value falls in the bucket whose range holds it, and the ranges
    /// tile `0..u64::MAX` without gaps.
    fn check_tiling(config: HistogramConfiguration) {
        let n = config.num_buckets();
        assert_eq!(config.bucket_range(0).start, 0);
        for b in 1..n {
            assert_eq!(config.bucket_range(b - 1).end, config.bucket_range(b).start, "gap before bucket {b}");
            assert!(config.bucket_range(b).start < config.bucket_range(b).end, "empty bucket {b}");
        }
        assert_eq!(config.bucket_range(n - 1).end, u64::MAX);
        let mut v = 0u64;
        while v < u64::MAX / 3 {
            for value in [v, v + 1, v.saturating_mul(3) / 2] {
                let b = config.bucket_of(value);
                assert!(config.bucket_range(b).contains(&value), "{value} in bucket {b}: {:?}", config.bucket_range(b));
            }
            v = v * 2 + 1;
        }
        assert_eq!(config.bucket_of(u64::MAX), n - 1);
    }

    #[test]
    fn log_buckets_tile_and_hold_their_values() {
        check_tiling(HistogramConfiguration::default());
        for p in 0..=MAX_PRECISION {
            check_tiling(HistogramConfiguration::log(LogHistogram::builder().precision_exact(p)));
        }
        check_tiling(HistogramConfiguration::log(
            LogHistogram::builder().min_value(Duration::from_nanos(1)).max_value(Duration::from_nanos(2)),
        ));
    }

    #[test]
    fn log_buckets_are_within_the_error() {
        let h = LogHistogram::builder().max_error(0.25).build();
        let config = HistogramConfiguration::log(h);
        for b in 1..h.num_buckets() - 1 {
            let r = config.bucket_range(b);
            assert!((r.end - r.start) * 4 <= r.start.max(4), "bucket {b} too wide: {r:?}");
        }
        // Bucket 0 is no wider than min_value; the last starts at or above max_value.
        assert!(config.bucket_range(0).end <= 100);
        assert!(h.max_value() >= Duration::from_secs(60));
    }

    #[test]
    fn linear_buckets() {
        let config = HistogramConfiguration::linear(Duration::from_micros(100), 10);
        check_tiling(config);
        assert_eq!(config.bucket_of(0), 0);
        assert_eq!(config.bucket_of(99_999), 0);
        assert_eq!(config.bucket_of(100_000), 1);
        assert_eq!(config.bucket_of(10_000_000), 9);
        assert_eq!(config.bucket_range(1), 100_000..200_000);
    }

    #[test]
    fn max_error_picks_the_precision() {
        assert_eq!(LogHistogram::builder().max_error(0.25).build().p, 2);
        assert_eq!(LogHistogram::builder().max_error(0.2).build().p, 3);
        assert_eq!(LogHistogram::builder().max_error(0.5).build().p, 1);
        assert_eq!(LogHistogram::builder().max_error(1e-9).build().p, MAX_PRECISION);
    }

    #[test]
    fn record_counts_into_the_bucket() {
        let h = Histogram::new(HistogramConfiguration::linear(Duration::from_nanos(10), 4));
        h.record(5);
        h.record(15);
        h.record(1_000);
        h.record(1_000);
        assert_eq!([h.get(0), h.get(1), h.get(2), h.get(3)], [1, 1, 0, 2]);
    }
}
