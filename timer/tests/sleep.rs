//! `sleep` / `sleep_until` / `Sleep` behaviour.

mod common;

use spindle_timer::Instant;
use std::time::Duration;

use common::{poll_once, CountingWaker, Rt, PROMPT};
use futures_util::future::join_all;
use spindle_timer::{sleep, sleep_until, timeout};

#[test]
fn smoke() {
    let rt = Rt::new();
    rt.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_millis(10)).await;
        assert!(start.elapsed() >= Duration::from_millis(10));
    });
}

#[test]
fn completes_in_deadline_order() {
    let rt = Rt::new();
    let order = std::sync::Mutex::new(Vec::new());
    rt.block_on(async {
        let delays = [30u64, 5, 20, 0, 10, 25, 15];
        join_all(delays.iter().map(|&ms| {
            let order = &order;
            async move {
                let deadline = Instant::now() + Duration::from_millis(ms);
                sleep_until(deadline).await;
                assert!(Instant::now() >= deadline, "fired early");
                order.lock().unwrap().push(ms);
            }
        }))
        .await;
    });
    let order = order.into_inner().unwrap();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    // join_all polls in index order after a wake-up batch, so two sleeps 5 ms
    // apart could only swap if the machine stalled past both; compare as sets
    // and check that the order is at least roughly increasing.
    assert_eq!(sorted, vec![0, 5, 10, 15, 20, 25, 30]);
    assert_eq!(order.first(), Some(&0));
}

#[test]
fn zero_duration_completes_on_first_poll() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let waker = CountingWaker::new();
    let mut s = sleep(Duration::ZERO);
    assert!(!s.is_elapsed(), "as tokio: not elapsed before the timer fired or was polled");
    assert!(poll_once(&mut s, &waker.waker()).is_ready());
    assert!(s.is_elapsed());
    let mut s = sleep_until(Instant::now());
    assert!(poll_once(&mut s, &waker.waker()).is_ready(), "now is not rounded up");
    let mut s = sleep_until(Instant::now() - Duration::from_secs(1));
    assert!(poll_once(&mut s, &waker.waker()).is_ready(), "past deadline");
    assert_eq!(waker.count(), 0);
}

#[test]
fn duration_max_saturates() {
    let rt = Rt::new();
    rt.block_on(async {
        let s = sleep(Duration::MAX);
        assert!(s.deadline() > Instant::now() + Duration::from_secs(86_400 * 365 * 10));
        assert!(!s.is_elapsed());
        let res = timeout(Duration::from_millis(20), s).await;
        assert!(res.is_err(), "Duration::MAX never elapses");
        let far = Instant::now() + Duration::from_secs(86_400 * 365 * 100);
        assert!(timeout(Duration::from_millis(5), sleep_until(far)).await.is_err());
    });
}

#[test]
fn reset_earlier() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut s = sleep(Duration::from_secs(3600));
        // Register it first, then pull the deadline in.
        assert!(timeout(Duration::from_millis(1), &mut s).await.is_err());
        let deadline = Instant::now() + Duration::from_millis(10);
        s.reset(deadline);
        assert_eq!(s.deadline(), deadline);
        let start = Instant::now();
        timeout(PROMPT, &mut s).await.expect("reset sleep did not fire");
        assert!(Instant::now() >= deadline);
        assert!(start.elapsed() < PROMPT);
        assert!(s.is_elapsed());
    });
}

#[test]
fn reset_later_is_not_early() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut s = sleep(Duration::from_millis(5));
        // Registers it (unless the machine stalled past 5 ms: then the reset
        // below re-arms a fired sleep, which must not be early either).
        let _ = timeout(Duration::from_millis(1), &mut s).await;
        let deadline = Instant::now() + Duration::from_millis(60);
        s.reset(deadline);
        // The old deadline passes: nothing may fire before the new one.
        if timeout(Duration::from_millis(20), &mut s).await.is_ok() {
            assert!(Instant::now() >= deadline, "fired at the old deadline");
        }
        (&mut s).await;
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn reset_after_firing_rearms() {
    let rt = Rt::new();
    rt.block_on(async {
        let mut s = sleep(Duration::from_millis(2));
        (&mut s).await;
        assert!(s.is_elapsed());
        let deadline = Instant::now() + Duration::from_millis(10);
        s.reset(deadline);
        assert!(!s.is_elapsed());
        (&mut s).await;
        assert!(Instant::now() >= deadline);
        // Reset into the past: complete at once.
        s.reset(Instant::now() - Duration::from_millis(1));
        assert!(s.is_elapsed());
        (&mut s).await;
    });
}

#[test]
fn reset_to_the_past_wakes_the_waiting_task() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let waker = CountingWaker::new();
    let mut s = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut s, &waker.waker()).is_pending());
    s.reset(Instant::now());
    assert_eq!(waker.count(), 1);
    assert!(poll_once(&mut s, &waker.waker()).is_ready());
}

#[test]
fn drop_cancels_without_waking() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let dropped = CountingWaker::new();
    let kept = CountingWaker::unparking(std::thread::current());
    let deadline = Instant::now() + Duration::from_millis(50);
    let mut a = sleep_until(deadline);
    let mut b = sleep_until(deadline);
    assert!(poll_once(&mut a, &dropped.waker()).is_pending());
    assert!(poll_once(&mut b, &kept.waker()).is_pending());
    drop(a);
    let dropped_at = Instant::now();
    let start = Instant::now();
    while kept.count() == 0 && start.elapsed() < PROMPT {
        std::thread::park_timeout(Duration::from_millis(10));
    }
    assert_eq!(kept.count(), 1, "the kept sleep fires once");
    std::thread::sleep(Duration::from_millis(20));
    if dropped_at < deadline {
        assert_eq!(dropped.count(), 0, "a dropped sleep is never woken");
    }
    assert!(poll_once(&mut b, &kept.waker()).is_ready());
}

#[test]
fn earlier_deadline_unparks_a_sleeping_driver() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let long = CountingWaker::new();
    let mut far = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut far, &long.waker()).is_pending());
    // Let the driver go to sleep toward the far deadline.
    std::thread::sleep(Duration::from_millis(20));
    // Register from another thread (another shard, likely), poll once, and
    // wait for the driver's wake-up (re-polling would read the clock itself).
    let handle = rt.handle();
    let woken = std::thread::spawn(move || {
        let _enter = handle.enter();
        let waker = CountingWaker::unparking(std::thread::current());
        let mut s = sleep(Duration::from_millis(10));
        assert!(poll_once(&mut s, &waker.waker()).is_pending());
        let start = Instant::now();
        while waker.count() == 0 && start.elapsed() < PROMPT {
            std::thread::park_timeout(Duration::from_millis(10));
        }
        waker.count()
    })
    .join()
    .unwrap();
    assert_eq!(woken, 1, "the driver missed the new, earlier deadline");
    assert_eq!(long.count(), 0);
}

#[test]
fn waker_is_updated_on_repoll() {
    let rt = Rt::new();
    let _enter = rt.handle().enter();
    let first = CountingWaker::new();
    let second = CountingWaker::unparking(std::thread::current());
    let deadline = Instant::now() + Duration::from_millis(50);
    let mut s = sleep_until(deadline);
    assert!(poll_once(&mut s, &first.waker()).is_pending());
    assert!(poll_once(&mut s, &second.waker()).is_pending());
    let replaced_at = Instant::now();
    let start = Instant::now();
    while second.count() == 0 && start.elapsed() < PROMPT {
        std::thread::park_timeout(Duration::from_millis(10));
    }
    if replaced_at < deadline {
        assert_eq!(second.count(), 1);
        assert_eq!(first.count(), 0, "the replaced waker is not woken");
    }
}

#[test]
fn sleeps_spread_over_many_shards() {
    let rt = Rt::with_shards(4);
    rt.block_on(async {
        let start = Instant::now();
        join_all((0..50u64).map(|i| sleep(Duration::from_micros(i * 200)))).await;
        assert!(start.elapsed() >= Duration::from_micros(49 * 200));
    });
}
