//! What stands in for I/O inside a loom model: `spindle::io::duplex`, an
//! in-memory stream built on the sync facade (loom's lock there), works;
//! sockets and the blocking pool panic with a message naming the way out.
#![cfg(spindle_loom)]

mod user_common;

use spindle::io::{AsyncReadExt, AsyncWriteExt};

/// A task echoes what the `block_on` thread writes through a duplex pair
/// with room for 4 bytes, so both sides wait on each other.
#[test]
fn duplex_echo() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        let (mut client, mut server) = spindle::io::duplex(4);
        let echo = rt.spawn(async move {
            let mut buf = [0u8; 8];
            let n = server.read_exact(&mut buf).await.map(|()| buf.len());
            server.write_all(&buf).await.unwrap();
            n.unwrap()
        });
        rt.block_on(async {
            client.write_all(b"ping-pon").await.unwrap();
            let mut back = [0u8; 8];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"ping-pon");
            assert_eq!(echo.await.unwrap(), 8);
        });
    });
}

#[test]
#[should_panic(expected = "spindle::io::duplex")]
fn sockets_panic_naming_duplex() {
    loom::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            let _ = spindle::net::TcpListener::bind("127.0.0.1:0").await;
        });
    });
}

#[test]
#[should_panic(expected = "spawn_blocking is not supported inside a loom model")]
fn spawn_blocking_panics() {
    loom::model(|| {
        let rt = user_common::runtime(1);
        let _ = rt.spawn_blocking(|| 1);
    });
}

#[test]
#[should_panic(expected = "spawn_blocking is not supported inside a loom model")]
fn try_spawn_blocking_panics_at_the_call() {
    loom::model(|| {
        let rt = user_common::runtime(1);
        let _ = rt.try_spawn_blocking(|| 1);
    });
}

#[test]
#[should_panic(expected = "spawn_blocking is not supported inside a loom model")]
fn spawn_blocking_bounded_panics_at_the_call() {
    loom::model(|| {
        let rt = user_common::runtime(1);
        // Never polled: the call itself panics.
        let _ = rt.spawn_blocking_bounded(|| 1);
    });
}
