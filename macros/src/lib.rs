//! spindle's procedural macros, re-exported by the `spindle` crate:
//! `#[spindle::main]` and `#[spindle::test]` (see the `entry` module for how they
//! expand), and the private helpers behind `spindle::select!`.
//!
//! Use them through `spindle`, not this crate: the expansions name
//! `::spindle` (or the path given with `crate = "..."`).
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]

mod entry;
mod select;

use proc_macro::TokenStream;

use entry::Kind;

/// Runs an `async fn main` on a spindle runtime.
///
/// ```
/// #[spindle::main]
/// async fn main() {
///     let n = spindle::spawn(async { 21 * 2 }).await.unwrap();
///     assert_eq!(n, 42);
/// }
/// ```
///
/// Arguments, as tokio's:
/// * `flavor = "multi_thread"` (the default) or `"current_thread"`;
/// * `worker_threads = N` (multi-thread only; default: one per CPU);
/// * `start_paused = true`: the runtime's clock starts paused (current-thread
///   flavor only; see `spindle::time::pause`);
/// * `crate = "path"`: where spindle is, when it is renamed or re-exported.
///
/// ```
/// #[spindle::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     spindle::task::yield_now().await;
///     Ok(())
/// }
/// ```
///
/// The function expands to a plain `fn main` that builds the runtime and
/// calls `block_on` on the body (an `async` block).
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::entry(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a spindle runtime; the test gets a runtime of
/// its own, current-thread unless `flavor = "multi_thread"` is given (as
/// tokio's). The arguments are those of [`macro@main`].
///
/// ```
/// #[spindle::test]
/// async fn adds() {
///     assert_eq!(spindle::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[spindle::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     assert_eq!(spindle::Handle::current().metrics().num_workers(), 2);
/// }
///
/// #[spindle::test(start_paused = true)]
/// async fn an_hour_in_no_time() {
///     let start = spindle::time::Instant::now();
///     spindle::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(start.elapsed(), std::time::Duration::from_secs(3600));
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::entry(Kind::Test, args.into(), item.into()).into()
}

/// Strips `ref` and `mut` from every binding of a pattern, so that
/// `select!` can test an output by reference (`match &out { pat => .. }`)
/// before it moves it into the branch's own pattern. Private to
/// `spindle::select!`.
#[doc(hidden)]
#[proc_macro]
pub fn select_clean_pattern(input: TokenStream) -> TokenStream {
    select::clean_pattern(input.into()).into()
}
