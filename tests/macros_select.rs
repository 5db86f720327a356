//! `select!`: first-ready wins, losers dropped before the handler,
//! random start vs `biased;`, patterns that disable a branch, `if`
//! preconditions, `else`, the all-disabled panic, `mut`/`ref` patterns,
//! and use in a loop.

use std::cell::Cell;
use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;

/// Sets its flag when dropped.
struct DropFlag<'a>(&'a Cell<bool>);

impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Counts its polls; pending forever.
struct CountPolls<'a>(&'a Cell<u32>);

impl Future for CountPolls<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.0.set(self.0.get() + 1);
        Poll::Pending
    }
}

#[test]
fn first_ready_wins() {
    spindle::block_on(async {
        let v = spindle::select! {
            _ = pending::<()>() => 0,
            v = ready(5) => v,
        };
        assert_eq!(v, 5);
    });
}

#[test]
fn sleep_against_a_channel() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        spindle::spawn(async move {
            spindle::time::sleep(Duration::from_millis(5)).await;
            tx.send("message").unwrap();
        });
        let got = spindle::select! {
            msg = rx => msg.unwrap(),
            _ = spindle::time::sleep(Duration::from_secs(30)) => "timeout",
        };
        assert_eq!(got, "message");
    });
}

#[test]
fn losers_are_dropped_before_the_handler() {
    spindle::block_on(async {
        let dropped = Cell::new(false);
        let guard = DropFlag(&dropped);
        let seen_in_handler = spindle::select! {
            biased;
            _ = async move { let _g = guard; pending::<()>().await } => unreachable!(),
            _ = ready(()) => dropped.get(),
        };
        // The pending branch was polled first (biased), then dropped.
        assert!(seen_in_handler);
    });
}

#[test]
fn biased_polls_in_order() {
    spindle::block_on(async {
        for _ in 0..50 {
            let v = spindle::select! {
                biased;
                v = ready(1) => v,
                v = ready(2) => v,
            };
            assert_eq!(v, 1);
        }
    });
}

#[test]
fn unbiased_start_is_random() {
    spindle::block_on(async {
        let mut wins = [0u32; 3];
        for _ in 0..300 {
            let v: usize = spindle::select! {
                v = ready(0) => v,
                v = ready(1) => v,
                v = ready(2) => v,
            };
            wins[v] += 1;
        }
        assert!(wins.iter().all(|&w| w > 30), "every branch wins sometimes: {wins:?}");
    });
}

#[test]
fn mismatched_pattern_disables_the_branch() {
    spindle::block_on(async {
        let got = spindle::select! {
            biased;
            Some(v) = ready(None::<u8>) => v,
            Ok(v) = ready(Err::<u8, ()>(())) => v,
            v = async { spindle::task::yield_now().await; 9 } => v,
        };
        assert_eq!(got, 9);
    });
}

#[test]
fn precondition_false_never_polls() {
    spindle::block_on(async {
        let polls = Cell::new(0);
        let got = spindle::select! {
            _ = CountPolls(&polls), if false => 0,
            v = async { spindle::task::yield_now().await; 4 } => v,
        };
        assert_eq!(got, 4);
        assert_eq!(polls.get(), 0);
    });
}

#[test]
fn else_when_every_branch_is_disabled() {
    spindle::block_on(async {
        let got = spindle::select! {
            Some(v) = ready(None::<u8>) => v,
            v = ready(1u8), if false => v,
            else => 99,
        };
        assert_eq!(got, 99);
    });
}

#[test]
#[should_panic(expected = "all branches are disabled and there is no else branch")]
fn all_disabled_without_else_panics() {
    spindle::block_on(async {
        spindle::select! {
            Some(v) = ready(None::<u8>) => v,
            v = ready(2u8), if false => v,
        }
    });
}

#[test]
fn mut_and_ref_bindings() {
    spindle::block_on(async {
        let got = spindle::select! {
            (mut a, ref b) = ready((1, String::from("x"))) => {
                a += 1;
                format!("{a}{b}")
            }
        };
        assert_eq!(got, "2x");
    });
}

#[test]
fn block_handlers_without_commas_and_expression_last() {
    spindle::block_on(async {
        let got = spindle::select! {
            biased;
            v = ready(1) => { v + 1 }
            v = ready(2), if true => { v }
            v = ready(3) => v
        };
        assert_eq!(got, 2);
    });
}

#[test]
fn in_a_loop_over_a_stream_and_a_pinned_sleep() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::unbounded::<u32>();
        for i in 1..=5 {
            tx.unbounded_send(i).unwrap();
        }
        drop(tx);
        let deadline = spindle::time::sleep(Duration::from_secs(30));
        spindle::pin!(deadline);
        let mut sum = 0;
        let mut open = true;
        loop {
            spindle::select! {
                Some(v) = rx.next(), if open => sum += v,
                _ = &mut deadline, if open => panic!("the deadline should not fire"),
                else => break,
            }
            // With every value in, both preconditions go false: all
            // branches disabled, so `else` ends the loop.
            if sum == 15 {
                open = false;
            }
        }
        assert_eq!(sum, 15);
    });
}

#[test]
fn yields_when_the_budget_is_spent() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    let task = rt.spawn(async {
        while spindle::coop::has_budget_remaining() {
            spindle::coop::consume_budget().await;
        }
        let mut fut = std::pin::pin!(async {
            spindle::select! { v = ready(1) => v }
        });
        let first_pending = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await;
        assert!(first_pending);
        fut.await
    });
    assert_eq!(rt.block_on(task).unwrap(), 1);
}

#[test]
fn borrows_resources_again_in_the_handler() {
    spindle::block_on(async {
        let mut buf = vec![1, 2, 3];
        let n = spindle::select! {
            n = async { buf.len() } => {
                // The future that borrowed `buf` is gone here.
                buf.push(4);
                n
            }
        };
        assert_eq!((n, buf.len()), (3, 4));
    });
}
