//! Sync model 1: `oneshot` send racing the receiver's drop (the value is
//! dropped exactly once, by one side), and send racing a waiting receiver
//! (always woken), the sender's drop racing a waiting receiver, and
//! `closed()` racing the receiver's drop, a received value dropped once as
//! both sides let go of the channel; mutant: `OneshotSendSkipsWake`.
#![cfg(spindle_loom)]

mod sync_common;

use spindle_executor::loom_api::block_on;

use spindle::sync::loom_api::Mutant;
use spindle::sync::oneshot;
use sync_common::DropCounter;

#[test]
fn send_races_receiver_drop() {
    sync_common::model(|| {
        let drops = DropCounter::default();
        let (tx, rx) = oneshot::channel();
        let value = drops.track();
        let t = loom::thread::spawn(move || tx.send(value).is_ok());
        drop(rx);
        let sent = t.join().unwrap();
        // Either the receiver's drop took the value, or `send` returned it
        // (dropped with the Err): once in both cases.
        assert_eq!(drops.count(), 1, "sent: {sent}");
    });
}

fn send_wakes_waiting_receiver() {
    sync_common::model(|| {
        let (tx, rx) = oneshot::channel();
        let t = loom::thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx), Ok(7));
        t.join().unwrap();
    });
}

#[test]
fn send_races_waiting_receiver() {
    send_wakes_waiting_receiver();
}

#[test]
fn received_value_dropped_once_as_both_sides_let_go() {
    sync_common::model(|| {
        let drops = DropCounter::default();
        let (tx, rx) = oneshot::channel();
        let value = drops.track();
        // The sender lets go of the channel after its send, while the
        // receiver takes the value and lets go of the channel at once.
        let t = loom::thread::spawn(move || tx.send(value).is_ok());
        let got = block_on(rx).ok();
        assert!(t.join().unwrap());
        assert_eq!(drops.count(), 0);
        drop(got);
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn closed_races_receiver_drop() {
    sync_common::model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let t = loom::thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        t.join().unwrap();
    });
}

#[test]
fn sender_drop_races_waiting_receiver() {
    sync_common::model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let t = loom::thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        t.join().unwrap();
    });
}

#[test]
fn receiver_replaces_its_waker_while_the_value_is_sent() {
    sync_common::model(|| {
        let (tx, mut rx) = oneshot::channel();
        assert!(sync_common::poll_once(&mut rx).is_pending()); // a no-op waker stored
        let t = loom::thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(block_on(&mut rx), Ok(1)); // another waker: replaced in the race
        t.join().unwrap();
    });
}

#[test]
fn sender_replaces_its_waker_while_the_receiver_closes() {
    sync_common::model(|| {
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(tx.poll_closed(&mut cx).is_pending());
        let t = loom::thread::spawn(move || rx.close());
        block_on(tx.closed());
        t.join().unwrap();
    });
}

#[test]
fn mutant_oneshot_send_skips_wake_is_caught() {
    sync_common::mutant_must_fail(
        "mutant_oneshot_send_skips_wake_is_caught",
        Mutant::OneshotSendSkipsWake,
        send_wakes_waiting_receiver,
    );
}
