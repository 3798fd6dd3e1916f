//! Properties over generated input, run in CI: the same checks the fuzz targets in `fuzz/` run
//! on mutated input (see `frontmcp_tests::fuzzing`), plus the ones only a generator can state:
//! well-formed requests decode to what was sent, and any change to an issued token, ticket or
//! vault record is refused.

use frontmcp::protocol::jsonrpc::{self, Incoming, Message, RequestId};
use frontmcp_tests::fuzzing::{Harness, OAUTH_PATHS, OAuthRequest};
use proptest::prelude::*;
use serde_json::json;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks like JSON-RPC more often than random bytes do.
fn jsonish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"jsonrpc\"".to_owned()),
            Just("\"2.0\"".to_owned()),
            Just("\"id\"".to_owned()),
            Just("\"method\"".to_owned()),
            Just("\"params\"".to_owned()),
            Just("\"result\"".to_owned()),
            Just("\"error\"".to_owned()),
            Just("null".to_owned()),
            Just("1.5".to_owned()),
            Just("-9223372036854775809".to_owned()),
            Just("\"\\ud800\"".to_owned()),
            "[a-z0-9 ]{0,4}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

#[test]
fn jsonrpc_decoding_never_panics_and_errors_are_spec_shaped() {
    proptest!(config(), |(bytes in prop::collection::vec(any::<u8>(), 0..256), text in jsonish())| {
        Harness::jsonrpc(&bytes);
        Harness::jsonrpc(text.as_bytes());
    });
}

#[test]
fn well_formed_requests_decode_to_what_was_sent() {
    let id = prop_oneof![
        any::<i64>().prop_map(RequestId::Number),
        ".{0,12}".prop_map(RequestId::String),
    ];
    proptest!(config(), |(id in id, method in ".{1,24}", n in any::<i64>(), s in ".{0,12}")| {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": {"n": n, "s": s}});
        match jsonrpc::parse(body.to_string().as_bytes()) {
            Ok(Incoming::Single(Ok(Message::Request(request)))) => {
                prop_assert_eq!(request.id, id);
                prop_assert_eq!(request.method, method);
                let params: serde_json::Value =
                    serde_json::from_str(request.params.unwrap().get()).unwrap();
                prop_assert_eq!(params, json!({"n": n, "s": s}));
            }
            other => prop_assert!(false, "{body} decoded to {other:?}"),
        }
    });
}

/// A query string or form of the parameters the endpoints read, with generated values.
fn params() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "response_type",
        "client_id",
        "redirect_uri",
        "code_challenge",
        "code_challenge_method",
        "state",
        "scope",
        "resource",
        "app",
        "ticket",
        "prompt",
        "grant_type",
        "code",
        "code_verifier",
        "refresh_token",
        "csrf",
        "action",
        "tool",
        "username",
        "token",
        "client_secret",
        "pending",
    ]);
    let value = prop_oneof![
        Just("code".to_owned()),
        Just("S256".to_owned()),
        Just("plain".to_owned()),
        Just("authorization_code".to_owned()),
        Just("refresh_token".to_owned()),
        Just("consent".to_owned()),
        Just("slack".to_owned()),
        Just("http://127.0.0.1:1/cb".to_owned()),
        Just("https://fuzz.example/mcp".to_owned()),
        ".{0,16}",
    ];
    prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            form.append_pair(k, &v);
        }
        form.finish()
    })
}

#[test]
fn oauth_endpoints_answer_any_request_without_a_server_error() {
    let harness = Harness::new();
    let cookie = prop_oneof![
        Just(String::new()),
        "__Host-[a-z_]{1,12}=[A-Za-z0-9_-]{0,20}",
        "[ -~]{0,30}",
    ];
    let body = prop_oneof![
        params().prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..64),
        Just(br#"{"redirect_uris": ["http://127.0.0.1:1/cb"]}"#.to_vec()),
    ];
    proptest!(config(), |(
        method in 0u8..3,
        path in 0..OAUTH_PATHS.len() as u8,
        query in prop_oneof![params(), "[ -~]{0,40}"],
        cookie in cookie,
        body in body,
    )| {
        harness.oauth(&OAuthRequest { method, path, query, cookie, body });
    });
}

/// Replaces the character at `at` (modulo the length) with another one of the base64url
/// alphabet or a separator.
fn tampered(token: &str, at: usize, with: u8) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    let mut bytes = token.as_bytes().to_vec();
    let at = at % bytes.len();
    let replacement = ALPHABET[usize::from(with) % ALPHABET.len()];
    (bytes[at] != replacement).then(|| {
        bytes[at] = replacement;
        String::from_utf8(bytes).unwrap()
    })
}

#[test]
fn only_the_issued_session_token_passes() {
    let harness = Harness::new();
    assert!(harness.bearer(format!("Bearer {}", harness.token).as_bytes()));
    proptest!(config(), |(at in any::<usize>(), with in any::<u8>(), junk in prop::collection::vec(any::<u8>(), 0..128))| {
        if let Some(token) = tampered(&harness.token, at, with) {
            prop_assert!(!harness.bearer(format!("Bearer {token}").as_bytes()), "{token}");
        }
        let mut header = b"Bearer ".to_vec();
        header.extend_from_slice(&junk);
        prop_assert!(!harness.bearer(&header));
    });
}

#[test]
fn only_the_issued_ticket_opens_a_flow() {
    let harness = Harness::new();
    // Past the ticket's verification, the harness's session's user is asked to sign in.
    const PASSED: &str = "<h1>Sign in</h1>";
    const REFUSED: &str = "This link is not valid";
    assert!(harness.ticket(&harness.ticket).contains(PASSED));
    proptest!(config(), |(at in any::<usize>(), with in any::<u8>(), junk in ".{1,64}")| {
        if let Some(ticket) = tampered(&harness.ticket, at, with) {
            let page = harness.ticket(&ticket);
            prop_assert!(page.contains(REFUSED), "{ticket}: {page}");
        }
        let page = harness.ticket(&junk);
        prop_assert!(page.contains(REFUSED), "{junk:?}: {page}");
    });
}

#[test]
fn only_sealed_vault_records_open() {
    let harness = Harness::new();
    assert!(harness.vault_record(&harness.record));
    let record = harness.record.clone();
    proptest!(config(), |(at in any::<usize>(), bit in 0u8..8, junk in prop::collection::vec(any::<u8>(), 0..200))| {
        let mut flipped = record.clone();
        let at = at % flipped.len();
        flipped[at] ^= 1 << bit;
        // A flipped bit may leave an equivalent record (JSON whitespace); then it opens to the
        // very entry that was sealed, which the check asserts.
        harness.vault_record(&flipped);
        prop_assert!(!harness.vault_record(&junk));
    });
}

#[test]
fn only_the_sealed_request_state_passes() {
    let harness = Harness::new();
    assert!(harness.request_state(&harness.request_state));
    proptest!(config(), |(at in any::<usize>(), with in any::<u8>(), junk in ".{0,300}")| {
        if let Some(state) = tampered(&harness.request_state, at, with) {
            prop_assert!(!harness.request_state(&state), "{state}");
        }
        prop_assert!(!harness.request_state(&junk), "{junk:?}");
    });
}
