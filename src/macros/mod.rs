//! `join!`, `try_join!`, `pin!` and `select!`: tokio's concurrency macros,
//! with tokio's syntax and semantics.
//!
//! They are `#[macro_export]`ed, so they live at the crate root
//! (`spindle::select!`); this module holds their definitions and, in
//! `support`, the items their expansions name through `$crate` (hidden: not
//! part of the API). `select!` also uses one helper from `spindle-macros`
//! (cleaning a pattern of `ref` / `mut`), so it needs the `macros` feature;
//! the others do not.
//!
//! All of them run their futures concurrently *on the current task*: no
//! task is spawned, and the futures may borrow from the surrounding scope.
//! Which future is polled first changes from one poll to the next (a
//! rotating start for `join!`, a random one for `select!`) unless the macro
//! begins with `biased;`, so that one always-ready future cannot starve
//! the others.

mod join;
mod pin;
#[cfg(feature = "macros")]
mod select;
#[doc(hidden)]
pub mod support;
mod try_join;
