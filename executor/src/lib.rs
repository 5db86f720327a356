//! spindle's executor (skeleton: filled in by the executor issue).
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]
#![doc(test(attr(deny(warnings))))]

pub mod coop;
pub mod park;
mod sync;
