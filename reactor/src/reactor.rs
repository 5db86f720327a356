//! The reactor: the one `polling::Poller` of a runtime, the slab of
//! registered sources, event dispatch, and shutdown.
//!
//! # Roles
//!
//! * Socket types register their fd ([`Reactor::register`]) and get a
//!   [`Registration`]: a [`Key`] (slab index plus generation) and the
//!   source's [`ScheduledIo`]. Dropping the socket deletes the fd from the
//!   poller ([`Registration::deregister`]), *then* closes the fd, *then*
//!   drops the registration, which frees the slab slot and bumps its
//!   generation.
//! * The driver (`IoDriver::park`) waits in the poller and hands the events
//!   to [`Reactor::dispatch`], which looks every key up under the slab lock,
//!   drops events whose generation does not match (a stale event for a slot
//!   that was freed and reused), sets readiness, and collects wakers. The
//!   driver wakes them after the lock is released.
//! * `Handle::shutdown` marks the slab shut down (no new registrations),
//!   sets `SHUTDOWN` on every live source, and wakes every waiter.
//!
//! # Backend contract (what we need from `polling`)
//!
//! * `Poller::add_with_mode` / `modify_with_mode` / `delete` / `wait` /
//!   `notify`, with keys below `usize::MAX` (reserved by `polling`; our keys
//!   keep the top bit clear).
//! * Edge mode where `Poller::supports_edge()` (epoll, kqueue): each source
//!   is armed once for both directions; there is no per-event syscall.
//! * Elsewhere (IOCP on Windows, through `sys/windows.rs`), oneshot mode:
//!   an event disarms the source, so any event
//!   wakes *both* waiters, and a task whose poll goes `Pending` re-arms the
//!   fd with the interest of the waiters stored at that moment (serialized
//!   per source, so an older interest never overwrites a newer one).
//!   Re-arming a source that is already ready reports it at once (epoll,
//!   kqueue, poll and event ports all re-evaluate the level on `modify`;
//!   IOCP's AFD poll completes at once for a socket already ready).
//! * Error and hang-up conditions are reported as readable and writable
//!   (`polling` folds `EPOLLERR`/`EPOLLHUP` into both), so the operation
//!   runs and returns the error itself.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use polling::{Event, PollMode, Poller};

use crate::source::{ClearOutcome, Direction, Ready, ReadyEvent, ScheduledIo};
use crate::sys::BorrowedSource;

/// Bits of a [`Key`] that hold the slab index.
const INDEX_BITS: u32 = if usize::BITS >= 64 { 32 } else { 20 };
/// Bits of a [`Key`] that hold the generation. The top bit of the key stays
/// clear, so a key never equals `usize::MAX`, which `polling` reserves.
const GENERATION_BITS: u32 = usize::BITS - INDEX_BITS - 1;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
const GENERATION_MASK: usize = (1 << GENERATION_BITS) - 1;

/// The error every operation returns once the reactor is shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other("reactor is shut down")
}

/// The event key of a registration: `generation << INDEX_BITS | index`.
///
/// A slot's generation is bumped every time it is freed, so a key from an
/// earlier tenant of the slot never matches the current one. (A stale event
/// would have to survive 2^`GENERATION_BITS` reuses of its slot to alias.)
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(usize);

impl Key {
    fn new(index: usize, generation: usize) -> Key {
        debug_assert!(index <= INDEX_MASK, "index out of range; index = {index}");
        Key(((generation & GENERATION_MASK) << INDEX_BITS) | index)
    }

    fn index(self) -> usize {
        self.0 & INDEX_MASK
    }

    fn generation(self) -> usize {
        self.0 >> INDEX_BITS
    }

    /// The key as `polling` sees it.
    pub(crate) fn as_usize(self) -> usize {
        self.0
    }

    /// The key of a `polling` event.
    pub(crate) fn from_usize(key: usize) -> Key {
        Key(key)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}v{})", self.index(), self.generation())
    }
}

/// One slot: the current tenant, if any, and the generation its key carries.
struct Slot {
    generation: usize,
    io: Option<Arc<ScheduledIo>>,
}

/// The registered sources.
#[derive(Default)]
struct Slab {
    slots: Vec<Slot>,
    /// Indices of free slots.
    free: Vec<usize>,
    /// Set by `Reactor::shutdown`; refuses new registrations from then on.
    shutdown: bool,
}

impl Slab {
    fn insert(&mut self, io: Arc<ScheduledIo>) -> io::Result<Key> {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                if self.slots.len() > INDEX_MASK {
                    return Err(io::Error::other("too many I/O sources registered"));
                }
                self.slots.push(Slot { generation: 0, io: None });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        debug_assert!(slot.io.is_none(), "free slot is occupied; index = {index}");
        slot.io = Some(io);
        Ok(Key::new(index, slot.generation))
    }

    /// The tenant of `key`'s slot, if its generation matches.
    fn get(&self, key: Key) -> Option<&Arc<ScheduledIo>> {
        let slot = self.slots.get(key.index())?;
        if slot.generation != key.generation() {
            return None;
        }
        slot.io.as_ref()
    }

    fn remove(&mut self, key: Key) -> Option<Arc<ScheduledIo>> {
        let slot = self.slots.get_mut(key.index())?;
        if slot.generation != key.generation() {
            return None;
        }
        let io = slot.io.take()?;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        self.free.push(key.index());
        Some(io)
    }

    fn live(&self) -> impl Iterator<Item = &Arc<ScheduledIo>> {
        self.slots.iter().filter_map(|slot| slot.io.as_ref())
    }
}

/// The shared half of a runtime's I/O driver.
pub(crate) struct Reactor {
    poller: Poller,
    /// `Edge` where supported, `Oneshot` elsewhere.
    mode: PollMode,
    /// Lock order: this lock, then a source's waiter lock; never reversed.
    sources: Mutex<Slab>,
    /// Number of live registrations: a zero-timeout park with none skips the
    /// poller entirely.
    live: AtomicUsize,
    /// Events dispatched to a live source, ever (`Handle::ready_count`):
    /// added once per dispatch, by the one thread holding the driver.
    ready: AtomicU64,
}

impl Reactor {
    /// A reactor in edge mode where the poller supports it, else oneshot.
    pub(crate) fn new() -> io::Result<Reactor> {
        let poller = Poller::new()?;
        let mode = if poller.supports_edge() { PollMode::Edge } else { PollMode::Oneshot };
        Ok(Reactor::with_poller(poller, mode))
    }

    fn with_poller(poller: Poller, mode: PollMode) -> Reactor {
        Reactor {
            poller,
            mode,
            sources: Mutex::new(Slab::default()),
            live: AtomicUsize::new(0),
            ready: AtomicU64::new(0),
        }
    }

    /// A reactor forced into oneshot mode (to test the re-arming path on
    /// platforms that support edge mode).
    #[cfg(test)]
    pub(crate) fn new_oneshot() -> io::Result<Reactor> {
        Ok(Reactor::with_poller(Poller::new()?, PollMode::Oneshot))
    }

    pub(crate) fn poller(&self) -> &Poller {
        &self.poller
    }

    /// Whether no source is registered.
    pub(crate) fn is_idle(&self) -> bool {
        self.live.load(Ordering::Relaxed) == 0
    }

    /// Registers `fd` with the poller.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`Registration::deregister`] has been
    /// called with it (this is `Poller::add`'s contract: a source is deleted
    /// from the poller before it is closed).
    ///
    /// # Errors
    ///
    /// Fails if the reactor is shut down, if the slab is full, or if the
    /// poller refuses the fd.
    pub(crate) unsafe fn register(self: &Arc<Self>, fd: BorrowedSource<'_>) -> io::Result<Registration> {
        let io = Arc::new(ScheduledIo::new());
        let key = {
            let mut slab = self.sources.lock();
            if slab.shutdown {
                return Err(shutdown_error());
            }
            slab.insert(io.clone())?
        };
        // In edge mode the fd is armed for both directions once and for all;
        // in oneshot mode interest is armed by the first poll that waits.
        let interest = match self.mode {
            PollMode::Edge => Event::all(key.as_usize()),
            _ => Event::none(key.as_usize()),
        };
        // SAFETY: the caller promises `fd` stays open until `deregister`
        // deletes it from this poller, which is exactly `add`'s contract.
        let added = unsafe { self.poller.add_with_mode(&fd, interest, self.mode) };
        if let Err(e) = added {
            self.sources.lock().remove(key);
            return Err(e);
        }
        self.live.fetch_add(1, Ordering::Relaxed);
        Ok(Registration { reactor: self.clone(), key, io, rearm: Mutex::new(()) })
    }

    /// Applies a batch of events: sets readiness on each live source whose
    /// key matches, and pushes the wakers to wake into `wakers`. The caller
    /// wakes them after this returns (no lock is held then).
    pub(crate) fn dispatch(&self, events: impl Iterator<Item = (Key, Ready)>, wakers: &mut Vec<Waker>) {
        let slab = self.sources.lock();
        let mut dispatched = 0;
        for (key, ready) in events {
            // A stale key (freed slot, or slot reused under a new
            // generation) finds nothing and the event is dropped.
            let Some(io) = slab.get(key) else { continue };
            dispatched += 1;
            io.set_readiness(ready);
            // Oneshot: the event disarmed the fd for both directions, so
            // both waiters must come back and re-arm what they still need.
            let wake = match self.mode {
                PollMode::Edge => ready,
                _ => Ready::ALL,
            };
            io.take_wakers(wake, wakers);
        }
        if dispatched > 0 {
            self.ready.fetch_add(dispatched, Ordering::Relaxed);
        }
    }

    /// Events dispatched to a live source so far.
    pub(crate) fn ready_count(&self) -> u64 {
        self.ready.load(Ordering::Relaxed)
    }

    /// Refuses new registrations, fails every pending and future operation
    /// on the existing ones, and wakes every waiter and the driver.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut slab = self.sources.lock();
            if slab.shutdown {
                return;
            }
            slab.shutdown = true;
            for io in slab.live() {
                io.shutdown();
                io.take_wakers(Ready::ALL, &mut wakers);
            }
        }
        for waker in wakers {
            wake_quietly(waker);
        }
        let _ = self.poller.notify();
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.sources.lock().shutdown
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("mode", &self.mode)
            .field("live", &self.live.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Wakes a waker, swallowing a panic from a foreign waker implementation
/// so that one broken waker cannot stop the driver from waking the others.
pub(crate) use spindle_executor::task::wake_quietly;

/// A source's membership in the reactor. Dropping it frees the slab slot;
/// the owner must call [`Registration::deregister`] (and then close the fd)
/// before that.
pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    key: Key,
    io: Arc<ScheduledIo>,
    /// Serializes oneshot re-arming, so that the last `modify` always
    /// carries the newest interest.
    rearm: Mutex<()>,
}

impl Registration {
    /// `Ready(Ok(event))` when `dir` may proceed, `Ready(Err(_))` once the
    /// reactor is shut down, else `Pending` with the waker stored.
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        fd: BorrowedSource<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        match self.io.poll_ready(dir, cx) {
            Poll::Ready(event) if event.is_shutdown() => Poll::Ready(Err(shutdown_error())),
            Poll::Ready(event) => Poll::Ready(Ok(event)),
            Poll::Pending => {
                if self.reactor.mode != PollMode::Edge {
                    if let Err(e) = self.rearm(fd) {
                        return Poll::Ready(Err(e));
                    }
                }
                Poll::Pending
            }
        }
    }

    /// Oneshot mode: arms `fd` with the interest of the stored waiters.
    #[cold]
    fn rearm(&self, fd: BorrowedSource<'_>) -> io::Result<()> {
        let _serial = self.rearm.lock();
        let interest = self.io.interest();
        let event = Event::new(self.key.as_usize(), interest.is_readable(), interest.is_writable());
        self.reactor.poller.modify_with_mode(fd, event, self.reactor.mode)
    }

    /// The reactor this source is registered with.
    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// After `WouldBlock`: clears the readiness the operation observed.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) -> ClearOutcome {
        self.io.clear_readiness(event)
    }

    /// Deletes `fd` from the poller. Call it before closing `fd`.
    pub(crate) fn deregister(&self, fd: BorrowedSource<'_>) {
        // An error here means the fd was not registered any more (or is
        // already closed): nothing is left to undo.
        let _ = self.reactor.poller.delete(fd);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.reactor.sources.lock().remove(self.key).is_some() {
            self.reactor.live.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration").field("key", &self.key).field("io", &self.io).finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sys::source;
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::AtomicBool;
    use std::task::Wake;

    /// A connected loopback TCP pair: the one socket pair every platform
    /// has (Windows has no `socketpair`, and IOCP polls only sockets).
    pub(crate) fn tcp_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        (a, b)
    }

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn pending_on_read(reg: &Registration, fd: BorrowedSource<'_>) -> Arc<Flag> {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        // Consume the optimistic initial readiness first.
        if let Poll::Ready(Ok(ev)) = reg.poll_ready(Direction::Read, &mut cx, fd) {
            let _ = reg.clear_readiness(ev);
        }
        assert!(reg.poll_ready(Direction::Read, &mut cx, fd).is_pending());
        flag
    }

    #[test]
    fn key_round_trips_and_avoids_reserved_key() {
        let key = Key::new(INDEX_MASK, GENERATION_MASK);
        assert_eq!(key.index(), INDEX_MASK);
        assert_eq!(key.generation(), GENERATION_MASK);
        assert_ne!(key.as_usize(), usize::MAX);
    }

    #[test]
    fn stale_generation_never_wakes_reused_slot() {
        let reactor = Arc::new(Reactor::new().unwrap());
        let (a, _a_peer) = tcp_pair();
        let (b, _b_peer) = tcp_pair();

        // SAFETY: `a` outlives the registration and is deregistered below
        // before it is dropped.
        let reg_a = unsafe { reactor.register(source(&a)) }.unwrap();
        let stale = reg_a.key;
        reg_a.deregister(source(&a));
        drop(reg_a);

        // SAFETY: `b` is deregistered at the end of the test, before it drops.
        let reg_b = unsafe { reactor.register(source(&b)) }.unwrap();
        assert_eq!(reg_b.key.index(), stale.index(), "slot is reused");
        assert_ne!(reg_b.key, stale, "with a new generation");
        let woken = pending_on_read(&reg_b, source(&b));
        let before = reg_b.io.readiness();

        let mut wakers = Vec::new();
        reactor.dispatch([(stale, Ready::ALL)].into_iter(), &mut wakers);
        assert!(wakers.is_empty(), "stale event produced a waker");
        assert_eq!(reg_b.io.readiness(), before, "stale event set readiness");
        assert!(!woken.0.load(Ordering::SeqCst));

        // The current key does reach it.
        reactor.dispatch([(reg_b.key, Ready::READABLE)].into_iter(), &mut wakers);
        assert_eq!(wakers.len(), 1);
        wakers.drain(..).for_each(Waker::wake);
        assert!(woken.0.load(Ordering::SeqCst));
        reg_b.deregister(source(&b));
    }

    #[test]
    fn shutdown_refuses_registration_and_fails_waiters() {
        let reactor = Arc::new(Reactor::new().unwrap());
        let (a, _peer) = tcp_pair();
        // SAFETY: deregistered below before `a` drops.
        let reg = unsafe { reactor.register(source(&a)) }.unwrap();
        let woken = pending_on_read(&reg, source(&a));
        reactor.shutdown();
        assert!(woken.0.load(Ordering::SeqCst));
        let mut cx = Context::from_waker(Waker::noop());
        match reg.poll_ready(Direction::Read, &mut cx, source(&a)) {
            Poll::Ready(Err(e)) => assert_eq!(e.to_string(), "reactor is shut down"),
            other => panic!("expected the shutdown error, got {other:?}"),
        }
        let (c, _) = tcp_pair();
        // SAFETY: registration fails, so nothing stays registered.
        let err = unsafe { reactor.register(source(&c)) }.unwrap_err();
        assert_eq!(err.to_string(), "reactor is shut down");
        reg.deregister(source(&a));
    }
}
