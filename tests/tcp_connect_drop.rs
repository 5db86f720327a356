//! A `connect` future dropped mid-way (here by a `timeout`) leaves no
//! thread and no file descriptor behind: the connect is a non-blocking
//! socket on the reactor, not a job on the blocking pool.
//!
//! Its own test binary, with one test, so that nothing else opens fds or
//! starts threads while they are counted.

use std::time::Duration;

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "counts /proc/self/fd and /proc/self/task")]
fn dropped_connect_leaves_no_thread_and_no_fd() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        // A listener with a backlog of 0 that never accepts: once its
        // accept queue is full, the kernel drops further SYNs, so a connect
        // to it stays in flight (SYN retransmits) until it is dropped.
        let socket = spindle::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        let mut hung = false;
        for _ in 0..16 {
            let (fds, threads) = (count("/proc/self/fd"), count("/proc/self/task"));
            let attempt = spindle::net::TcpStream::connect(addr);
            match spindle::time::timeout(Duration::from_millis(300), attempt).await {
                Ok(stream) => held.push(stream.unwrap()),
                Err(_elapsed) => {
                    // The future is dropped by now; give the kernel nothing
                    // to wait for: the count is taken at once.
                    assert_eq!(count("/proc/self/fd"), fds, "the dropped connect's socket was closed");
                    assert_eq!(count("/proc/self/task"), threads, "no thread was started for the connect");
                    hung = true;
                    break;
                }
            }
        }
        assert!(hung, "a connect to a full backlog should have stayed in flight ({} connected)", held.len());
        drop(listener);
    });
}
