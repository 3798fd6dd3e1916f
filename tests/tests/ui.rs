//! Every misuse of the macros is a compile error at the offending token. The expected messages
//! are the committed `.stderr` files beside each case in `tests/ui/`.

#[test]
fn misuse_is_a_compile_error() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
