//! The authorization configuration of a server and of its apps, as the seeds describe it.

use std::borrow::Cow;

/// How the server itself authenticates MCP clients (`auth(mode = ...)` on `#[front_mcp]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerAuthMode {
    /// No authentication: anyone who can reach `/mcp` may call every tool.
    #[default]
    Public,
    /// The server is its own OAuth 2.1 authorization server and orchestrates per-app
    /// authorizations (progressive authorization).
    Orchestrated,
    /// The server accepts tokens of a remote authorization server as they are.
    Transparent,
}

/// Where the orchestrating authorization server lives (`auth(type = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerAuthType {
    /// The server runs the authorization server itself.
    #[default]
    Local,
    /// A remote identity provider signs users in.
    Remote,
}

/// Whether sessions are kept server-side (`session_mode = ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionMode {
    /// Sessions live in the store; required by the token vault.
    #[default]
    Stateful,
    /// Everything the server needs travels in the token; no vault.
    Stateless,
}

pub use frontmcp_rules::{DEFAULT_KEY_PREFIX, is_acceptable_provider_url};

/// Where sessions, codes and the token vault are kept (`token_storage(...)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenStorage {
    /// The default: in memory, or in Redis when `REDIS_URL` is set, so one variable moves a
    /// server (and every copy of it) onto shared storage.
    #[default]
    Auto,
    /// In the server's memory, whatever the environment says: lost on restart, one process only.
    Memory,
    /// In Redis, shared by every server process that points at it.
    Redis {
        /// A literal Redis URL, if given.
        url: Option<Cow<'static, str>>,
        /// The environment variable holding the Redis URL (default `REDIS_URL`).
        url_env: Cow<'static, str>,
        /// Prefix of every key the server writes.
        key_prefix: Cow<'static, str>,
    },
}

/// The consent screen settings (`consent(...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsentConfig {
    /// Show the consent screen listing apps and tools after sign-in.
    pub enabled: bool,
}

/// The server-level authorization configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerAuth {
    /// How MCP clients are authenticated.
    pub mode: ServerAuthMode,
    /// Where the authorization server runs.
    pub kind: ServerAuthType,
    /// Consent screen settings.
    pub consent: ConsentConfig,
    /// Stateful or stateless sessions.
    pub session_mode: SessionMode,
    /// Where tokens and sessions are stored.
    pub token_storage: TokenStorage,
    /// With [`ServerAuthType::Remote`]: the OpenID provider users sign in at (its discovery
    /// document gives the endpoints; `scopes` are asked beside `openid`).
    pub remote: Option<RemoteProvider>,
}

/// How an app obtains the credentials its tools need (`auth(mode = ...)` on `#[app]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppAuthMode {
    /// The app is covered by the server's sign-in; no token of its own.
    #[default]
    Inherit,
    /// The app needs its own token from a remote OAuth provider, obtained progressively and kept
    /// in the token vault.
    Transparent,
}

/// A remote OAuth provider an app authorizes against (`remote(...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProvider {
    /// The provider's base URL; endpoints are discovered from its metadata unless given.
    pub provider: Cow<'static, str>,
    /// The scopes the app may ask for.
    pub scopes: Vec<Cow<'static, str>>,
    /// A literal client ID.
    pub client_id: Option<Cow<'static, str>>,
    /// The environment variable holding the client ID.
    pub client_id_env: Option<Cow<'static, str>>,
    /// The environment variable holding the client secret (never a literal).
    pub client_secret_env: Option<Cow<'static, str>>,
    /// The provider's authorization endpoint, when not discovered.
    pub authorization_endpoint: Option<Cow<'static, str>>,
    /// The provider's token endpoint, when not discovered.
    pub token_endpoint: Option<Cow<'static, str>>,
}

impl RemoteProvider {
    /// The provider at `provider`, with no scopes, and endpoints and client from the
    /// environment.
    pub fn new(provider: impl Into<Cow<'static, str>>) -> Self {
        Self {
            provider: provider.into(),
            scopes: Vec::new(),
            client_id: None,
            client_id_env: None,
            client_secret_env: None,
            authorization_endpoint: None,
            token_endpoint: None,
        }
    }
}

/// The app-level authorization configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppAuth {
    /// Inherit the server's sign-in, or get a token of the app's own.
    pub mode: AppAuthMode,
    /// The remote provider, required with [`AppAuthMode::Transparent`].
    pub remote: Option<RemoteProvider>,
}

/// A configuration that cannot work, found when the server is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `consent(enabled = true)` without an orchestrating server.
    #[error("consent(enabled = true) needs auth(mode = \"orchestrated\")")]
    ConsentWithoutOrchestration,
    /// A token vault is needed but sessions are stateless.
    #[error("app `{app}` keeps tokens in the vault, which needs session_mode = \"stateful\"")]
    VaultNeedsStatefulSessions {
        /// The app that needs the vault.
        app: String,
    },
    /// An app has its own provider, but the server does not orchestrate authorization, so there
    /// is no auth session to keep its tokens under.
    #[error(
        "app `{app}` authorizes with its own provider (auth(mode = \"transparent\")), which needs the server's auth(mode = \"orchestrated\")"
    )]
    TransparentNeedsOrchestration {
        /// The app.
        app: String,
    },
    /// An app uses `mode = "transparent"` without `remote(...)`.
    #[error("app `{app}`: auth(mode = \"transparent\") needs remote(provider = ..., scopes(...))")]
    TransparentWithoutRemote {
        /// The app.
        app: String,
    },
    /// `type = "remote"` without the provider users sign in at.
    #[error(
        "auth(type = \"remote\") signs users in at an OpenID provider: give remote(provider = ..., client_id = ...)"
    )]
    RemoteWithoutProvider,
    /// `remote(...)` on a server that signs users in itself.
    #[error("auth(remote(...)) names the OpenID provider of auth(type = \"remote\")")]
    ProviderWithoutRemote,
    /// A remote provider URL that is not an absolute http(s) URL.
    #[error(
        "app `{app}`: provider `{provider}` must be an absolute https:// URL (http:// only for loopback)"
    )]
    BadProviderUrl {
        /// The app.
        app: String,
        /// The offending URL.
        provider: String,
    },
    /// A scope that is not one OAuth scope ([`frontmcp_rules::SCOPE_RULE`]).
    #[error("app `{app}`: scope `{scope}`: {rule}", rule = frontmcp_rules::SCOPE_RULE)]
    BadScope {
        /// The app.
        app: String,
        /// The offending scope.
        scope: String,
    },
}

/// Every scope of `remote` is one OAuth scope.
fn check_scopes(app: &str, remote: &RemoteProvider) -> Result<(), ConfigError> {
    match remote
        .scopes
        .iter()
        .find(|s| !frontmcp_rules::is_valid_scope(s))
    {
        Some(scope) => Err(ConfigError::BadScope {
            app: app.into(),
            scope: scope.to_string(),
        }),
        None => Ok(()),
    }
}

impl ServerAuth {
    /// Checks the server-level settings against each other.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.consent.enabled && self.mode != ServerAuthMode::Orchestrated {
            return Err(ConfigError::ConsentWithoutOrchestration);
        }
        match (self.kind, &self.remote) {
            (ServerAuthType::Remote, None) => return Err(ConfigError::RemoteWithoutProvider),
            (ServerAuthType::Local, Some(_)) => return Err(ConfigError::ProviderWithoutRemote),
            (ServerAuthType::Remote, Some(remote))
                if !is_acceptable_provider_url(&remote.provider) =>
            {
                return Err(ConfigError::BadProviderUrl {
                    app: "the identity provider".into(),
                    provider: remote.provider.to_string(),
                });
            }
            _ => {}
        }
        match &self.remote {
            Some(remote) => check_scopes("the identity provider", remote),
            None => Ok(()),
        }
    }

    /// Checks an app's settings against the server's.
    pub fn validate_app(&self, app_id: &str, app: &AppAuth) -> Result<(), ConfigError> {
        match (&app.mode, &app.remote) {
            (AppAuthMode::Transparent, None) => {
                return Err(ConfigError::TransparentWithoutRemote { app: app_id.into() });
            }
            (_, Some(remote)) if !is_acceptable_provider_url(&remote.provider) => {
                return Err(ConfigError::BadProviderUrl {
                    app: app_id.into(),
                    provider: remote.provider.to_string(),
                });
            }
            _ => {}
        }
        if app.mode == AppAuthMode::Transparent && self.mode != ServerAuthMode::Orchestrated {
            return Err(ConfigError::TransparentNeedsOrchestration { app: app_id.into() });
        }
        if app.mode == AppAuthMode::Transparent && self.session_mode == SessionMode::Stateless {
            return Err(ConfigError::VaultNeedsStatefulSessions { app: app_id.into() });
        }
        match &app.remote {
            Some(remote) => check_scopes(app_id, remote),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_needs_orchestration() {
        let auth = ServerAuth {
            consent: ConsentConfig { enabled: true },
            ..Default::default()
        };
        assert_eq!(
            auth.validate(),
            Err(ConfigError::ConsentWithoutOrchestration)
        );
    }

    #[test]
    fn transparent_app_needs_remote_and_state() {
        let server = ServerAuth {
            mode: ServerAuthMode::Orchestrated,
            session_mode: SessionMode::Stateless,
            ..Default::default()
        };
        let bare = AppAuth {
            mode: AppAuthMode::Transparent,
            remote: None,
        };
        assert!(matches!(
            server.validate_app("slack", &bare),
            Err(ConfigError::TransparentWithoutRemote { .. })
        ));
        let remote = AppAuth {
            mode: AppAuthMode::Transparent,
            remote: Some(RemoteProvider::new("https://slack.com/oauth")),
        };
        assert!(matches!(
            server.validate_app("slack", &remote),
            Err(ConfigError::VaultNeedsStatefulSessions { .. })
        ));
        assert!(matches!(
            ServerAuth::default().validate_app("slack", &remote),
            Err(ConfigError::TransparentNeedsOrchestration { .. })
        ));
    }

    #[test]
    fn scopes_are_oauth_scopes() {
        let server = ServerAuth {
            mode: ServerAuthMode::Orchestrated,
            ..Default::default()
        };
        let mut remote = RemoteProvider::new("https://slack.com/oauth");
        remote.scopes = vec!["chat:write".into(), "channels:read".into()];
        let mut app = AppAuth {
            mode: AppAuthMode::Transparent,
            remote: Some(remote),
        };
        assert_eq!(server.validate_app("slack", &app), Ok(()));
        // Two scopes in one string would be asked for, and granted, as two.
        let remote = app.remote.as_mut().unwrap();
        remote.scopes.push("chat:write channels:history".into());
        assert_eq!(
            server.validate_app("slack", &app),
            Err(ConfigError::BadScope {
                app: "slack".into(),
                scope: "chat:write channels:history".into()
            })
        );
        let mut sign_in = RemoteProvider::new("https://id.example.com");
        sign_in.scopes = vec!["".into()];
        let server = ServerAuth {
            kind: ServerAuthType::Remote,
            remote: Some(sign_in),
            ..Default::default()
        };
        assert!(matches!(
            server.validate(),
            Err(ConfigError::BadScope { ref app, .. }) if app == "the identity provider"
        ));
    }
}
