//! `Async<T>` for file descriptors users bring themselves: a `UnixStream`
//! pair and a pipe (a child process's stdout).

// Unix only: Unix fds (a socket pair, a pipe).
#![cfg(unix)]

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use futures_util::future::join;
use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use spindle_reactor::Async;

#[test]
fn unix_pair_read_with_write_with() {
    common::run(30, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        let b = Async::new(b).unwrap();
        a.writable().await.unwrap();
        let reader = async {
            let mut buf = [0u8; 5];
            let n = b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
            buf[..n].to_vec()
        };
        let writer = async { a.write_with(|s| (&*s).write(b"fd io")).await.unwrap() };
        let (got, n) = join(reader, writer).await;
        assert_eq!(n, 5);
        assert_eq!(got, b"fd io");

        // readable() resolves once data is there.
        let mut raw = a.get_ref();
        raw.write_all(b"!").unwrap();
        b.readable().await.unwrap();
        let mut one = [0u8; 1];
        assert_eq!(b.read_with(|s| (&*s).read(&mut one)).await.unwrap(), 1);

        // into_inner gives the std object back, still non-blocking.
        let b = b.into_inner().unwrap();
        let err = (&b).read(&mut one).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    });
}

#[test]
fn async_traits_on_async_t() {
    common::run(30, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut a = Async::new(a).unwrap();
        let mut b = Async::new(b).unwrap();
        let (w, r) = join(
            async {
                a.write_all(&[9u8; 100_000]).await.unwrap();
                a.close().await.unwrap();
                drop(a);
            },
            async {
                let mut out = Vec::new();
                b.read_to_end(&mut out).await.unwrap();
                out
            },
        )
        .await;
        let () = w;
        assert_eq!(r.len(), 100_000);
        assert!(r.iter().all(|&x| x == 9));
    });
}

#[test]
fn pipe_from_child_process() {
    common::run(60, || async {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("printf first; sleep 0.1; printf second")
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn sh");
        let pipe = File::from(OwnedFd::from(child.stdout.take().unwrap()));
        let pipe = Async::new(pipe).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let n = pipe.read_with(|f| (&*f).read(&mut buf)).await.unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"firstsecond");
        assert!(child.wait().unwrap().success());
    });
}

#[test]
fn regular_file_is_refused_with_an_error() {
    common::run(30, || async {
        let file = File::open("/proc/self/status").or_else(|_| File::open(std::env::current_exe().unwrap())).unwrap();
        // epoll cannot poll regular files; that must be an error, not a panic.
        let _ = Async::new(file).map(drop);
    });
}
