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
//!   thread sleeping toward every instant of the schedule, its lateness
//!   printed under the pacing error (not in `--json`).
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
//! all zeros in closed loop).

use std::future::{poll_fn, Future};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use spindle::net::TcpStream;
use spindle::runtime::PerCore;
use spindle::time::{sleep, sleep_until, timeout, Pacer, Sleep};

/// Bytes an echo request sends (and expects back).
const ECHO_PAYLOAD: &[u8; 64] = &[b'x'; 64];
/// Largest response head or body accepted.
const MAX_RESPONSE: usize = 1 << 20;
/// Time between the start of the run and the first request: connections
/// open in it, so the first events are not late by a connect.
const WARM_UP: Duration = Duration::from_millis(100);
/// Histogram range in nanoseconds: up to a minute, 3 significant digits.
const HIST_MAX_NS: u64 = 60_000_000_000;

/// What to load.
#[derive(Debug, Clone)]
enum Target {
    Http { addr: SocketAddr, request: Vec<u8> },
    Echo { addr: SocketAddr },
}

impl Target {
    fn parse(url: &str) -> io::Result<Target> {
        let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("target {url:?}: {why}"));
        let (scheme, rest) =
            url.split_once("://").ok_or_else(|| bad("expected http://HOST:PORT/PATH or echo://HOST:PORT"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let resolve = |default_port: u16| -> io::Result<SocketAddr> {
            let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())) {
                authority.to_string()
            } else {
                format!("{authority}:{default_port}")
            };
            with_port.to_socket_addrs()?.next().ok_or_else(|| bad("the host resolves to no address"))
        };
        match scheme {
            "http" => {
                let addr = resolve(80)?;
                let request =
                    format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: spindle-loadgen\r\n\r\n");
                Ok(Target::Http { addr, request: request.into_bytes() })
            }
            "echo" => Ok(Target::Echo { addr: resolve(7000)? }),
            other => Err(bad(&format!("unknown scheme {other:?} (http or echo)"))),
        }
    }

    fn addr(&self) -> SocketAddr {
        match self {
            Target::Http { addr, .. } | Target::Echo { addr } => *addr,
        }
    }
}

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

/// One client connection, with what it has read past the last response.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    filled: usize,
}

/// How a response went: 2xx or not, and whether the connection stays open.
struct Answer {
    ok: bool,
    keep: bool,
}

impl Conn {
    async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: vec![0; 16 * 1024], filled: 0 })
    }

    /// Reads more into the buffer (growing it up to `MAX_RESPONSE`).
    async fn fill(&mut self) -> io::Result<()> {
        if self.filled == self.buf.len() {
            if self.buf.len() >= MAX_RESPONSE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "response over 1 MiB"));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.filled..]).await? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "server closed the connection")),
            n => {
                self.filled += n;
                Ok(())
            }
        }
    }

    /// Drops the first `n` buffered bytes.
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    async fn request(&mut self, target: &Target) -> io::Result<Answer> {
        match target {
            Target::Echo { .. } => {
                self.stream.write_all(ECHO_PAYLOAD).await?;
                while self.filled < ECHO_PAYLOAD.len() {
                    self.fill().await?;
                }
                let ok = self.buf[..ECHO_PAYLOAD.len()] == ECHO_PAYLOAD[..];
                self.consume(ECHO_PAYLOAD.len());
                Ok(Answer { ok, keep: true })
            }
            Target::Http { request, .. } => {
                self.stream.write_all(request).await?;
                let end = loop {
                    if let Some(i) = self.buf[..self.filled].windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    self.fill().await?;
                };
                let head = parse_response_head(&self.buf[..end])?;
                while self.filled < end + head.content_length {
                    self.fill().await?;
                }
                self.consume(end + head.content_length);
                Ok(Answer { ok: (200..300).contains(&head.status), keep: !head.close })
            }
        }
    }
}

struct ResponseHead {
    status: u16,
    content_length: usize,
    close: bool,
}

fn parse_response_head(head: &[u8]) -> io::Result<ResponseHead> {
    let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad response: {why}"));
    let text = std::str::from_utf8(head).map_err(|_| invalid("not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("not HTTP/1.x"));
    }
    let status = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| invalid("no status code"))?;
    let mut content_length = 0;
    let mut close = version == "HTTP/1.0";
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("header without ':'"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().map_err(|_| invalid("Content-Length"))?;
            if content_length > MAX_RESPONSE {
                return Err(invalid("body over 1 MiB"));
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid("chunked bodies are not supported"));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.split(',').any(|o| o.trim().eq_ignore_ascii_case("close"));
        }
    }
    Ok(ResponseHead { status, content_length, close })
}

/// A per-request timeout that costs no timer operation per request: one
/// `Sleep` per connection, re-armed only when it fires before the current
/// request's deadline (so about once per timeout period on a healthy
/// connection), where `timeout(d, request)` would register and cancel a
/// timer for every request.
struct Watchdog {
    sleep: Option<Sleep>,
}

impl Watchdog {
    /// Runs `request` until it completes (`Some`) or `deadline` passes
    /// (`None`).
    async fn guard<F: Future>(&mut self, deadline: Instant, request: F) -> Option<F::Output> {
        let mut request = pin!(request);
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(deadline));
        poll_fn(|cx| {
            if let Poll::Ready(out) = request.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            while Pin::new(&mut *sleep).poll(cx).is_ready() {
                if Instant::now() >= deadline {
                    return Poll::Ready(None);
                }
                sleep.reset(deadline);
            }
            Poll::Pending
        })
        .await
    }
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
    let mut watchdog = Watchdog { sleep: None };
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
            Some(std::thread::spawn(move || os_floor(Pacer::new(rate).starting_at(start), deadline)))
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
/// sleeping toward every instant of the whole schedule, recording how late
/// it woke (the first clock reading at or past each instant).
fn os_floor(schedule: Pacer, deadline: Instant) -> Histogram<u64> {
    let mut hist = Stats::new().pacing;
    let mut now = Instant::now();
    for i in 0.. {
        let intended = schedule.intended(i);
        if intended >= deadline {
            break;
        }
        while now < intended {
            std::thread::sleep(intended - now);
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
    format!(
        concat!(
            r#"{{"requests":{},"errors":{},"rps":{:.1},"#,
            r#""latency_us":{{"p50":{:.1},"p90":{:.1},"p99":{:.1},"p999":{:.1},"max":{:.1}}},"#,
            r#""pacing_error_us":{{"p50":{:.1},"p99":{:.1},"max":{:.1}}}}}"#
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
            "  os floor (a bare thread sleeping toward the same instants), µs: p50 {:.1}  p99 {:.1}  max {:.1}\n",
            us(f, 0.5),
            us(f, 0.99),
            us(f, 1.0)
        );
    }
    out
}

fn main() {
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

#[cfg(test)]
mod tests {
    //! Brief loopback runs against in-process servers (blocking std
    //! threads, so the servers share nothing with the runtime under test).

    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A keep-alive server answering every request with `respond`'s bytes,
    /// for `conns` connections.
    fn server(conns: usize, respond: fn(&[u8]) -> &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(conns) {
                let Ok(mut stream) = stream else { continue };
                std::thread::spawn(move || {
                    let _ = stream.set_nodelay(true);
                    let mut buf = vec![0u8; 4096];
                    let mut filled = 0;
                    loop {
                        match stream.read(&mut buf[filled..]) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => filled += n,
                        }
                        while let Some(len) = next_request(&buf[..filled]) {
                            let reply = respond(&buf[..len]);
                            if stream.write_all(reply).is_err() {
                                return;
                            }
                            buf.copy_within(len..filled, 0);
                            filled -= len;
                        }
                    }
                });
            }
        });
        addr
    }

    /// The length of the first whole request in `buf`: an HTTP head, or
    /// an echo payload.
    fn next_request(buf: &[u8]) -> Option<usize> {
        if buf.starts_with(b"GET") {
            buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
        } else {
            (buf.len() >= ECHO_PAYLOAD.len()).then_some(ECHO_PAYLOAD.len())
        }
    }

    fn ok(_: &[u8]) -> &'static [u8] {
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    }

    fn not_found(_: &[u8]) -> &'static [u8] {
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    }

    fn echo(_: &[u8]) -> &'static [u8] {
        ECHO_PAYLOAD
    }

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn run_json(cmd: &str) -> serde_json::Value {
        let report = run(Config::parse(args(cmd)).unwrap()).unwrap();
        let text = json(&report);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 5, "{text}");
        for key in ["requests", "errors", "rps", "latency_us", "pacing_error_us"] {
            assert!(v.get(key).is_some(), "{key} missing in {text}");
        }
        for q in ["p50", "p90", "p99", "p999", "max"] {
            assert!(v["latency_us"][q].as_f64().is_some(), "{text}");
        }
        for q in ["p50", "p99", "max"] {
            assert!(v["pacing_error_us"][q].as_f64().is_some(), "{text}");
        }
        v
    }

    #[test]
    fn open_loop_http_smoke() {
        let addr = server(4, ok);
        let v = run_json(&format!("http://{addr}/x --rate 2000 --connections 4 --duration 0.5 --workers 2 --json"));
        let requests = v["requests"].as_u64().unwrap();
        assert_eq!(v["errors"].as_u64(), Some(0), "{v}");
        // The schedule holds 1,000 events in 0.5 s; allow a slow machine.
        assert!((500..=1000).contains(&requests), "{v}");
        assert!(v["latency_us"]["max"].as_f64().unwrap() >= v["latency_us"]["p50"].as_f64().unwrap());
    }

    #[test]
    fn closed_loop_per_core_precise_and_bounded_count() {
        let addr = server(2, ok);
        let v = run_json(&format!("http://{addr}/ --connections 2 --duration 5 --requests 300 --per-core --workers 2"));
        assert_eq!(v["requests"].as_u64(), Some(300), "{v}");
        assert_eq!(v["pacing_error_us"]["max"].as_f64(), Some(0.0));
        let addr = server(2, ok);
        let v = run_json(&format!(
            "http://{addr}/ --rate 1000 --connections 2 --duration 0.2 --precise --per-core --workers 2"
        ));
        assert!(v["requests"].as_u64().unwrap() > 0, "{v}");
    }

    #[test]
    fn echo_protocol() {
        let addr = server(2, echo);
        let v = run_json(&format!("echo://{addr} --connections 2 --requests 200 --duration 5 --workers 1"));
        assert_eq!(v["requests"].as_u64(), Some(200), "{v}");
        assert_eq!(v["errors"].as_u64(), Some(0), "{v}");
    }

    #[test]
    fn non_2xx_and_refused_connections_are_errors_not_fatal() {
        let addr = server(2, not_found);
        let v = run_json(&format!("http://{addr}/ --connections 2 --requests 50 --duration 5 --workers 1"));
        assert_eq!((v["requests"].as_u64(), v["errors"].as_u64()), (Some(0), Some(50)), "{v}");
        // Nothing listens there once the listener is dropped.
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let v = run_json(&format!("http://{closed}/ --rate 200 --connections 2 --duration 0.2 --workers 1"));
        assert_eq!(v["requests"].as_u64(), Some(0));
        assert!(v["errors"].as_u64().unwrap() > 0, "{v}");
    }

    #[test]
    fn a_silent_server_times_out_into_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            // Accept and hold every connection, answering nothing.
            let held: Vec<_> = listener.incoming().take(8).collect();
            std::thread::sleep(Duration::from_secs(10));
            drop(held);
        });
        let start = Instant::now();
        let v =
            run_json(&format!("http://{addr}/ --connections 1 --requests 3 --timeout-ms 50 --duration 5 --workers 1"));
        assert_eq!((v["requests"].as_u64(), v["errors"].as_u64()), (Some(0), Some(3)), "{v}");
        assert!(start.elapsed() < Duration::from_secs(3), "bounded by the timeouts, not the duration");
    }

    #[test]
    fn bad_arguments() {
        assert!(Config::parse(args("ftp://x")).is_err());
        assert!(Config::parse(args("http://127.0.0.1:1/ --rate 0")).is_err());
        assert!(Config::parse(args("http://127.0.0.1:1/ --bogus")).is_err());
        assert!(Config::parse(args("--json")).is_err());
        let cfg = Config::parse(args("echo://127.0.0.1:9 --precise")).unwrap();
        assert_eq!(cfg.spin, Duration::from_micros(50));
    }

    #[test]
    fn response_heads() {
        let h = parse_response_head(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!((h.status, h.content_length, h.close), (204, 0, true));
        assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(parse_response_head(b"SSH-2.0\r\n\r\n").is_err());
    }
}
