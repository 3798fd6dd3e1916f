//! What the authorization server stores, per namespace, and the sealing of the records that hold
//! a secret.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::AuthServer;
use super::clients::ApplicationType;
use crate::consent::AppStatus;
use crate::store::{Namespace, StoreError};

impl AuthServer {
    /// Stores `value` sealed with the key ring, bound to its namespace and key: for records that
    /// hold a secret (a PKCE verifier, a nonce), which nobody who reads the store may use.
    pub(crate) async fn put_sealed<T: Serialize + Sync>(
        &self,
        ns: Namespace,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let record = crate::store::encode(ns, value)?;
        let sealed = self.inner.keys.seal(&sealed_purpose(ns, key), &record);
        self.inner.store.put(ns, key, &sealed, ttl).await
    }

    /// Takes (atomically) what [`put_sealed`](Self::put_sealed) stored.
    pub(crate) async fn take_sealed<T: DeserializeOwned>(
        &self,
        ns: Namespace,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let Some(sealed) = self.inner.store.take(ns, key).await? else {
            return Ok(None);
        };
        let record = self
            .inner
            .keys
            .open(&sealed_purpose(ns, key), &sealed)
            .map_err(|e| StoreError::Corrupt {
                namespace: ns.as_str(),
                message: e.to_string(),
            })?;
        crate::store::decode(ns, &record).map(Some)
    }
}

/// A sealed record opens only under its own namespace and key.
fn sealed_purpose(ns: Namespace, key: &str) -> String {
    format!("record/{}/{key}", ns.as_str())
}

/// A registered client (`Namespace::Client`, by client ID).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ClientRecord {
    pub(crate) client_id: String,
    pub(crate) client_name: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    pub(crate) token_endpoint_auth_method: String,
    /// SHA-256 of the secret, for confidential clients.
    pub(crate) secret_hash: Option<String>,
    pub(crate) issued_at: u64,
    #[serde(default)]
    pub(crate) application_type: ApplicationType,
}

/// An authorization in progress (`Namespace::Pending`, by a random ID carried in the forms).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingRecord {
    /// What the sign-in is for.
    pub(crate) flow: Flow,
    /// The auth session the flow creates (client flow) or extends (app flow). Known from the
    /// start, so an app authorized on the consent screen lands in the vault under it before the
    /// session itself is written.
    pub(crate) session_id: String,
    /// The display name of the client the session is (or will be) for.
    pub(crate) client_name: String,
    /// SHA-256 of the CSRF token (double-submitted as cookie and form field).
    pub(crate) csrf_hash: String,
    /// The signed-in user, once the login form succeeded (or the sign-in cookie vouched).
    pub(crate) user: Option<String>,
    /// The consent screen's state per app offered.
    pub(crate) apps: BTreeMap<String, AppStatus>,
    /// The tools checked on the consent screen at its last submission; `None` until then (all
    /// tools start checked).
    #[serde(default)]
    pub(crate) selected: Option<Vec<String>>,
    /// The host a client identified by its metadata document is at, shown beside its name.
    #[serde(default)]
    pub(crate) client_host: Option<String>,
}

/// The kinds of sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Flow {
    /// An OAuth client obtaining a session token: ends with a code at its `redirect_uri`.
    Client {
        client_id: String,
        redirect_uri: String,
        state: Option<String>,
        code_challenge: String,
        scopes: Vec<String>,
        resource: String,
        /// `prompt=consent`: show the consent screen even when the server skips it otherwise.
        #[serde(default)]
        force_consent: bool,
    },
    /// One app authorized for an existing session, opened from an authorization ticket: ends
    /// with the app's tokens in the vault.
    App {
        /// The user the session belongs to: only they may complete it.
        sub: String,
        app: String,
        scopes: Vec<String>,
        /// The MCP URL elicitation this flow completes, if the link came from one.
        elicitation_id: Option<String>,
        /// The ticket's ID and expiry: it is used up when the user first presses Authorize, so
        /// a link opened by a scanner or reloaded still works, and works once.
        ticket_id: String,
        ticket_exp: u64,
        /// Whether this flow used the ticket up (retries after a provider error are the same
        /// flow).
        ticket_used: bool,
        /// When the session ends (unix seconds): the app's tokens are kept until then.
        session_ends_at: u64,
        /// The tool whose link opened the flow, when it named one.
        #[serde(default)]
        tool: Option<String>,
    },
    /// The page where a user sees and revokes their apps, after signing in.
    Manage,
}

/// An authorization in progress at an app's provider (`Namespace::Upstream`, by the hash of the
/// `state` sent there): taken once, by the callback, which must come back to the browser that
/// left (the flow's CSRF cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UpstreamRecord {
    pub(crate) pending_id: String,
    pub(crate) app: String,
    /// The PKCE verifier for the code exchange.
    pub(crate) verifier: String,
    pub(crate) scopes: Vec<String>,
}

/// An authorization code (`Namespace::Code`, by the code's hash): taken once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CodeRecord {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
    pub(crate) session_id: String,
}

/// A refresh token (`Namespace::Refresh`, by the token's hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefreshRecord {
    /// Every token rotated from one grant shares a family; reuse revokes the family.
    pub(crate) family: String,
    pub(crate) client_id: String,
    pub(crate) session_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
}

/// A user's auth sessions (`Namespace::UserSessions`, by the hash of the user ID), newest last.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UserSessions {
    pub(crate) sessions: Vec<UserSession>,
}

/// One entry of [`UserSessions`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserSession {
    pub(crate) session_id: String,
    pub(crate) client_name: String,
    pub(crate) created_at: u64,
}
