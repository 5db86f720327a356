//! `syscalls`: system calls and context switches per request, spindle vs
//! tokio vs async-executor/async-io, on the socket rows (`tcp_echo` per
//! round trip, `http_hello` and `hyper_hello` per request). Counts what a
//! runtime does per request, which the time rows only show indirectly.
//!
//! ```text
//! cargo run --release -p spindle-benches --bin syscalls -- [--rows tcp_echo,http_hello,hyper_hello]
//!     [--workers N (2)] [--requests N (20000)]
//! ```
//!
//! Each (row, runtime) runs in a child process of this binary under
//! `perf stat` (the `raw_syscalls:sys_enter` and `syscalls:sys_enter_*`
//! tracepoints, `context-switches`), falling back to `strace -c -f` where
//! perf is missing or refused (install either with `apt-get install
//! linux-perf strace`). The child runs the workload twice over, with `N` and
//! `2N` requests; the difference divided by `N` is the cost per request,
//! with process start-up, runtime start-up and connection set-up cancelled
//! out. The counts include the in-process load generator's own calls
//! (blocking `write` + `read` per request for the HTTP rows; for
//! `tcp_echo` the clients are tasks of the runtime under test), the same
//! for every runtime.

use std::process::{Command, ExitCode};

use spindle_benches::net;
use spindle_benches::rt::{AsyncExecutorRt, BenchRuntime, SpindleRt, TokioRt, Which};

/// The syscalls broken out in the table (the rest are in the total).
const BROKEN_OUT: &[&str] = &[
    "read",
    "recvfrom",
    "write",
    "sendto",
    "writev",
    "epoll_wait",
    "epoll_pwait",
    "epoll_ctl",
    "futex",
    "timerfd_settime",
    "sched_yield",
];

const USAGE: &str = "usage: syscalls [--rows tcp_echo,http_hello,hyper_hello] [--workers N (2)] [--requests N (20000)]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let mut rows = vec!["tcp_echo".to_owned(), "http_hello".to_owned(), "hyper_hello".to_owned()];
    let mut workers = 2usize;
    let mut requests = 20_000usize;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next();
        match (flag.as_str(), value) {
            ("--rows", Some(v)) => rows = v.split(',').map(|s| s.trim().to_owned()).collect(),
            ("--workers", Some(v)) if v.parse::<usize>().is_ok_and(|n| n > 0) => workers = v.parse().unwrap(),
            ("--requests", Some(v)) if v.parse::<usize>().is_ok_and(|n| n >= 100) => requests = v.parse().unwrap(),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let tool = if perf_works() {
        Tool::Perf
    } else if Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success()) {
        Tool::Strace
    } else {
        eprintln!("neither `perf stat` nor `strace` works here: apt-get install linux-perf strace");
        return ExitCode::FAILURE;
    };
    println!("workers: {workers}, {requests} requests (round trips) per measurement, counted with {tool:?}");
    println!("per request: the run with 2N minus the run with N, divided by N\n");
    let mut header = "| row | runtime | syscalls | context switches |".to_owned();
    let mut rule = "|---|---|---:|---:|".to_owned();
    for name in BROKEN_OUT {
        header.push_str(&format!(" {name} |"));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    for row in &rows {
        for which in Which::ALL {
            let measure = |n: usize| measure(tool, row, which, workers, n);
            let (one, two) = match (measure(requests), measure(2 * requests)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("{row} on {}: {e}", which.name());
                    return ExitCode::FAILURE;
                }
            };
            let per = |key: &str| {
                let get = |c: &Counts| c.iter().find(|(k, _)| k == key).map_or(0.0, |(_, v)| *v);
                (get(&two) - get(&one)) / requests as f64
            };
            let mut line =
                format!("| {row} | {} | {:.2} | {:.3} |", which.name(), per("total"), per("context-switches"));
            for name in BROKEN_OUT {
                line.push_str(&format!(" {:.2} |", per(name)));
            }
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}

#[derive(Clone, Copy, Debug)]
enum Tool {
    Perf,
    Strace,
}

/// (name, count) pairs: "total", "context-switches", and syscall names.
type Counts = Vec<(String, f64)>;

fn perf_works() -> bool {
    Command::new("perf")
        .args(["stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"])
        .output()
        .is_ok_and(|o| o.status.success() && !String::from_utf8_lossy(&o.stderr).contains("not supported"))
}

/// Runs the child for (`row`, `which`, `n`) under `tool` and parses its
/// counts.
fn measure(tool: Tool, row: &str, which: Which, workers: usize, n: usize) -> Result<Counts, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!("spindle-syscalls-{}.txt", std::process::id()));
    let child_args = [
        exe.to_string_lossy().into_owned(),
        "--child".into(),
        row.into(),
        which.name().into(),
        workers.to_string(),
        n.to_string(),
    ];
    let mut cmd = match tool {
        Tool::Perf => {
            let mut events = vec!["raw_syscalls:sys_enter".to_owned(), "context-switches".to_owned()];
            events.extend(BROKEN_OUT.iter().map(|s| format!("syscalls:sys_enter_{s}")));
            let mut cmd = Command::new("perf");
            cmd.args(["stat", "-x,", "-o"]).arg(&out).args(["-e", &events.join(","), "--"]);
            cmd
        }
        Tool::Strace => {
            let mut cmd = Command::new("strace");
            cmd.args(["-f", "-c", "-o"]).arg(&out).arg("--");
            cmd
        }
    };
    let status = cmd.args(&child_args).status().map_err(|e| format!("{tool:?}: {e}"))?;
    if !status.success() {
        return Err(format!("child exited with {status}"));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    Ok(match tool {
        Tool::Perf => parse_perf(&text),
        Tool::Strace => parse_strace(&text),
    })
}

/// `perf stat -x,` lines: `value,unit,event,...`.
fn parse_perf(text: &str) -> Counts {
    let mut counts = Counts::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(',').collect();
        let (Some(value), Some(event)) = (fields.first(), fields.get(2)) else { continue };
        let Ok(value) = value.parse::<f64>() else { continue };
        let name = match *event {
            "raw_syscalls:sys_enter" => "total",
            e => e.strip_prefix("syscalls:sys_enter_").unwrap_or(e),
        };
        counts.push((name.to_owned(), value));
    }
    counts
}

/// `strace -c` table rows: `% time seconds usecs/call calls [errors] syscall`,
/// and the `total` row. (strace counts no context switches.)
fn parse_strace(text: &str) -> Counts {
    let mut counts = Counts::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(name), Some(calls)) = (fields.last(), fields.get(3)) else { continue };
        if let Ok(calls) = calls.parse::<f64>() {
            counts.push(((*name).to_owned(), calls));
        }
    }
    counts
}

/// The child: one runtime, one row, `n` requests (round trips).
fn child(args: &[String]) -> ExitCode {
    let [row, runtime, workers, n] = args else {
        eprintln!("--child ROW RUNTIME WORKERS N");
        return ExitCode::from(2);
    };
    let (Ok(workers), Ok(n)) = (workers.parse::<usize>(), n.parse::<usize>()) else {
        return ExitCode::from(2);
    };
    let Some(which) = Which::ALL.into_iter().find(|w| w.name() == runtime) else {
        eprintln!("unknown runtime {runtime}");
        return ExitCode::from(2);
    };
    match which {
        Which::Spindle => run_row(&SpindleRt::new(workers).expect("spindle runtime"), row, n),
        Which::Tokio => run_row(TokioRt::net(workers), row, n),
        Which::AsyncExecutor => run_row(&AsyncExecutorRt::new(workers).expect("async-executor runtime"), row, n),
    }
}

fn run_row<R: net::hyper::HyperServe + BenchRuntime + 'static>(rt: &R, row: &str, n: usize) -> ExitCode {
    match row {
        "tcp_echo" => {
            net::tcp_echo(rt, net::ECHO_CONNS, (n / net::ECHO_CONNS).max(1));
        }
        "http_hello" => {
            net::http_hello(rt, n);
        }
        "hyper_hello" => {
            net::hyper_hello(rt, n);
        }
        other => {
            eprintln!("unknown row {other} (tcp_echo, http_hello, hyper_hello)");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
