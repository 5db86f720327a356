//! Executor benchmarks: spindle vs tokio vs async-executor, each workload a
//! criterion group with one function per runtime. They track regressions;
//! for the side-by-side table with interleaved rounds, run the `compare`
//! binary instead.
//!
//! ```text
//! cargo bench -p spindle-benches                      # everything
//! cargo bench -p spindle-benches -- spawn_many_local  # one group
//! ```
//!
//! Each runtime is built once for the whole process, with 2 workers (or
//! `SPINDLE_BENCH_WORKERS`).
//!
//! The timer groups time whole samples: `timers_fire` (100,000 sleeps of
//! 1..=50 ms, to the last wake-up; the lateness distribution is `compare`'s
//! job) and `timers_cancel` (1,000,000 timers registered and cancelled).
//! Their iterations are long, so they sample flat, 10 samples each.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};
use spindle_benches::rt::{BenchRuntime, Runtimes};
use spindle_benches::workloads::{
    ChainedSpawn, PingPong, SpawnManyLocal, SpawnManyRemote, TimersCancel, TimersFire, Workload, YieldMany,
};

fn function<W: Workload, R: BenchRuntime>(group: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    group.bench_function(R::NAME, |b| b.iter(|| W::run(rt)));
}

fn group<W: Workload>(c: &mut Criterion, rts: &Runtimes) {
    let mut group = c.benchmark_group(W::NAME);
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    function::<W, _>(&mut group, &rts.spindle);
    function::<W, _>(&mut group, &rts.tokio);
    function::<W, _>(&mut group, &rts.async_executor);
    group.finish();
}

/// A group for workloads whose one iteration takes tens of milliseconds.
fn long_group<W: Workload>(c: &mut Criterion, rts: &Runtimes) {
    let mut group = c.benchmark_group(W::NAME);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    function::<W, _>(&mut group, &rts.spindle);
    function::<W, _>(&mut group, &rts.tokio);
    function::<W, _>(&mut group, &rts.async_executor);
    group.finish();
}

fn main() {
    let workers = std::env::var("SPINDLE_BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let rts = Runtimes::new(workers).expect("cannot build the runtimes");
    let mut c = Criterion::default().configure_from_args();
    group::<SpawnManyLocal>(&mut c, &rts);
    group::<SpawnManyRemote>(&mut c, &rts);
    group::<YieldMany>(&mut c, &rts);
    group::<PingPong>(&mut c, &rts);
    group::<ChainedSpawn>(&mut c, &rts);
    long_group::<TimersFire>(&mut c, &rts);
    long_group::<TimersCancel>(&mut c, &rts);
    c.final_summary();
}
