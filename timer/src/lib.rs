//! spindle-timer (skeleton).
