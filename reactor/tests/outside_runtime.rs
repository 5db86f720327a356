//! Using a socket where no reactor is entered panics with a clear message
//! (instead of hanging or returning an obscure error).

use spindle_reactor::net::TcpListener;

#[test]
#[should_panic(expected = "spindle::net used outside a spindle runtime (no reactor is running on this thread)")]
fn tcp_bind_outside_runtime() {
    let _ = futures_executor::block_on(TcpListener::bind("127.0.0.1:0"));
}

#[cfg(unix)]
#[test]
#[should_panic(expected = "no reactor is running on this thread")]
fn unix_pair_outside_runtime() {
    let _ = spindle_reactor::net::UnixStream::pair();
}

#[test]
#[should_panic(expected = "no reactor is running on this thread")]
fn from_std_after_guard_dropped() {
    let driver = spindle_reactor::IoDriver::new().unwrap();
    drop(driver.handle().enter());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _ = TcpListener::from_std(listener);
}
