//! `pin!`: pins values on the stack, as tokio's.

/// Pins each named value on the stack, shadowing it with a
/// `Pin<&mut T>`; or, in the `let` form, binds and pins in one step.
///
/// `select!` polls its futures by `&mut`, so a future awaited across loop
/// iterations is usually pinned first:
///
/// ```
/// spindle::block_on(async {
///     let later = async { 5 };
///     spindle::pin!(later);
///     assert_eq!((&mut later).await, 5);
///
///     spindle::pin! {
///         let a = async { 1 };
///         let b = async { 2 };
///     }
///     assert_eq!(a.await + b.await, 3);
/// });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        // Moved into a temporary that `pin!` keeps alive for the scope and
        // that cannot be named again: it can never move while pinned.
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
