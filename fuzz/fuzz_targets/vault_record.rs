//! The vault's decryption of whatever the store holds: only what it sealed opens, and nothing is
//! removed. The first byte chooses between raw bytes and edits of the sealed record.
#![no_main]

use std::sync::LazyLock;

use frontmcp_tests::fuzzing::{Harness, edited};
use libfuzzer_sys::fuzz_target;

static HARNESS: LazyLock<Harness> = LazyLock::new(Harness::new);

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        HARNESS.vault_record(rest);
    } else {
        HARNESS.vault_record(&edited(&HARNESS.record, rest));
    }
});
