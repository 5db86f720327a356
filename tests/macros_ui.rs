//! The compile errors of `#[spindle::main]` / `#[spindle::test]`, checked
//! with trybuild against `tests/ui/*.stderr`. Regenerate the expected
//! output with `TRYBUILD=overwrite cargo test --test macros_ui` after a
//! deliberate change to a message.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
