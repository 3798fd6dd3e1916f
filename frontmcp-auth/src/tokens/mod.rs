//! Session tokens: JWTs carrying the seeds' claims, signed with ES256 (or HS256 with a configured
//! secret, as FrontMCP allows), verified with issuer, audience and expiry checks.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[cfg(feature = "server")]
mod signer;

#[cfg(feature = "server")]
pub use signer::{KeyError, TokenSigner};

/// The claims of a session access token. Upstream (per-app) tokens never appear here: they stay
/// in the server-side vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user.
    pub sub: String,
    /// The issuer (this server's base URL).
    pub iss: String,
    /// The resource the token is for (`{issuer}/mcp`), per RFC 8707.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Token ID.
    pub jti: String,
    /// The OAuth client the token was issued to.
    pub client_id: String,
    /// The auth session: the key of the vault and of the consent decisions.
    pub session_id: String,
    /// Apps authorized when the token was issued.
    pub authorized_apps: Vec<String>,
    /// Apps not yet authorized (skipped or pending) when the token was issued.
    pub pending_apps: Vec<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The tools the user left selected on the consent screen, when not all of them
    /// (`ConsentSelection.selectedTools`); absent means every tool of the authorized apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_tools: Option<Vec<String>>,
}

/// What a verified session token grants, as the resource keeps it while the token is in use: the
/// claims minus those checked once at verification (issuer, audience) and the token's own
/// (issue time, ID). Thousands are kept at once, so a grant is one shared allocation, cheap to
/// clone: the expiry, then the user, client, auth session and every app, scope and tool name,
/// each after its length.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionGrant(Arc<[u8]>);

/// Bytes before the first name: the expiry (8), whether tools are listed (1), and how many
/// authorized apps, pending apps, scopes and tools there are (4 × 4).
const GRANT_HEADER: usize = 8 + 1 + 16;

impl SessionGrant {
    /// A grant from the bytes of [`packed`](Self::packed).
    #[cfg(feature = "server")]
    pub(crate) fn from_packed(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    /// The grant's bytes, to keep it elsewhere.
    #[cfg(feature = "server")]
    pub(crate) fn packed(&self) -> &[u8] {
        &self.0
    }

    /// The user.
    pub fn sub(&self) -> &str {
        self.strings().next().unwrap_or_default()
    }

    /// The OAuth client the token was issued to.
    pub fn client_id(&self) -> &str {
        self.strings().nth(1).unwrap_or_default()
    }

    /// The auth session: the key of the vault and of the consent decisions.
    pub fn session_id(&self) -> &str {
        self.strings().nth(2).unwrap_or_default()
    }

    /// When the token expires (seconds since the epoch).
    pub fn exp(&self) -> u64 {
        Self::packed_exp(&self.0)
    }

    /// The expiry of the grant [`packed`](Self::packed) in `bytes`.
    pub(crate) fn packed_exp(bytes: &[u8]) -> u64 {
        u64::from_le_bytes(
            bytes[..8]
                .try_into()
                .expect("a grant starts with its expiry"),
        )
    }

    /// Apps authorized when the token was issued.
    pub fn authorized_apps(&self) -> impl Iterator<Item = &str> {
        self.list(0)
    }

    /// Apps not yet authorized (skipped or pending) when the token was issued.
    pub fn pending_apps(&self) -> impl Iterator<Item = &str> {
        self.list(1)
    }

    /// Granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.list(2)
    }

    /// The tools the user left selected on the consent screen, when not all of them.
    pub fn selected_tools(&self) -> Option<impl Iterator<Item = &str>> {
        (self.0[8] == 1).then(|| self.list(3))
    }

    fn count(&self, list: usize) -> usize {
        let at = 9 + 4 * list;
        u32::from_le_bytes(self.0[at..at + 4].try_into().expect("4 bytes")) as usize
    }

    /// The names of list `list` (0: authorized apps, 1: pending apps, 2: scopes, 3: tools).
    fn list(&self, list: usize) -> impl Iterator<Item = &str> {
        let before: usize = (0..list).map(|l| self.count(l)).sum();
        self.strings().skip(3 + before).take(self.count(list))
    }

    /// The user, client, auth session, then every name.
    fn strings(&self) -> impl Iterator<Item = &str> {
        let mut rest = &self.0[GRANT_HEADER..];
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let (string, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
            rest = tail;
            // Written from `str`s only, by `From<SessionClaims>`.
            Some(std::str::from_utf8(string).expect("UTF-8 as written"))
        })
    }
}

impl From<SessionClaims> for SessionGrant {
    fn from(claims: SessionClaims) -> Self {
        let no_tools = Vec::new();
        let lists = [
            &claims.authorized_apps,
            &claims.pending_apps,
            &claims.scopes,
            claims.selected_tools.as_ref().unwrap_or(&no_tools),
        ];
        let strings = [&claims.sub, &claims.client_id, &claims.session_id]
            .into_iter()
            .chain(lists.into_iter().flatten());
        let mut bytes =
            Vec::with_capacity(GRANT_HEADER + strings.clone().map(|s| 4 + s.len()).sum::<usize>());
        bytes.extend_from_slice(&claims.exp.to_le_bytes());
        bytes.push(u8::from(claims.selected_tools.is_some()));
        for list in lists {
            bytes.extend_from_slice(&len_u32(list.len()).to_le_bytes());
        }
        for string in strings {
            bytes.extend_from_slice(&len_u32(string.len()).to_le_bytes());
            bytes.extend_from_slice(string.as_bytes());
        }
        Self(bytes.into())
    }
}

/// A length in a grant. A session token is a request header, far below 4 GiB.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).expect("a session token's claims are far below 4 GiB")
}

impl fmt::Debug for SessionGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionGrant")
            .field("sub", &self.sub())
            .field("client_id", &self.client_id())
            .field("session_id", &self.session_id())
            .field("exp", &self.exp())
            .field(
                "authorized_apps",
                &self.authorized_apps().collect::<Vec<_>>(),
            )
            .field("pending_apps", &self.pending_apps().collect::<Vec<_>>())
            .field("scopes", &self.scopes().collect::<Vec<_>>())
            .field(
                "selected_tools",
                &self.selected_tools().map(Iterator::collect::<Vec<_>>),
            )
            .finish()
    }
}

/// Why a token was refused. Deliberately coarse toward clients; the log line says more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Expired.
    #[error("the token has expired")]
    Expired,
    /// Issued for another resource.
    #[error("the token is not for this resource")]
    WrongAudience,
    /// Bad signature, wrong issuer, wrong algorithm, malformed.
    #[error("the token is invalid")]
    Invalid,
    /// Its auth session has ended (revoked, or its refresh token replayed).
    #[error("the token's session has ended")]
    Revoked,
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn claims(exp: u64) -> SessionClaims {
        SessionClaims {
            sub: "user-123".into(),
            iss: "https://my-server".into(),
            aud: "https://my-server/mcp".into(),
            iat: now_secs(),
            exp,
            jti: "j".into(),
            client_id: "c".into(),
            session_id: "sess_abc123".into(),
            authorized_apps: vec!["crm".into()],
            pending_apps: vec!["slack".into()],
            scopes: vec!["crm:read".into()],
            selected_tools: None,
        }
    }

    #[test]
    fn a_grant_keeps_each_claim_it_needs() {
        let mut with_tools = claims(1);
        with_tools.selected_tools = Some(vec!["crm:list".into(), "crm:get".into()]);
        with_tools.pending_apps = Vec::new();
        with_tools.sub = "üser with spaces".into();
        let all = SessionGrant::from(claims(1));
        let some = SessionGrant::from(with_tools);
        for grant in [&all, &some] {
            assert_eq!((grant.client_id(), grant.exp()), ("c", 1));
            assert_eq!(grant.session_id(), "sess_abc123");
            assert_eq!(grant.authorized_apps().collect::<Vec<_>>(), ["crm"]);
            assert_eq!(grant.scopes().collect::<Vec<_>>(), ["crm:read"]);
        }
        assert_eq!(all.sub(), "user-123");
        assert_eq!(some.sub(), "üser with spaces");
        assert_eq!(all.pending_apps().collect::<Vec<_>>(), ["slack"]);
        assert_eq!(some.pending_apps().count(), 0);
        assert!(all.selected_tools().is_none());
        assert_eq!(
            some.selected_tools().map(Iterator::collect::<Vec<_>>),
            Some(vec!["crm:list", "crm:get"])
        );
        let mut none_selected = claims(1);
        none_selected.selected_tools = Some(Vec::new());
        let none_selected = SessionGrant::from(none_selected);
        assert_eq!(none_selected.selected_tools().map(Iterator::count), Some(0));
        assert_ne!(all, some);
        assert_eq!(all, SessionGrant::from(claims(1)));
        assert!(format!("{all:?}").contains(r#"authorized_apps: ["crm"]"#));
    }
}
