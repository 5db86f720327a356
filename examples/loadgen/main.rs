//! A load generator on spindle: HTTP/1.1 keep-alive (`http://HOST:PORT/PATH`)
//! or the echo protocol of `echo_server` (`echo://HOST:PORT`), closed-loop
//! or open-loop, with HDR histograms of latency and pacing error.
//!
//! ```text
//! cargo run --release --example loadgen -- http://127.0.0.1:8080/ --connections 50 --duration 5
//! cargo run --release --example loadgen -- http://127.0.0.1:8080/ --rate 10000 --connections 50 --precise --json
//! cargo run --release --example loadgen -- echo://127.0.0.1:7000 --rate 5000 --per-core
//! ```
//!
//! - **Closed loop** (no `--rate`): each of the `--connections` sends a
//!   request, waits for the answer, and sends the next; latency is measured
//!   from the send. Like wrk, it slows down with the server and so hides its
//!   stalls (coordinated omission).
//! - **Open loop** (`--rate R`): one [`Pacer`] schedule of `R` requests per
//!   second, split exactly over the connections ([`Pacer::shares`]); each
//!   request's latency is measured from its *intended* start on that
//!   schedule, so a stall shows up in the latency of every request it
//!   delayed (wrk2's model, with spindle's microsecond timer instead of a
//!   1 ms tick). The pacing error histogram is the actual send time minus
//!   the intended one: how well the generator kept its schedule.
//! - `--precise` spins the last 50 µs before each send (`--spin-us` to
//!   change it): sub-OS-floor pacing for CPU.
//! - `--floor` (open loop) also runs the OS floor beside the run: one bare
//!   thread waiting toward every instant of the schedule through the same
//!   wait as spindle's idle worker (`polling`'s timerfd), its lateness
//!   printed under the pacing error (in `--json`, an extra
//!   `"os_floor_us":{"p50","p99","max"}`).
//! - `--workers N` threads (default: one per CPU) on one work-stealing
//!   runtime, or with `--per-core` one pinned current-thread runtime each
//!   ([`PerCore`]), connection `k` on core `k mod N`.
//!
//! Connection errors, timeouts (`--timeout-ms`, default 2000) and non-2xx
//! answers are counted as errors, never fatal: a failed connection is
//! reopened for the next request. The run is bounded by `--duration SECS`
//! (default 5) and optionally `--requests N`. `--json` prints exactly one
//! JSON object: `{"requests","errors","rps","latency_us":{"p50","p90",
//! "p99","p999","max"},"pacing_error_us":{"p50","p99","max"}}` (pacing is
//! all zeros in closed loop; `--floor` adds `os_floor_us`).
//!
//! `main.rs` holds the options, the connection loops and the report;
//! `client.rs` the protocols; `tests.rs` loopback runs against in-process
//! servers (`cargo test --example loadgen`).

use spindle::time::Instant;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use spindle::runtime::PerCore;
use spindle::time::{sleep, sleep_until, timeout, Pacer};

use crate::client::{Conn, Target, Watchdog};

mod client;
#[cfg(test)]
mod tests;

/// Time between the start of the run and the first request: connections
/// open in it, so the first events are not late by a connect.
const WARM_UP: Duration = Duration::from_millis(100);
/// Histogram range in nanoseconds: up to a minute, 3 significant digits.
const HIST_MAX_NS: u64 = 60_000_000_000;

/// Command-line settings.
#[derive(Debug, Clone)]
struct Config {
    url: String,
    target: Target,
    connections: usize,
    rate: Option<u64>,
    duration: Duration,
    requests: Option<u64>,
    spin: Duration,
    workers: usize,
    per_core: bool,
    json: bool,
    floor: bool,
    timeout: Duration,
}

const USAGE: &str = "usage: loadgen URL [--connections C] [--rate R] [--duration SECS] [--requests N] \
[--precise] [--spin-us US] [--workers N] [--per-core] [--timeout-ms MS] [--json] [--floor]
  URL: http://HOST:PORT/PATH or echo://HOST:PORT";

/// `--help`: the usage line and what each option does (stdout, status 0).
const HELP: &str = "
  --connections, -c C   connections (default 10); closed loop: one request in flight on each
  --rate, -R R          open loop: R requests per second over all connections, latency from
                        each request's intended start (default: closed loop)
  --duration, -d SECS   how long to send (default 5)
  --requests, -n N      stop after N requests as well
  --precise             spin the last 50 us before each send (open loop)
  --spin-us US          spin the last US microseconds instead
  --workers, -t N       worker threads of one work-stealing runtime (default: one per CPU)
  --per-core            one pinned current-thread runtime per worker instead
  --timeout-ms MS       a request unanswered after MS counts as an error (default 2000)
  --json                print one JSON object instead of the summary
  --floor               open loop: also measure the OS floor (a bare thread waiting toward the
                        same instants, as spindle's idle worker waits; in --json as os_floor_us)
";

impl Config {
    fn parse(args: impl IntoIterator<Item = String>) -> io::Result<Config> {
        let bad = |why: String| io::Error::new(io::ErrorKind::InvalidInput, format!("{why}\n{USAGE}"));
        let mut args = args.into_iter();
        let mut url = None;
        let mut connections = 10;
        let mut rate = None;
        let mut duration = Duration::from_secs(5);
        let mut requests = None;
        let mut spin = Duration::ZERO;
        let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut per_core = false;
        let mut json = false;
        let mut floor = false;
        let mut timeout = Duration::from_secs(2);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> io::Result<f64> {
                let v = args.next().ok_or_else(|| bad(format!("{name} needs a value")))?;
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| bad(format!("{name} {v:?}: not a number")))
            };
            match arg.as_str() {
                "--connections" | "-c" => connections = value("--connections")? as usize,
                "--rate" | "-R" => rate = Some(value("--rate")? as u64),
                "--duration" | "-d" => duration = Duration::from_secs_f64(value("--duration")?),
                "--requests" | "-n" => requests = Some(value("--requests")? as u64),
                "--precise" => spin = Duration::from_micros(50),
                "--spin-us" => spin = Duration::from_secs_f64(value("--spin-us")? / 1e6),
                "--workers" | "-t" => workers = value("--workers")? as usize,
                "--per-core" => per_core = true,
                "--timeout-ms" => timeout = Duration::from_secs_f64(value("--timeout-ms")? / 1e3),
                "--json" => json = true,
                "--floor" => floor = true,
                "--help" | "-h" => return Err(bad("help".into())),
                flag if flag.starts_with('-') => return Err(bad(format!("unknown option {flag}"))),
                _ if url.is_none() => url = Some(arg),
                extra => return Err(bad(format!("unexpected argument {extra:?}"))),
            }
        }
        let url = url.ok_or_else(|| bad("missing URL".into()))?;
        if connections == 0 || workers == 0 || rate == Some(0) || timeout.is_zero() {
            return Err(bad("--connections, --workers, --rate and --timeout-ms must be positive".into()));
        }
        let target = Target::parse(&url)?;
        Ok(Config { url, target, connections, rate, duration, requests, spin, workers, per_core, json, floor, timeout })
    }
}

/// Counts and histograms (nanoseconds), one per group of connections.
#[derive(Debug)]
struct Stats {
    requests: u64,
    errors: u64,
    latency: Histogram<u64>,
    pacing: Histogram<u64>,
}

impl Stats {
    fn new() -> Stats {
        let hist = || Histogram::new_with_bounds(1, HIST_MAX_NS, 3).expect("valid histogram bounds");
        Stats { requests: 0, errors: 0, latency: hist(), pacing: hist() }
    }

    fn merge(&mut self, other: &Stats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latency.add(&other.latency).expect("same bounds");
        self.pacing.add(&other.pacing).expect("same bounds");
    }
}

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
}

/// Everything one connection task needs, shared by all of them.
struct Shared {
    cfg: Config,
    start: Instant,
    deadline: Instant,
}

/// One connection's loop: paced (open loop) or back to back (closed loop),
/// until the deadline or its share of `--requests`.
async fn drive(shared: Arc<Shared>, mut pacer: Option<Pacer>, mut budget: u64, stats: Arc<Mutex<Stats>>) {
    let cfg = &shared.cfg;
    let mut conn = timeout(WARM_UP, Conn::connect(cfg.target.addr())).await.ok().and_then(Result::ok);
    let mut watchdog = Watchdog::new();
    if pacer.is_none() {
        sleep_until(shared.start).await;
    }
    while budget > 0 {
        let intended = match &mut pacer {
            Some(p) => {
                if p.intended(p.next_index()) >= shared.deadline {
                    break;
                }
                p.tick().await.intended()
            }
            None => Instant::now(),
        };
        if intended >= shared.deadline {
            break;
        }
        budget -= 1;
        let c = match &mut conn {
            Some(c) => c,
            None => match timeout(cfg.timeout, Conn::connect(cfg.target.addr())).await {
                Ok(Ok(c)) => conn.insert(c),
                _ => {
                    stats.lock().unwrap().errors += 1;
                    if pacer.is_none() {
                        // Closed loop: don't spin on a refused connect.
                        sleep(Duration::from_millis(10)).await;
                    }
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let answer = watchdog.guard(sent + cfg.timeout, c.request(&cfg.target)).await;
        let done = Instant::now();
        let mut s = stats.lock().unwrap();
        if pacer.is_some() {
            s.pacing.saturating_record(ns(sent - intended));
        }
        match answer {
            Some(Ok(answer)) => {
                if answer.ok {
                    s.requests += 1;
                    s.latency.saturating_record(ns(done - intended));
                } else {
                    s.errors += 1;
                }
                if !answer.keep {
                    conn = None;
                }
            }
            Some(Err(_)) | None => {
                s.errors += 1;
                conn = None;
            }
        }
    }
}

/// The connection tasks of one group (a worker, or a core), and their
/// stats once they are done.
async fn run_group(shared: Arc<Shared>, jobs: Vec<(Option<Pacer>, u64)>) -> Stats {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(pacer, budget)| spindle::spawn(drive(shared.clone(), pacer, budget, stats.clone())))
        .collect();
    for task in tasks {
        // A panicking connection task loses its own counts only.
        let _ = task.await;
    }
    let stats = std::mem::replace(&mut *stats.lock().unwrap(), Stats::new());
    stats
}

/// What a run measured.
struct Report {
    stats: Stats,
    elapsed: Duration,
    /// With `--floor`: how late a bare thread woke toward the same instants.
    floor: Option<Histogram<u64>>,
}

fn run(cfg: Config) -> io::Result<Report> {
    let start = Instant::now() + WARM_UP;
    let deadline = start + cfg.duration;
    let n = cfg.connections;
    let mut pacers: Vec<Option<Pacer>> = match cfg.rate {
        Some(rate) => Pacer::new(rate).starting_at(start).precise(cfg.spin).shares(n).into_iter().map(Some).collect(),
        None => (0..n).map(|_| None).collect(),
    };
    let budgets: Vec<u64> = (0..n as u64)
        .map(|k| cfg.requests.map_or(u64::MAX, |total| total / n as u64 + u64::from(k < total % n as u64)))
        .collect();
    let groups = cfg.workers;
    let mut jobs: Vec<Vec<(Option<Pacer>, u64)>> = (0..groups).map(|_| Vec::new()).collect();
    for (k, (pacer, budget)) in pacers.drain(..).zip(budgets).enumerate() {
        jobs[k % groups].push((pacer, budget));
    }
    let per_core = cfg.per_core;
    let workers = cfg.workers;
    let floor = match cfg.rate {
        Some(rate) if cfg.floor => {
            let poller = polling::Poller::new()
                .map_err(|e| io::Error::new(e.kind(), format!("--floor: cannot create a poller: {e}")))?;
            Some(std::thread::spawn(move || os_floor(poller, Pacer::new(rate).starting_at(start), deadline)))
        }
        _ => None,
    };
    let shared = Arc::new(Shared { cfg, start, deadline });
    let mut total = Stats::new();
    if per_core {
        let jobs: Vec<Mutex<Vec<_>>> = jobs.into_iter().map(Mutex::new).collect();
        let per = PerCore::new().cores(workers).thread_name("loadgen").run(|ctx| {
            let mine = std::mem::take(&mut *jobs[ctx.index()].lock().unwrap());
            ctx.block_on(run_group(shared.clone(), mine))
        })?;
        per.iter().for_each(|s| total.merge(s));
    } else {
        let rt = spindle::Builder::new_multi_thread().worker_threads(workers).thread_name("loadgen").build()?;
        let per = rt.block_on(async {
            let groups: Vec<_> = jobs.into_iter().map(|mine| spindle::spawn(run_group(shared.clone(), mine))).collect();
            let mut out = Vec::new();
            for g in groups {
                out.push(g.await.map_err(|e| io::Error::other(format!("a connection group failed: {e}")))?);
            }
            io::Result::Ok(out)
        })?;
        per.iter().for_each(|s| total.merge(s));
    }
    let elapsed = Instant::now().saturating_duration_since(start).min(shared.cfg.duration + shared.cfg.timeout);
    let floor = floor.map(|t| t.join().expect("the floor thread panicked"));
    Ok(Report { stats: total, elapsed: elapsed.max(Duration::from_millis(1)), floor })
}

/// The OS floor under the pacing error: one bare thread (no runtime)
/// waiting toward every instant of the whole schedule through the same wait
/// as spindle's idle worker (`polling::Poller::wait` with a timeout: a
/// timerfd under epoll on Linux, which has no timer slack, where
/// `thread::sleep` would add the thread's 50 µs default slack), recording
/// how late it woke (the first clock reading at or past each instant).
/// (A failed wait, which epoll does not do on a valid poller, falls back to
/// `thread::sleep`.)
fn os_floor(poller: polling::Poller, schedule: Pacer, deadline: Instant) -> Histogram<u64> {
    let mut hist = Stats::new().pacing;
    let mut events = polling::Events::new();
    let mut now = Instant::now();
    for i in 0.. {
        let intended = schedule.intended(i);
        if intended >= deadline {
            break;
        }
        while now < intended {
            events.clear();
            if poller.wait(&mut events, Some(intended - now)).is_err() {
                std::thread::sleep(intended - now);
            }
            now = Instant::now();
        }
        hist.saturating_record(ns(now - intended));
    }
    hist
}

fn us(hist: &Histogram<u64>, q: f64) -> f64 {
    if hist.is_empty() {
        0.0
    } else if q >= 1.0 {
        hist.max() as f64 / 1e3
    } else {
        hist.value_at_quantile(q) as f64 / 1e3
    }
}

fn json(report: &Report) -> String {
    let s = &report.stats;
    let rps = s.requests as f64 / report.elapsed.as_secs_f64();
    let (l, p) = (&s.latency, &s.pacing);
    let floor = match &report.floor {
        Some(f) => {
            format!(r#","os_floor_us":{{"p50":{:.1},"p99":{:.1},"max":{:.1}}}"#, us(f, 0.5), us(f, 0.99), us(f, 1.0))
        }
        None => String::new(),
    };
    format!(
        concat!(
            r#"{{"requests":{},"errors":{},"rps":{:.1},"#,
            r#""latency_us":{{"p50":{:.1},"p90":{:.1},"p99":{:.1},"p999":{:.1},"max":{:.1}}},"#,
            r#""pacing_error_us":{{"p50":{:.1},"p99":{:.1},"max":{:.1}}}{}}}"#
        ),
        s.requests,
        s.errors,
        rps,
        us(l, 0.5),
        us(l, 0.9),
        us(l, 0.99),
        us(l, 0.999),
        us(l, 1.0),
        us(p, 0.5),
        us(p, 0.99),
        us(p, 1.0),
        floor,
    )
}

fn summary(cfg: &Config, report: &Report) -> String {
    let s = &report.stats;
    let mode = match cfg.rate {
        Some(r) => format!("open loop at {r} req/s"),
        None => "closed loop".to_string(),
    };
    let rt = if cfg.per_core { "per-core runtimes" } else { "workers" };
    let (l, p) = (&s.latency, &s.pacing);
    let mut out = format!(
        "{}: {mode}, {} connections, {} {rt}, {:.1} s\n  requests {} ok, {} errors, {:.1} req/s\n",
        cfg.url,
        cfg.connections,
        cfg.workers,
        report.elapsed.as_secs_f64(),
        s.requests,
        s.errors,
        s.requests as f64 / report.elapsed.as_secs_f64()
    );
    let from = if cfg.rate.is_some() { "from intended start" } else { "from send" };
    out += &format!(
        "  latency ({from}), µs: p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}\n",
        us(l, 0.5),
        us(l, 0.9),
        us(l, 0.99),
        us(l, 0.999),
        us(l, 1.0)
    );
    if cfg.rate.is_some() {
        let precise = if cfg.spin.is_zero() { "off".to_string() } else { format!("{} µs spin", cfg.spin.as_micros()) };
        out += &format!(
            "  pacing error (sent - intended), µs: p50 {:.1}  p99 {:.1}  max {:.1}  (precise {precise})\n",
            us(p, 0.5),
            us(p, 0.99),
            us(p, 1.0)
        );
    }
    if let Some(f) = &report.floor {
        out += &format!(
            "  os floor (a bare thread waiting toward the same instants), µs: p50 {:.1}  p99 {:.1}  max {:.1}\n",
            us(f, 0.5),
            us(f, 0.99),
            us(f, 1.0)
        );
    }
    out
}

fn main() {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}{HELP}");
        return;
    }
    let cfg = match Config::parse(std::env::args().skip(1)) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let json_out = cfg.json;
    let shown = cfg.clone();
    match run(cfg) {
        Ok(report) if json_out => println!("{}", json(&report)),
        Ok(report) => print!("{}", summary(&shown, &report)),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(1);
        }
    }
}
