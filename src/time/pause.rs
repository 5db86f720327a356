//! tokio's test-util time control: [`pause`], [`advance`], [`resume`], on
//! the current runtime's clock (`spindle_executor::clock`). A paused
//! current-thread runtime with nothing to run jumps its clock to the next
//! timer instead of sleeping (auto-advance, in the timer driver), so tests
//! of timeouts and intervals run in no real time.

use std::time::Duration;

use spindle_executor::clock::{self, Clock};

/// The current runtime's clock, or tokio's panic.
#[track_caller]
fn current_clock() -> Clock {
    match clock::current() {
        Some(clock) => clock,
        None => panic!("time cannot be frozen from outside the spindle runtime"),
    }
}

/// Pauses time (tokio's `time::pause`).
///
/// [`Instant::now()`](crate::time::Instant::now) then returns the value it
/// had when paused, until [`advance`] moves it or the clock auto-advances.
/// `std::time::Instant` is not affected.
///
/// # Auto-advance
///
/// While time is paused and the runtime has nothing to run, the clock
/// jumps to the next pending timer instead of the thread sleeping, so
/// `sleep(Duration::from_secs(3600))` completes at once, with
/// `Instant::now()` an hour later. A blocking closure
/// ([`spawn_blocking`](crate::task::spawn_blocking)) inhibits auto-advance
/// from its spawn until it completes, as in tokio.
///
/// Pausing needs the current-thread runtime (the default of
/// `#[spindle::test]`); [`Builder::start_paused`](crate::runtime::Builder::start_paused)
/// and `#[spindle::test(start_paused = true)]` start a runtime paused.
///
/// # Panics
///
/// Outside a runtime ("time cannot be frozen from outside the spindle
/// runtime"), on a multi-thread runtime ("`time::pause()` requires the
/// `current_thread` runtime..."), or if time is already paused ("time is
/// already frozen"): tokio's messages.
///
/// ```
/// use spindle::time::{self, Instant};
/// use std::time::Duration;
///
/// let rt = spindle::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     time::pause();
///     let start = Instant::now();
///     let wall = std::time::Instant::now();
///     time::sleep(Duration::from_secs(3600)).await; // auto-advance
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
///     assert!(wall.elapsed() < Duration::from_secs(60));
/// });
/// ```
#[track_caller]
pub fn pause() {
    current_clock().pause();
}

/// Resumes time (tokio's `time::resume`): the clock runs in real time
/// again, from the value it had while paused (it does not jump back to
/// `std`'s time).
///
/// # Panics
///
/// Outside a runtime, or if time is not paused ("time is not frozen").
///
/// ```
/// use spindle::time::{self, Instant};
/// use std::time::Duration;
///
/// let rt = spindle::runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let start = Instant::now();
///     time::advance(Duration::from_secs(10)).await;
///     time::resume();
///     let since = start.elapsed();
///     assert!(since >= Duration::from_secs(10) && since < Duration::from_secs(11));
/// });
/// ```
#[track_caller]
pub fn resume() {
    current_clock().resume();
}

/// Advances paused time by `duration` (tokio's `time::advance`).
///
/// The clock jumps in one step: every timer whose deadline it passes is
/// fired before the calling task resumes (it yields once after the jump),
/// and the woken tasks run in any order. It does not wait for them to
/// finish; to wait for a timer, `sleep` and let auto-advance move the
/// clock.
///
/// # Panics
///
/// When polled outside a runtime, or if time is not paused ("time is not
/// frozen").
///
/// ```
/// use spindle::time::{self, Instant};
/// use std::time::Duration;
///
/// let rt = spindle::runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let timer = spindle::spawn(time::sleep(Duration::from_millis(500)));
///     spindle::task::yield_now().await; // the task registers its timer
///     let start = Instant::now();
///     time::advance(Duration::from_secs(1)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(1));
///     assert!(timer.is_finished(), "the timer it passed fired and its task ran");
/// });
/// ```
pub async fn advance(duration: Duration) {
    let clock = current_clock();
    clock.advance(duration);
    if let Some(timer) = spindle_timer::Handle::try_current() {
        if timer.clock().same_clock(&clock) {
            timer.fire_due();
        }
    }
    crate::task::yield_now().await;
}
