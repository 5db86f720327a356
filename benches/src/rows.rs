//! The rows of the comparison tables: two small registries that the
//! `compare` binary walks. A new row is a new workload module plus one line
//! in [`ROWS`] (one number per sample: a time, bytes) or in [`TIMER_ROWS`]
//! (a distribution of timer lateness per sample, plus a total).

use std::time::{Duration, Instant};

use crate::rt::{BenchRuntime, Runtimes, Which};
use crate::workloads::{self, TimerSample, Workload};

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
    /// At most this many rounds (and at most one warm-up round when it is
    /// below `usize::MAX`), for rows whose samples are costly.
    pub max_rounds: usize,
    /// Takes one sample on one runtime.
    pub sample: fn(&Runtimes, Which) -> f64,
}

impl Row {
    /// A row that times one run of `W`.
    pub const fn timed<W: Workload>() -> Row {
        Row { name: W::NAME, unit: Unit::Seconds, max_rounds: usize::MAX, sample: time_once::<W> }
    }
}

/// A timer row: each sample is a [`TimerSample`] (every timer's lateness,
/// and the total time), summarised as lateness p50 / p99 / max over all
/// timers of all rounds, and the median total.
#[derive(Clone, Copy, Debug)]
pub struct TimerRow {
    /// Row name, also accepted by `--only`.
    pub name: &'static str,
    /// Default rounds (`--timers-rounds` overrides).
    pub rounds: usize,
    /// Default warm-up rounds (capped by `--warmup`).
    pub warmup: usize,
    /// Takes one sample on one runtime.
    pub sample: fn(&Runtimes, Which) -> TimerSample,
    /// Takes one sample of the OS floor under the row, if it has one (see
    /// [`workloads::os_floor`]): a bare thread sleeping toward the same
    /// deadlines, measured once per round beside the runtimes.
    pub floor: Option<fn() -> TimerSample>,
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

/// `W` with spindle's observability on in the spindle column
/// ([`SpindleObsRt`](crate::rt::SpindleObsRt)); the other columns as in
/// the plain row.
fn time_obs<W: Workload>(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed::<_, W>(&rts.spindle_obs),
        _ => time_once::<W>(rts, which),
    }
}

impl Row {
    /// The `/obs` twin of a timed row (see [`time_obs`]).
    const fn obs<W: Workload>(name: &'static str) -> Row {
        Row { name, unit: Unit::Seconds, max_rounds: usize::MAX, sample: time_obs::<W> }
    }

    /// The plain row this row is the `/obs` twin of, if it is one.
    pub fn plain_name(&self) -> Option<&'static str> {
        self.name.strip_suffix(OBS_SUFFIX)
    }
}

/// What an observability-on row's name ends with.
pub const OBS_SUFFIX: &str = "/obs";

fn idle_bytes_obs(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => workloads::bytes_per_idle_task(&rts.spindle_obs, workloads::IDLE_TASKS),
        _ => idle_bytes(rts, which),
    }
}

fn idle_bytes_compact(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => workloads::bytes_per_idle_task(&rts.spindle_compact, workloads::IDLE_TASKS),
        _ => idle_bytes(rts, which),
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

fn join_set(rts: &Runtimes, which: Which) -> f64 {
    let start = Instant::now();
    match which {
        Which::Spindle => workloads::join_set_spindle(&rts.spindle),
        Which::Tokio => workloads::join_set_tokio(&rts.tokio),
        Which::AsyncExecutor => workloads::join_set_async_executor(&rts.async_executor),
    }
    start.elapsed().as_secs_f64()
}

fn cancel_per_timer(rts: &Runtimes, which: Which) -> f64 {
    time_once::<workloads::TimersCancel>(rts, which) / workloads::TIMERS_CANCEL as f64
}

fn timers_fire(rts: &Runtimes, which: Which) -> TimerSample {
    match which {
        Which::Spindle => workloads::timers_fire(&rts.spindle),
        Which::Tokio => workloads::timers_fire(&rts.tokio),
        Which::AsyncExecutor => workloads::timers_fire(&rts.async_executor),
    }
}

fn timers_precision(rts: &Runtimes, which: Which) -> TimerSample {
    match which {
        Which::Spindle => workloads::timers_precision(&rts.spindle),
        Which::Tokio => workloads::timers_precision(&rts.tokio),
        Which::AsyncExecutor => workloads::timers_precision(&rts.async_executor),
    }
}

fn block_on_overhead(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => workloads::block_on_overhead(&rts.spindle),
        Which::Tokio => workloads::block_on_overhead(&rts.tokio),
        Which::AsyncExecutor => workloads::block_on_overhead(&rts.async_executor),
    }
}

fn pacer_with(rts: &Runtimes, which: Which, spin: Duration) -> TimerSample {
    match which {
        Which::Spindle => workloads::pacer_spindle(&rts.spindle, spin),
        Which::Tokio => workloads::pacer_by_hand(&rts.tokio, spin),
        Which::AsyncExecutor => workloads::pacer_by_hand(&rts.async_executor, spin),
    }
}

fn pacer(rts: &Runtimes, which: Which) -> TimerSample {
    pacer_with(rts, which, Duration::ZERO)
}

fn pacer_precise(rts: &Runtimes, which: Which) -> TimerSample {
    pacer_with(rts, which, workloads::PRECISE_SPIN)
}

fn precision_floor() -> TimerSample {
    workloads::os_floor(workloads::precision_durations())
}

/// Every row of the main table, in table order.
pub const ROWS: &[Row] = &[
    Row::timed::<workloads::SpawnManyLocal>(),
    // spindle with names, the poll-time histogram and the watchdog on (its
    // column only; `compare` interleaves a row with its `/obs` twin).
    Row::obs::<workloads::SpawnManyLocal>("spawn_many_local/obs"),
    Row::timed::<workloads::SpawnManyRemote>(),
    Row::timed::<workloads::YieldMany>(),
    Row::obs::<workloads::YieldMany>("yield_many/obs"),
    Row::timed::<workloads::PingPong>(),
    Row::obs::<workloads::PingPong>("ping_pong/obs"),
    Row::timed::<workloads::ChainedSpawn>(),
    // 100,000 tasks into a join set, then `join_next` until empty.
    Row { name: "join_set", unit: Unit::Seconds, max_rounds: 10, sample: join_set },
    Row { name: "bytes_per_idle_task", unit: Unit::BytesPerTask, max_rounds: 10, sample: idle_bytes },
    // spindle with `pad_task_cells(false)`: cells exactly their size.
    Row { name: "bytes_per_idle_task/compact", unit: Unit::BytesPerTask, max_rounds: 10, sample: idle_bytes_compact },
    // Named idle tasks: each also carries its name block.
    Row { name: "bytes_per_idle_task/obs", unit: Unit::BytesPerTask, max_rounds: 10, sample: idle_bytes_obs },
    crate::net::TCP_ECHO,
    crate::net::HTTP_HELLO,
    crate::net::HYPER_HELLO,
    // A tokio-util LinesCodec over one loopback connection per sample.
    Row { name: "tokio_io_codec", unit: Unit::Seconds, max_rounds: 10, sample: workloads::tokio_io_codec },
    // Seconds per timer (one sample registers and cancels 1,000,000).
    Row { name: "timers_cancel", unit: Unit::Seconds, max_rounds: 10, sample: cancel_per_timer },
    workloads::sync_rows::ROWS[0],
    workloads::sync_rows::ROWS[1],
    workloads::sync_rows::ROWS[2],
    workloads::sync_rows::ROWS[3],
    workloads::sync_rows::ROWS[4],
    workloads::sync_rows::ROWS[5],
    workloads::sync_rows::ROWS[6],
    workloads::sync_rows::ROWS[7],
    workloads::sync_rows::ROWS[8],
    workloads::sync_rows::ROWS[9],
    workloads::sync_rows::ROWS[10],
    // A worker stuck in a long poll: the delay of the task it woke, and the
    // CPU its idle peers burn beside it (issue 12).
    workloads::blocked_worker::ROWS[0],
    workloads::blocked_worker::ROWS[1],
    // Tasks injected from outside beside workers running ~50 µs polls: the
    // injected tasks' start delay and the busy tasks' time, with the
    // self-tuned global queue interval and (`_fixed61`, spindle and tokio)
    // with it fixed at 61 (issue 12).
    workloads::inject_beside_busy::ROWS[0],
    workloads::inject_beside_busy::ROWS[1],
    workloads::inject_beside_busy::ROWS[2],
    workloads::inject_beside_busy::ROWS[3],
    // Seconds per `block_on` of a ready future (one sample: 100,000).
    Row { name: "block_on_overhead", unit: Unit::Seconds, max_rounds: usize::MAX, sample: block_on_overhead },
];

/// Every row of the timer table, in table order. `timers_precision` costs
/// about a second per sample, hence its 3 rounds and no warm-up (the
/// runtimes and their timers are warm from the rows before it); it also
/// measures the OS floor under it. `timers_fire` has no floor: it measures
/// throughput, where the wake-up itself is a small part.
pub const TIMER_ROWS: &[TimerRow] = &[
    TimerRow { name: "timers_fire", rounds: 10, warmup: 1, sample: timers_fire, floor: None },
    TimerRow { name: "timers_precision", rounds: 3, warmup: 0, sample: timers_precision, floor: Some(precision_floor) },
    // 100,000 events at 100,000/s over 2 tasks, lateness from each event's
    // intended instant; total 1.00 s = the rate was kept (see
    // `workloads::pacer`).
    TimerRow { name: "pacer", rounds: 3, warmup: 0, sample: pacer, floor: Some(workloads::pacer_floor) },
    // The same, spinning the last 50 µs before each event.
    TimerRow {
        name: "pacer_precise",
        rounds: 3,
        warmup: 0,
        sample: pacer_precise,
        floor: Some(workloads::pacer_floor),
    },
];
