//! [`now`]: the clock that per-poll metrics read (the poll-time histogram,
//! a named task's poll figures and the dump that reports them); a leaf.
//!
//! These readings happen once per poll, and a poll of `yield_many` takes
//! less time than a vDSO `Instant` read (20-45 ns on a VM, depending on the
//! clocksource). So where the CPU has a cheap constant-rate counter, [`now`]
//! reads it instead (x86_64: `rdtsc`, about half the cost of `Instant`
//! here; aarch64: the virtual counter `cntvct_el0`) and scales it to
//! nanoseconds with a factor measured once per process against `Instant`
//! ([`calibrate`], about 2 ms of sleep, done at runtime build). Elsewhere,
//! on an x86_64 CPU whose TSC is not invariant (CPUID leaf `0x8000_0007`,
//! EDX bit 8), under Miri, or if the calibration looks wrong, [`now`] is
//! [`clock_nanos`] itself.
//!
//! Readings start near [`clock_nanos`]'s value at calibration, are never
//! 0, and advance at `Instant`'s rate within the calibration's error (a few
//! parts per million over 2 ms). They are meant for durations between two
//! readings of this clock (`saturating_sub`: a thread moved to another core
//! may see a counter a few ticks behind); they are never compared with
//! [`clock_nanos`] or the scheduler's clock (`sched_clock.rs`), which the
//! scheduler's policies read.
//!
//! Inside a loom model [`now`] is the model's deterministic
//! [`clock_nanos`], so a schedule replays.

use crate::worker_metrics::clock_nanos;

/// The time now, in nanoseconds (never 0), for metrics only (see the
/// module docs).
#[inline]
#[cfg(spindle_loom)]
pub(crate) fn now() -> u64 {
    clock_nanos()
}

/// The time now, in nanoseconds (never 0), for metrics only (see the
/// module docs).
#[inline]
#[cfg(not(spindle_loom))]
pub(crate) fn now() -> u64 {
    match scale() {
        Some(scale) => scale.nanos(counter::read()),
        None => clock_nanos(),
    }
}

/// Measures the counter's rate now, if not done yet in this process, so
/// that the first [`now`] does not pay for it (the runtime builder calls
/// this).
pub(crate) fn calibrate() {
    #[cfg(not(spindle_loom))]
    let _ = scale();
}

/// Counter ticks to nanoseconds: `base_nanos + (ticks - base_ticks) *
/// mult / 2^32`.
#[cfg(not(spindle_loom))]
#[derive(Clone, Copy, Debug)]
struct Scale {
    base_ticks: u64,
    base_nanos: u64,
    /// Nanoseconds per tick, in 32.32 fixed point.
    mult: u64,
}

#[cfg(not(spindle_loom))]
impl Scale {
    #[inline]
    fn nanos(&self, ticks: u64) -> u64 {
        let delta = u128::from(ticks.saturating_sub(self.base_ticks));
        self.base_nanos + ((delta * u128::from(self.mult)) >> 32) as u64
    }
}

/// The process's scale, measured on first use; `None`: no usable counter.
#[cfg(not(spindle_loom))]
#[inline]
fn scale() -> Option<&'static Scale> {
    use std::sync::OnceLock;
    static SCALE: OnceLock<Option<Scale>> = OnceLock::new();
    SCALE.get_or_init(measure).as_ref()
}

/// How long [`measure`] lets the counter run against `Instant`.
#[cfg(not(spindle_loom))]
const CALIBRATION: std::time::Duration = std::time::Duration::from_millis(2);

/// Reads the counter and `clock_nanos` twice, [`CALIBRATION`] apart, and
/// derives the counter's rate; `None` if there is no usable counter or the
/// rate is implausible (under 1 MHz or over 100 GHz).
#[cfg(not(spindle_loom))]
#[cold]
fn measure() -> Option<Scale> {
    // Miri interprets neither CPUID nor the counter reads: `Instant` there.
    if cfg!(miri) || !counter::usable() {
        return None;
    }
    let (ticks0, nanos0) = paired();
    std::thread::sleep(CALIBRATION);
    let (ticks1, nanos1) = paired();
    let ticks = ticks1.checked_sub(ticks0)?;
    let nanos = nanos1.checked_sub(nanos0)?;
    if ticks == 0 || ticks < nanos / 1_000 || ticks / 100 > nanos {
        return None;
    }
    let mult = u64::try_from((u128::from(nanos) << 32) / u128::from(ticks)).ok()?;
    Some(Scale { base_ticks: ticks1, base_nanos: nanos1, mult })
}

/// A counter reading and a [`clock_nanos`] taken as close together as this
/// thread manages: of a few tries, the one whose counter readings around
/// the clock read are nearest, with the counter taken midway.
#[cfg(not(spindle_loom))]
fn paired() -> (u64, u64) {
    let mut best = (u64::MAX, 0, 0);
    for _ in 0..5 {
        let before = counter::read();
        let nanos = clock_nanos();
        let after = counter::read();
        let gap = after.saturating_sub(before);
        if gap < best.0 {
            best = (gap, before + gap / 2, nanos);
        }
    }
    (best.1, best.2)
}

/// x86_64: the time-stamp counter.
#[cfg(all(target_arch = "x86_64", not(spindle_loom)))]
mod counter {
    use std::arch::x86_64::{__cpuid, _rdtsc};

    /// Whether the TSC ticks at a constant rate through frequency changes
    /// and sleep states ("invariant TSC": CPUID leaf `0x8000_0007`, EDX
    /// bit 8).
    pub(super) fn usable() -> bool {
        // SAFETY: CPUID exists on every x86_64 CPU, and leaf 0x8000_0000
        // says which extended leaves it answers. (`__cpuid` is a safe fn
        // from Rust 1.87, unsafe before: our MSRV is 1.85.)
        #[allow(unused_unsafe)]
        let max_extended = unsafe { __cpuid(0x8000_0000) }.eax;
        if max_extended < 0x8000_0007 {
            return false;
        }
        // SAFETY: leaf 0x8000_0007 is answered (checked just above).
        #[allow(unused_unsafe)]
        let power = unsafe { __cpuid(0x8000_0007) };
        power.edx & (1 << 8) != 0
    }

    #[inline]
    pub(super) fn read() -> u64 {
        // SAFETY: `rdtsc` is part of x86_64's baseline and has no
        // preconditions; an OS that forbids it in user mode (CR4.TSD)
        // would trap every reader of the TSC, which no supported OS does.
        unsafe { _rdtsc() }
    }
}

/// aarch64: the virtual counter, which the architecture guarantees ticks
/// at a constant rate (`cntfrq_el0`) and which Linux, macOS and Windows
/// let user mode read.
#[cfg(all(target_arch = "aarch64", not(spindle_loom)))]
mod counter {
    pub(super) fn usable() -> bool {
        true
    }

    #[inline]
    pub(super) fn read() -> u64 {
        let ticks: u64;
        // SAFETY: reading `cntvct_el0` has no side effects and touches no
        // memory; EL0 access is enabled by every OS we support (see the
        // module docs).
        unsafe { std::arch::asm!("mrs {}, cntvct_el0", out(reg) ticks, options(nomem, nostack, preserves_flags)) };
        ticks
    }
}

/// Elsewhere: no counter; [`now`](super::now) is `clock_nanos`.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", spindle_loom)))]
mod counter {
    pub(super) fn usable() -> bool {
        false
    }

    pub(super) fn read() -> u64 {
        0
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn never_zero_and_monotonic_on_one_thread() {
        let mut last = now();
        assert_ne!(last, 0);
        for _ in 0..100_000 {
            let t = now();
            assert!(t >= last, "went back from {last} to {t}");
            last = t;
        }
    }

    #[test]
    fn roughly_matches_instant_over_10ms() {
        calibrate();
        // A noisy shared VM may preempt between the two reads of a pair:
        // allow a generous margin rather than assert speed.
        let (start, fast_start) = (Instant::now(), now());
        std::thread::sleep(Duration::from_millis(10));
        let (fast_end, elapsed) = (now(), start.elapsed());
        let fast = Duration::from_nanos(fast_end.saturating_sub(fast_start));
        let (lo, hi) = (elapsed.mul_f64(0.8), elapsed.mul_f64(1.25) + Duration::from_millis(2));
        assert!(
            fast >= lo.saturating_sub(Duration::from_millis(2)) && fast <= hi,
            "fast clock {fast:?}, Instant {elapsed:?}"
        );
    }

    #[test]
    fn scale_converts_ticks() {
        // 2.5 GHz: 0.4 ns per tick.
        let scale = Scale { base_ticks: 1_000, base_nanos: 7, mult: (2u64 << 32) / 5 };
        assert_eq!(scale.nanos(1_000), 7);
        assert_eq!(scale.nanos(500), 7, "a counter behind the base saturates");
        let n = scale.nanos(1_000 + 2_500_000_000);
        assert!((1_000_000_000 - 2..=1_000_000_007).contains(&n), "{n}");
    }
}
