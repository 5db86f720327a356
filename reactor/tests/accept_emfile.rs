//! `accept` when the process is out of file descriptors (`EMFILE`) returns
//! an `io::Error`; the listener stays usable, and once descriptors are free
//! again the same pending connection is accepted.
//!
//! The test re-runs itself in a child process whose fd limit is lowered
//! with the shell's `ulimit -n` (std has no `setrlimit`), so exhausting the
//! descriptors touches nothing else.

// Unix only: `sh -c ulimit -n` and the Unix fd limit.
#![cfg(unix)]

mod common;

use std::fs::File;
use std::process::Command;

use spindle_reactor::net::TcpListener;

const CHILD_ENV: &str = "SPINDLE_REACTOR_EMFILE_CHILD";
const TEST_NAME: &str = "accept_emfile_is_an_error_and_the_listener_survives";

#[test]
fn accept_emfile_is_an_error_and_the_listener_survives() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child();
    }
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$1" --exact --test-threads=1 --nocapture"#)
        .arg(&exe)
        .arg(TEST_NAME)
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed: {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    assert!(stdout.contains("1 passed"), "child ran no test:\n{stdout}");
}

fn child() {
    common::bounded(30, || {
        let rt = common::Rt::new();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        // The client connects (the kernel completes the handshake and queues
        // the connection) before the descriptors run out.
        let _client = std::net::TcpStream::connect(addr).unwrap();

        let mut hog = Vec::new();
        loop {
            match File::open("/dev/null") {
                Ok(f) => hog.push(f),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(24), "expected EMFILE: {e:?}");
                    break;
                }
            }
            assert!(hog.len() < 100_000, "fd limit was not lowered");
        }

        let err = rt.block_on(listener.accept()).unwrap_err();
        assert!(matches!(err.raw_os_error(), Some(24 | 23)), "expected EMFILE/ENFILE from accept, got {err:?}");
        // Still an error on retry, not a hang or a panic.
        assert!(rt.block_on(listener.accept()).is_err());

        // Back off: free some descriptors, and the queued connection is
        // accepted on the same listener.
        hog.truncate(hog.len().saturating_sub(8));
        let (stream, peer) = rt.block_on(listener.accept()).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), peer);
    });
}
