//! Turning the server's `auth(...)` configuration into a running authorization server.

use std::sync::Arc;

use frontmcp_auth::oauth::{AuthApp, AuthConfig, AuthServer, Authenticator, DevLogin};
use frontmcp_auth::store::{MemoryStore, RedisStore, Store};
use frontmcp_auth::tokens::TokenSigner;
use frontmcp_auth::ui::{ConsentUi, DefaultUi};
use frontmcp_auth::{
    AppAuthMode, ConsentToolItem, DEFAULT_KEY_PREFIX, ServerAuth, ServerAuthMode, TokenStorage,
};

use super::registry::Registry;
use super::{Error, ToolNaming};

/// What the builder may override; everything else comes from `auth(...)` and the environment.
#[derive(Default)]
pub(crate) struct AuthParts {
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) signer: Option<TokenSigner>,
    pub(crate) ui: Option<Arc<dyn ConsentUi>>,
    pub(crate) login: Option<Arc<dyn Authenticator>>,
}

impl std::fmt::Debug for AuthParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthParts").finish_non_exhaustive()
    }
}

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
    let store = match parts.store.take() {
        Some(store) => store,
        None => open_store(&auth.token_storage).await?,
    };
    let signer = match parts.signer.take() {
        Some(signer) => signer,
        None => signer_from_env(store.as_ref()).await?,
    };
    let mut config = AuthConfig::new(issuer, server_name);
    config.consent = auth.consent.enabled;
    for (_, desc, _) in &registry.apps {
        if desc.exclude_from_parent {
            continue;
        }
        let needs_upstream = desc.auth.mode == AppAuthMode::Transparent;
        let tools = desc
            .tools
            .iter()
            .map(|t| {
                let mut item = ConsentToolItem::new(
                    naming.full_name(&desc.id, &t.name),
                    t.title.as_deref().unwrap_or(&t.name),
                    desc.id.as_ref(),
                );
                item.description = t.description.as_ref().map(|d| d.to_string());
                item.required_scopes = t.scopes.iter().map(|s| s.to_string()).collect();
                if !needs_upstream {
                    // Scopes of apps covered by the sign-in are the server's own scopes.
                    for scope in &item.required_scopes {
                        if !config.scopes.contains(scope) {
                            config.scopes.push(scope.clone());
                        }
                    }
                }
                item
            })
            .collect();
        config.apps.push(AuthApp {
            id: desc.id.to_string(),
            name: desc.name.to_string(),
            description: desc.description.as_ref().map(|d| d.to_string()),
            needs_upstream,
            tools,
        });
    }
    let ui = parts.ui.take().unwrap_or_else(|| Arc::new(DefaultUi));
    let login = parts.login.take().unwrap_or_else(|| {
        tracing::warn!(
            "no authenticator configured: using the DEVELOPMENT login, which accepts any user name"
        );
        Arc::new(DevLogin)
    });
    tracing::info!(%issuer, "authorization server ready");
    Ok(Some(AuthServer::new(config, store, signer, ui, login)))
}

/// The configured store; Redis is reached once at start-up so a wrong address fails fast.
async fn open_store(storage: &TokenStorage) -> Result<Arc<dyn Store>, Error> {
    let redis = match storage {
        TokenStorage::Memory => None,
        TokenStorage::Auto => std::env::var("REDIS_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(|url| {
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
                None => std::env::var(url_env.as_ref()).map_err(|_| Error::Env {
                    var: url_env.clone(),
                    message: "is not set, and token_storage(redis(...)) needs the Redis URL".into(),
                })?,
            };
            Some((url, key_prefix.as_ref()))
        }
    };
    match redis {
        None => Ok(Arc::new(MemoryStore::new())),
        Some((url, prefix)) => {
            let store = RedisStore::connect(&url, prefix)
                .await
                .map_err(|e| Error::Store(e.to_string()))?;
            Ok(Arc::new(store))
        }
    }
}

/// `FRONTMCP_SIGNING_KEY` (PKCS#8 PEM, ES256), else `FRONTMCP_JWT_SECRET` (HS256), else a key
/// generated once and shared through the store.
async fn signer_from_env(store: &dyn Store) -> Result<TokenSigner, Error> {
    if let Ok(pem) = std::env::var("FRONTMCP_SIGNING_KEY") {
        return TokenSigner::es256_from_pem(&pem).map_err(|e| Error::Env {
            var: "FRONTMCP_SIGNING_KEY".into(),
            message: e.to_string(),
        });
    }
    if let Ok(secret) = std::env::var("FRONTMCP_JWT_SECRET") {
        return TokenSigner::hs256(secret.as_bytes()).map_err(|e| Error::Env {
            var: "FRONTMCP_JWT_SECRET".into(),
            message: e.to_string(),
        });
    }
    TokenSigner::es256_shared(store)
        .await
        .map_err(|e| Error::Store(e.to_string()))
}
