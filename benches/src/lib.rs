//! benchmarks (skeleton).
