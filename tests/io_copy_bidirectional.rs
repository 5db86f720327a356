//! `spindle::io::copy_bidirectional`: a TCP proxy on loopback, half-close
//! passed through, errors ending the copy.

use std::io::ErrorKind;

use spindle::io::{copy_bidirectional, duplex, AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};

fn multi_thread() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

#[test]
fn tcp_proxy_both_ways() {
    multi_thread().block_on(async {
        // server <- proxy <- client, all on 127.0.0.1.
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_addr = proxy.local_addr().unwrap();

        let server_task = spindle::spawn(async move {
            let (mut conn, _) = server.accept().await.unwrap();
            let mut req = Vec::new();
            conn.read_to_end(&mut req).await.unwrap();
            conn.write_all(&req.iter().rev().copied().collect::<Vec<_>>()).await.unwrap();
            req.len()
        });
        let proxy_task = spindle::spawn(async move {
            let (mut inbound, _) = proxy.accept().await.unwrap();
            let mut outbound = TcpStream::connect(server_addr).await.unwrap();
            copy_bidirectional(&mut inbound, &mut outbound).await.unwrap()
        });

        let mut client = TcpStream::connect(proxy_addr).await.unwrap();
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        client.write_all(&payload).await.unwrap();
        // Half-close: the proxy passes the FIN on, the server replies.
        client.close().await.unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, payload.iter().rev().copied().collect::<Vec<_>>());
        assert_eq!(server_task.await.unwrap(), payload.len());
        assert_eq!(proxy_task.await.unwrap(), (payload.len() as u64, payload.len() as u64));
    });
}

#[test]
fn error_on_one_side_ends_the_copy() {
    multi_thread().block_on(async {
        let (mut a, a_far) = duplex(8);
        let (mut b, b_far) = duplex(8);
        // Nobody will read what is copied into `b`: dropping its far end
        // makes the write fail.
        drop(b_far);
        let mut a_far = a_far;
        a_far.write_all(b"lost").await.unwrap();
        let err = copy_bidirectional(&mut a, &mut b).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn empty_both_ways() {
    spindle::block_on(async {
        let (mut a, a_far) = duplex(8);
        let (mut b, b_far) = duplex(8);
        drop((a_far, b_far));
        // Both readers at end at once; closing a dropped peer is fine.
        assert_eq!(copy_bidirectional(&mut a, &mut b).await.unwrap(), (0, 0));
    });
}
