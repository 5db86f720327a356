//! `Runtime::enter` makes the whole runtime current: tasks, timers and
//! sockets can be made outside any `block_on`, as with tokio's `enter`.

use std::time::Duration;

#[test]
fn timers_and_sockets_can_be_made_under_enter() {
    let rt = spindle::Runtime::new().unwrap();
    let (sleep, listener, task) = {
        let _guard = rt.enter();
        let sleep = spindle::time::sleep(Duration::from_millis(5));
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let listener = spindle::net::TcpListener::from_std(std_listener).unwrap();
        let task = spindle::spawn(async { 7 });
        (sleep, listener, task)
    };
    let addr = listener.local_addr().unwrap();
    rt.block_on(async move {
        sleep.await;
        let client = spindle::spawn(async move { spindle::net::TcpStream::connect(addr).await.map(drop) });
        let (_stream, _) = listener.accept().await.unwrap();
        client.await.unwrap().unwrap();
        assert_eq!(task.await.unwrap(), 7);
    });
}

#[test]
fn handle_enter_on_another_thread() {
    let rt = spindle::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let sleep = std::thread::spawn(move || {
        let _guard = handle.enter();
        spindle::time::sleep(Duration::from_millis(1))
    })
    .join()
    .unwrap();
    rt.block_on(sleep);
}
