//! [`DriverMetrics`]: how a driver reports the figures of
//! [`RuntimeMetrics`](crate::RuntimeMetrics) that only it knows (I/O events
//! dispatched, timers fired).
//!
//! The executor knows nothing of I/O or time, so it cannot count those
//! events; the driver does, with its own counters. The seam is the
//! [`DriverFactory`](super::DriverFactory): the factory that builds the
//! driver also puts a `DriverMetrics` among the driver handles it returns
//! ([`DriverHandles::set_metrics`](super::context::DriverHandles::set_metrics)),
//! and `RuntimeMetrics` asks it. Nothing is read on the driver's path: a
//! figure is computed when someone asks for it. A runtime whose factory
//! sets none (the executor's own, with no driver) reports 0.

/// The figures a driver keeps about the events it dispatches. Every method
/// defaults to 0, for a driver without that kind of event.
///
/// ```
/// use spindle_executor::clock::Clock;
/// use spindle_executor::context::DriverHandles;
/// use spindle_executor::park::{Park, Parker};
/// use spindle_executor::runtime::{Builder, DriverFactory, DriverMetrics};
///
/// struct Fixed;
/// impl DriverMetrics for Fixed {
///     fn timers_fired_count(&self) -> u64 {
///         7
///     }
/// }
///
/// struct WithMetrics;
/// impl DriverFactory for WithMetrics {
///     fn build(_workers: usize, _clock: &Clock) -> std::io::Result<Option<(Box<dyn Park>, DriverHandles)>> {
///         let mut handles = DriverHandles::new();
///         handles.set_metrics(Fixed);
///         Ok(Some((Box::new(Parker::new()), handles)))
///     }
/// }
///
/// let rt = Builder::<WithMetrics>::new_current_thread().build().unwrap();
/// assert_eq!(rt.metrics().timers_fired_count(), 7);
/// assert_eq!(rt.metrics().io_driver_ready_count(), 0);
/// ```
pub trait DriverMetrics: Send + Sync + 'static {
    /// I/O readiness events dispatched to the sources waiting on them
    /// (tokio's `io_driver_ready_count`).
    fn io_driver_ready_count(&self) -> u64 {
        0
    }

    /// Timers fired: entries whose deadline passed and whose waiter was
    /// woken (cancelled timers are not counted).
    fn timers_fired_count(&self) -> u64 {
        0
    }
}
