//! `block_on` woken from another thread while it is about to
//! park always returns.
#![cfg(spindle_loom)]

mod common;

use common::Signal;
use spindle_executor::loom_api::{block_on, Mutant};

fn woken_while_parking() {
    common::model(|| {
        let signal = Signal::new();
        let t = loom::thread::spawn({
            let signal = signal.clone();
            move || signal.fire()
        });
        block_on(signal.wait());
        t.join().unwrap();
    });
}

#[test]
fn block_on_woken_while_parking() {
    woken_while_parking();
}

#[test]
fn mutant_parker_ignores_notified_is_caught() {
    common::mutant_must_fail(
        "mutant_parker_ignores_notified_is_caught",
        Mutant::ParkerIgnoresNotified,
        woken_while_parking,
    );
}
