//! Turning the server's `auth(...)` configuration into a running authorization server.

use std::collections::HashMap;
use std::sync::Arc;

use std::net::IpAddr;

use frontmcp_auth::apps::{AuthApp, UpstreamApp};
use frontmcp_auth::oauth::{
    AuthConfig, AuthServer, Authenticator, ClientMetadataPolicy, DevLogin, IdentityProvider,
    RateLimits, RegistrationPolicy,
};
use frontmcp_auth::store::{MemoryStore, Store};
use frontmcp_auth::tokens::TokenSigner;
use frontmcp_auth::ui::{ConsentUi, DefaultUi};
use frontmcp_auth::upstream::{ClientCredentials, ProviderEndpoints};
use frontmcp_auth::vault::{VAULT_KEYS_ENV, VaultKeys};
use frontmcp_auth::{
    AppAuthMode, ConsentToolItem, RemoteProvider, ServerAuth, ServerAuthMode, TokenStorage,
};
use frontmcp_rules::{
    AppVar, DEFAULT_KEY_PREFIX, DEFAULT_REDIS_URL_ENV, app_env_var, is_acceptable_provider_url,
};

use super::ServerBuilder;
use super::registry::Registry;
use super::{AppDescriptor, Error, ToolNaming};
use crate::env::Environment;

/// What the builder may override; everything else comes from `auth(...)` and the environment.
#[derive(Default)]
pub(crate) struct AuthParts {
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) signer: Option<TokenSigner>,
    pub(crate) ui: Option<Arc<dyn ConsentUi>>,
    pub(crate) login: Option<Arc<dyn Authenticator>>,
    pub(crate) vault_keys: Option<VaultKeys>,
    /// Provider URLs by app ID, replacing the ones in `remote(provider = ...)`.
    pub(crate) providers: HashMap<String, String>,
    pub(crate) ticket_ttl: Option<std::time::Duration>,
    pub(crate) upstream_timeout: Option<std::time::Duration>,
    pub(crate) rate_limits: Option<RateLimits>,
    pub(crate) registration: Option<RegistrationPolicy>,
    pub(crate) client_metadata: Option<ClientMetadataPolicy>,
    pub(crate) trusted_proxies: Option<Vec<IpAddr>>,
    /// Where configuration variables are read.
    pub(crate) env: Environment,
}

impl std::fmt::Debug for AuthParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthParts").finish_non_exhaustive()
    }
}

/// The name the identity provider's variables are under (`FRONTMCP_SIGNIN_PROVIDER`,
/// `_CLIENT_ID`, `_CLIENT_SECRET`), as an app's are under its ID: no app may take it.
pub(crate) const SIGN_IN: &str = frontmcp_rules::SIGN_IN_ID;

/// Builds the authorization server for `issuer`, or `None` for a public server.
pub(crate) async fn start(
    auth: &ServerAuth,
    parts: &mut AuthParts,
    registry: &Registry,
    naming: &ToolNaming,
    server_name: &str,
    issuer: &str,
) -> Result<Option<AuthServer>, Error> {
    if auth.mode != ServerAuthMode::Orchestrated {
        return Ok(None);
    }
    let env = parts.env.clone();
    let store = match parts.store.take() {
        Some(store) => store,
        None => open_store(&auth.token_storage, &env).await?,
    };
    let keys = key_ring(parts.vault_keys.take(), store.as_ref(), &env)?;
    let signer = match parts.signer.take() {
        Some(signer) => signer,
        None => signer_from_env(store.as_ref(), &keys, &env).await?,
    };
    let mut config = AuthConfig::new(issuer, server_name);
    config.consent = auth.consent.enabled;
    if let Some(ttl) = parts.ticket_ttl {
        config.ticket_ttl = ttl;
    }
    if let Some(timeout) = parts.upstream_timeout {
        config.upstream_timeout = timeout;
    }
    if let Some(limits) = parts.rate_limits.take() {
        config.rate_limits = limits;
    }
    if let Some(policy) = parts.registration.take() {
        config.registration = policy;
    }
    if let Some(policy) = parts.client_metadata.take() {
        config.client_metadata = policy;
    }
    if let Some(proxies) = parts.trusted_proxies.take() {
        config.trusted_proxies = proxies;
    }
    limits_from_env(&mut config, &env)?;
    config.identity_provider = identity_provider(auth, &env)?;
    for (_, desc, _) in &registry.apps {
        let upstream = match &desc.auth.remote {
            Some(remote) if desc.auth.mode == AppAuthMode::Transparent => Some(upstream_app(
                &desc.id,
                remote,
                parts.providers.get(desc.id.as_ref()),
                &env,
            )?),
            _ => None,
        };
        let tools = consent_tools(desc, naming);
        if upstream.is_none() {
            // Scopes of apps covered by the sign-in are the server's own scopes.
            for scope in tools.iter().flat_map(|t| &t.required_scopes) {
                if !config.scopes.contains(scope) {
                    config.scopes.push(scope.clone());
                }
            }
        }
        let mut app = AuthApp::new(desc.id.as_ref(), desc.name.as_ref());
        app.description = desc.description.as_ref().map(|d| d.to_string());
        app.upstream = upstream;
        app.in_parent = !desc.exclude_from_parent;
        app.standalone = desc.standalone;
        app.tools = tools;
        config.apps.push(app);
    }
    let ui = parts.ui.take().unwrap_or_else(|| Arc::new(DefaultUi));
    let remote_sign_in = config.identity_provider.is_some();
    let login = parts.login.take().unwrap_or_else(|| {
        if !remote_sign_in {
            tracing::warn!(
                "no authenticator configured: using the DEVELOPMENT login, which accepts any user name"
            );
        }
        Arc::new(DevLogin)
    });
    tracing::info!(%issuer, "authorization server ready");
    Ok(Some(AuthServer::new(
        config, store, signer, ui, login, keys,
    )))
}

/// The OpenID provider users sign in at: `remote(...)` of `type = "remote"`, or
/// `FRONTMCP_SIGNIN_PROVIDER` (with `_CLIENT_ID`, `_CLIENT_SECRET`), which also moves a server
/// that signs users in itself to the provider.
fn identity_provider(
    auth: &ServerAuth,
    env: &Environment,
) -> Result<Option<IdentityProvider>, Error> {
    let from_env = env
        .get(&app_env_var(SIGN_IN, AppVar::Provider))
        .map(RemoteProvider::new);
    let Some(remote) = auth.remote.clone().or(from_env) else {
        return Ok(None);
    };
    let provider = upstream_app(SIGN_IN, &remote, None, env)?;
    tracing::info!(provider = %provider.provider, "users sign in at an OpenID provider");
    Ok(Some(IdentityProvider {
        issuer: provider.provider,
        credentials: provider.credentials,
        scopes: provider.scopes,
        endpoints: None,
    }))
}

/// The limits the environment sets, over the builder's: `FRONTMCP_RATE_LIMITS` (`off`),
/// `FRONTMCP_CLIENT_TTL` (`30d`, `12h`...), `FRONTMCP_MAX_CLIENTS`, `FRONTMCP_REGISTRATION_TOKEN`,
/// `FRONTMCP_REDIRECT_HOSTS` and `FRONTMCP_TRUSTED_PROXIES` (comma-separated),
/// `FRONTMCP_CLIENT_METADATA` (`off`) and `FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK` (`true`).
fn limits_from_env(config: &mut AuthConfig, env: &Environment) -> Result<(), Error> {
    let bad = |var: &'static str, message: String| Error::Env {
        var: var.into(),
        message,
    };
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let switch = |var: &'static str| -> Result<Option<bool>, Error> {
        match env.get(var).as_deref().map(str::trim) {
            None => Ok(None),
            Some("on" | "true" | "1") => Ok(Some(true)),
            Some("off" | "false" | "0") => Ok(Some(false)),
            Some(other) => Err(bad(var, format!("`{other}` is neither `on` nor `off`"))),
        }
    };
    if switch("FRONTMCP_RATE_LIMITS")? == Some(false) {
        config.rate_limits = RateLimits::off();
    }
    if let Some(enabled) = switch("FRONTMCP_CLIENT_METADATA")? {
        config.client_metadata.enabled = enabled;
    }
    if let Some(allow) = switch("FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK")? {
        if allow {
            tracing::warn!(
                "FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK: client metadata documents are fetched from this machine too (DEVELOPMENT ONLY)"
            );
        }
        config.client_metadata.allow_loopback = allow;
    }
    let policy = &mut config.registration;
    if let Some(ttl) = env.get("FRONTMCP_CLIENT_TTL") {
        policy.client_ttl = humantime::parse_duration(ttl.trim())
            .ok()
            .filter(|ttl| !ttl.is_zero())
            .ok_or_else(|| {
                bad(
                    "FRONTMCP_CLIENT_TTL",
                    format!("`{ttl}` is not a duration like 30d or 12h"),
                )
            })?;
    }
    if let Some(max) = env.get("FRONTMCP_MAX_CLIENTS") {
        policy.max_clients = max.trim().parse().ok().filter(|&n| n > 0).ok_or_else(|| {
            bad(
                "FRONTMCP_MAX_CLIENTS",
                format!("`{max}` is not a positive number"),
            )
        })?;
    }
    if let Some(token) = env.get("FRONTMCP_REGISTRATION_TOKEN") {
        if token.trim().len() < 32 {
            return Err(bad(
                "FRONTMCP_REGISTRATION_TOKEN",
                "an initial access token needs at least 32 characters".into(),
            ));
        }
        policy.initial_access_token = Some(token.trim().to_owned());
    }
    if let Some(hosts) = env.get("FRONTMCP_REDIRECT_HOSTS") {
        policy.redirect_hosts = Some(list(&hosts));
    }
    if let Some(proxies) = env.get("FRONTMCP_TRUSTED_PROXIES") {
        config.trusted_proxies = list(&proxies)
            .iter()
            .map(|p| {
                p.parse().map_err(|_| {
                    bad(
                        "FRONTMCP_TRUSTED_PROXIES",
                        format!("`{p}` is not an IP address"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}

/// An app's tools as the consent screen lists them.
fn consent_tools(desc: &AppDescriptor, naming: &ToolNaming) -> Vec<ConsentToolItem> {
    desc.tools
        .iter()
        .map(|t| {
            let mut item = ConsentToolItem::new(
                naming.full_name(&desc.id, &t.name),
                t.title.as_deref().unwrap_or(&t.name),
                desc.id.as_ref(),
            );
            item.description = t.description.as_ref().map(|d| d.to_string());
            item.required_scopes = t.scopes.iter().map(|s| s.to_string()).collect();
            item
        })
        .collect()
}

/// App `app_id`'s provider as configured by `remote(...)`, the builder's provider override and
/// the environment (`FRONTMCP_{APP}_PROVIDER`, `_CLIENT_ID`, `_CLIENT_SECRET`, which win).
fn upstream_app(
    app_id: &str,
    remote: &RemoteProvider,
    override_url: Option<&String>,
    env: &Environment,
) -> Result<UpstreamApp, Error> {
    // Messages name what the settings are for: an app, or the server's sign-in.
    let who = if app_id == SIGN_IN {
        "the identity provider (sign-in)".to_owned()
    } else {
        format!("app `{app_id}`")
    };
    let env_error = |var: String, message: String| Error::Env {
        var: var.into(),
        message,
    };
    let provider_var = app_env_var(app_id, AppVar::Provider);
    let provider = match (env.get(&provider_var), override_url) {
        (Some(url), _) => {
            if !is_acceptable_provider_url(url.trim()) {
                return Err(env_error(
                    provider_var,
                    format!("`{url}` is not an https:// URL (http:// only for localhost)"),
                ));
            }
            Some(url.trim().trim_end_matches('/').to_owned())
        }
        (None, Some(url)) => Some(url.trim_end_matches('/').to_owned()),
        (None, None) => None,
    };
    // Endpoints named in `remote(...)` belong to the provider named there; a replaced provider
    // is discovered.
    let endpoints = match (
        &provider,
        &remote.authorization_endpoint,
        &remote.token_endpoint,
    ) {
        (None, Some(authorization), Some(token)) => Some(ProviderEndpoints {
            issuer: remote.provider.to_string(),
            authorization_endpoint: authorization.to_string(),
            token_endpoint: token.to_string(),
            revocation_endpoint: None,
            code_challenge_methods_supported: Vec::new(),
            authorization_response_iss_parameter_supported: false,
            jwks_uri: None,
        }),
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(Error::Unsupported(format!(
                "{who}: remote(...) gives one of authorization_endpoint and token_endpoint; give both, or neither to discover them"
            )));
        }
        _ => None,
    };
    let client_id = match &remote.client_id_env {
        Some(var) => env.get(var).ok_or_else(|| {
            env_error(
                var.to_string(),
                format!("is not set, and {who} reads its client ID from it"),
            )
        })?,
        None => {
            let var = app_env_var(app_id, AppVar::ClientId);
            env.get(&var)
                .or_else(|| remote.client_id.as_ref().map(|c| c.to_string()))
                .ok_or_else(|| {
                    env_error(
                        var,
                        format!("is not set, and {who} gives no client_id for its provider"),
                    )
                })?
        }
    };
    let client_secret = match &remote.client_secret_env {
        Some(var) => Some(env.get(var).ok_or_else(|| {
            env_error(
                var.to_string(),
                format!("is not set, and {who} reads its client secret from it"),
            )
        })?),
        None => env.get(&app_env_var(app_id, AppVar::ClientSecret)),
    };
    Ok(UpstreamApp {
        provider: provider.unwrap_or_else(|| remote.provider.to_string()),
        scopes: remote.scopes.iter().map(|s| s.to_string()).collect(),
        credentials: ClientCredentials {
            client_id,
            client_secret,
        },
        endpoints,
    })
}

/// The key ring that seals the token vault and everything else secret the server keeps in its
/// store: the builder's, else `FRONTMCP_VAULT_KEYS`, else (only with a store local to this
/// process) a key generated for this run. A shared store needs one ring for every process, kept
/// outside the store, or what it seals would be readable from a dump.
fn key_ring(
    configured: Option<VaultKeys>,
    store: &dyn Store,
    env: &Environment,
) -> Result<VaultKeys, Error> {
    if let Some(keys) = configured {
        return Ok(keys);
    }
    let env_error = |message: String| Error::Env {
        var: VAULT_KEYS_ENV.into(),
        message,
    };
    match env.get(VAULT_KEYS_ENV).map(|v| VaultKeys::from_env_value(&v)) {
        Some(Ok(keys)) => Ok(keys),
        Some(Err(e)) => Err(env_error(e.to_string())),
        None if store.is_local() => {
            tracing::warn!(
                "{VAULT_KEYS_ENV} is not set: the token vault uses a key generated for this run (apps must be authorized again after a restart)"
            );
            Ok(VaultKeys::generate())
        }
        None => Err(env_error(
            "is not set: a shared store (Redis) needs one key ring for every server process, kept outside the store, to seal the token vault and the shared signing key (`kid:` then 32 random bytes in base64, e.g. `k1:$(openssl rand -base64 32)`)".into(),
        )),
    }
}

/// The configured store; Redis is reached once at start-up so a wrong address fails fast.
async fn open_store(storage: &TokenStorage, env: &Environment) -> Result<Arc<dyn Store>, Error> {
    let redis = match storage {
        TokenStorage::Memory => None,
        TokenStorage::Auto => env.get(DEFAULT_REDIS_URL_ENV).map(|url| {
            tracing::info!("REDIS_URL is set: authorization state is kept in Redis");
            (url, DEFAULT_KEY_PREFIX)
        }),
        TokenStorage::Redis {
            url,
            url_env,
            key_prefix,
        } => {
            let url = match url {
                Some(url) => url.to_string(),
                None => env.get(url_env.as_ref()).ok_or_else(|| Error::Env {
                    var: url_env.clone(),
                    message: "is not set, and token_storage(redis(...)) needs the Redis URL".into(),
                })?,
            };
            Some((url, key_prefix.as_ref()))
        }
    };
    match redis {
        None => Ok(Arc::new(MemoryStore::new())),
        Some((url, prefix)) => connect_redis(&url, prefix, env).await,
    }
}

/// Redis at `url`; over TLS with the certificates the environment names, if any.
#[cfg(feature = "redis")]
async fn connect_redis(
    url: &str,
    prefix: &str,
    env: &Environment,
) -> Result<Arc<dyn Store>, Error> {
    use frontmcp_auth::store::{RedisStore, RedisTls};
    /// The certificate authorities that sign Redis's TLS certificate, instead of the system's.
    const REDIS_CA_ENV: &str = "FRONTMCP_REDIS_CA";
    /// The certificate and key the server presents to a Redis that asks for one.
    const REDIS_CLIENT_CERT_ENV: &str = "FRONTMCP_REDIS_CLIENT_CERT";
    const REDIS_CLIENT_KEY_ENV: &str = "FRONTMCP_REDIS_CLIENT_KEY";
    let read = |var: &'static str| -> Result<Option<Vec<u8>>, Error> {
        env.get(var)
            .map(|path| {
                std::fs::read(&path).map_err(|e| Error::Env {
                    var: var.into(),
                    message: format!("cannot read `{path}`: {e}"),
                })
            })
            .transpose()
    };
    let root_certificates = read(REDIS_CA_ENV)?;
    let client_identity = match (read(REDIS_CLIENT_CERT_ENV)?, read(REDIS_CLIENT_KEY_ENV)?) {
        (Some(certificate), Some(key)) => Some((certificate, key.into())),
        (None, None) => None,
        (_, _) => {
            return Err(Error::Env {
                var: REDIS_CLIENT_CERT_ENV.into(),
                message: format!("and {REDIS_CLIENT_KEY_ENV} go together: set both or neither"),
            });
        }
    };
    let store = if root_certificates.is_none() && client_identity.is_none() {
        RedisStore::connect(url, prefix).await
    } else {
        let tls = RedisTls {
            root_certificates,
            client_identity,
        };
        RedisStore::connect_tls(url, prefix, &tls).await
    };
    Ok(Arc::new(store.map_err(|e| Error::Store(e.to_string()))?))
}

/// Falling back to memory would split the state of processes that mean to share it.
#[cfg(not(feature = "redis"))]
async fn connect_redis(
    _url: &str,
    _prefix: &str,
    _env: &Environment,
) -> Result<Arc<dyn Store>, Error> {
    Err(Error::Unsupported(
        "authorization state in Redis (REDIS_URL, token_storage(redis(...))) needs frontmcp's `redis` feature, which this build leaves out".into(),
    ))
}

/// `FRONTMCP_SIGNING_KEY` (PKCS#8 PEM, ES256), else `FRONTMCP_JWT_SECRET` (HS256), else a key
/// generated for this process (a store local to it), or generated once and shared through the
/// store, sealed with `keys`.
async fn signer_from_env(
    store: &dyn Store,
    keys: &VaultKeys,
    env: &Environment,
) -> Result<TokenSigner, Error> {
    if let Some(pem) = env.get("FRONTMCP_SIGNING_KEY") {
        return TokenSigner::es256_from_pem(&pem).map_err(|e| Error::Env {
            var: "FRONTMCP_SIGNING_KEY".into(),
            message: e.to_string(),
        });
    }
    if let Some(secret) = env.get("FRONTMCP_JWT_SECRET") {
        return TokenSigner::hs256(secret.as_bytes()).map_err(|e| Error::Env {
            var: "FRONTMCP_JWT_SECRET".into(),
            message: e.to_string(),
        });
    }
    if store.is_local() {
        return Ok(TokenSigner::es256_generated());
    }
    TokenSigner::es256_shared(store, keys)
        .await
        .map_err(|e| Error::Store(e.to_string()))
}

/// The authorization server's settings.
impl ServerBuilder {
    /// Signs users in with `authenticator` instead of the development login.
    ///
    /// ```
    /// use frontmcp::auth::oauth::{Authenticator, LoginAttempt, LoginError};
    /// # use frontmcp::prelude::*;
    /// # #[derive(Default)] struct CrmApp;
    /// # #[app(name = "CRM")] impl CrmApp { #[tool] async fn ping(&self) -> &'static str { "pong" } }
    ///
    /// struct Directory;
    ///
    /// #[frontmcp::async_trait]
    /// impl Authenticator for Directory {
    ///     async fn authenticate(&self, attempt: &LoginAttempt<'_>) -> Result<String, LoginError> {
    ///         // The attempt also says where it came from: attempt.client_ip, attempt.headers.
    ///         match (attempt.username, attempt.password) {
    ///             ("ada", "correct horse") => Ok("user-ada".into()),
    ///             _ => Err(LoginError::InvalidCredentials),
    ///         }
    ///     }
    /// }
    ///
    /// let server = Server::builder("crm", "1.0.0")
    ///     .app(CrmApp)
    ///     .authenticator(Directory)
    ///     .build()
    ///     .unwrap();
    /// # let _ = server;
    /// ```
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.auth_parts.login = Some(Arc::new(authenticator));
        self
    }

    /// Renders the login, consent and error pages with `ui` instead of the default templates.
    pub fn consent_ui(mut self, ui: impl ConsentUi) -> Self {
        self.auth_parts.ui = Some(Arc::new(ui));
        self
    }

    /// Keeps authorization state in `store` instead of the one `token_storage(...)` names.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.auth_parts.store = Some(store);
        self
    }

    /// Signs session tokens with `signer` instead of the environment's or a generated key.
    pub fn token_signer(mut self, signer: TokenSigner) -> Self {
        self.auth_parts.signer = Some(signer);
        self
    }

    /// Seals the token vault with `keys` instead of `FRONTMCP_VAULT_KEYS` (or a key generated for
    /// the run, with the memory store).
    pub fn vault_keys(mut self, keys: VaultKeys) -> Self {
        self.auth_parts.vault_keys = Some(keys);
        self
    }

    /// How long an app's authorization link (`auth_url`) stays valid; default 10 minutes.
    pub fn authorization_link_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.auth_parts.ticket_ttl = Some(ttl);
        self
    }

    /// The rate limits of the sign-in, registration and token endpoints, instead of the
    /// defaults (`FRONTMCP_RATE_LIMITS=off` in the environment still turns them off).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.auth_parts.rate_limits = Some(limits);
        self
    }

    /// How dynamic client registration is bounded, instead of the defaults (the
    /// `FRONTMCP_CLIENT_TTL`, `FRONTMCP_MAX_CLIENTS`, `FRONTMCP_REGISTRATION_TOKEN` and
    /// `FRONTMCP_REDIRECT_HOSTS` variables still win).
    pub fn registration(mut self, policy: RegistrationPolicy) -> Self {
        self.auth_parts.registration = Some(policy);
        self
    }

    /// Whether clients may be identified by a metadata document at an `https://` client ID, and,
    /// in development, on this machine (`FRONTMCP_CLIENT_METADATA` and
    /// `FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK` still win).
    pub fn client_metadata(mut self, policy: ClientMetadataPolicy) -> Self {
        self.auth_parts.client_metadata = Some(policy);
        self
    }

    /// The reverse proxies whose `X-Forwarded-For` names the client, for the rate limits
    /// (`FRONTMCP_TRUSTED_PROXIES` still wins).
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = std::net::IpAddr>) -> Self {
        self.auth_parts.trusted_proxies = Some(proxies.into_iter().collect());
        self
    }

    /// How long each request to an app's provider (discovery, code exchange, refresh,
    /// revocation) may take; default 10 seconds.
    pub fn upstream_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.auth_parts.upstream_timeout = Some(timeout);
        self
    }

    /// Sends app `app_id`'s authorizations to the provider at `url` instead of the one its
    /// `remote(provider = ...)` names; its endpoints are then discovered from the provider's
    /// metadata. `FRONTMCP_{APP}_PROVIDER` in the environment still wins, so a deployment can
    /// point an example at the real provider.
    pub fn upstream_provider(mut self, app_id: impl Into<String>, url: impl Into<String>) -> Self {
        self.auth_parts.providers.insert(app_id.into(), url.into());
        self
    }
}
