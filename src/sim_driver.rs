//! What a simulated runtime ([`Builder::new_simulated`]) parks in: the
//! timer over the runtime's virtual clock, and no reactor.
//!
//! The executor steps the runtime's virtual workers and knows nothing of
//! time; the facade gives it this driver from [`Drivers`]' `build` when
//! the builder's clock is simulated (outside loom models: inside one,
//! the real runtime's workers are loom threads, which park for real). The timer reads the simulated clock, which moves
//! only when the simulator, with every virtual thread idle, parks a worker
//! here with no timeout: the timer then jumps the clock to its earliest
//! deadline and fires it (its auto-advance, `spindle_timer::TimerDriver`).
//! Below the timer is [`NeverBlocks`]: there is no I/O to wait for, and a
//! simulation must never sleep for real.
//!
//! Sockets are not simulated: instead of a reactor handle, the runtime
//! carries a [`NoReactor`] whose message every socket constructor panics
//! with, naming [`duplex`](crate::io::duplex), the in-memory stream that
//! works there.
//!
//! [`Builder::new_simulated`]: crate::runtime::Builder::new_simulated
//! [`Drivers`]: crate::runtime::Drivers

use std::sync::Arc;
use std::time::Duration;

use spindle_executor::clock::Clock;
use spindle_executor::context::DriverHandles;
use spindle_executor::park::{Park, Unpark};
use spindle_reactor::NoReactor;
use spindle_timer::TimerDriver;

/// The panic message of a socket used in a simulated runtime.
pub(crate) const NO_SOCKETS: &str = "sockets are not simulated: a simulated spindle runtime \
     (Builder::new_simulated) runs no reactor; use spindle::io::duplex for an in-memory byte stream";

/// The bottom of a simulated runtime's driver: nothing to wait for, and
/// never a real sleep.
struct NeverBlocks;

struct NoOp;

impl Unpark for NoOp {
    fn unpark(&self) {}
}

impl Park for NeverBlocks {
    fn park(&mut self, _timeout: Option<Duration>) {}

    fn unparker(&self) -> Arc<dyn Unpark> {
        Arc::new(NoOp)
    }
}

/// The driver and handles of a simulated runtime whose clock is `clock`:
/// one timer shard (shards are picked per thread, and the simulation has
/// one thread), and [`NO_SOCKETS`] in place of a reactor.
pub(crate) fn build(clock: &Clock) -> (Box<dyn Park>, DriverHandles) {
    let timer = TimerDriver::with_clock(NeverBlocks, 1, clock.clone());
    let mut handles = DriverHandles::new();
    handles.insert(timer.handle());
    handles.insert(NoReactor(NO_SOCKETS));
    (Box::new(timer), handles)
}
