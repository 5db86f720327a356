//! What the loom models in `loom-tests/` may reach (only under
//! `cfg(spindle_loom)`; normal builds never see this module).
