//! `compare`: spindle vs tokio vs async-executor, interleaved in one run,
//! printed as a markdown table of medians and ratios, then a table of timer
//! lateness (spindle vs tokio vs async-io). Tracks regressions and the gap
//! to the faster peer.
//!
//! ```text
//! cargo run --release -p spindle-benches --bin compare -- [--workers N] [--rounds N]
//!     [--warmup N] [--timers-rounds N] [--only NAME[,NAME..]] [--list]
//! ```
//!
//! Each round runs every runtime once, in an order rotated per round, so
//! that drift (other processes, frequency changes) spreads over all three.
//! A row and its `/obs` twin (spindle with its observability on) run
//! together, their rounds interleaved too, so that the two spindle columns
//! are compared under the same conditions; a note gives their ratio.

use std::process::ExitCode;

use spindle_benches::alloc::{self, Counting};
use spindle_benches::net;
use spindle_benches::report::{self, RowResult, Summary, TimerRowResult, TimerSummary};
use spindle_benches::rows::{Row, TimerRow, Unit, OBS_SUFFIX, ROWS, TIMER_ROWS};
use spindle_benches::rt::{Runtimes, Which};

#[global_allocator]
static ALLOC: Counting = Counting;

#[derive(Debug)]
struct Options {
    workers: usize,
    rounds: usize,
    warmup: usize,
    timers_rounds: Option<usize>,
    only: Vec<String>,
    list: bool,
}

const USAGE: &str = "usage: compare [--workers N (2)] [--rounds N (30)] [--warmup N (3)] \
                     [--timers-rounds N (timers_fire 10, timers_precision 3, pacer and pacer_precise 3; 0 skips them)] \
                     [--only NAME[,NAME..]] [--list]";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options { workers: 2, rounds: 30, warmup: 3, timers_rounds: None, only: Vec::new(), list: false };
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
            "--timers-rounds" => opts.timers_rounds = Some(number(value()?)?),
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

fn all_names() -> impl Iterator<Item = &'static str> {
    ROWS.iter().map(|r| r.name).chain(TIMER_ROWS.iter().map(|r| r.name))
}

fn selected(opts: &Options) -> Result<(Vec<Row>, Vec<TimerRow>), String> {
    let timer_rows = |rows: Vec<TimerRow>| if opts.timers_rounds == Some(0) { Vec::new() } else { rows };
    if opts.only.is_empty() {
        return Ok((ROWS.to_vec(), timer_rows(TIMER_ROWS.to_vec())));
    }
    let mut rows = Vec::new();
    let mut timers = Vec::new();
    for name in &opts.only {
        if let Some(row) = ROWS.iter().find(|r| r.name == name) {
            rows.push(*row);
        } else if let Some(row) = TIMER_ROWS.iter().find(|r| r.name == name) {
            timers.push(*row);
        } else {
            return Err(format!("no row named {name}; rows: {}", all_names().collect::<Vec<_>>().join(", ")));
        }
    }
    Ok((rows, timer_rows(timers)))
}

/// The runtimes in round `round`'s order: rotated by one each round.
fn order(round: usize) -> [Which; 3] {
    let mut all = Which::ALL;
    all.rotate_left(round % Which::ALL.len());
    all
}

/// Runs a group of rows (one row, or a row and its `/obs` twin) with their
/// rounds interleaved: each round runs every row on every runtime, the rows
/// and the runtimes in orders rotated per round. Returns, per row, its
/// result and its first warm-up sample per runtime (in [`Which::ALL`]
/// order), if there was a warm-up.
fn run_rows(rts: &Runtimes, rows: &[Row], opts: &Options) -> Vec<(RowResult, Option<[f64; 3]>)> {
    // Costly rows (memory, timers_cancel) cap their rounds and warm up once;
    // socket rows have their own caps (`net::rounds`). Twins share caps.
    let row = &rows[0];
    let (warmup, rounds) = if row.max_rounds < usize::MAX {
        (opts.warmup.min(1), opts.rounds.min(row.max_rounds))
    } else {
        net::rounds(row.name, opts.warmup, opts.rounds)
    };
    let index = |which: Which| Which::ALL.iter().position(|w| *w == which).unwrap();
    let row_order = |round: usize| (0..rows.len()).map(move |i| (i + round) % rows.len());
    let mut first: Vec<Option<[f64; 3]>> = vec![None; rows.len()];
    for round in 0..warmup {
        let mut values = vec![[0.0; 3]; rows.len()];
        for r in row_order(round) {
            for which in order(round) {
                values[r][index(which)] = (rows[r].sample)(rts, which);
            }
        }
        for (first, values) in first.iter_mut().zip(values) {
            first.get_or_insert(values);
        }
    }
    let mut samples: Vec<[Vec<f64>; 3]> = vec![Default::default(); rows.len()];
    for round in 0..rounds {
        for r in row_order(round) {
            for which in order(round) {
                samples[r][index(which)].push((rows[r].sample)(rts, which));
            }
        }
    }
    rows.iter()
        .zip(samples)
        .zip(first)
        .map(|((row, samples), first)| {
            (RowResult { name: row.name, unit: row.unit, summaries: samples.map(|s| Summary::of(&s)) }, first)
        })
        .collect()
}

/// The selected rows in groups to run together: each row with its `/obs`
/// twin if both are selected, in the order of first selection.
fn groups(rows: &[Row]) -> Vec<Vec<Row>> {
    let key = |row: &Row| row.plain_name().unwrap_or(row.name);
    let mut groups: Vec<Vec<Row>> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|g| key(&g[0]) == key(row)) {
            Some(group) => group.push(*row),
            None => groups.push(vec![*row]),
        }
    }
    groups
}

/// For each `/obs` row run beside its plain row: spindle's median with
/// observability on over spindle's plain median.
fn obs_notes(results: &[RowResult]) -> Vec<String> {
    let spindle = Which::ALL.iter().position(|w| *w == Which::Spindle).unwrap();
    results
        .iter()
        .filter_map(|obs| {
            let plain_name = obs.name.strip_suffix(OBS_SUFFIX)?;
            let plain = results.iter().find(|r| r.name == plain_name)?;
            let (on, off) = (obs.summaries[spindle].median, plain.summaries[spindle].median);
            Some(format!(
                "{}: spindle with observability on (names, poll-time histogram, watchdog) / plain spindle = {:.3} \
                 ({} vs {}, same interleaved rounds)",
                obs.name,
                on / off,
                report::format_value(obs.unit, on),
                report::format_value(plain.unit, off)
            ))
        })
        .collect()
}

/// Runs one timer row, rounds interleaved as for the other rows.
fn run_timer_row(rts: &Runtimes, row: &TimerRow, opts: &Options) -> TimerRowResult {
    let rounds = opts.timers_rounds.unwrap_or(row.rounds);
    for round in 0..row.warmup.min(opts.warmup) {
        for which in order(round) {
            let _ = (row.sample)(rts, which);
        }
    }
    let mut samples: [Vec<_>; 3] = Default::default();
    let mut floor = Vec::new();
    for round in 0..rounds {
        for which in order(round) {
            let index = Which::ALL.iter().position(|w| *w == which).unwrap();
            samples[index].push((row.sample)(rts, which));
        }
        if let Some(sample) = row.floor {
            floor.push(sample());
        }
    }
    let floor = (!floor.is_empty()).then(|| TimerSummary::of(&floor));
    TimerRowResult { name: row.name, rounds, summaries: samples.map(|s| TimerSummary::of(&s)), floor }
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
        for name in all_names() {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    let (rows, timer_rows) = match selected(&opts) {
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
    eprintln!(
        "workers: {}, rounds: {}, warm-up rounds: {}, CPUs: {cpus}, allocator: {}",
        opts.workers,
        opts.rounds,
        opts.warmup,
        alloc::INNER
    );

    let mut results = Vec::new();
    let mut notes = Vec::new();
    for group in groups(&rows) {
        let names: Vec<_> = group.iter().map(|r| r.name).collect();
        eprintln!("{} ...", names.join(" + "));
        for (row, (result, first)) in group.iter().zip(run_rows(&rts, &group, &opts)) {
            eprint!("  {}:", row.name);
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
    }
    notes.extend(obs_notes(&results));
    let mut timer_results = Vec::new();
    for row in &timer_rows {
        eprint!("{} ...", row.name);
        let result = run_timer_row(&rts, row, &opts);
        eprintln!(
            " lateness p50/p99: {}",
            result
                .summaries
                .iter()
                .zip(Which::ALL)
                .map(|(s, w)| format!(
                    "{} {} / {}",
                    w.timer_name(),
                    report::format_value(Unit::Seconds, s.p50),
                    report::format_value(Unit::Seconds, s.p99)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (s, w) in result.summaries.iter().zip(Which::ALL) {
            if s.early > 0 {
                notes.push(format!(
                    "{} on {}: {} of {} timers fired early",
                    result.name,
                    w.timer_name(),
                    s.early,
                    s.timers
                ));
            }
        }
        timer_results.push(result);
    }

    println!(
        "workers: {} per runtime; {} rounds, interleaved; medians; ratios below 1.00 mean spindle is ahead; \
         allocator: {}\n",
        opts.workers,
        opts.rounds,
        alloc::INNER
    );
    if !results.is_empty() {
        println!("{}", report::markdown_table(&results));
        println!("{}", report::spread_table(&results));
    }
    if !timer_results.is_empty() {
        let rounds: Vec<_> = timer_results.iter().map(|r| format!("{} {}", r.name, r.rounds)).collect();
        println!(
            "timers: lateness (wake minus deadline) over every timer of every round; total: median over rounds \
             of first spawn to last wake; rounds: {}\n",
            rounds.join(", ")
        );
        println!("{}", report::timer_table(&timer_results));
    }
    for note in notes.into_iter().chain(net::notes(&results, opts.warmup, opts.rounds)) {
        println!("- {note}");
    }
    ExitCode::SUCCESS
}
