//! Sync model 2: the bounded `mpsc` channel, full, with a send racing the
//! receive that frees its slot (mutant: `ReleaseIgnoresWaiters`), and a
//! dropped `send` future passing the slot it was given on to the next
//! sender.
#![cfg(spindle_loom)]

mod sync_common;

use spindle_executor::loom_api::block_on;

use spindle::sync::loom_api::Mutant;
use spindle::sync::mpsc;
use sync_common::poll_once;

fn send_races_recv_when_full() {
    sync_common::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let t = loom::thread::spawn(move || block_on(tx.send(2)).unwrap());
        block_on(async {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None);
        });
        t.join().unwrap();
    });
}

#[test]
fn bounded_send_races_recv_when_full() {
    send_races_recv_when_full();
}

#[test]
fn mutant_release_ignores_waiters_is_caught() {
    sync_common::mutant_must_fail(
        "mutant_release_ignores_waiters_is_caught",
        Mutant::ReleaseIgnoresWaiters,
        send_races_recv_when_full,
    );
}

#[test]
fn dropped_send_future_passes_its_slot_on() {
    sync_common::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let tx2 = tx.clone();
        // A sender that queues for the slot, then gives up.
        let quitter = loom::thread::spawn(move || {
            let mut send = Box::pin(tx2.send(1));
            let _ = poll_once(&mut send);
        });
        let sender = loom::thread::spawn(move || block_on(tx.send(2)).unwrap());
        block_on(async {
            assert_eq!(rx.recv().await, Some(0));
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            // 1 only if the quitter's first poll found the slot free.
            assert!(got == [2] || got == [1, 2] || got == [2, 1], "{got:?}");
        });
        quitter.join().unwrap();
        sender.join().unwrap();
    });
}
