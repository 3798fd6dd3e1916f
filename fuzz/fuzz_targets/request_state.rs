//! A retry's `requestState` (MCP 2026-07-28): any string is judged without a panic, and only the
//! one the server sealed passes, for the very call it was sealed for. The first byte chooses
//! between raw bytes and edits of the sealed state.
#![no_main]

use std::sync::LazyLock;

use frontmcp_tests::fuzzing::{Harness, edited};
use libfuzzer_sys::fuzz_target;

static HARNESS: LazyLock<Harness> = LazyLock::new(Harness::new);

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        edited(HARNESS.request_state.as_bytes(), rest)
    };
    HARNESS.request_state(&String::from_utf8_lossy(&bytes));
});
