//! Worked example 3: `spindle::time` inside a loom model runs in virtual
//! time. The clock stands still while any task (or the `block_on` future)
//! can run, and jumps to the next timer deadline once every worker and the
//! `block_on` thread are idle: an hour's sleep costs nothing, and a
//! timeout's outcome is the same in every interleaving loom explores (it
//! depends only on which deadline comes first).
#![cfg(spindle_loom)]

mod common;
mod user_common;

use std::time::Duration;

use spindle::sync::oneshot;
use spindle::time::{self, Instant};

/// A task sleeps an hour on one of two workers; the `block_on` thread
/// waits for it. The clock reads exactly one hour later, in every
/// interleaving.
#[test]
fn sleep_an_hour_in_virtual_time() {
    sleep_an_hour();
}

fn sleep_an_hour() {
    user_common::model(|| {
        let rt = user_common::runtime(2);
        rt.block_on(async {
            let start = Instant::now();
            let sleeper = spindle::spawn(async {
                time::sleep(Duration::from_secs(3600)).await;
                Instant::now()
            });
            let woke = sleeper.await.unwrap();
            assert_eq!(woke - start, Duration::from_secs(3600));
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
        });
    });
}

/// A reply that comes after 10 s misses a 5 s timeout; one that comes
/// after 1 s makes it. Whatever the interleaving, the outcome and the
/// instant it is seen at follow from the deadlines alone.
#[test]
fn timeout_outcome_follows_the_deadlines() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            for (reply_after, expect_reply) in [(10, false), (1, true)] {
                let start = Instant::now();
                let (tx, rx) = oneshot::channel();
                spindle::spawn(async move {
                    time::sleep(Duration::from_secs(reply_after)).await;
                    let _ = tx.send(reply_after);
                });
                let got = time::timeout(Duration::from_secs(5), rx).await;
                assert_eq!(got.is_ok(), expect_reply, "reply after {reply_after} s");
                let waited = if expect_reply { reply_after } else { 5 };
                assert_eq!(start.elapsed(), Duration::from_secs(waited));
            }
        });
    });
}

/// The clock's own protocol can fail too: if the last busy party to stop
/// forgot to wake the timer driver waiting to advance the clock, a sleep
/// would never end (every thread blocked: loom reports the deadlock).
#[test]
fn mutant_clock_allow_skips_driver_is_caught() {
    common::mutant_must_fail(
        "mutant_clock_allow_skips_driver_is_caught",
        spindle_executor::loom_api::Mutant::ClockAllowSkipsDriver,
        sleep_an_hour,
    );
}

/// While the `block_on` future can run, the clock does not jump, even with
/// the only worker idle and a timer armed.
#[test]
fn clock_stands_still_while_block_on_runs() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            let start = Instant::now();
            let sleeper = spindle::spawn(time::sleep(Duration::from_secs(3600)));
            for _ in 0..3 {
                spindle::task::yield_now().await;
                assert_eq!(start.elapsed(), Duration::ZERO);
            }
            sleeper.await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
        });
    });
}

/// The current-thread flavor inside a model runs in virtual time too.
#[test]
fn current_thread_sleeps_in_virtual_time() {
    user_common::model(|| {
        let rt = spindle::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let ticker = spindle::spawn(async {
                let mut every = time::interval(Duration::from_secs(60));
                for _ in 0..3 {
                    every.tick().await;
                }
            });
            time::sleep(Duration::from_secs(90)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(90));
            ticker.await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(120));
        });
    });
}

/// Nor while a task can run: a task that yields without any timer sees the
/// clock stand still, though another task's hour-long timer is armed. (On
/// two workers this model takes 14 s at bound 1; one keeps it cheap.)
#[test]
fn clock_stands_still_while_a_task_can_run() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            let start = Instant::now();
            let sleeper = spindle::spawn(time::sleep(Duration::from_secs(3600)));
            let busy = spindle::spawn(async move {
                for _ in 0..2 {
                    spindle::task::yield_now().await;
                    assert_eq!(start.elapsed(), Duration::ZERO, "the clock jumped while a task could run");
                }
            });
            busy.await.unwrap();
            sleeper.await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
        });
    });
}
