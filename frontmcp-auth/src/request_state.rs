//! The state of a request a server answered "not yet" (MCP 2026-07-28's `requestState`: the user
//! must authorize an app first), handed to the client sealed and checked when the client
//! retries. The client is an attacker as far as the state goes: it is sealed with the key ring
//! (AES-256-GCM, its purpose as associated data) and binds the auth session and the user, what
//! was requested (a method and a name), a digest of the arguments and an expiry, so it is
//! refused when tampered with, expired, presented by another user or on another request.
//!
//! ```
//! use frontmcp_auth::request_state::{self, Bound, Refused};
//! use frontmcp_auth::vault::VaultKeys;
//! use serde_json::value::RawValue;
//!
//! let keys = VaultKeys::generate();
//! let args = RawValue::from_string(r#"{"channel": "general"}"#.into()).unwrap();
//! let call = Bound { session: "sess_1", user: "ada", request: "tools/call slack:send", arguments: &args };
//! let now = 1_700_000_000;
//! let sealed = request_state::seal(&keys, &call, now);
//! assert_eq!(request_state::check(&keys, &sealed, &call, now + 60), Ok(()));
//! let bob = Bound { user: "bob", ..call };
//! assert_eq!(request_state::check(&keys, &sealed, &bob, now), Err(Refused::AnotherPrincipal));
//! assert_eq!(request_state::check(&keys, &sealed, &call, now + 601), Err(Refused::Expired));
//! ```

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::vault::VaultKeys;

/// What the state is sealed for: it opens for nothing else the server seals.
const PURPOSE: &str = "request-state/v1";
/// How long the user has to finish what the request asked for.
pub const LIFETIME: Duration = Duration::from_secs(600);
/// Longest state accepted: the server's are about 250 characters, more with the answers of
/// earlier rounds it carries.
pub const MAX_LEN: usize = 64 * 1024;

/// What a state is bound to: checked against the retry, field by field.
#[derive(Debug, Clone, Copy)]
pub struct Bound<'a> {
    /// The auth session.
    pub session: &'a str,
    /// The user.
    pub user: &'a str,
    /// What was requested: a method and what it names (`tools/call slack:send_message`).
    pub request: &'a str,
    /// The request's arguments (compared by digest, whatever their key order or whitespace).
    pub arguments: &'a RawValue,
}

#[derive(Serialize, Deserialize)]
struct State {
    sid: String,
    sub: String,
    req: String,
    /// SHA-256 of the arguments in canonical form (keys sorted).
    args: String,
    /// Expiry, unix seconds.
    exp: u64,
    /// The client's answers of earlier rounds, by their keys, for a request that asks again.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    answers: Map<String, Value>,
}

/// Why a state was refused (for the log; the client should get one message for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a state this server sealed, or altered.
    #[error("not sealed by this server, or altered")]
    Unreadable,
    /// Past its lifetime.
    #[error("expired")]
    Expired,
    /// Another user's, or another auth session's.
    #[error("issued to another user or session")]
    AnotherPrincipal,
    /// Another request's, or the same with other arguments.
    #[error("issued for another request or other arguments")]
    AnotherRequest,
}

/// The state of `bound`, sealed at `now` (unix seconds) for [`LIFETIME`].
pub fn seal(keys: &VaultKeys, bound: &Bound<'_>, now: u64) -> String {
    seal_with(keys, bound, Map::new(), now)
}

/// The state of `bound` carrying `answers` (the client's answers of earlier rounds, which the
/// retry must not be able to change), sealed at `now` for [`LIFETIME`].
pub fn seal_with(
    keys: &VaultKeys,
    bound: &Bound<'_>,
    answers: Map<String, Value>,
    now: u64,
) -> String {
    let state = State {
        sid: bound.session.to_owned(),
        sub: bound.user.to_owned(),
        req: bound.request.to_owned(),
        args: digest(bound.arguments),
        exp: now + LIFETIME.as_secs(),
        answers,
    };
    let plaintext = serde_json::to_vec(&state).expect("a request state serializes");
    URL_SAFE_NO_PAD.encode(keys.seal(PURPOSE, &plaintext))
}

/// Checks at `now` that `sealed` is the state of `bound`.
///
/// # Errors
///
/// The first of the [`Refused`] reasons that applies.
pub fn check(keys: &VaultKeys, sealed: &str, bound: &Bound<'_>, now: u64) -> Result<(), Refused> {
    open(keys, sealed, bound, now).map(drop)
}

/// Checks at `now` that `sealed` is the state of `bound`; the answers it carries.
///
/// # Errors
///
/// The first of the [`Refused`] reasons that applies.
pub fn open(
    keys: &VaultKeys,
    sealed: &str,
    bound: &Bound<'_>,
    now: u64,
) -> Result<Map<String, Value>, Refused> {
    if sealed.len() > MAX_LEN {
        return Err(Refused::Unreadable);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| Refused::Unreadable)?;
    let plaintext = keys
        .open(PURPOSE, &bytes)
        .map_err(|_| Refused::Unreadable)?;
    let state: State = serde_json::from_slice(&plaintext).map_err(|_| Refused::Unreadable)?;
    if state.exp < now {
        return Err(Refused::Expired);
    }
    if state.sid != bound.session || state.sub != bound.user {
        return Err(Refused::AnotherPrincipal);
    }
    if state.req != bound.request || state.args != digest(bound.arguments) {
        return Err(Refused::AnotherRequest);
    }
    Ok(state.answers)
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
    fn answers_of_earlier_rounds_come_back_as_sealed() {
        let keys = VaultKeys::generate();
        let args = raw("{}");
        let bound = Bound {
            session: "",
            user: "",
            request: "tools/call ask",
            arguments: &args,
        };
        let answers = Map::from_iter([("q0".to_owned(), serde_json::json!({"action": "accept"}))]);
        let sealed = seal_with(&keys, &bound, answers.clone(), 100);
        assert_eq!(open(&keys, &sealed, &bound, 100), Ok(answers));
        assert_eq!(
            open(&keys, &seal(&keys, &bound, 100), &bound, 100),
            Ok(Map::new())
        );
        let other = Bound {
            request: "tools/call other",
            ..bound
        };
        assert_eq!(
            open(&keys, &sealed, &other, 100),
            Err(Refused::AnotherRequest)
        );
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
