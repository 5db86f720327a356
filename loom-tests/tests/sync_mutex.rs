//! Sync model 3: `Mutex` lock racing unlock (exclusion, nobody stranded),
//! and a cancelled `lock` future that had just been handed the lock passing
//! it on; mutant: `CancelledAcquireKeepsPermits`. Sync model 4: Semaphore
//! permits are never lost or duplicated when several-permit acquires are
//! cancelled.
#![cfg(spindle_loom)]

mod sync_common;

use spindle_executor::loom_api::block_on;

use std::sync::Arc;

use spindle::sync::loom_api::Mutant;
use spindle::sync::{Mutex, Semaphore};
use sync_common::poll_once;

#[test]
fn mutex_lock_races_unlock() {
    sync_common::model(|| {
        let m = Arc::new(Mutex::new(0));
        let t = loom::thread::spawn({
            let m = m.clone();
            move || block_on(async { *m.lock().await += 1 })
        });
        block_on(async { *m.lock().await += 1 });
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

fn cancelled_lock_passes_it_on() {
    sync_common::model(|| {
        let m = Arc::new(Mutex::new(()));
        let guard = m.try_lock().unwrap();
        let mut quitter = Box::pin(m.lock());
        assert!(poll_once(&mut quitter).is_pending());
        let t = loom::thread::spawn({
            let m = m.clone();
            move || block_on(async { drop(m.lock().await) })
        });
        drop(guard); // may hand the lock to `quitter`...
        drop(quitter); // ...which must pass it on
        t.join().unwrap();
        assert!(m.try_lock().is_ok());
    });
}

#[test]
fn mutex_cancelled_lock_passes_it_on() {
    cancelled_lock_passes_it_on();
}

#[test]
fn mutant_cancelled_acquire_keeps_permits_is_caught() {
    sync_common::mutant_must_fail(
        "mutant_cancelled_acquire_keeps_permits_is_caught",
        Mutant::CancelledAcquireKeepsPermits,
        cancelled_lock_passes_it_on,
    );
}

fn permits_survive_cancellation() {
    sync_common::model(|| {
        let sem = Arc::new(Semaphore::new(2));
        let quitter = loom::thread::spawn({
            let sem = sem.clone();
            move || {
                let mut acq = Box::pin(sem.acquire_many(2));
                let _ = poll_once(&mut acq);
            }
        });
        let taker = loom::thread::spawn({
            let sem = sem.clone();
            move || block_on(async { sem.acquire().await.unwrap().forget() })
        });
        let releaser = {
            let sem = sem.clone();
            move || sem.add_permits(1)
        };
        releaser();
        quitter.join().unwrap();
        taker.join().unwrap();
        // 2 + 1 added - 1 forgotten; whatever the quitter held came back.
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn semaphore_permits_survive_cancellation() {
    permits_survive_cancellation();
}

#[test]
fn mutant_cancelled_acquire_keeps_permits_is_caught_by_the_semaphore_model() {
    sync_common::mutant_must_fail(
        "mutant_cancelled_acquire_keeps_permits_is_caught_by_the_semaphore_model",
        Mutant::CancelledAcquireKeepsPermits,
        permits_survive_cancellation,
    );
}
