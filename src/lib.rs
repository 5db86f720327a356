//! spindle: a multi-threaded, work-stealing async runtime (skeleton).
