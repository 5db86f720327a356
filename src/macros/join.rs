//! `join!`: await several futures concurrently on the current task and
//! return all their outputs.
//!
//! The expansion keeps the futures as a tuple of pinned `MaybeDone`s; each
//! poll visits every unfinished one once, starting one further along each
//! time (or at the first, with `biased;`), and the outputs are taken out
//! when all are done. Branch `i` reaches its tuple field with the pattern
//! `( _, _, .., fut, .. )`, `i` underscores long: the `( $($skip)* )`
//! list the munching rule builds up, one `_` per earlier future.

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
    // All futures normalised: `( $($skip)* )` before each one.
    (@ {
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
        let mut next: u32 = 0;
        $crate::macros::support::poll_fn(|cx| {
            const __SPINDLE_JOIN_COUNT: u32 = $($total)*;
            $crate::macros::support::ready!($crate::macros::support::poll_budget_available(cx));
            let mut skip = if $biased {
                0
            } else {
                let start = next;
                // Not `% __SPINDLE_JOIN_COUNT`: clippy's `modulo_one` fires in users'
                // crates for a single future.
                next += 1;
                if next == __SPINDLE_JOIN_COUNT {
                    next = 0;
                }
                start
            };
            let mut to_run = __SPINDLE_JOIN_COUNT;
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
                        }
                    } else {
                        skip -= 1;
                    }
                )*
            }
            if is_pending {
                $crate::macros::support::Poll::Pending
            } else {
                $crate::macros::support::Poll::Ready(($({
                    let ( $($skip,)* fut, .. ) = &mut futures;
                    fut.as_mut().take_output().expect("join!: a finished future has its output")
                },)*))
            }
        }).await
    }};

    // Munch one future.
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::join!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) $e, } $($r)*)
    };

    ( biased; $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ biased = true; () (0) } $($e,)*)
    };

    ( $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ biased = false; () (0) } $($e,)*)
    };

    ( biased; ) => { async {}.await };

    () => { async {}.await };
}
