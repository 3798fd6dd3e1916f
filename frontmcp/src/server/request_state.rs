//! The `requestState` of a 2026-07-28 multi round-trip result: what the server keeps of a
//! `tools/call` it answered `input_required` (the user must authorize an app first), handed to
//! the client sealed and checked when the client retries. The client is an attacker as far as
//! the state goes: it is sealed with the key ring (AES-256-GCM, its purpose as associated data),
//! and binds the auth session and user, the tool, a digest of its arguments and an expiry, so it
//! is refused when tampered with, expired, presented by another user or on another request.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontmcp_auth::oauth::AuthServer;
use frontmcp_auth::tokens::now_secs;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::Grant;

/// What the state is sealed for: it opens for nothing else the server seals.
const PURPOSE: &str = "mcp-request-state/v1";
/// How long the user has to finish what the request asked for.
const LIFETIME: Duration = Duration::from_secs(600);
/// Longest state accepted: the server's are about 200 characters.
const MAX_LEN: usize = 4096;

#[derive(Serialize, Deserialize)]
struct State {
    /// The auth session.
    sid: String,
    /// The user.
    sub: String,
    /// The tool called.
    tool: String,
    /// SHA-256 of the arguments in canonical form (keys sorted).
    args: String,
    /// Expiry, unix seconds.
    exp: u64,
}

/// Why a state was refused (for the log; the client gets one message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not a state this server sealed, or altered.
    Unreadable,
    /// Past its lifetime.
    Expired,
    /// Another user's, or another auth session's.
    AnotherPrincipal,
    /// Another tool's, or another call's arguments.
    AnotherRequest,
}

impl Refused {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Unreadable => "not sealed by this server, or altered",
            Self::Expired => "expired",
            Self::AnotherPrincipal => "issued to another user or session",
            Self::AnotherRequest => "issued for another tool or other arguments",
        }
    }
}

/// The state of `grant`'s call of `tool` with `arguments`, sealed.
pub(crate) fn seal(auth: &AuthServer, grant: &Grant, tool: &str, arguments: &RawValue) -> String {
    let state = State {
        sid: grant.auth_session_id().to_owned(),
        sub: grant.user().to_owned(),
        tool: tool.to_owned(),
        args: digest(arguments),
        exp: now_secs() + LIFETIME.as_secs(),
    };
    let plaintext = serde_json::to_vec(&state).expect("a request state serializes");
    URL_SAFE_NO_PAD.encode(auth.key_ring().seal(PURPOSE, &plaintext))
}

/// Checks that `sealed` is the state of `grant`'s call of `tool` with `arguments`.
pub(crate) fn check(
    auth: &AuthServer,
    sealed: &str,
    grant: &Grant,
    tool: &str,
    arguments: &RawValue,
) -> Result<(), Refused> {
    if sealed.len() > MAX_LEN {
        return Err(Refused::Unreadable);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| Refused::Unreadable)?;
    let plaintext = auth
        .key_ring()
        .open(PURPOSE, &bytes)
        .map_err(|_| Refused::Unreadable)?;
    let state: State = serde_json::from_slice(&plaintext).map_err(|_| Refused::Unreadable)?;
    if state.exp < now_secs() {
        return Err(Refused::Expired);
    }
    if state.sid != grant.auth_session_id() || state.sub != grant.user() {
        return Err(Refused::AnotherPrincipal);
    }
    if state.tool != tool || state.args != digest(arguments) {
        return Err(Refused::AnotherRequest);
    }
    Ok(())
}

/// SHA-256 of `arguments` in canonical form: the same arguments give the same digest whatever
/// the order of their keys or their whitespace.
fn digest(arguments: &RawValue) -> String {
    let canonical = serde_json::from_str::<Value>(arguments.get())
        .map(|v| canonical(&v))
        .unwrap_or_else(|_| arguments.get().to_owned());
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// `value` as JSON with every object's keys sorted.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&fields[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn the_same_arguments_in_another_order_digest_alike() {
        assert_eq!(
            digest(&raw(r#"{"b": [1, {"y": 2, "x": 1}], "a": "z"}"#)),
            digest(&raw(r#"{"a":"z","b":[1,{"x":1,"y":2}]}"#))
        );
        assert_ne!(digest(&raw(r#"{"a":"z"}"#)), digest(&raw(r#"{"a":"y"}"#)));
        assert_ne!(digest(&raw(r#"[1,2]"#)), digest(&raw(r#"[2,1]"#)));
    }
}
