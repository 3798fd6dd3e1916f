//! Authorization links: any ticket is answered without a server error, and only the issued one
//! passes verification. The first byte chooses between raw bytes and edits of the issued ticket.
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
        edited(HARNESS.ticket.as_bytes(), rest)
    };
    let ticket = String::from_utf8_lossy(&bytes);
    let page = HARNESS.ticket(&ticket);
    if ticket != HARNESS.ticket && page.contains("Session ended") {
        panic!("a ticket that was not issued passed verification: {ticket}");
    }
});
