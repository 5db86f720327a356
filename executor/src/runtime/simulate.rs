//! [`simulate`]: runs a test once per seed of a simulated runtime and
//! names the first seed that fails, with how to replay it.
//!
//! The name and the replay variable follow the simulation testers users
//! know: shuttle's `check_random(f, iterations)` runs a test over random
//! schedules and `replay` runs one again; madsim reads the seed to replay
//! from `MADSIM_TEST_SEED`. Here the closure gets the seed and builds its
//! runtime with [`Builder::new_simulated`](crate::runtime::Builder::new_simulated),
//! so it chooses the worker count and everything else itself, and
//! `SPINDLE_SIM_SEED=n` replays seed `n` alone without editing the test.

use std::any::Any;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};

/// The environment variable that makes [`simulate`] run one seed only.
pub const SIM_SEED_VAR: &str = "SPINDLE_SIM_SEED";

/// Runs `test(seed)` for each seed in `seeds`, in order, and returns how
/// many ran. The closure builds its runtime with
/// [`Builder::new_simulated(seed)`](crate::runtime::Builder::new_simulated),
/// so each seed is one schedule, and the same seed the same schedule.
///
/// With the environment variable `SPINDLE_SIM_SEED` set to a number, only
/// that seed runs (the replay of a failure, e.g. under a debugger).
///
/// # Panics
/// At the first seed whose run panics, with a message naming the seed,
/// how to replay it, and the run's own panic message. Seeds after it are
/// not run. Also if `SPINDLE_SIM_SEED` is set but not a number.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use spindle_executor::runtime::simulate;
/// use spindle_executor::Builder;
///
/// // A lost update: two tasks read, yield, then write back.
/// let result = std::panic::catch_unwind(|| {
///     simulate(0..200, |seed| {
///         let rt = Builder::new_simulated(seed).worker_threads(2).build().unwrap();
///         let counter = Arc::new(AtomicU64::new(0));
///         rt.block_on(async {
///             let tasks: Vec<_> = (0..2)
///                 .map(|_| {
///                     let counter = counter.clone();
///                     spindle_executor::spawn(async move {
///                         let seen = counter.load(Ordering::SeqCst);
///                         spindle_executor::task::yield_now().await;
///                         counter.store(seen + 1, Ordering::SeqCst);
///                     })
///                 })
///                 .collect();
///             for t in tasks {
///                 t.await.unwrap();
///             }
///         });
///         assert_eq!(counter.load(Ordering::SeqCst), 2, "lost update");
///     });
/// });
/// let message = *result.unwrap_err().downcast::<String>().unwrap();
/// assert!(message.contains("SPINDLE_SIM_SEED="), "{message}");
/// assert!(message.contains("lost update"), "{message}");
/// ```
#[track_caller]
pub fn simulate(seeds: Range<u64>, mut test: impl FnMut(u64)) -> u64 {
    let (seeds, replaying) = match std::env::var(SIM_SEED_VAR) {
        Ok(value) => {
            let seed = value
                .trim()
                .parse::<u64>()
                .unwrap_or_else(|e| panic!("{SIM_SEED_VAR}={value:?} is not a seed (a u64): {e}"));
            (seed..seed + 1, true)
        }
        Err(_) => (seeds, false),
    };
    let mut ran = 0;
    for seed in seeds.clone() {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| test(seed))) {
            let scope = if replaying {
                format!("replaying {SIM_SEED_VAR}={seed}")
            } else {
                format!("seeds {}..{}, {ran} passed before it", seeds.start, seeds.end)
            };
            panic!(
                "simulation failed at seed {seed} ({scope}); replay it alone with {SIM_SEED_VAR}={seed} (or \
                 `Builder::new_simulated({seed})`): {}",
                panic_message(&*payload)
            );
        }
        ran += 1;
    }
    ran
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic payload that is not a string)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_seed_in_order() {
        if std::env::var_os(SIM_SEED_VAR).is_some() {
            return;
        }
        let mut seen = Vec::new();
        assert_eq!(simulate(3..7, |seed| seen.push(seed)), 4);
        assert_eq!(seen, [3, 4, 5, 6]);
    }

    #[test]
    fn names_the_first_failing_seed() {
        if std::env::var_os(SIM_SEED_VAR).is_some() {
            return;
        }
        let mut ran = Vec::new();
        let err = panic::catch_unwind(AssertUnwindSafe(|| {
            simulate(0..10, |seed| {
                ran.push(seed);
                assert!(seed % 4 != 3, "boom at {seed}");
            })
        }))
        .unwrap_err();
        let message = panic_message(&*err).to_owned();
        assert!(message.starts_with("simulation failed at seed 3 (seeds 0..10, 3 passed before it)"), "{message}");
        assert!(message.contains("SPINDLE_SIM_SEED=3"), "{message}");
        assert!(message.ends_with("boom at 3"), "{message}");
        assert_eq!(ran, [0, 1, 2, 3], "seeds after the failure do not run");
    }
}
