//! Configuration: providers, clients, lifetimes, faults.

use std::time::Duration;

use tokio::net::ToSocketAddrs;

use crate::faults::FaultSettings;
use crate::{Error, RunningDemo};

/// Default access token lifetime: one hour.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// Default refresh token lifetime: thirty days.
pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Default authorization code lifetime: sixty seconds.
pub const DEFAULT_CODE_TTL: Duration = Duration::from_secs(60);

/// One fake upstream provider (an OAuth authorization server plus a tiny
/// resource API), served under `/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpec {
    id: String,
    display_name: String,
    scopes: Vec<String>,
    access_token_ttl: Duration,
    refresh_token_ttl: Duration,
    collection: String,
    rest_scopes: Option<(String, String)>,
}

impl ProviderSpec {
    /// A provider with the given path id (`[a-z0-9_-]`, e.g. `"slack"`),
    /// display name (shown on the consent page, e.g. `"Slack"`) and
    /// supported scopes. Token lifetimes default to
    /// [`DEFAULT_ACCESS_TOKEN_TTL`] and [`DEFAULT_REFRESH_TOKEN_TTL`].
    pub fn new<I, S>(id: impl Into<String>, display_name: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ProviderSpec {
            id: id.into(),
            display_name: display_name.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            collection: "items".into(),
            rest_scopes: None,
        }
    }

    /// Names the provider's REST collection (`/{id}/rest/{collection}`, default `items`) and the
    /// scopes that read it and write it (default: the first and second scopes).
    pub fn with_rest_api(
        mut self,
        collection: impl Into<String>,
        read_scope: impl Into<String>,
        write_scope: impl Into<String>,
    ) -> Self {
        self.collection = collection.into();
        self.rest_scopes = Some((read_scope.into(), write_scope.into()));
        self
    }

    /// The REST collection's name.
    pub fn collection(&self) -> &str {
        &self.collection
    }

    /// The scopes that read and write the REST collection.
    pub fn rest_scopes(&self) -> (&str, &str) {
        match &self.rest_scopes {
            Some((read, write)) => (read, write),
            None => {
                let first = self.scopes.first().map_or("", String::as_str);
                (first, self.scopes.get(1).map_or(first, String::as_str))
            }
        }
    }

    /// The fake Slack: id `slack`, scopes `chat:write`, `channels:read`, `users:read`.
    pub fn slack() -> Self {
        Self::new(
            "slack",
            "Slack",
            ["chat:write", "channels:read", "users:read"],
        )
    }

    /// The fake GitHub: id `github`, scopes `repo`, `user`, `read:org`.
    pub fn github() -> Self {
        Self::new("github", "GitHub", ["repo", "user", "read:org"])
    }

    /// Sets the access token lifetime.
    pub fn with_access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Sets the refresh token lifetime.
    pub fn with_refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_token_ttl = ttl;
        self
    }

    /// The path id (`slack`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name (`Slack`).
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The supported scopes. An authorization request without `scope` is
    /// granted all of them.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The access token lifetime.
    pub fn access_token_ttl(&self) -> Duration {
        self.access_token_ttl
    }

    /// The refresh token lifetime.
    pub fn refresh_token_ttl(&self) -> Duration {
        self.refresh_token_ttl
    }
}

/// A pre-registered OAuth client of one provider.
#[derive(Debug, Clone)]
pub(crate) struct ClientRegistration {
    pub(crate) provider: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum TtlKind {
    Access,
    Refresh,
}

/// Builds a demo server; see [`DemoProvider::builder`](crate::DemoProvider::builder).
///
/// Per-provider settings may name a provider added later in the chain;
/// everything is checked by [`bind`](Self::bind).
#[derive(Debug, Clone)]
pub struct DemoProviderBuilder {
    pub(crate) providers: Vec<ProviderSpec>,
    pub(crate) clients: Vec<ClientRegistration>,
    pub(crate) accept_any_loopback: bool,
    pub(crate) code_ttl: Duration,
    pub(crate) ttls: Vec<(String, TtlKind, Duration)>,
    pub(crate) faults: Vec<(String, FaultSettings)>,
}

impl Default for DemoProviderBuilder {
    fn default() -> Self {
        DemoProviderBuilder {
            providers: vec![ProviderSpec::slack(), ProviderSpec::github()],
            clients: Vec::new(),
            accept_any_loopback: true,
            code_ttl: DEFAULT_CODE_TTL,
            ttls: Vec::new(),
            faults: Vec::new(),
        }
    }
}

impl DemoProviderBuilder {
    /// The default configuration: providers `slack` and `github`, no
    /// registered clients, any loopback client accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every provider, including the default `slack` and `github`.
    pub fn clear_providers(mut self) -> Self {
        self.providers.clear();
        self
    }

    /// Adds a provider, replacing one with the same id.
    pub fn provider(mut self, spec: ProviderSpec) -> Self {
        self.providers.retain(|p| p.id != spec.id);
        self.providers.push(spec);
        self
    }

    /// Pre-registers a client of `provider`.
    ///
    /// With `Some(secret)` the client is confidential: the token and
    /// revocation endpoints require that secret (`client_secret_basic` or
    /// `client_secret_post`). With `None` it is public (auth method `none`).
    ///
    /// `redirect_uris` must match exactly, except that a loopback URI
    /// (`http://127.0.0.1/...`, `http://localhost/...`, `http://[::1]/...`)
    /// matches any port (RFC 8252 §7.3). An empty list allows any loopback
    /// redirect URI.
    pub fn client(
        mut self,
        provider: &str,
        client_id: &str,
        client_secret: Option<&str>,
        redirect_uris: &[&str],
    ) -> Self {
        self.clients.push(ClientRegistration {
            provider: provider.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(str::to_owned),
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_owned()).collect(),
        });
        self
    }

    /// Whether an unregistered `client_id` is accepted when its redirect URI
    /// is a loopback `http` URI (any port). Default `true`: the framework's
    /// callback port is only known at run time. Such clients are public
    /// (any secret they send is ignored). Registered clients are always
    /// checked against their registration.
    pub fn accept_any_loopback_client(mut self, accept: bool) -> Self {
        self.accept_any_loopback = accept;
        self
    }

    /// Sets the access token lifetime of `provider` (default one hour).
    /// `expires_in` reports whole seconds, at least 1.
    pub fn access_token_ttl(mut self, provider: &str, ttl: Duration) -> Self {
        self.ttls.push((provider.to_owned(), TtlKind::Access, ttl));
        self
    }

    /// Sets the refresh token lifetime of `provider` (default thirty days).
    pub fn refresh_token_ttl(mut self, provider: &str, ttl: Duration) -> Self {
        self.ttls.push((provider.to_owned(), TtlKind::Refresh, ttl));
        self
    }

    /// Sets the authorization code lifetime of every provider (default 60 s).
    pub fn authorization_code_ttl(mut self, ttl: Duration) -> Self {
        self.code_ttl = ttl;
        self
    }

    /// Initial fault settings of `provider`; change them later with
    /// [`RunningDemo::faults`].
    pub fn faults(mut self, provider: &str, settings: FaultSettings) -> Self {
        self.faults.push((provider.to_owned(), settings));
        self
    }

    /// Checks the configuration, binds `addr` (port 0 picks a free port) and
    /// starts serving on the current Tokio runtime.
    ///
    /// If `addr` is an unspecified address (`0.0.0.0`), the advertised base
    /// URL uses `127.0.0.1` (`[::1]` for `[::]`).
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<RunningDemo, Error> {
        crate::server::bind(self, addr).await
    }
}
