//! Many concurrent TCP connections on one reactor (bounded in count and
//! time): every client's bytes come back to it and to no one else.

mod common;

use futures_util::future::{join, join_all};
use spindle_reactor::net::{TcpListener, TcpStream};

const CLIENTS: usize = 64;
const ROUNDS: usize = 8;

#[test]
fn stampede() {
    common::run(60, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();

        let server = async {
            let mut conns = Vec::new();
            for _ in 0..CLIENTS {
                conns.push(listener.accept().await.unwrap().0);
            }
            join_all(conns.iter().map(|s| async move {
                let mut buf = [0u8; 256];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    s.write_all(&buf[..n]).await.unwrap();
                }
            }))
            .await;
        };
        let clients = join_all((0..CLIENTS).map(|id| async move {
            let s = TcpStream::connect(addr).await.unwrap();
            for round in 0..ROUNDS {
                let msg = format!("client {id} round {round};");
                s.write_all(msg.as_bytes()).await.unwrap();
                let mut got = vec![0u8; msg.len()];
                let mut n = 0;
                while n < got.len() {
                    let m = s.read(&mut got[n..]).await.unwrap();
                    assert_ne!(m, 0, "early EOF for client {id}");
                    n += m;
                }
                assert_eq!(got, msg.as_bytes());
            }
            s.shutdown(std::net::Shutdown::Write).unwrap();
            id
        }));
        let ((), ids) = join(server, clients).await;
        assert_eq!(ids, (0..CLIENTS).collect::<Vec<_>>());
    });
}
