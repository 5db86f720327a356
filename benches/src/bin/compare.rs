//! `compare`: spindle vs tokio vs async-executor, interleaved in one run,
//! printed as a markdown table of medians and ratios. Tracks regressions
//! and the gap to the faster peer.
//!
//! ```text
//! cargo run --release -p spindle-benches --bin compare -- [--workers N] [--rounds N]
//!     [--warmup N] [--only NAME[,NAME..]] [--list]
//! ```
//!
//! Each round runs every runtime once, in an order rotated per round, so
//! that drift (other processes, frequency changes) spreads over all three.

use std::process::ExitCode;

use spindle_benches::alloc::{self, Counting};
use spindle_benches::net;
use spindle_benches::report::{self, RowResult, Summary};
use spindle_benches::rows::{Row, Unit, ROWS};
use spindle_benches::rt::{Runtimes, Which};

#[global_allocator]
static ALLOC: Counting = Counting;

/// Rounds for memory rows: their samples barely vary and each costs
/// 100,000 tasks.
const MAX_MEMORY_ROUNDS: usize = 10;

#[derive(Debug)]
struct Options {
    workers: usize,
    rounds: usize,
    warmup: usize,
    only: Vec<String>,
    list: bool,
}

const USAGE: &str = "usage: compare [--workers N (2)] [--rounds N (30)] [--warmup N (3)] \
                     [--only NAME[,NAME..]] [--list]";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options { workers: 2, rounds: 30, warmup: 3, only: Vec::new(), list: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value =
            || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag} {v}: {e}\n{USAGE}"));
        match flag.as_str() {
            "--workers" => opts.workers = number(value()?)?,
            "--rounds" => opts.rounds = number(value()?)?,
            "--warmup" => opts.warmup = number(value()?)?,
            "--only" => opts.only.extend(value()?.split(',').map(|s| s.trim().to_owned())),
            "--list" => opts.list = true,
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    if opts.workers == 0 || opts.rounds == 0 {
        return Err(format!("--workers and --rounds must be at least 1\n{USAGE}"));
    }
    Ok(opts)
}

fn selected(opts: &Options) -> Result<Vec<Row>, String> {
    if opts.only.is_empty() {
        return Ok(ROWS.to_vec());
    }
    let mut rows = Vec::new();
    for name in &opts.only {
        let row = ROWS.iter().find(|r| r.name == name).ok_or_else(|| {
            let names: Vec<_> = ROWS.iter().map(|r| r.name).collect();
            format!("no row named {name}; rows: {}", names.join(", "))
        })?;
        rows.push(*row);
    }
    Ok(rows)
}

/// The runtimes in round `round`'s order: rotated by one each round.
fn order(round: usize) -> [Which; 3] {
    let mut all = Which::ALL;
    all.rotate_left(round % Which::ALL.len());
    all
}

/// Runs one row; also returns the first warm-up sample per runtime (in
/// [`Which::ALL`] order), if there was a warm-up.
fn run_row(rts: &Runtimes, row: &Row, opts: &Options) -> (RowResult, Option<[f64; 3]>) {
    let (warmup, rounds) = match row.unit {
        Unit::Seconds => net::rounds(row.name, opts.warmup, opts.rounds),
        Unit::BytesPerTask => (opts.warmup.min(1), opts.rounds.min(MAX_MEMORY_ROUNDS)),
    };
    let mut first = None;
    for round in 0..warmup {
        let mut values = [0.0; 3];
        for which in order(round) {
            let index = Which::ALL.iter().position(|w| *w == which).unwrap();
            values[index] = (row.sample)(rts, which);
        }
        first.get_or_insert(values);
    }
    let mut samples: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        for which in order(round) {
            let index = Which::ALL.iter().position(|w| *w == which).unwrap();
            samples[index].push((row.sample)(rts, which));
        }
    }
    let result = RowResult { name: row.name, unit: row.unit, summaries: samples.map(|s| Summary::of(&s)) };
    (result, first)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(opts) => opts,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    if opts.list {
        for row in ROWS {
            println!("{}", row.name);
        }
        return ExitCode::SUCCESS;
    }
    let rows = match selected(&opts) {
        Ok(rows) => rows,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    assert!(alloc::installed(), "the counting allocator is not installed");

    let rts = match Runtimes::new(opts.workers) {
        Ok(rts) => rts,
        Err(e) => {
            eprintln!("cannot build the runtimes: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!("workers: {}, rounds: {}, warm-up rounds: {}, CPUs: {cpus}", opts.workers, opts.rounds, opts.warmup);

    let mut results = Vec::new();
    let mut notes = Vec::new();
    for row in &rows {
        eprint!("{} ...", row.name);
        let (result, first) = run_row(&rts, row, &opts);
        if let (Unit::BytesPerTask, Some(first)) = (row.unit, first) {
            // Later samples reuse capacity that the first one grew (task
            // registries, slabs), so they show the marginal cost; the first
            // shows the cost of growing to that many tasks.
            notes.push(format!(
                "{} on its first (cold) sample: {}",
                row.name,
                Which::ALL
                    .iter()
                    .zip(first)
                    .map(|(w, v)| format!("{} {}", w.name(), report::format_value(row.unit, v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        eprintln!(
            " {}",
            result
                .summaries
                .iter()
                .zip(Which::ALL)
                .map(|(s, w)| format!("{} {}", w.name(), report::format_value(row.unit, s.median)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        results.push(result);
    }

    println!(
        "workers: {} per runtime; {} rounds, interleaved; medians; ratios below 1.00 mean spindle is ahead\n",
        opts.workers, opts.rounds
    );
    println!("{}", report::markdown_table(&results));
    println!("{}", report::spread_table(&results));
    for note in notes.into_iter().chain(net::notes(&results, opts.warmup, opts.rounds)) {
        println!("- {note}");
    }
    ExitCode::SUCCESS
}
