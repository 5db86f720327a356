//! `spindle::io::duplex` and the re-exported helpers, on a runtime:
//! back-pressure, end of stream, broken pipe, a large transfer between
//! tasks, `copy`, `split`, `BufReader` lines.

use std::io::ErrorKind;
use std::time::Duration;

use spindle::io::{duplex, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};

fn multi_thread() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

#[test]
fn smoke() {
    spindle::block_on(async {
        let (mut a, mut b) = duplex(16);
        a.write_all(b"abc").await.unwrap();
        let mut buf = [0u8; 3];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abc");
        b.write_all(b"xyz").await.unwrap();
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"xyz");
    });
}

#[test]
fn writer_waits_for_the_reader() {
    let rt = multi_thread();
    rt.block_on(async {
        let (mut a, mut b) = duplex(4);
        let writer = spindle::spawn(async move {
            // 16 bytes through a 4-byte pipe: needs the reader to drain.
            a.write_all(&[7u8; 16]).await.unwrap();
            a
        });
        spindle::time::sleep(Duration::from_millis(5)).await;
        assert!(!writer.is_finished(), "a full pipe makes the writer wait");
        let mut got = [0u8; 16];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(got, [7u8; 16]);
        drop(writer.await.unwrap());
    });
}

#[test]
fn close_gives_end_of_stream_after_the_queued_bytes() {
    spindle::block_on(async {
        let (mut a, mut b) = duplex(64);
        a.write_all(b"last words").await.unwrap();
        a.close().await.unwrap();
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "last words");
        // The other direction still works after a half-close.
        b.write_all(b"ok").await.unwrap();
        let mut buf = [0u8; 2];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
        // Writing after close fails.
        assert_eq!(a.write_all(b"more").await.unwrap_err().kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn dropped_peer_wakes_a_waiting_reader_and_writer() {
    let rt = multi_thread();
    rt.block_on(async {
        let (a, mut b) = duplex(2);
        let reader = spindle::spawn(async move {
            let mut buf = Vec::new();
            b.read_to_end(&mut buf).await.map(|_| buf)
        });
        spindle::time::sleep(Duration::from_millis(5)).await;
        drop(a);
        assert_eq!(reader.await.unwrap().unwrap(), b"");

        let (mut a, b) = duplex(2);
        let writer = spindle::spawn(async move { a.write_all(&[0u8; 10]).await });
        spindle::time::sleep(Duration::from_millis(5)).await;
        drop(b);
        assert_eq!(writer.await.unwrap().unwrap_err().kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn large_transfer_between_tasks() {
    let rt = multi_thread();
    rt.block_on(async {
        let (mut a, mut b) = duplex(1024);
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let writer = spindle::spawn(async move {
            a.write_all(&data).await.unwrap();
            a.close().await.unwrap();
        });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got, expected);
    });
}

#[test]
fn copy_and_buffers() {
    let rt = multi_thread();
    rt.block_on(async {
        let (mut a, b) = duplex(8);
        let (c, mut d) = duplex(8);
        // a -> b, copied into c -> d.
        let pump = spindle::spawn(async move {
            let mut b = b;
            let mut c = BufWriter::new(c);
            let n = spindle::io::copy(&mut b, &mut c).await.unwrap();
            c.close().await.unwrap();
            n
        });
        a.write_all(b"copied through two pipes").await.unwrap();
        drop(a);
        let mut got = String::new();
        d.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "copied through two pipes");
        assert_eq!(pump.await.unwrap(), 24);
    });
}

#[test]
fn buf_reader_lines() {
    spindle::block_on(async {
        let (mut a, b) = duplex(256);
        a.write_all(b"alpha\nbeta\ngamma").await.unwrap();
        drop(a);
        use futures_util::TryStreamExt;
        let lines: Vec<String> = BufReader::new(b).lines().try_collect().await.unwrap();
        assert_eq!(lines, ["alpha", "beta", "gamma"]);
    });
}

#[test]
fn split_halves_in_two_tasks() {
    let rt = multi_thread();
    rt.block_on(async {
        let (a, b) = duplex(64);
        let (mut rd, mut wr) = spindle::io::split(b);
        // An echo on the split halves.
        let echo = spindle::spawn(async move {
            let mut buf = [0u8; 5];
            rd.read_exact(&mut buf).await.unwrap();
            wr.write_all(&buf).await.unwrap();
        });
        let (mut ard, mut awr) = spindle::io::split(a);
        awr.write_all(b"hello").await.unwrap();
        let mut back = [0u8; 5];
        ard.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
        echo.await.unwrap();
        assert!(ard.reunite(awr).is_ok());
    });
}

#[test]
fn debug_shows_the_queue() {
    spindle::block_on(async {
        let (mut a, b) = duplex(8);
        a.write_all(b"abc").await.unwrap();
        assert_eq!(format!("{b:?}"), "DuplexStream { readable: 3, capacity: 8 }");
    });
}
