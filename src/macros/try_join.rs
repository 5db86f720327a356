//! `try_join!`: as `join!`, for futures of `Result`s, stopping at the first
//! error. It runs `join!`'s engine (see `join.rs`) with the `TryJoin`
//! branch rule; only its entry points are here.

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
    ( biased; $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ mode = $crate::macros::support::TryJoin; biased = true; () (0) } $($e,)*)
    };

    ( $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ mode = $crate::macros::support::TryJoin; biased = false; () (0) } $($e,)*)
    };

    ( biased; ) => { async { $crate::macros::support::Result::Ok(()) }.await };

    () => { async { $crate::macros::support::Result::Ok(()) }.await };
}
