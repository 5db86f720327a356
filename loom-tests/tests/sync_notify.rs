//! Sync model 5: `Notify::notify_one` racing `notified()` (the permit is
//! stored when nobody waits, never lost); mutant: `NotifyOneDropsPermit`.
#![cfg(spindle_loom)]

mod sync_common;

use spindle_executor::loom_api::block_on;

use std::sync::Arc;

use spindle::sync::loom_api::Mutant;
use spindle::sync::Notify;

fn notify_one_races_notified() {
    sync_common::model(|| {
        let n = Arc::new(Notify::new());
        let t = loom::thread::spawn({
            let n = n.clone();
            move || n.notify_one()
        });
        block_on(n.notified());
        t.join().unwrap();
    });
}

#[test]
fn notify_one_races_notified_permit_stored() {
    notify_one_races_notified();
}

#[test]
fn mutant_notify_one_drops_permit_is_caught() {
    sync_common::mutant_must_fail(
        "mutant_notify_one_drops_permit_is_caught",
        Mutant::NotifyOneDropsPermit,
        notify_one_races_notified,
    );
}

#[test]
fn notify_waiters_races_a_registered_waiter() {
    sync_common::model(|| {
        let n = Arc::new(Notify::new());
        let mut fut = Box::pin(n.notified());
        let _ = fut.as_mut().enable();
        let t = loom::thread::spawn({
            let n = n.clone();
            move || n.notify_waiters()
        });
        block_on(fut);
        t.join().unwrap();
    });
}
