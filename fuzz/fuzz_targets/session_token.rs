//! The bearer check: only the issued session token passes. The first byte chooses between raw
//! bytes and edits of the issued token.
#![no_main]

use std::sync::LazyLock;

use frontmcp_tests::fuzzing::{Harness, edited};
use libfuzzer_sys::fuzz_target;

static HARNESS: LazyLock<Harness> = LazyLock::new(Harness::new);

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let mut header = b"Bearer ".to_vec();
    if mode % 2 == 0 {
        header.extend_from_slice(rest);
    } else {
        header.extend_from_slice(&edited(HARNESS.token.as_bytes(), rest));
    }
    HARNESS.bearer(&header);
});
