//! A waker that panics when woken does not take the driver down, and does
//! not lose the wake-ups of the other timers fired in the same batch.

use spindle_timer::Instant;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use spindle_executor::park::{Park, Parker};
use spindle_timer::{sleep_until, TimerDriver};

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Boom;

impl Wake for Boom {
    fn wake(self: Arc<Self>) {
        panic!("a foreign waker panics");
    }
}

#[test]
fn panicking_waker_does_not_lose_its_batch_mates() {
    let mut driver = TimerDriver::with_shards(Parker::new(), 1);
    let handle = driver.handle();
    let _enter = handle.enter();
    let deadline = Instant::now() + Duration::from_millis(20);
    let mut good = sleep_until(deadline);
    let mut bad = sleep_until(deadline);
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let good_waker = Waker::from(flag.clone());
    let bad_waker = Waker::from(Arc::new(Boom));
    assert!(Pin::new(&mut good).poll(&mut Context::from_waker(&good_waker)).is_pending());
    assert!(Pin::new(&mut bad).poll(&mut Context::from_waker(&bad_waker)).is_pending());
    std::thread::sleep(Duration::from_millis(30));
    // Both fire in one batch; the panic is contained.
    driver.park(Some(Duration::ZERO));
    assert!(flag.0.load(Ordering::SeqCst), "the other timer fired but its task was never woken");
}
