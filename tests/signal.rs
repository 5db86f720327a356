//! Signals delivered to this process reach spindle's listeners. Its own
//! test binary: the signals sent here (`SIGUSR1`, `SIGINT`, `SIGHUP`) are
//! handled by listeners before they are sent, and no other test shares the
//! process.

// Unix only: `spindle::signal` is (see its module docs).
#![cfg(unix)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use spindle::signal::unix::{signal, SignalKind};

fn send_to_self(signum: libc::c_int) {
    // SAFETY: `kill` has no memory-safety preconditions; the signal has a
    // listener installed by the caller, so it does not end the process.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0, "kill({signum})");
}

fn rt() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

#[test]
fn sigusr1_reaches_two_listeners() {
    rt().block_on(async {
        let mut a = signal(SignalKind::user_defined1()).unwrap();
        let mut b = signal(SignalKind::user_defined1()).unwrap();
        let waiter = spindle::spawn(async move { a.recv().await });
        // Let the spawned task reach its wait first, so the wake goes
        // through the reactor rather than an already-readable pipe.
        spindle::time::sleep(Duration::from_millis(20)).await;
        send_to_self(libc::SIGUSR1);
        let guard = Duration::from_secs(5);
        assert_eq!(spindle::time::timeout(guard, b.recv()).await.expect("b saw SIGUSR1"), Some(()));
        let got = spindle::time::timeout(guard, waiter).await.expect("a saw SIGUSR1");
        assert_eq!(got.unwrap(), Some(()));
    });
}

#[test]
fn a_dropped_listener_leaves_the_others_listening() {
    rt().block_on(async {
        let mut keep = signal(SignalKind::hangup()).unwrap();
        let dropped = signal(SignalKind::hangup()).unwrap();
        drop(dropped);
        let guard = Duration::from_secs(5);
        for _ in 0..3 {
            send_to_self(libc::SIGHUP);
            assert_eq!(spindle::time::timeout(guard, keep.recv()).await.unwrap(), Some(()));
        }
    });
}

#[test]
fn ctrl_c_resolves_on_sigint() {
    rt().block_on(async {
        let mut ctrl_c = pin!(spindle::signal::ctrl_c());
        // First poll installs the handler; only then is SIGINT safe to send.
        let first = std::future::poll_fn(|cx: &mut Context<'_>| Poll::Ready(ctrl_c.as_mut().poll(cx))).await;
        assert!(first.is_pending());
        send_to_self(libc::SIGINT);
        spindle::time::timeout(Duration::from_secs(5), ctrl_c).await.expect("ctrl_c saw SIGINT").unwrap();
    });
}

#[test]
fn forbidden_signals_are_an_error() {
    rt().block_on(async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "signal {signum}: {err}");
        }
    });
}
