//! spindle-reactor (skeleton).
