//! An echo load generator: N connections, each doing M round trips of a
//! message (write it, read it back) one after another, all connections at
//! once. Prints round trips per second and round-trip latency percentiles.
//!
//! ```text
//! cargo run --release --example echo_client
//! cargo run --release --example echo_client -- --addr 127.0.0.1:7000 \
//!     --connections 50 --round-trips 2000 --size 64 --workers 2
//! ```
//!
//! Without `--addr` it starts its own echo server on 127.0.0.1 (any port)
//! in the same runtime, so it runs alone. Start `echo_server` first to load
//! a separate process instead.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::AsyncReadExt;
use spindle::net::{TcpListener, TcpStream};

const USAGE: &str = "usage: echo_client [--addr ADDR] [--connections N (50)] [--round-trips M (2000)] \
                     [--size BYTES (64)] [--workers N (all CPUs)]";

#[derive(Debug)]
struct Options {
    addr: Option<SocketAddr>,
    connections: usize,
    round_trips: usize,
    size: usize,
    workers: usize,
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        addr: None,
        connections: 50,
        round_trips: 2_000,
        size: 64,
        workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}\n{USAGE}"));
        match flag.as_str() {
            "--addr" => opts.addr = Some(value.parse().map_err(|e| format!("--addr {value}: {e}"))?),
            "--connections" => opts.connections = number()?,
            "--round-trips" => opts.round_trips = number()?,
            "--size" => opts.size = number()?,
            "--workers" => opts.workers = number()?,
            _ => return Err(USAGE.to_owned()),
        }
    }
    if opts.connections == 0 || opts.round_trips == 0 || opts.size == 0 || opts.workers == 0 {
        return Err(format!("every count must be at least 1\n{USAGE}"));
    }
    Ok(opts)
}

/// The in-process server: echoes each connection in its own task.
async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            spindle::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        spindle::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = vec![0u8; 16 * 1024];
            while let Ok(n @ 1..) = stream.read(&mut buf).await {
                if stream.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// `round_trips` round trips of `size` bytes; returns each one's latency.
async fn client(mut stream: TcpStream, round_trips: usize, size: usize) -> io::Result<Vec<Duration>> {
    let msg: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let mut back = vec![0u8; size];
    let mut latencies = Vec::with_capacity(round_trips);
    for _ in 0..round_trips {
        let start = Instant::now();
        stream.write_all(&msg).await?;
        stream.read_exact(&mut back).await?;
        latencies.push(start.elapsed());
    }
    if back != msg {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "echo differs from the message"));
    }
    Ok(latencies)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() -> io::Result<()> {
    let opts = parse_args().map_err(|msg| io::Error::new(io::ErrorKind::InvalidInput, msg))?;
    let rt = spindle::Builder::new_multi_thread().worker_threads(opts.workers).build()?;
    rt.block_on(async {
        let addr = match opts.addr {
            Some(addr) => addr,
            None => {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                drop(spindle::spawn(echo_server(listener)));
                println!("in-process echo server on {addr}");
                addr
            }
        };
        // Connect everything first: the clock covers the round trips only.
        let mut streams = Vec::with_capacity(opts.connections);
        for _ in 0..opts.connections {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            streams.push(stream);
        }
        let start = Instant::now();
        let tasks: Vec<_> =
            streams.into_iter().map(|s| spindle::spawn(client(s, opts.round_trips, opts.size))).collect();
        let mut latencies = Vec::with_capacity(opts.connections * opts.round_trips);
        for task in tasks {
            latencies.extend(task.await.map_err(|e| io::Error::other(e.to_string()))??);
        }
        let elapsed = start.elapsed();
        latencies.sort_unstable();
        println!(
            "{} connections x {} round trips of {} bytes, {} workers: {:.2?}",
            opts.connections, opts.round_trips, opts.size, opts.workers, elapsed
        );
        println!("{:.0} round trips/s", latencies.len() as f64 / elapsed.as_secs_f64());
        println!(
            "latency p50 {:.1?}  p90 {:.1?}  p99 {:.1?}  max {:.1?}",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.9),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1]
        );
        Ok(())
    })
}
