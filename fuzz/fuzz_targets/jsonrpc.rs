//! JSON-RPC decoding of any body: messages or a spec-shaped error.
#![no_main]

use frontmcp_tests::fuzzing::Harness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| Harness::jsonrpc(data));
