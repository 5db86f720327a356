//! `Handle::shutdown` makes pending I/O fail with "reactor is shut down"
//! instead of hanging, and refuses new sockets.

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use spindle_reactor::net::{TcpListener, TcpStream};

#[test]
fn pending_read_fails_instead_of_hanging() {
    common::bounded(30, || {
        let rt = common::Rt::new();
        let handle = rt.handle().clone();
        // A loopback TCP pair: the socket pair every platform has.
        let (a, _b) = rt
            .block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let a = TcpStream::connect(listener.local_addr()?).await?;
                let (b, _) = listener.accept().await?;
                std::io::Result::Ok((a, b))
            })
            .unwrap();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            handle.shutdown();
        });
        let err = rt
            .block_on(async {
                let mut buf = [0u8; 8];
                a.read(&mut buf).await
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        assert_eq!(err.to_string(), "reactor is shut down");
        killer.join().unwrap();
        assert!(rt.handle().is_shutdown());
    });
}

#[test]
fn pending_accept_fails_and_new_sockets_are_refused() {
    common::bounded(30, || {
        let rt = common::Rt::new();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = rt.handle().clone();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            handle.shutdown();
        });
        let err = rt.block_on(listener.accept()).unwrap_err();
        assert_eq!(err.to_string(), "reactor is shut down");
        killer.join().unwrap();

        // Later operations fail at once too.
        let err = rt.block_on(listener.accept()).unwrap_err();
        assert_eq!(err.to_string(), "reactor is shut down");
        let err = rt.block_on(TcpStream::connect(addr)).unwrap_err();
        assert_eq!(err.to_string(), "reactor is shut down");
        let err = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap_err();
        assert_eq!(err.to_string(), "reactor is shut down");
        #[cfg(unix)]
        {
            let err = rt.block_on(async { spindle_reactor::net::UnixStream::pair() }).unwrap_err();
            assert_eq!(err.to_string(), "reactor is shut down");
        }
        rt.handle().shutdown(); // idempotent
    });
}
