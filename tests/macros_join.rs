//! `join!`, `try_join!` and `pin!`: outputs, concurrency on one task,
//! rotation vs `biased;`, early return on error, borrowing.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Ready after `n` polls (waking itself each time); logs each poll.
struct CountDown<'a> {
    name: char,
    n: u32,
    log: &'a RefCell<Vec<char>>,
}

impl Future for CountDown<'_> {
    type Output = char;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<char> {
        self.log.borrow_mut().push(self.name);
        if self.n == 0 {
            Poll::Ready(self.name)
        } else {
            self.n -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn join_returns_every_output() {
    spindle::block_on(async {
        let (a, b, c, d) = spindle::join!(async { 1u8 }, async { "s" }, std::future::ready(3.5), async { vec![4] });
        assert_eq!((a, b, c, d), (1, "s", 3.5, vec![4]));
    });
}

#[test]
fn join_empty_and_trailing_comma() {
    spindle::block_on(async {
        let () = spindle::join!();
        let (x,) = spindle::join!(async { 9 },);
        assert_eq!(x, 9);
    });
}

#[test]
fn join_runs_concurrently_on_one_task() {
    spindle::block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel();
        // The receiver waits for the sender in the same join!: sequential
        // awaiting would deadlock.
        let (got, ()) = spindle::join!(async { rx.await.unwrap() }, async { tx.send(5).unwrap() });
        assert_eq!(got, 5);
    });
}

#[test]
fn join_borrows_from_the_scope() {
    spindle::block_on(async {
        let log = RefCell::new(Vec::new());
        let (a, b) = spindle::join!(CountDown { name: 'a', n: 1, log: &log }, CountDown { name: 'b', n: 1, log: &log });
        assert_eq!((a, b), ('a', 'b'));
        assert_eq!(log.borrow().len(), 4);
    });
}

#[test]
fn join_rotates_its_start() {
    spindle::block_on(async {
        let log = RefCell::new(Vec::new());
        spindle::join!(
            CountDown { name: 'a', n: 2, log: &log },
            CountDown { name: 'b', n: 2, log: &log },
            CountDown { name: 'c', n: 2, log: &log }
        );
        // First poll starts at a, the second at b, the third at c.
        assert_eq!(log.borrow()[..9], ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    });
}

#[test]
fn join_biased_keeps_the_order() {
    spindle::block_on(async {
        let log = RefCell::new(Vec::new());
        spindle::join!(
            biased;
            CountDown { name: 'a', n: 1, log: &log },
            CountDown { name: 'b', n: 1, log: &log }
        );
        assert_eq!(*log.borrow(), ['a', 'b', 'a', 'b']);
    });
}

#[test]
fn join_yields_when_the_budget_is_spent() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    let task = rt.spawn(async {
        while spindle::coop::has_budget_remaining() {
            spindle::coop::consume_budget().await;
        }
        let mut fut = std::pin::pin!(async { spindle::join!(std::future::ready(1)) });
        // Spent budget: the first poll yields instead of completing.
        let first_pending = poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await;
        assert!(first_pending);
        fut.await.0
    });
    assert_eq!(rt.block_on(task).unwrap(), 1);
}

#[test]
fn try_join_ok() {
    spindle::block_on(async {
        let res: Result<(u8, &str), ()> = spindle::try_join!(async { Ok(1) }, async { Ok("two") });
        assert_eq!(res, Ok((1, "two")));
        let empty: Result<(), ()> = spindle::try_join!();
        assert_eq!(empty, Ok(()));
    });
}

#[test]
fn try_join_returns_the_first_error_at_once() {
    spindle::block_on(async {
        let res: Result<((), u8), &str> =
            spindle::try_join!(std::future::pending::<Result<(), &str>>(), async { Err("failed") });
        assert_eq!(res, Err("failed"));
    });
}

#[test]
fn try_join_drops_the_others_on_error() {
    spindle::block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let res: Result<((), ()), u8> = spindle::try_join!(
            async move {
                // Held until the try_join! drops this future.
                let _tx = tx;
                std::future::pending::<()>().await;
                Ok(())
            },
            async { Err(7) }
        );
        assert_eq!(res, Err(7));
        assert!(rx.await.is_err(), "the pending branch was dropped with its sender");
    });
}

#[test]
fn pin_both_forms() {
    spindle::block_on(async {
        let fut = async { 2 };
        spindle::pin!(fut);
        let polled = poll_fn(|cx| fut.as_mut().poll(cx)).await;
        assert_eq!(polled, 2);

        spindle::pin! {
            let a = async { 1 };
            let b = std::future::ready(3);
        }
        assert_eq!(a.await + b.await, 4);
    });
}
