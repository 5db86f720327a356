//! A peer that closes cleanly gives EOF (`Ok(0)`); a peer that aborts (closes
//! with unread data, so the kernel sends a reset) gives `ConnectionReset`.

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use futures_util::future::join;
use spindle_reactor::net::{TcpListener, TcpStream};

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = join(TcpStream::connect(addr), listener.accept()).await;
    (client.unwrap(), server.unwrap().0)
}

#[test]
fn eof_when_peer_closes() {
    common::run(30, || async {
        let (client, server) = pair().await;
        let reader = async {
            let mut buf = [0u8; 8];
            // Waits first; the FIN must wake it.
            client.read(&mut buf).await.unwrap()
        };
        let closer = async move {
            server.write_all(b"bye").await.unwrap();
            drop(server);
        };
        let (n, ()) = join(reader, closer).await;
        assert_eq!(n, 3);
        let mut buf = [0u8; 8];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "EOF is sticky");
    });
}

#[test]
fn reset_by_peer() {
    common::run(30, || async {
        let (client, server) = pair().await;
        // Data the server never reads: closing it then makes the kernel
        // answer with RST instead of FIN.
        client.write_all(b"unread").await.unwrap();
        let mut peek = [0u8; 6];
        let mut seen = 0;
        while seen < 6 {
            seen = server.peek(&mut peek).await.unwrap();
        }
        drop(server);
        std::thread::sleep(Duration::from_millis(20));
        let mut buf = [0u8; 8];
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    });
}

#[test]
fn reset_wakes_a_pending_reader() {
    common::run(30, || async {
        let (client, server) = pair().await;
        client.write_all(b"unread").await.unwrap();
        let reader = async {
            let mut buf = [0u8; 8];
            client.read(&mut buf).await
        };
        let aborter = async move {
            let mut peek = [0u8; 6];
            let mut seen = 0;
            while seen < 6 {
                seen = server.peek(&mut peek).await.unwrap();
            }
            drop(server);
        };
        let (res, ()) = join(reader, aborter).await;
        let err = res.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    });
}
