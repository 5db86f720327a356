//! Sync model 6: `watch` `changed()` racing `send` (the receiver always
//! sees the last value, and is woken by the sender's drop).
#![cfg(spindle_loom)]

mod sync_common;

use spindle::sync::watch;
use spindle_executor::loom_api::block_on;

#[test]
fn watch_changed_races_send() {
    sync_common::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = loom::thread::spawn(move || {
            tx.send(1).unwrap();
        });
        block_on(async {
            // Changes until the sender is gone; the last value must be 1.
            while rx.changed().await.is_ok() {}
            assert_eq!(*rx.borrow(), 1);
        });
        t.join().unwrap();
    });
}
