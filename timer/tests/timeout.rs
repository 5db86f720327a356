//! `timeout` / `timeout_at`.

mod common;

use spindle_timer::Instant;
use std::error::Error;
use std::time::Duration;

use common::{Rt, PROMPT};
use spindle_timer::{sleep, timeout, timeout_at, Elapsed};

#[test]
fn elapsed() {
    let rt = Rt::new();
    rt.block_on(async {
        let start = Instant::now();
        let res = timeout(Duration::from_millis(10), std::future::pending::<()>()).await;
        let _: Elapsed = res.unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(10), "never early");
    });
}

#[test]
fn completed() {
    let rt = Rt::new();
    rt.block_on(async {
        assert_eq!(timeout(PROMPT, async { 5 }).await, Ok(5));
        let res = timeout(PROMPT, sleep(Duration::from_millis(5))).await;
        assert_eq!(res, Ok(()));
    });
}

#[test]
fn ready_future_wins_even_with_zero_duration() {
    let rt = Rt::new();
    rt.block_on(async {
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
        assert_eq!(timeout(Duration::MAX, async { 2 }).await, Ok(2));
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(timeout_at(past, async { 3 }).await, Ok(3));
        assert!(timeout(Duration::ZERO, std::future::pending::<()>()).await.is_err());
    });
}

#[test]
fn timeout_at_deadline() {
    let rt = Rt::new();
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_millis(10);
        let t = timeout_at(deadline, std::future::pending::<()>());
        assert_eq!(t.deadline(), deadline);
        assert!(t.await.is_err());
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn elapsed_is_an_error() {
    let rt = Rt::new();
    let err = rt.block_on(async { timeout(Duration::ZERO, std::future::pending::<()>()).await }).unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    let dyn_err: &dyn Error = &err;
    assert!(dyn_err.source().is_none());
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn not_pinned_future_in_timeout() {
    // A !Unpin inner future (an async block holding a borrow across await).
    let rt = Rt::new();
    rt.block_on(async {
        let fut = async {
            let x = 7;
            let r = &x;
            sleep(Duration::from_millis(1)).await;
            *r
        };
        assert_eq!(timeout(PROMPT, fut).await, Ok(7));
    });
}
