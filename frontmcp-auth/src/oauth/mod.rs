//! The OAuth 2.1 authorization server an orchestrating frontmcp server runs for its MCP clients
//! (MCP 2025-11-25 authorization): metadata (RFC 8414, RFC 9728), dynamic client registration
//! (RFC 7591), authorization code with PKCE S256, refresh token rotation with reuse detection,
//! revocation (RFC 7009), and bearer checks for the protected resource.
//!
//! It speaks `http` types with bodies already read, so any HTTP server can host it.

mod authorize;
mod bearer;
mod login;
mod metadata;
mod records;
mod register;
mod respond;
mod token;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};

pub use bearer::Challenge;
pub use login::{Authenticator, DevLogin, LoginError};

use crate::consent::ConsentToolItem;
use crate::store::Store;
use crate::tokens::TokenSigner;
use crate::ui::ConsentUi;

/// An app as the consent screen shows it.
#[derive(Debug, Clone)]
pub struct AuthApp {
    /// App ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Whether authorizing it means an upstream OAuth flow (`auth(mode = "transparent")`);
    /// apps without one are authorized by the sign-in itself.
    pub needs_upstream: bool,
    /// Its tools.
    pub tools: Vec<ConsentToolItem>,
}

/// What the authorization server needs to know.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The public base URL, without trailing slash (`https://mcp.example.com`).
    pub issuer: String,
    /// The protected resource's path (`/mcp`).
    pub resource_path: String,
    /// The server's display name (consent screen, resource metadata).
    pub server_name: String,
    /// Scopes a client may request; granted by default when a request names none.
    pub scopes: Vec<String>,
    /// Show the consent screen after sign-in.
    pub consent: bool,
    /// The apps, in display order.
    pub apps: Vec<AuthApp>,
    /// Access token lifetime.
    pub access_token_ttl: Duration,
    /// Refresh token (and auth session) lifetime.
    pub refresh_token_ttl: Duration,
    /// Authorization code lifetime.
    pub code_ttl: Duration,
    /// How long a user may take between `/oauth/authorize` and the end of consent.
    pub pending_ttl: Duration,
}

impl AuthConfig {
    /// Defaults for `issuer`: resource `/mcp`, 1 h access tokens, 30 day refresh tokens, 60 s
    /// codes, 10 min to sign in.
    pub fn new(issuer: impl Into<String>, server_name: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into().trim_end_matches('/').to_owned(),
            resource_path: "/mcp".into(),
            server_name: server_name.into(),
            scopes: Vec::new(),
            consent: true,
            apps: Vec::new(),
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            code_ttl: Duration::from_secs(60),
            pending_ttl: Duration::from_secs(600),
        }
    }

    /// The resource URL tokens are bound to (their audience).
    pub fn resource(&self) -> String {
        format!("{}{}", self.issuer, self.resource_path)
    }

    /// The protected resource metadata URL announced in `WWW-Authenticate`.
    pub fn resource_metadata_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource{}",
            self.issuer, self.resource_path
        )
    }
}

/// The authorization server.
#[derive(Clone)]
pub struct AuthServer {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    store: Arc<dyn Store>,
    signer: TokenSigner,
    ui: Arc<dyn ConsentUi>,
    login: Arc<dyn Authenticator>,
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("issuer", &self.inner.config.issuer)
            .finish_non_exhaustive()
    }
}

/// Largest form or JSON body the endpoints read.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

impl AuthServer {
    /// An authorization server over `store`, signing with `signer`, rendering with `ui`, signing
    /// users in with `login`.
    pub fn new(
        config: AuthConfig,
        store: Arc<dyn Store>,
        signer: TokenSigner,
        ui: Arc<dyn ConsentUi>,
        login: Arc<dyn Authenticator>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                signer,
                ui,
                login,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Whether `path` is served by [`AuthServer::handle`].
    pub fn serves(&self, path: &str) -> bool {
        path.starts_with("/.well-known/oauth-")
            || path == "/.well-known/jwks.json"
            || path.starts_with("/oauth/")
    }

    /// Answers a request to one of the authorization server's paths (see [`AuthServer::serves`]).
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let path = req.uri().path().to_owned();
        let resource_path = self.inner.config.resource_path.as_str();
        match (req.method().clone(), path.as_str()) {
            (Method::GET, "/.well-known/oauth-authorization-server") => {
                self.authorization_server_metadata()
            }
            (Method::GET, p)
                if p == "/.well-known/oauth-protected-resource"
                    || p.strip_prefix("/.well-known/oauth-protected-resource")
                        == Some(resource_path) =>
            {
                self.protected_resource_metadata()
            }
            (Method::GET, "/.well-known/jwks.json") => {
                respond::json(http::StatusCode::OK, &self.inner.signer.jwks())
            }
            (Method::POST, "/oauth/register") => self.register(req).await,
            (Method::GET, "/oauth/authorize") => self.authorize(req).await,
            (Method::POST, "/oauth/login") => self.login(req).await,
            (Method::POST, "/oauth/consent") => self.consent(req).await,
            (Method::POST, "/oauth/token") => self.token(req).await,
            (Method::POST, "/oauth/revoke") => self.revoke(req).await,
            (Method::OPTIONS, _) => respond::preflight(),
            _ => respond::not_found(),
        }
    }
}
