//! Worked example 2: a lost wake-up in a hand-written future, found by
//! loom on the real runtime.
//!
//! `Ready` is a one-shot flag a task can await. The buggy `poll` checks
//! the flag, and if it is not set yet stores the task's waker: when the
//! flag is set (and the waker slot found empty) between the check and the
//! store, nobody ever wakes the task. The `block_on` thread sleeps, the
//! workers sleep, and loom reports the deadlock (every thread blocked).
//! The fixed `poll` checks the flag again after storing its waker (the
//! pattern of every waker-based primitive: register, then re-check). The
//! waker slot is the user's own lock, switched to loom's inside the model
//! the way a user's code would (`cfg(spindle_loom)`); the flag is a
//! `spindle::sync::atomic::AtomicBool`, which is loom's there already.
#![cfg(spindle_loom)]

mod common;
mod user_common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::Mutex; // the user's switch: `std::sync::Mutex` in a normal build
use spindle::sync::atomic::{AtomicBool, Ordering};
use spindle::sync::Arc;
use user_common::trace;

/// A flag that one task sets and another awaits.
#[derive(Default)]
struct Ready {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Ready {
    fn set(&self) {
        self.set.store(true, Ordering::SeqCst);
        let waker = self.waker.lock().unwrap().take();
        trace(format!("setter: flag set, waker slot had {}", if waker.is_some() { "a waker" } else { "nothing" }));
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Awaits the flag. `fixed` chooses the correct `poll`.
struct Wait<'a> {
    ready: &'a Ready,
    fixed: bool,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let ready = self.ready;
        if ready.set.load(Ordering::SeqCst) {
            trace("waiter: sees the flag set");
            return Poll::Ready(());
        }
        trace("waiter: sees the flag clear");
        *ready.waker.lock().unwrap() = Some(cx.waker().clone());
        trace("waiter: stored its waker");
        // BUG when `!fixed`: the flag may have been set (and the empty
        // waker slot taken) between the load above and the store.
        if self.fixed && ready.set.load(Ordering::SeqCst) {
            trace("waiter: re-checks after storing, sees the flag set");
            return Poll::Ready(());
        }
        trace("waiter: returns Pending");
        Poll::Pending
    }
}

/// A task sets the flag while the `block_on` thread awaits it.
fn ready_model(fixed: bool) {
    user_common::model(move || {
        let rt = user_common::runtime(1);
        let ready = Arc::new(Ready::default());
        let setter = {
            let ready = ready.clone();
            rt.spawn(async move { ready.set() })
        };
        rt.block_on(async {
            Wait { ready: &ready, fixed }.await;
            setter.await.unwrap();
        });
    });
}

fn buggy() {
    ready_model(false);
}

#[test]
fn lost_wakeup_in_a_hand_written_future_is_caught() {
    common::mutant_must_fail(
        "lost_wakeup_in_a_hand_written_future_is_caught",
        common::Planted("no re-check after storing the waker"),
        buggy,
    );
}

#[test]
fn recheck_after_storing_the_waker_is_correct() {
    ready_model(true);
}
