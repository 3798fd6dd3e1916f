//! The OAuth 2.1 authorization server an orchestrating frontmcp server runs for its MCP clients
//! (MCP 2025-11-25 authorization): metadata (RFC 8414, RFC 9728), dynamic client registration
//! (RFC 7591), authorization code with PKCE S256, refresh token rotation with reuse detection,
//! revocation (RFC 7009), the consent screen and the apps page, and the browser's side of an
//! app's authorization at its own provider.
//!
//! It speaks `http` types with bodies already read, so any HTTP server can host it. It builds
//! the [`Bearer`] that checks the tokens it issues and the [`Progressive`] authorization of apps
//! with their own provider.

mod app_flow;
mod apps_page;
mod authorize;
mod clients;
mod cookies;
mod identity;
mod limits;
mod login;
mod metadata;
mod metadata_document;
mod records;
mod register;
mod respond;
mod token;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};

pub use identity::IdentityProvider;
pub use limits::{PeerAddr, Rate, RateLimits, RegistrationPolicy};
pub use login::{Authenticator, DevLogin, LoginAttempt, LoginError};
pub use metadata_document::ClientMetadataPolicy;

use crate::apps::AuthApp;
use crate::bearer::Bearer;
use crate::events::Events;
use crate::progressive::{self, Progressive};
use crate::store::Store;
use crate::tokens::TokenSigner;
use crate::ui::ConsentUi;
use crate::upstream::UpstreamClient;
use crate::vault::VaultKeys;

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
    /// How long an app's authorization link (its ticket) stays valid.
    pub ticket_ttl: Duration,
    /// How long the browser's sign-in is remembered, so an app's authorization link does not ask
    /// the same user to sign in again.
    pub sign_in_ttl: Duration,
    /// How long each request to an app's provider may take.
    pub upstream_timeout: Duration,
    /// The rate limits of the sign-in, registration and token endpoints.
    pub rate_limits: RateLimits,
    /// How dynamic client registration is bounded.
    pub registration: RegistrationPolicy,
    /// Whether clients may be identified by a metadata document at an `https://` client ID.
    pub client_metadata: ClientMetadataPolicy,
    /// The OpenID provider users sign in at, instead of the login form (and its
    /// [`Authenticator`]).
    pub identity_provider: Option<IdentityProvider>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the rate limits); requests
    /// from any other address are counted by that address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl AuthConfig {
    /// Defaults for `issuer`: resource `/mcp`, 1 h access tokens, 30 day refresh tokens, 60 s
    /// codes, 10 min to sign in, 10 min authorization links, sign-in remembered for 12 h, 10 s
    /// for each provider request, the default [`RateLimits`] and [`RegistrationPolicy`], no
    /// trusted proxy.
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
            ticket_ttl: Duration::from_secs(600),
            sign_in_ttl: Duration::from_secs(12 * 3600),
            upstream_timeout: Duration::from_secs(10),
            rate_limits: RateLimits::default(),
            registration: RegistrationPolicy::default(),
            client_metadata: ClientMetadataPolicy::default(),
            identity_provider: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// The app `id`.
    pub fn app(&self, id: &str) -> Option<&AuthApp> {
        self.apps.iter().find(|a| a.id == id)
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

/// The authorization server: registration, sign-in, consent, tokens, revocation, metadata and
/// the apps page. It owns the [`Bearer`] that checks the tokens it issues and the
/// [`Progressive`] authorization of apps with their own provider, which it drives from the
/// browser.
#[derive(Clone)]
pub struct AuthServer {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: AuthConfig,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) signer: Arc<TokenSigner>,
    pub(crate) ui: Arc<dyn ConsentUi>,
    pub(crate) login: Arc<dyn Authenticator>,
    /// Seals what the server keeps in the store that must not be usable by whoever reads it.
    pub(crate) keys: VaultKeys,
    /// Talks to the apps' providers and to the OpenID provider users sign in at.
    pub(crate) upstream: UpstreamClient,
    pub(crate) bearer: Bearer,
    pub(crate) progressive: Progressive,
    pub(crate) events: Events,
    /// Clients' metadata documents, as fetched.
    pub(crate) documents: metadata_document::MetadataDocuments,
    /// The OpenID provider users sign in at, if not the login form.
    pub(crate) identity: Option<identity::Identity>,
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
    /// users in with `login`, sealing apps' upstream tokens and whatever else it keeps secret in
    /// the store with `keys` (the same ring in every process sharing the store).
    ///
    /// Must be called within a Tokio runtime: with a shared store, a task relays the other
    /// processes' events.
    pub fn new(
        config: AuthConfig,
        store: Arc<dyn Store>,
        signer: TokenSigner,
        ui: Arc<dyn ConsentUi>,
        login: Arc<dyn Authenticator>,
        keys: VaultKeys,
    ) -> Self {
        let signer = Arc::new(signer);
        let bearer = Bearer::new(
            signer.clone(),
            store.clone(),
            config.issuer.clone(),
            config.resource(),
            config.resource_metadata_url(),
            config.scopes.clone(),
        );
        let events = Events::new(store.clone(), bearer.verified().clone());
        let upstream = UpstreamClient::new(config.upstream_timeout);
        let progressive = Progressive::new(
            progressive::Settings {
                issuer: &config.issuer,
                apps: &config.apps,
                ticket_ttl: config.ticket_ttl,
                session_ttl: config.refresh_token_ttl,
                upstream_timeout: config.upstream_timeout,
            },
            signer.clone(),
            store.clone(),
            keys.clone(),
            upstream.clone(),
            events.clone(),
        );
        let documents = metadata_document::MetadataDocuments::new(config.client_metadata);
        let identity = config
            .identity_provider
            .clone()
            .map(identity::Identity::new);
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                signer,
                ui,
                login,
                keys,
                upstream,
                bearer,
                progressive,
                events,
                documents,
                identity,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The bearer: checks the tokens this server issued on requests to the resource.
    pub fn bearer(&self) -> &Bearer {
        &self.inner.bearer
    }

    /// Progressive authorization: the apps with their own provider, per auth session.
    pub fn progressive(&self) -> &Progressive {
        &self.inner.progressive
    }

    /// The events every process sharing the store hears.
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The key ring that seals what the server keeps secret, in the store and in what it hands
    /// out sealed (such as a request's state).
    pub fn key_ring(&self) -> &VaultKeys {
        &self.inner.keys
    }

    /// Whether `path` is served by [`AuthServer::handle`].
    pub fn serves(&self, path: &str) -> bool {
        path.starts_with("/.well-known/oauth-")
            || path == "/.well-known/jwks.json"
            || path.starts_with("/oauth/")
            || self.standalone_app(path).is_some()
    }

    /// The standalone app whose direct entry point (`/{app}/oauth/authorize`) `path` is.
    fn standalone_app(&self, path: &str) -> Option<&AuthApp> {
        let id = path.strip_prefix('/')?.strip_suffix("/oauth/authorize")?;
        self.inner
            .config
            .app(id)
            .filter(|a| a.standalone && !id.contains('/'))
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
            (Method::GET, "/oauth/authorize") => self.authorize(req, None).await,
            (Method::POST, "/oauth/login") => self.login(req).await,
            (Method::POST, "/oauth/consent") => self.consent(req).await,
            (Method::POST, "/oauth/token") => self.token(req).await,
            (Method::POST, "/oauth/revoke") => self.revoke(req).await,
            (Method::GET, "/oauth/apps") => self.apps_page(req).await,
            (Method::POST, "/oauth/apps") => self.apps_action(req).await,
            (Method::GET, identity::CALLBACK_PATH) => self.identity_callback(req).await,
            (Method::GET, p) if p.starts_with("/oauth/callback/") => {
                let app = p["/oauth/callback/".len()..].to_owned();
                self.callback(req, &app).await
            }
            (Method::GET, p) if self.standalone_app(p).is_some() => {
                let app = self.standalone_app(p).map(|a| a.id.clone());
                self.authorize(req, app).await
            }
            (Method::OPTIONS, _) => respond::preflight(),
            _ => respond::not_found(),
        }
    }
}
