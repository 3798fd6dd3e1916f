//! The apps as authorization sees them: what the consent screen lists, and the provider of
//! those that have their own.

use crate::consent::ConsentToolItem;
use crate::upstream::{ClientCredentials, ProviderEndpoints};

/// An app as the consent screen shows it.
#[derive(Debug, Clone)]
pub struct AuthApp {
    /// App ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The app's own OAuth provider (`auth(mode = "transparent", remote(...))`): authorizing the
    /// app means an upstream OAuth flow, and its tokens live in the vault. Apps without one are
    /// authorized by the sign-in itself.
    pub upstream: Option<UpstreamApp>,
    /// Listed on the server's consent screen (not `exclude_from_parent`).
    pub in_parent: bool,
    /// Has its own authorization entry point, `/{id}/oauth/authorize` (`standalone = true`).
    pub standalone: bool,
    /// Its tools.
    pub tools: Vec<ConsentToolItem>,
}

impl AuthApp {
    /// An app covered by the sign-in, listed on the consent screen, without tools.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: None,
            upstream: None,
            in_parent: true,
            standalone: false,
            tools: Vec::new(),
        }
    }

    /// Whether authorizing the app means a flow at its own provider.
    pub fn needs_upstream(&self) -> bool {
        self.upstream.is_some()
    }

    /// The scopes the app may ask its provider for (none for apps without one).
    pub(crate) fn upstream_scopes(&self) -> Vec<String> {
        self.upstream
            .as_ref()
            .map(|u| u.scopes.clone())
            .unwrap_or_default()
    }
}

/// An app's OAuth provider, as the server reaches it.
#[derive(Debug, Clone)]
pub struct UpstreamApp {
    /// The provider's base URL (its issuer); endpoints are discovered from its metadata unless
    /// [`endpoints`](Self::endpoints) gives them.
    pub provider: String,
    /// The scopes the app may ask for.
    pub scopes: Vec<String>,
    /// The server's client registration at the provider.
    pub credentials: ClientCredentials,
    /// The provider's endpoints, when they are configured rather than discovered.
    pub endpoints: Option<ProviderEndpoints>,
}
