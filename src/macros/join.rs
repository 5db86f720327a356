//! `join!`: await several futures concurrently on the current task and
//! return all their outputs; also the polling machinery `try_join!` shares.
//!
//! One engine, the `@` arm of `join!`, serves both macros: the futures sit
//! in a tuple of pinned `MaybeDone`s; each poll visits every unfinished one
//! once, starting where [`Rotator`] says (one further along each time, or
//! at the first with `biased;`), and the outputs are taken out when all are
//! done. What differs is the branch rule, a type the expansion names:
//! [`Join`] (every output is a value) or [`TryJoin`] (a branch's `Err`
//! returns at once). Branch `i` reaches its tuple field with the pattern
//! `( _, _, .., fut, .. )`, `i` underscores long: the `( $($skip)* )` list
//! the munching rule builds up, one `_` per earlier future. The types here
//! are reached by the expansions as `$crate::macros::support::*`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use futures_util::future::MaybeDone;

/// Waits on several futures concurrently, on the current task, and
/// returns a tuple of their outputs once **all** of them are done; tokio's
/// `join!`.
///
/// The futures run concurrently, not in parallel: spawn them for
/// parallelism. Starting with `biased;` polls them in the order written;
/// otherwise the start rotates from poll to poll.
///
/// # Cancel safety
/// Dropping the `join!` future drops every future in it; whatever they had
/// done is lost (as with any future dropped half-way).
///
/// ```
/// spindle::block_on(async {
///     let (a, b, c) = spindle::join!(async { 1 }, async { "two" }, async { 3.0 });
///     assert_eq!((a, b, c), (1, "two", 3.0));
///
///     let (x, y) = spindle::join!(biased; async { 'x' }, std::future::ready('y'));
///     assert_eq!((x, y), ('x', 'y'));
/// });
/// ```
#[macro_export]
macro_rules! join {
    // The engine (also `try_join!`'s), all futures normalised: `( $($skip)* )`
    // before each one; `$mode` is `support::Join` or `support::TryJoin`.
    (@ {
        mode = $mode:ty;
        biased = $biased:literal;
        ( $($count:tt)* )
        ( $($total:tt)* )
        $( ( $($skip:tt)* ) $e:expr, )*
    }) => {{
        // Pinned where they stand: `pin!`'s temporaries live as long as
        // this block, inside the enclosing (pinned) async state.
        let mut futures = ( $( ::core::pin::pin!($crate::macros::support::maybe_done(
            $crate::macros::support::IntoFuture::into_future($e)
        )), )* );
        let mut rotator = $crate::macros::support::Rotator::new($($total)*, $biased);
        $crate::macros::support::poll_fn(|cx| {
            $crate::macros::support::ready!($crate::macros::support::poll_budget_available(cx));
            let mut skip = rotator.start();
            let mut to_run: u32 = $($total)*;
            let mut is_pending = false;
            // Goes round the branches until each has been visited once,
            // beginning `skip` branches in.
            loop {
                $(
                    if skip == 0 {
                        if to_run == 0 {
                            break;
                        }
                        to_run -= 1;
                        let ( $($skip,)* fut, .. ) = &mut futures;
                        if $crate::macros::support::Future::poll(fut.as_mut(), cx).is_pending() {
                            is_pending = true;
                        } else if let $crate::macros::support::Option::Some(error) = <$mode>::take_err(fut.as_mut()) {
                            return $crate::macros::support::Poll::Ready(<$mode>::finish(
                                $crate::macros::support::Result::Err(error),
                            ));
                        }
                    } else {
                        skip -= 1;
                    }
                )*
            }
            if is_pending {
                $crate::macros::support::Poll::Pending
            } else {
                $crate::macros::support::Poll::Ready(<$mode>::finish($crate::macros::support::Result::Ok(($({
                    let ( $($skip,)* fut, .. ) = &mut futures;
                    <$mode>::take_value(fut.as_mut())
                },)*))))
            }
        }).await
    }};

    // Munch one future.
    (@ { mode = $mode:ty; biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::join!(@{ mode = $mode; biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) $e, } $($r)*)
    };

    ( biased; $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ mode = $crate::macros::support::Join; biased = true; () (0) } $($e,)*)
    };

    ( $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ mode = $crate::macros::support::Join; biased = false; () (0) } $($e,)*)
    };

    ( biased; ) => { async {}.await };

    () => { async {}.await };
}

/// Where a poll of `join!` / `try_join!` starts: always at the first
/// branch under `biased;`, else one branch further along each poll, so
/// that one always-ready future cannot starve the others.
#[derive(Debug)]
pub struct Rotator {
    next: u32,
    count: u32,
    biased: bool,
}

impl Rotator {
    /// A rotator over `count` branches (`count > 0`).
    pub const fn new(count: u32, biased: bool) -> Rotator {
        Rotator { next: 0, count, biased }
    }

    /// How many branches this poll skips before it starts.
    #[inline]
    pub fn start(&mut self) -> u32 {
        if self.biased {
            return 0;
        }
        let start = self.next;
        // A compare, not `% count`: no division on every poll.
        self.next += 1;
        if self.next == self.count {
            self.next = 0;
        }
        start
    }
}

/// `join!`'s branch rule: every output is a value and nothing returns
/// early; the result is the tuple itself.
#[derive(Debug)]
pub struct Join;

impl Join {
    /// Never an error: `join!` waits for every branch.
    #[inline]
    pub fn take_err<F: Future>(_fut: Pin<&mut MaybeDone<F>>) -> Option<Infallible> {
        None
    }

    /// The finished branch's output.
    #[inline]
    pub fn take_value<F: Future>(fut: Pin<&mut MaybeDone<F>>) -> F::Output {
        fut.take_output().expect("join!: a finished future has its output")
    }

    /// The tuple of outputs.
    #[inline]
    pub fn finish<T>(result: Result<T, Infallible>) -> T {
        match result {
            Ok(outputs) => outputs,
            Err(never) => match never {},
        }
    }
}

/// `try_join!`'s branch rule: a branch that finishes with `Err` ends the
/// whole join with that error; otherwise the result is `Ok` of the tuple
/// of the `Ok` values.
#[derive(Debug)]
pub struct TryJoin;

impl TryJoin {
    /// The error of a branch that just finished with `Err`, taken out;
    /// `None` if it finished with `Ok` (the value stays for `take_value`).
    #[inline]
    pub fn take_err<F, T, E>(mut fut: Pin<&mut MaybeDone<F>>) -> Option<E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if fut.as_mut().output_mut().expect("try_join!: a finished future has its output").is_ok() {
            return None;
        }
        fut.take_output().expect("try_join!: output checked above").err()
    }

    /// The finished branch's `Ok` value.
    #[inline]
    pub fn take_value<F, T, E>(fut: Pin<&mut MaybeDone<F>>) -> T
    where
        F: Future<Output = Result<T, E>>,
    {
        match fut.take_output().expect("try_join!: a finished future has its output") {
            Ok(value) => value,
            Err(_) => unreachable!("try_join!: errors return at once"),
        }
    }

    /// The result as it is: `Ok` of the values, or the first error.
    #[inline]
    pub fn finish<T, E>(result: Result<T, E>) -> Result<T, E> {
        result
    }
}
