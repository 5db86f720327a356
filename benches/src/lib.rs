//! spindle's benchmarks: spindle against tokio and async-executor, on the
//! same workloads, in one process. They track regressions and the gap to
//! the faster peer (see `DESIGN.md`, "Performance targets").
//!
//! - [`rt`]: the three runtimes behind [`rt::BenchRuntime`], built once.
//! - [`workloads`]: each benchmark, written once, generic over the runtime.
//! - [`net`]: the socket rows (`tcp_echo`, `http_hello`, `hyper_hello`) and
//!   their runtimes.
//! - [`rows`]: the registry of table rows that the `compare` binary runs.
//! - [`report`]: medians, percentiles, the markdown table.
//! - [`alloc`]: the counting allocator behind `bytes_per_idle_task`.
//! - [`soak`]: the `soak` binary's client (connections churning against
//!   `hyper_server`, every byte checked) and its RSS / fd sampling.
//!
//! Binaries: `compare` (the interleaved tables), `soak`, `syscalls` (system
//! calls and context switches per request, per runtime). The criterion
//! benches (`benches/executor.rs`) run the same workloads;
//! `benches/criterion_async.rs` shows `b.to_async(&rt)` on spindle.
//!
//! ```
//! use spindle_benches::rt::Runtimes;
//! use spindle_benches::workloads::{SpawnManyRemote, Workload};
//!
//! let rts = Runtimes::new(2).unwrap();
//! SpawnManyRemote::run(&rts.spindle);
//! SpawnManyRemote::run(&rts.tokio);
//! SpawnManyRemote::run(&rts.async_executor);
//! ```
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]

pub mod alloc;
pub mod net;
pub mod report;
pub mod rows;
pub mod rt;
pub mod soak;
pub mod workloads;
