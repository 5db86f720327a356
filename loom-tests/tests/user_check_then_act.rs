//! Worked example 1: a check-then-act on a shared counter across an
//! `.await`, found by loom on the real runtime.
//!
//! A ticket office sells its last ticket from two tasks. The buggy
//! `sell` checks, under the office's lock, that a ticket is left, releases
//! the lock, awaits (a stand-in for a payment call, a log write, any
//! `.await`), then takes the lock again and takes the ticket: both tasks
//! can pass the check before either takes, and the office sells more
//! tickets than it has. The fixed `sell` checks and takes in one critical
//! section, before the `.await`. Only public API: the runtime built with
//! `spindle::runtime::Builder`, `spindle::spawn`, `spindle::sync::{Mutex,
//! Arc}` (loom's primitives inside the model), `spindle::task::yield_now`.
#![cfg(spindle_loom)]

mod common;
mod user_common;

use spindle::sync::{Arc, Mutex};
use user_common::trace;

/// The tickets left, and how many were sold.
#[derive(Default)]
struct Office {
    left: u32,
    sold: u32,
}

/// BUG: the check and the act are separated by an `.await`.
async fn sell_buggy(office: &Mutex<Office>, who: &str) -> bool {
    let left = office.lock().await.left;
    trace(format!("{who}: checks, sees {left} left"));
    if left == 0 {
        return false;
    }
    spindle::task::yield_now().await; // "take the payment"
    let mut office = office.lock().await;
    office.left = office.left.saturating_sub(1);
    office.sold += 1;
    trace(format!("{who}: sells one ({} sold)", office.sold));
    true
}

/// Fixed: the ticket is taken in the same critical section as the check,
/// then the `.await` happens.
async fn sell_fixed(office: &Mutex<Office>, who: &str) -> bool {
    {
        let mut office = office.lock().await;
        trace(format!("{who}: checks, sees {} left", office.left));
        if office.left == 0 {
            return false;
        }
        office.left -= 1;
        office.sold += 1;
    }
    spindle::task::yield_now().await; // "take the payment"
    true
}

/// One ticket, two buyers on two workers: exactly one gets it.
fn office_model(fixed: bool) {
    user_common::model(move || {
        let rt = user_common::runtime(2);
        let office = Arc::new(Mutex::new(Office { left: 1, sold: 0 }));
        let buyers: Vec<_> = ["task A", "task B"]
            .into_iter()
            .map(|who| {
                let office = office.clone();
                rt.spawn(async move {
                    if fixed {
                        sell_fixed(&office, who).await
                    } else {
                        sell_buggy(&office, who).await
                    }
                })
            })
            .collect();
        let (served, sold) = rt.block_on(async {
            let mut served = 0;
            for b in buyers {
                served += u32::from(b.await.unwrap());
            }
            (served, office.lock().await.sold)
        });
        assert!(sold <= 1, "sold {sold} tickets but had 1");
        assert_eq!(served, 1, "the one ticket was sold once");
    });
}
fn buggy() {
    office_model(false);
}

#[test]
fn check_then_act_across_await_is_caught() {
    common::mutant_must_fail(
        "check_then_act_across_await_is_caught",
        common::Planted("check-then-act across .await"),
        buggy,
    );
}

#[test]
fn check_and_take_in_one_critical_section_is_correct() {
    office_model(true);
}

/// The README's example ("Model-check your own code"), kept compiling and
/// passing here.
#[test]
fn readme_example() {
    user_common::model(|| {
        let rt = spindle::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        rt.block_on(async {
            let office = spindle::sync::Arc::new(spindle::sync::Mutex::new(1u32));
            let sell = |office: spindle::sync::Arc<spindle::sync::Mutex<u32>>| async move {
                let mut left = office.lock().await;
                let sold = *left > 0;
                *left -= u32::from(sold);
                sold
            };
            let a = spindle::spawn(sell(office.clone()));
            let b = spindle::spawn(sell(office.clone()));
            assert_eq!(u32::from(a.await.unwrap()) + u32::from(b.await.unwrap()), 1);
        });
    });
}
