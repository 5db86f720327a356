//! loom models (skeleton).
