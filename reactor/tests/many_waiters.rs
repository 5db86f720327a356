//! Several tasks waiting on one socket in the same direction are all woken:
//! two threads in `accept` on one shared listener both get a connection.

mod common;

use std::sync::Arc;
use std::time::Duration;

use spindle_reactor::net::{TcpListener, TcpStream};

#[test]
fn two_accepters_on_one_listener_both_complete() {
    common::bounded(30, || {
        let rt = common::Rt::new();
        let listener = Arc::new(rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap());
        let addr = listener.local_addr().unwrap();
        let accepters: Vec<_> = (0..2)
            .map(|_| {
                let listener = listener.clone();
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    let _enter = handle.enter();
                    futures_executor::block_on(listener.accept()).map(|(_, peer)| peer)
                })
            })
            .collect();
        // Both accepters wait (one waker each) before the first client comes.
        std::thread::sleep(Duration::from_millis(100));
        let c1 = rt.block_on(TcpStream::connect(addr)).unwrap();
        let c2 = rt.block_on(TcpStream::connect(addr)).unwrap();
        let peers: Vec<_> = accepters.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
        let mut locals = vec![c1.local_addr().unwrap(), c2.local_addr().unwrap()];
        let mut peers = peers;
        locals.sort();
        peers.sort();
        assert_eq!(locals, peers, "each accepter got one of the two connections");
    });
}
