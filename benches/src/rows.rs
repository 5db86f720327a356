//! The rows of the comparison table: a small registry that the `compare`
//! binary walks. A new row (timers, sockets) is a new workload module plus
//! one line in [`ROWS`].

use std::time::Instant;

use crate::rt::{BenchRuntime, Runtimes, Which};
use crate::workloads::{self, Workload};

/// What a row measures, and so how its samples read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Seconds per iteration; lower is better.
    Seconds,
    /// Bytes per task; lower is better.
    BytesPerTask,
}

/// One benchmark: a name and a way to take one sample on one runtime.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Row name, also accepted by `--only`.
    pub name: &'static str,
    /// What a sample is.
    pub unit: Unit,
    /// Takes one sample on one runtime.
    pub sample: fn(&Runtimes, Which) -> f64,
}

impl Row {
    /// A row that times one run of `W`.
    pub const fn timed<W: Workload>() -> Row {
        Row { name: W::NAME, unit: Unit::Seconds, sample: time_once::<W> }
    }
}

fn timed<R: BenchRuntime, W: Workload>(rt: &R) -> f64 {
    let start = Instant::now();
    W::run(rt);
    start.elapsed().as_secs_f64()
}

fn time_once<W: Workload>(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed::<_, W>(&rts.spindle),
        Which::Tokio => timed::<_, W>(&rts.tokio),
        Which::AsyncExecutor => timed::<_, W>(&rts.async_executor),
    }
}

fn idle_bytes(rts: &Runtimes, which: Which) -> f64 {
    let n = workloads::IDLE_TASKS;
    match which {
        Which::Spindle => workloads::bytes_per_idle_task(&rts.spindle, n),
        Which::Tokio => workloads::bytes_per_idle_task(&rts.tokio, n),
        Which::AsyncExecutor => workloads::bytes_per_idle_task(&rts.async_executor, n),
    }
}

/// Every row, in table order.
pub const ROWS: &[Row] = &[
    Row::timed::<workloads::SpawnManyLocal>(),
    Row::timed::<workloads::SpawnManyRemote>(),
    Row::timed::<workloads::YieldMany>(),
    Row::timed::<workloads::PingPong>(),
    Row::timed::<workloads::ChainedSpawn>(),
    Row { name: "bytes_per_idle_task", unit: Unit::BytesPerTask, sample: idle_bytes },
    crate::net::TCP_ECHO,
    crate::net::HTTP_HELLO,
];
