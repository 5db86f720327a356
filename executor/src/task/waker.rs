//! `Waker`s built directly on the task cell: no allocation, one reference
//! per waker.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::{self, Header};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that borrows the caller's reference (it must never be dropped:
/// wrap it in `ManuallyDrop`).
///
/// # Safety
/// `ptr` is a live task the caller holds a reference to for as long as the
/// waker (or a borrow of it) is used.
pub(super) unsafe fn borrowed(ptr: NonNull<Header>) -> Waker {
    // SAFETY: the vtable functions below uphold the RawWaker contract for a
    // task pointer; the caller guarantees the pointer's validity.
    unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) }
}

fn header(data: *const ()) -> NonNull<Header> {
    // SAFETY (not unsafe, but the invariant): every RawWaker with VTABLE was
    // made from a non-null task pointer.
    NonNull::new(data as *mut Header).expect("task waker with a null pointer")
}

unsafe fn clone(data: *const ()) -> RawWaker {
    let ptr = header(data);
    Header::state(ptr).ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    raw::wake_by_val(header(data));
}

unsafe fn wake_by_ref(data: *const ()) {
    raw::wake_by_ref(header(data));
}

unsafe fn drop_waker(data: *const ()) {
    raw::drop_reference(header(data));
}
