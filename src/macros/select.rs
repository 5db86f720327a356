//! `select!`: wait on several branches, run the handler of the first whose
//! output matches its pattern, drop the rest.
//!
//! # Expansion
//!
//! The branches are first normalised by a tt-muncher (one rule per branch
//! shape, one recursion per branch) into
//! `( $($skip)* ) [ $($idx)* ] pat = future, if precondition => handler,`
//! where `$skip` is one `_` per earlier branch (the tuple pattern that
//! reaches the branch's field) and `$idx` is `0 + 1 + ...`, the branch's
//! index as a constant expression. The final rule then:
//!
//! 1. evaluates every precondition, in order; a `false` one sets the
//!    branch's bit in `disabled` (a `u64`: at most 64 branches);
//! 2. evaluates every future expression, disabled branches' included
//!    (tokio does the same), pinned in a tuple inside an inner block, plus
//!    one output slot per branch (`Option<Output>`);
//! 3. polls the enabled futures from a random start (0 with `biased;`),
//!    after checking the coop budget. A finished branch is disabled; if its
//!    output, by reference, matches the pattern (cleaned of `ref`/`mut` by
//!    `spindle-macros`) it is stored in its slot and the poll returns the
//!    branch's index; if not it is dropped and polling goes on;
//! 4. leaves the inner block, which drops every future *in place* (they
//!    were pinned), then matches the index to run that branch's handler on
//!    its output, bound by the real pattern; if every branch ended up
//!    disabled, evaluates `else` (or panics when there is none).

/// Waits on several concurrent branches and runs the handler of the first
/// one to complete with an output that matches its pattern, dropping the
/// other branches; tokio's `select!`.
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// else => <expression>
/// ```
///
/// * Each `if` precondition is evaluated first; a branch whose condition
///   is `false` is disabled for this `select!` (its future is still
///   created, but never polled).
/// * The futures run concurrently on the current task. Each poll starts at
///   a random branch, so none is favoured; `biased;` as the first line
///   polls them in the order written instead.
/// * A future that completes with an output its pattern does not match
///   disables its branch, and the others keep going.
/// * When every branch is disabled, the `else` expression is the result;
///   without `else`, `select!` panics ("all branches are disabled and there
///   is no else branch").
/// * Before a handler runs, every branch's future has been dropped, so a
///   handler may use what the futures borrowed.
///
/// # Cancel safety
/// When one branch wins, the others are dropped half-way: only futures
/// that are themselves cancel-safe (a channel `recv`, a `sleep`, a
/// `JoinSet::join_next`) lose nothing. Dropping the `select!` future drops
/// every branch's future.
///
/// ```
/// use std::time::Duration;
///
/// spindle::block_on(async {
///     let slow = spindle::time::sleep(Duration::from_secs(10));
///     let winner = spindle::select! {
///         _ = slow => "slow",
///         v = async { 7 } => if v == 7 { "fast" } else { "odd" },
///     };
///     assert_eq!(winner, "fast");
///
///     // A pattern that does not match disables its branch.
///     let got = spindle::select! {
///         biased;
///         Some(v) = async { None::<u32> } => v,
///         Some(v) = async { Some(3) } => v * 10,
///         else => 0,
///     };
///     assert_eq!(got, 30);
///
///     // A false precondition disables a branch before it is polled.
///     let got = spindle::select! {
///         v = async { 1 }, if false => v,
///         else => -1,
///     };
///     assert_eq!(got, -1);
/// });
/// ```
#[macro_export]
macro_rules! select {
    // All branches normalised, the `else` expression last.
    (@ {
        biased = $biased:literal;
        ( $($count:tt)* )
        ( $($total:tt)* )
        $( ( $($skip:tt)* ) [ $($idx:tt)* ] $bind:pat = $fut:expr, if $c:expr => $handle:expr, )+
        ; $else:expr
    }) => {{
        const __SPINDLE_SELECT_BRANCHES: u32 = $($total)*;
        const _: () = ::core::assert!(__SPINDLE_SELECT_BRANCHES <= 64, "select! takes at most 64 branches");
        let mut disabled: u64 = 0;
        $(
            if !$c {
                disabled |= 1u64 << ($($idx)*);
            }
        )+
        let (chosen, mut outputs) = {
            // Pinned in `pin!` temporaries that live to the end of this
            // block, where they are dropped in place.
            let mut futures = ( $( ::core::pin::pin!($crate::macros::support::IntoFuture::into_future($fut)), )+ );
            let mut outputs = ( $( {
                let ( $($skip,)* fut, .. ) = &futures;
                $crate::macros::support::no_output(&**fut)
            }, )+ );
            let chosen: $crate::macros::support::Option<u32> = $crate::macros::support::poll_fn(|cx| {
                $crate::macros::support::ready!($crate::macros::support::poll_budget_available(cx));
                if disabled == $crate::macros::support::all_branches(__SPINDLE_SELECT_BRANCHES) {
                    return $crate::macros::support::Poll::Ready($crate::macros::support::Option::None);
                }
                let start = if $biased { 0 } else { $crate::macros::support::thread_rng_n(__SPINDLE_SELECT_BRANCHES) };
                let mut is_pending = false;
                for i in 0..__SPINDLE_SELECT_BRANCHES {
                    let mut branch = start + i;
                    if branch >= __SPINDLE_SELECT_BRANCHES {
                        branch -= __SPINDLE_SELECT_BRANCHES;
                    }
                    $(
                        if branch == ($($idx)*) && disabled & (1u64 << branch) == 0 {
                            let ( $($skip,)* fut, .. ) = &mut futures;
                            match $crate::macros::support::Future::poll(fut.as_mut(), cx) {
                                $crate::macros::support::Poll::Pending => is_pending = true,
                                $crate::macros::support::Poll::Ready(out) => {
                                    disabled |= 1u64 << branch;
                                    #[allow(unused_variables, unreachable_patterns, clippy::redundant_pattern_matching)]
                                    let matched = match &out {
                                        $crate::macros::support::select_clean_pattern!($bind) => true,
                                        _ => false,
                                    };
                                    if matched {
                                        let ( $($skip,)* slot, .. ) = &mut outputs;
                                        *slot = $crate::macros::support::Option::Some(out);
                                        return $crate::macros::support::Poll::Ready(
                                            $crate::macros::support::Option::Some(branch),
                                        );
                                    }
                                }
                            }
                        }
                    )+
                }
                if is_pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    // The last enabled branches finished without a match.
                    $crate::macros::support::Poll::Ready($crate::macros::support::Option::None)
                }
            }).await;
            (chosen, outputs)
        };
        match chosen {
            $(
                $crate::macros::support::Option::Some(branch) if branch == ($($idx)*) => {
                    let ( $($skip,)* out, .. ) = &mut outputs;
                    #[allow(unreachable_patterns)]
                    match out.take().expect("select!: the chosen branch stored its output") {
                        $bind => $handle,
                        _ => ::core::unreachable!("select!: the output matched its pattern when it was tested"),
                    }
                }
            )+
            $crate::macros::support::Option::Some(branch) => ::core::unreachable!("select!: no branch {}", branch),
            $crate::macros::support::Option::None => $else,
        }
    }};

    // No `else`: all disabled panics, as tokio's.
    (@ { biased = $biased:literal; $($t:tt)* } ) => {
        $crate::select!(@{ biased = $biased; $($t)*; ::core::panic!("all branches are disabled and there is no else branch") })
    };
    (@ { biased = $biased:literal; $($t:tt)* } else => $else:expr $(,)?) => {
        $crate::select!(@{ biased = $biased; $($t)*; $else })
    };

    // One branch per rule: with or without `if`, a block or an expression
    // handler, with or without a trailing comma.
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr, if $c:expr => $h:block, $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr => $h:block, $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if true => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr, if $c:expr => $h:block $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr => $h:block $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if true => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr, if $c:expr => $h:expr ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if $c => $h, })
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr => $h:expr ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if true => $h, })
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr, if $c:expr => $h:expr, $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $p:pat = $f:expr => $h:expr, $($r:tt)* ) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) [$($n)*] $p = $f, if true => $h, } $($r)*)
    };

    // Entry points.
    ( biased; $p:pat = $($t:tt)* ) => {
        $crate::select!(@{ biased = true; () (0) } $p = $($t)*)
    };
    ( $p:pat = $($t:tt)* ) => {
        $crate::select!(@{ biased = false; () (0) } $p = $($t)*)
    };
    () => {
        ::core::compile_error!("select! needs at least one branch: `pattern = future => handler`")
    };
}
