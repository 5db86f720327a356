//! `sim_seeds`: how many seeds per second a simulated runtime
//! (`Builder::new_simulated`) runs of the 1,000-task message test of
//! `tests/simulated.rs` (the same workload: 1,000 tasks, each with a
//! `spindle::sync::mpsc` mailbox, sending to a permutation of each other
//! twice and logging every arrival), beside the same workload on a real
//! multi-thread runtime with as many worker threads, for scale. Also
//! counts the distinct schedules (trace hashes) the seeds gave.
//!
//! ```text
//! cargo run --release -p spindle-benches --bin sim_seeds -- [--seeds 200] [--workers 4] [--rounds 3]
//! ```

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle::runtime::{Builder, Runtime};
use spindle::sync::mpsc;

const TASKS: usize = 1_000;

/// The workload; returns the number of logged arrivals.
async fn mailboxes() -> usize {
    let (log_tx, mut log_rx) = mpsc::unbounded_channel::<(u16, u16, u8)>();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..TASKS).map(|_| mpsc::channel::<(u16, u8)>(2)).unzip();
    let senders = Arc::new(senders);
    let next = |i: usize| (31 * i + 17) % TASKS;
    let tasks: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(i, mut rx)| {
            let senders = senders.clone();
            let log = log_tx.clone();
            spindle::spawn(async move {
                senders[next(i)].send((i as u16, 0)).await.unwrap();
                for _ in 0..2 {
                    let (from, hop) = rx.recv().await.unwrap();
                    log.send((i as u16, from, hop)).unwrap();
                    if hop == 0 {
                        senders[next(i)].send((i as u16, 1)).await.unwrap();
                    }
                }
            })
        })
        .collect();
    drop(log_tx);
    for t in tasks {
        t.await.unwrap();
    }
    let mut n = 0;
    while log_rx.recv().await.is_some() {
        n += 1;
    }
    n
}

fn main() {
    let mut seeds = 200u64;
    let mut workers = 4usize;
    let mut rounds = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--seeds" => seeds = value.parse().expect("--seeds N"),
            "--workers" => workers = value.parse().expect("--workers N"),
            "--rounds" => rounds = value.parse().expect("--rounds N"),
            _ => {
                eprintln!("usage: sim_seeds [--seeds 200] [--workers 4] [--rounds 3]");
                std::process::exit(2);
            }
        }
    }
    let real = Builder::new_multi_thread().worker_threads(workers).build().expect("runtime");
    println!("| round | simulated: seeds/s | simulated: per seed | distinct schedules | real multi-thread: runs/s |");
    println!("|---:|---:|---:|---:|---:|");
    for round in 1..=rounds {
        let mut hashes = HashSet::new();
        let start = Instant::now();
        for seed in 0..seeds {
            let rt: Runtime = Builder::new_simulated(seed).worker_threads(workers).build().expect("runtime");
            assert_eq!(rt.block_on(mailboxes()), 2 * TASKS);
            hashes.insert(rt.schedule_trace_hash().expect("simulated"));
        }
        let sim = start.elapsed();
        let start = Instant::now();
        for _ in 0..seeds {
            assert_eq!(real.block_on(mailboxes()), 2 * TASKS);
        }
        let real_time = start.elapsed();
        let per_sec = |d: Duration| seeds as f64 / d.as_secs_f64();
        println!(
            "| {round} | {:.0} | {:.2} ms | {} of {seeds} | {:.0} |",
            per_sec(sim),
            sim.as_secs_f64() * 1e3 / seeds as f64,
            hashes.len(),
            per_sec(real_time)
        );
    }
}
