//! Any request to the authorization server's endpoints: no panic, no 5xx, CSP on every page.
#![no_main]

use std::sync::LazyLock;

use frontmcp_tests::fuzzing::{Harness, OAuthRequest};
use libfuzzer_sys::fuzz_target;

static HARNESS: LazyLock<Harness> = LazyLock::new(Harness::new);

fuzz_target!(|data: &[u8]| HARNESS.oauth(&OAuthRequest::from_bytes(data)));
