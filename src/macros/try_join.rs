//! `try_join!`: as `join!`, for futures of `Result`s, stopping at the first
//! error. Built like `join!` (see `join.rs`): a tuple of pinned
//! `MaybeDone`s, a rotating start, field access through `( $($skip)* )`.

/// Waits on several fallible futures concurrently, on the current task;
/// returns `Ok` of a tuple of their values once all succeed, or the first
/// `Err` as soon as one fails (dropping the others); tokio's `try_join!`.
/// Every future must have the same error type.
///
/// # Cancel safety
/// As [`join!`](crate::join): dropping it drops every future in it.
///
/// ```
/// spindle::block_on(async {
///     let ok: Result<(u8, char), String> = spindle::try_join!(async { Ok(1) }, async { Ok('c') });
///     assert_eq!(ok, Ok((1, 'c')));
///
///     let err: Result<(u8, ()), String> =
///         spindle::try_join!(async { Ok(1) }, async { Err("no".to_string()) });
///     assert_eq!(err, Err("no".to_string()));
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    (@ {
        biased = $biased:literal;
        ( $($count:tt)* )
        ( $($total:tt)* )
        $( ( $($skip:tt)* ) $e:expr, )*
    }) => {{
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
                        } else if fut.as_mut().output_mut().expect("try_join!: a finished future has its output").is_err() {
                            return $crate::macros::support::Poll::Ready($crate::macros::support::Result::Err(
                                fut.as_mut().take_output().expect("try_join!: output checked above").err().unwrap()
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
                $crate::macros::support::Poll::Ready($crate::macros::support::Result::Ok(($({
                    let ( $($skip,)* fut, .. ) = &mut futures;
                    match fut.as_mut().take_output().expect("try_join!: a finished future has its output") {
                        $crate::macros::support::Result::Ok(value) => value,
                        $crate::macros::support::Result::Err(_) => unreachable!("try_join!: errors return at once"),
                    }
                },)*)))
            }
        }).await
    }};

    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::try_join!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) $e, } $($r)*)
    };

    ( biased; $($e:expr),+ $(,)? ) => {
        $crate::try_join!(@{ biased = true; () (0) } $($e,)*)
    };

    ( $($e:expr),+ $(,)? ) => {
        $crate::try_join!(@{ biased = false; () (0) } $($e,)*)
    };

    ( biased; ) => { async { $crate::macros::support::Result::Ok(()) }.await };

    () => { async { $crate::macros::support::Result::Ok(()) }.await };
}
