//! What the authorization server stores, per namespace.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::consent::{AppStatus, ConsentSelection};

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
}

/// An authorization in progress (`Namespace::Pending`, by a random ID carried in the forms).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingRecord {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) code_challenge: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: String,
    /// SHA-256 of the CSRF token (double-submitted as cookie and form field).
    pub(crate) csrf_hash: String,
    /// The signed-in user, once the login form succeeded.
    pub(crate) user: Option<String>,
    /// The consent screen's state per app.
    pub(crate) apps: BTreeMap<String, AppStatus>,
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

/// An auth session (`Namespace::Session`, by session ID): the user and what they authorized.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub(crate) session_id: String,
    pub(crate) sub: String,
    pub(crate) authorized_apps: Vec<String>,
    pub(crate) skipped_apps: Vec<String>,
    pub(crate) pending_apps: Vec<String>,
    pub(crate) selection: Option<ConsentSelection>,
    pub(crate) created_at: u64,
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
