//! The futures of socket operations are `Send` (a multi-threaded runtime
//! spawns them), and a socket keeps using the reactor it was created with
//! when it is polled on a thread where no reactor is entered.

mod common;

use futures_util::future::join;
use spindle_reactor::net::{TcpListener, TcpStream, UdpSocket};

fn assert_send<T: Send>(_: &T) {}

#[test]
fn operation_futures_are_send() {
    common::run(30, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connect = TcpStream::connect(addr);
        assert_send(&connect);
        let accept = listener.accept();
        assert_send(&accept);
        let (client, server) = join(connect, accept).await;
        let (client, (server, _)) = (client.unwrap(), server.unwrap());
        let mut buf = [0u8; 4];
        assert_send(&client.write_all(b"ping"));
        assert_send(&server.read(&mut buf));
        assert_send(&TcpListener::bind("localhost:0"));
        assert_send(&UdpSocket::bind("127.0.0.1:0"));
        #[cfg(unix)]
        assert_send(&spindle_reactor::net::UnixStream::connect("/nonexistent"));
        let (r, w) = client.into_split();
        assert_send(&r);
        assert_send(&w.write(b"x"));
    });
}

#[test]
fn socket_polled_on_a_thread_without_a_reactor() {
    common::bounded(30, || {
        let rt = common::Rt::new();
        // A loopback TCP pair: the socket pair every platform has.
        let (a, b) = rt
            .block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let a = TcpStream::connect(listener.local_addr()?).await?;
                let (b, _) = listener.accept().await?;
                std::io::Result::Ok((a, b))
            })
            .unwrap();
        // No `enter` on this thread: the sockets already know their reactor.
        let reader = std::thread::spawn(move || {
            futures_executor::block_on(async {
                let mut buf = [0u8; 5];
                let mut n = 0;
                while n < 5 {
                    n += b.read(&mut buf[n..]).await.unwrap();
                }
                buf
            })
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        futures_executor::block_on(a.write_all(b"moved")).unwrap();
        assert_eq!(&reader.join().unwrap(), b"moved");
    });
}
