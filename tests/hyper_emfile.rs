//! `EMFILE` on accept backs off and carries on: `examples/hyper_server`
//! runs in a child process whose `RLIMIT_NOFILE` is lowered to 40, and 100
//! clients connect at once. The server runs out of descriptors, backs off,
//! and accepts the queued connections as the first ones close: every client
//! is answered.

// Unix only: `setrlimit(RLIMIT_NOFILE)` in a child process.
#![cfg(unix)]

mod hyper_common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use hyper::StatusCode;
use hyper_common::{rt, Client, Proto};
use spindle::hyper::SpindleIo;

const NOFILE: libc::rlim_t = 40;
const CLIENTS: usize = 100;

#[test]
fn emfile_on_accept_backs_off_and_carries_on() {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join("hyper_server");
    let mut cmd = Command::new(&path);
    cmd.args(["--addr", "127.0.0.1:0", "--workers", "2"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    // SAFETY: the closure runs in the forked child before `exec`; it only
    // calls `setrlimit`, which is async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: NOFILE, rlim_max: NOFILE };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child =
        cmd.spawn().unwrap_or_else(|e| panic!("{}: {e} (built by `cargo test --features hyper`)", path.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line.trim().strip_prefix("listening on ").unwrap().parse().unwrap();

    rt().block_on(async move {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                spindle::spawn(async move {
                    let stream = spindle::net::TcpStream::connect(addr).await?;
                    let mut client =
                        Client::handshake(Proto::Http1, SpindleIo::new(stream)).await.map_err(std::io::Error::other)?;
                    let (status, body) = client.send("GET", "/", b"").await.map_err(std::io::Error::other)?;
                    assert_eq!((status, &body[..]), (StatusCode::OK, &b"Hello, World!"[..]));
                    std::io::Result::Ok(())
                })
            })
            .collect();
        for c in clients {
            spindle::time::timeout(Duration::from_secs(30), c)
                .await
                .expect("every client answered within 30 s")
                .unwrap()
                .expect("client");
        }
    });

    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` has no memory-safety preconditions; `pid` is our child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(stderr.contains("backing off"), "the server never ran out of descriptors:\n{stderr}");
}
