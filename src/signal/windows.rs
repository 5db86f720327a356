//! `ctrl_c` on Windows: a console control handler
//! (`SetConsoleCtrlHandler`), as tokio's Windows signals use.
//!
//! Windows has no signals to catch; a console delivers Ctrl-C by running
//! the registered handler routines on a new thread the system creates for
//! the event. That thread is an ordinary thread (not a signal context), so
//! the handler may lock and wake wakers directly: no self-pipe and no
//! reactor registration are involved, and a listener works without a
//! runtime.
//!
//! # Protocol
//!
//! One process-wide [`Listeners`] under a mutex:
//!
//! 1. a `ctrl_c` future, on its first poll, installs the handler (once per
//!    process), then joins `live` and records the current `generation`;
//! 2. each poll: `generation` moved since its record means a Ctrl-C arrived
//!    after it started listening, and it completes; else it stores its waker
//!    under its id and waits. Checking and storing under the one lock the
//!    handler also takes is what makes a wake-up impossible to lose;
//! 3. the handler, for `CTRL_C_EVENT` with at least one live listener, bumps
//!    `generation`, takes every stored waker, releases the lock, wakes them,
//!    and returns `TRUE` (handled). With no live listener it returns `FALSE`,
//!    so the next handler runs, in the end the default one, which ends the
//!    process: unlike Unix, a Ctrl-C nobody listens for still stops the
//!    program (tokio's Windows behaviour too);
//! 4. dropping a listener removes its waker and leaves `live`.

use std::future::poll_fn;
use std::io;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

use spindle_executor::task::wake_quietly;

/// `CTRL_C_EVENT` (wincon.h).
const CTRL_C_EVENT: u32 = 0;
/// Win32 `BOOL` values.
const TRUE: i32 = 1;
const FALSE: i32 = 0;

/// The handler routine type, `PHANDLER_ROUTINE` (wincon.h).
type HandlerRoutine = unsafe extern "system" fn(ctrl_type: u32) -> i32;

// The one Win32 call signals need, declared here rather than through a
// Windows bindings crate: `BOOL SetConsoleCtrlHandler(PHANDLER_ROUTINE,
// BOOL)` in kernel32, unchanged since Windows 2000.
#[link(name = "kernel32")]
extern "system" {
    fn SetConsoleCtrlHandler(handler: Option<HandlerRoutine>, add: i32) -> i32;
}

/// Everyone listening for Ctrl-C in this process.
struct Listeners {
    /// Ctrl-C events delivered to at least one listener so far.
    generation: u64,
    /// Listeners between their first poll and their drop.
    live: usize,
    /// The wakers of listeners waiting now, by listener id.
    wakers: Vec<(u64, Waker)>,
    next_id: u64,
}

static LISTENERS: Mutex<Listeners> = Mutex::new(Listeners { generation: 0, live: 0, wakers: Vec::new(), next_id: 0 });

/// The outcome of installing the handler: once per process.
static INSTALLED: OnceLock<Result<(), i32>> = OnceLock::new();

/// The state lock. A panic while it is held (a waker's `clone` or `drop`)
/// leaves the fields consistent, so a poisoned lock is used as it is.
fn listeners() -> MutexGuard<'static, Listeners> {
    LISTENERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Installs [`handler`] for the process, once.
fn install() -> io::Result<()> {
    let outcome = INSTALLED.get_or_init(|| {
        // SAFETY: `handler` is a valid handler routine for the life of the
        // process (a plain fn that is never removed); `TRUE` adds it.
        if unsafe { SetConsoleCtrlHandler(Some(handler), TRUE) } != FALSE {
            Ok(())
        } else {
            Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    });
    outcome.map_err(|code| {
        let e = io::Error::from_raw_os_error(code);
        io::Error::new(e.kind(), format!("spindle::signal could not install a console control handler: {e}"))
    })
}

/// The console control handler (step 3 of the module docs).
///
/// # Safety
///
/// None beyond the system's: it is called with a control event code. It
/// never unwinds (`wake_quietly` catches a panicking waker).
unsafe extern "system" fn handler(ctrl_type: u32) -> i32 {
    if ctrl_type != CTRL_C_EVENT {
        return FALSE;
    }
    let wakers = {
        let mut state = listeners();
        if state.live == 0 {
            return FALSE;
        }
        state.generation += 1;
        std::mem::take(&mut state.wakers)
    };
    for (_, waker) in wakers {
        wake_quietly(waker);
    }
    TRUE
}

/// One `ctrl_c` future's membership in [`Listeners`].
struct Listener {
    id: u64,
    /// `generation` when it started listening.
    seen: u64,
}

impl Listener {
    fn join() -> Listener {
        let mut state = listeners();
        state.live += 1;
        state.next_id += 1;
        Listener { id: state.next_id, seen: state.generation }
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = listeners();
        if state.generation != self.seen {
            return Poll::Ready(());
        }
        match state.wakers.iter_mut().find(|(id, _)| *id == self.id) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => state.wakers.push((self.id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let mut state = listeners();
        state.live -= 1;
        state.wakers.retain(|(id, _)| *id != self.id);
    }
}

/// `signal::ctrl_c` on Windows: waits for the next Ctrl-C. Ctrl-Break and
/// the close, logoff and shutdown events keep their default effect.
pub(super) async fn ctrl_c() -> io::Result<()> {
    install()?;
    let listener = Listener::join();
    poll_fn(|cx| listener.poll(cx)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// The only test touching the process-wide state, so nothing else
    /// listens meanwhile. The handler is called as the system would call it.
    #[test]
    fn ctrl_c_event_wakes_and_completes_listeners() {
        // SAFETY: `handler` takes any event code.
        assert_eq!(unsafe { handler(CTRL_C_EVENT) }, FALSE, "no listener: left to the default handler");

        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let mut first = pin!(ctrl_c());
        assert!(first.as_mut().poll(&mut cx).is_pending());
        let mut second = pin!(ctrl_c());
        assert!(second.as_mut().poll(&mut cx).is_pending());

        // SAFETY: as above. Ctrl-Break (1) is not Ctrl-C.
        assert_eq!(unsafe { handler(1) }, FALSE);
        assert!(!flag.0.load(Ordering::SeqCst));
        assert!(first.as_mut().poll(&mut cx).is_pending());

        // SAFETY: as above.
        assert_eq!(unsafe { handler(CTRL_C_EVENT) }, TRUE);
        assert!(flag.0.load(Ordering::SeqCst), "the waiting listeners were woken");
        assert!(matches!(first.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
        assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));

        // A listener that starts after the event waits for the next one.
        let mut third = pin!(ctrl_c());
        assert!(third.as_mut().poll(&mut cx).is_pending());
    }
}
