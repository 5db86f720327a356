//! The OS floor under `timers_precision`: how late a bare thread wakes when
//! it sleeps toward the same deadlines through the same wait that spindle's
//! idle worker uses (`polling::Poller::wait` with a timeout: a timerfd
//! under epoll on Linux), with no runtime in between.
//!
//! A runtime's lateness is this floor (the OS and, on a VM, the hypervisor
//! waking a halted CPU) plus its own path from the wake-up to the task
//! running again. The floor is measured between the runtimes' samples of
//! each round, so it sees the same machine they do; on a noisy machine it
//! tells how much of a runtime's tail is the runtime's.
//!
//! ```
//! use std::time::Duration;
//! let sample = spindle_benches::workloads::os_floor(&[Duration::from_millis(2), Duration::from_millis(1)]);
//! assert_eq!(sample.lateness_ns.len(), 2);
//! assert_eq!(sample.early(), 0);
//! ```

use std::time::{Duration, Instant};

use polling::{Events, Poller};

use super::timers::{nanos, TimerSample};

/// One floor sample: one thread sleeps toward `start + d` for every `d` in
/// `durations`, earliest first; each deadline's lateness is the first clock
/// reading at or past it, taken right after a wait returns (deadlines that
/// share a wake-up share its reading, as timers fired together would).
///
/// # Panics
/// If the poller cannot be created or fails to wait (the benchmark then
/// has no floor to report).
pub fn os_floor(durations: &[Duration]) -> TimerSample {
    let poller = Poller::new().expect("os floor: cannot create a poller");
    let mut events = Events::new();
    let start = Instant::now();
    let mut deadlines: Vec<Instant> = durations.iter().map(|&d| start + d).collect();
    deadlines.sort_unstable();
    let mut lateness_ns = Vec::with_capacity(deadlines.len());
    let mut now = Instant::now();
    for deadline in deadlines {
        while now < deadline {
            events.clear();
            poller.wait(&mut events, Some(deadline - now)).expect("os floor: the poller failed to wait");
            now = Instant::now();
        }
        lateness_ns.push(nanos(now - deadline));
    }
    TimerSample { lateness_ns, total: now - start }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_early_and_one_lateness_per_deadline() {
        let durations = [3, 1, 1, 2].map(Duration::from_millis);
        let start = Instant::now();
        let sample = os_floor(&durations);
        assert_eq!(sample.lateness_ns.len(), 4);
        assert_eq!(sample.early(), 0);
        assert!(sample.total >= Duration::from_millis(3));
        assert!(start.elapsed() >= Duration::from_millis(3));
    }
}
