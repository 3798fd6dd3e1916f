//! Every misuse of the macros is a compile error at the offending token, and only that one: the
//! expected messages are the committed `.stderr` files beside each case in `tests/ui/`. The
//! cases in `tests/ui/pass/` compile and run.

#[test]
fn misuse_is_a_compile_error() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}

/// What the macros accept, beyond the examples: the context recognised by type, `#[cfg]` on
/// members, and a crate whose own items shadow the prelude's.
#[test]
fn accepted_uses_compile_and_run() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
}
