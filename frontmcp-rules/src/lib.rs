//! The rules frontmcp's macros (at compile time) and its runtime (at start-up) both apply: what
//! an app ID, a tool name, a provider URL and an environment variable name may be, the names
//! derived from them, and the defaults both sides spell out. Each rule is written here once, so
//! a name the macros accept is one the runtime accepts, and the other way round.
//!
//! ```
//! use frontmcp_rules::{AppVar, app_env_var, derive_app_id, full_tool_name, is_valid_tool_name};
//!
//! assert_eq!(derive_app_id("My CRM").as_deref(), Some("my-crm"));
//! assert!(is_valid_tool_name("send_message"));
//! assert_eq!(full_tool_name("slack", "send_message", true, ":"), "slack:send_message");
//! assert_eq!(app_env_var("my-crm", AppVar::ClientId), "FRONTMCP_MY_CRM_CLIENT_ID");
//! ```
#![deny(missing_docs)]

use std::net::Ipv4Addr;

pub mod uri;

/// What an app ID is made of, for error messages.
pub const APP_ID_RULE: &str = "an app id is made of a-z, 0-9, `-` and `_` (it appears in tool names, URLs and environment variables)";

/// Whether `id` may be an app ID: non-empty, made of `a-z`, `0-9`, `-` and `_`.
pub const fn is_valid_app_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// The app ID derived from an app's display name: ASCII letters and digits lowercased, every run
/// of anything else one `-`, none at either end (`"My CRM"` → `my-crm`, `"GitHub"` → `github`);
/// `None` when nothing is left.
pub fn derive_app_id(name: &str) -> Option<String> {
    let mut id = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    (!id.is_empty()).then(|| id.to_owned())
}

/// The ID under which the sign-in provider's settings live (`FRONTMCP_SIGNIN_PROVIDER`, ...): no
/// app may take it.
pub const SIGN_IN_ID: &str = "signin";

/// Whether `id` is taken by the server itself ([`SIGN_IN_ID`]).
pub const fn is_reserved_app_id(id: &str) -> bool {
    same(id, SIGN_IN_ID)
}

/// Whether two app IDs would share their environment variables (`my-app` and `my_app` both read
/// `FRONTMCP_MY_APP_*`), equal ones included.
pub const fn app_ids_clash(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if env_byte(a[i]) != env_byte(b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Longest tool name, within its app and as clients see it.
pub const MAX_TOOL_NAME_LEN: usize = 128;

/// What a tool name is made of, for error messages.
pub const TOOL_NAME_RULE: &str =
    "a tool name is 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`";

/// Whether `b` may appear in a tool name (MCP 2025-11-25 advises `[A-Za-z0-9_.-]`).
pub const fn is_tool_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// Whether `name` may name a tool within its app.
pub const fn is_valid_tool_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_TOOL_NAME_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !is_tool_name_byte(bytes[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// What an OAuth scope is made of, for error messages.
pub const SCOPE_RULE: &str =
    "a scope is a non-empty token of printable ASCII without spaces, quotes or backslashes";

/// Whether `scope` is one OAuth scope (RFC 6749 section 3.3 `scope-token`: printable ASCII but
/// space, `"` and `\`). A scope with a space in it would be read as two by every provider and
/// by the vault, which keeps the scopes it was granted apart on spaces.
pub const fn is_valid_scope(scope: &str) -> bool {
    let bytes = scope.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether clients see tool names prefixed with their app's ID, unless configured otherwise.
pub const DEFAULT_NAMESPACED: bool = true;

/// What separates an app's ID from its tool's name, unless configured otherwise.
pub const DEFAULT_SEPARATOR: &str = ":";

/// What a separator is made of, for error messages.
pub const SEPARATOR_RULE: &str =
    "a separator is not empty and has no whitespace or control characters";

/// Whether `separator` may separate an app's ID from its tools' names.
pub fn is_valid_separator(separator: &str) -> bool {
    !separator.is_empty()
        && !separator
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
}

/// The name clients see for `tool` of app `app_id`: `{app_id}{separator}{tool}` when namespaced,
/// else `tool`.
pub fn full_tool_name(app_id: &str, tool: &str, namespaced: bool, separator: &str) -> String {
    if namespaced {
        format!("{app_id}{separator}{tool}")
    } else {
        tool.to_owned()
    }
}

/// Whether `url` may name an OAuth provider or one of its endpoints: `https://` anywhere,
/// `http://` only toward a loopback host (`localhost`, `127.0.0.1`, `[::1]`, any port), for local
/// demo providers.
pub fn is_acceptable_provider_url(url: &str) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        return !rest.is_empty() && !rest.starts_with('/');
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        return matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    }
    false
}

/// What an environment variable name is made of, for error messages.
pub const ENV_VAR_RULE: &str =
    "an environment variable name is made of A-Z, 0-9 and `_`, and does not start with a digit";

/// Whether `name` may name an environment variable: `A-Z`, `0-9` and `_`, not starting with a
/// digit (POSIX; shells cannot export anything else).
pub const fn is_valid_env_var_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// A setting of an app's provider read from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppVar {
    /// `FRONTMCP_{APP}_PROVIDER`: the provider's URL.
    Provider,
    /// `FRONTMCP_{APP}_CLIENT_ID`.
    ClientId,
    /// `FRONTMCP_{APP}_CLIENT_SECRET`.
    ClientSecret,
}

impl AppVar {
    const fn suffix(self) -> &'static str {
        match self {
            Self::Provider => "PROVIDER",
            Self::ClientId => "CLIENT_ID",
            Self::ClientSecret => "CLIENT_SECRET",
        }
    }
}

/// The environment variable holding `var` of app `app_id`: `FRONTMCP_{APP}_{VAR}`, the ID
/// upper-cased with `-` as `_` (`("my-crm", ClientId)` → `FRONTMCP_MY_CRM_CLIENT_ID`).
pub fn app_env_var(app_id: &str, var: AppVar) -> String {
    let app: String = app_id.bytes().map(|b| char::from(env_byte(b))).collect();
    format!("FRONTMCP_{app}_{}", var.suffix())
}

/// An app ID's byte as it appears in an environment variable name.
const fn env_byte(b: u8) -> u8 {
    if b == b'-' {
        b'_'
    } else {
        b.to_ascii_uppercase()
    }
}

/// The environment variable holding the Redis URL, unless `url_env` names another.
pub const DEFAULT_REDIS_URL_ENV: &str = "REDIS_URL";

/// What every key in a shared store starts with, unless `key_prefix` says otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "frontmcp:";

/// The address a server listens on unless configured otherwise: loopback only.
pub const DEFAULT_HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// The port a server listens on unless configured otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// [`DEFAULT_HOST`] and [`DEFAULT_PORT`], as `FRONTMCP_ADDR` would spell them.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        for good in [
            "chat:write",
            "openid",
            "https://www.googleapis.com/auth/drive",
            "a!#[]~",
        ] {
            assert!(is_valid_scope(good), "{good}");
        }
        for bad in [
            "",
            "chat:write channels:read",
            "a\tb",
            "say\"",
            "back\\slash",
            "été",
            "x\n",
        ] {
            assert!(!is_valid_scope(bad), "{bad:?}");
        }
    }

    #[test]
    fn app_ids() {
        assert!(is_valid_app_id("slack"));
        assert!(is_valid_app_id("git-hub_2"));
        for bad in ["", "Slack", "a/b", "a b", "café"] {
            assert!(!is_valid_app_id(bad), "{bad}");
        }
        assert_eq!(derive_app_id("GitHub").as_deref(), Some("github"));
        assert_eq!(derive_app_id("My CRM").as_deref(), Some("my-crm"));
        assert_eq!(derive_app_id(" -a--b_c- ").as_deref(), Some("a-b-c"));
        assert_eq!(
            derive_app_id("Swagger Petstore - OpenAPI 3.0").as_deref(),
            Some("swagger-petstore-openapi-3-0")
        );
        assert_eq!(derive_app_id("!!!"), None);
        assert_eq!(derive_app_id("Café"), Some("caf".to_owned()));
        // Whatever a name derives to is a valid ID.
        for name in ["A b", "x.y", "  z  ", "Ünïcode 9"] {
            if let Some(id) = derive_app_id(name) {
                assert!(is_valid_app_id(&id), "{name} -> {id}");
            }
        }
        assert!(is_reserved_app_id("signin"));
        assert!(!is_reserved_app_id("sign-in"));
        assert!(app_ids_clash("my-app", "my_app"));
        assert!(app_ids_clash("crm", "crm"));
        assert!(!app_ids_clash("crm", "crm2"));
    }

    #[test]
    fn tool_names() {
        assert!(is_valid_tool_name("send_message"));
        assert!(is_valid_tool_name("v1.list-things"));
        assert!(is_valid_tool_name(&"a".repeat(MAX_TOOL_NAME_LEN)));
        for bad in ["", "send:message", "a/b", "x@y", "café", "a b"] {
            assert!(!is_valid_tool_name(bad), "{bad}");
        }
        assert!(!is_valid_tool_name(&"a".repeat(MAX_TOOL_NAME_LEN + 1)));
        assert!(is_valid_separator(":"));
        assert!(is_valid_separator("__"));
        assert!(!is_valid_separator(""));
        assert!(!is_valid_separator(" "));
        assert_eq!(full_tool_name("slack", "send", true, "."), "slack.send");
        assert_eq!(full_tool_name("slack", "send", false, ":"), "send");
    }

    #[test]
    fn provider_urls() {
        assert!(is_acceptable_provider_url("https://slack.com/oauth"));
        assert!(is_acceptable_provider_url("http://127.0.0.1:9000"));
        assert!(is_acceptable_provider_url("http://localhost/x"));
        assert!(is_acceptable_provider_url("http://[::1]:8080/x"));
        assert!(!is_acceptable_provider_url("http://slack.com/oauth"));
        assert!(!is_acceptable_provider_url("https://"));
        assert!(!is_acceptable_provider_url("ftp://x"));
        assert!(!is_acceptable_provider_url("http://localhost.evil.com"));
    }

    #[test]
    fn environment_variables() {
        assert!(is_valid_env_var_name("REDIS_URL"));
        assert!(is_valid_env_var_name("_X1"));
        for bad in ["", "2FA_SECRET", "redis_url", "SLACK-SECRET", "A B"] {
            assert!(!is_valid_env_var_name(bad), "{bad}");
        }
        assert_eq!(
            app_env_var("my-crm", AppVar::ClientId),
            "FRONTMCP_MY_CRM_CLIENT_ID"
        );
        assert_eq!(
            app_env_var(SIGN_IN_ID, AppVar::Provider),
            "FRONTMCP_SIGNIN_PROVIDER"
        );
        assert_eq!(
            app_env_var("slack", AppVar::ClientSecret),
            "FRONTMCP_SLACK_CLIENT_SECRET"
        );
    }

    #[test]
    fn default_address() {
        assert_eq!(
            DEFAULT_ADDR.parse::<std::net::SocketAddr>().unwrap(),
            std::net::SocketAddr::from((DEFAULT_HOST, DEFAULT_PORT))
        );
    }
}
