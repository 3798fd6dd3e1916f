//! What a tool knows about the call it serves.

use std::sync::Arc;
#[cfg(feature = "auth-server")]
use std::sync::{Mutex, OnceLock};

#[cfg(feature = "auth-server")]
use frontmcp_auth::oauth::AuthServer;
#[cfg(feature = "auth-server")]
use frontmcp_auth::progressive::AppTokenError;
use frontmcp_auth::tokens::{SessionClaims, SessionGrant};
#[cfg(feature = "auth-server")]
use frontmcp_auth::vault::VaultEntry;

use super::ToolError;
use super::ask::{Asks, Rounds};
use super::notifier::Notifier;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::mcp::LogLevel;

/// The context of one tool call: who is calling, in which session, through which app.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub(crate) session_id: Option<Arc<str>>,
    pub(crate) request_id: RequestId,
    pub(crate) app_id: Arc<str>,
    pub(crate) tool: Arc<str>,
    pub(crate) protocol_version: ProtocolVersion,
    pub(crate) grant: Option<Grant>,
    pub(crate) app_credentials: Option<Arc<AppCredentials>>,
    /// The request's stream, when its transport carries notifications.
    pub(crate) notifier: Option<Arc<Notifier>>,
    /// The client's `_meta.progressToken`, when it asked for progress.
    pub(crate) progress_token: Option<serde_json::Value>,
    /// What the client declared it can be asked.
    pub(crate) asks: Option<Asks>,
    /// On 2026-07-28, the rounds of questions of this call.
    pub(crate) rounds: Option<Arc<Rounds>>,
}

/// The app's upstream tokens for one call, when the app has its own provider.
pub(crate) enum AppCredentials {
    /// From the vault of the auth session.
    #[cfg(feature = "auth-server")]
    Vault {
        auth: AuthServer,
        grant: Grant,
        entry: Mutex<VaultEntry>,
        /// Set when the grant turned out to be gone: the call then answers `AUTH_REQUIRED`.
        reauthorize: OnceLock<String>,
    },
    /// A fixed token, for unit tests of a tool.
    Fixed(String),
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            #[cfg(feature = "auth-server")]
            Self::Vault { .. } => "AppCredentials::Vault",
            Self::Fixed(_) => "AppCredentials::Fixed",
        })
    }
}

impl AppCredentials {
    #[cfg(feature = "auth-server")]
    pub(crate) fn from_vault(auth: AuthServer, grant: Grant, entry: VaultEntry) -> Self {
        Self::Vault {
            auth,
            grant,
            entry: Mutex::new(entry),
            reauthorize: OnceLock::new(),
        }
    }

    /// Why the app must be authorized again, if the call found out it must.
    pub(crate) fn reauthorization(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "auth-server")]
            Self::Vault { reauthorize, .. } => reauthorize.get().map(String::as_str),
            Self::Fixed(_) => None,
        }
    }

    /// The scopes the vault held when the call started.
    pub(crate) fn scopes(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "auth-server")]
            Self::Vault { entry, .. } => lock(entry).scopes().map(str::to_owned).collect(),
            Self::Fixed(_) => Vec::new(),
        }
    }
}

#[cfg(feature = "auth-server")]
fn lock(entry: &Mutex<VaultEntry>) -> std::sync::MutexGuard<'_, VaultEntry> {
    entry.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the client's session token grants, for servers with authorization: the signed-in user,
/// the auth session (the vault's key) and the scopes and apps at the token's issue.
///
/// Cheap to clone: it shares what the server keeps of the verified token while it is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    granted: SessionGrant,
}

impl Grant {
    /// The user (`sub`).
    pub fn user(&self) -> &str {
        self.granted.sub()
    }

    /// The auth session ID; stable while the client refreshes its token.
    pub fn auth_session_id(&self) -> &str {
        self.granted.session_id()
    }

    /// The OAuth client.
    pub fn client_id(&self) -> &str {
        self.granted.client_id()
    }

    /// Granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.granted.scopes()
    }

    /// Apps authorized when the token was issued.
    pub fn authorized_apps(&self) -> impl Iterator<Item = &str> {
        self.granted.authorized_apps()
    }

    /// Apps skipped or pending when the token was issued.
    pub fn pending_apps(&self) -> impl Iterator<Item = &str> {
        self.granted.pending_apps()
    }

    /// The tools the user selected on the consent screen; `None` means all of them.
    pub fn selected_tools(&self) -> Option<impl Iterator<Item = &str>> {
        self.granted.selected_tools()
    }

    /// Why `tool` of app `app_id` may not run under this grant, if it may not. Apps with their own
    /// provider are not judged by the token's `authorized_apps` (a snapshot): the vault is.
    /// `is_tool`: tools are selected one by one; resources and prompts follow their app.
    pub(crate) fn refusal(
        &self,
        app_id: &str,
        tool: &str,
        has_provider: bool,
        is_tool: bool,
    ) -> Option<String> {
        if !has_provider && !self.authorized_apps().any(|a| a == app_id) {
            return Some(format!(
                "{tool} is not available in this session: its app `{app_id}` was not authorized on the consent screen"
            ));
        }
        if is_tool
            && self
                .selected_tools()
                .is_some_and(|mut selected| !selected.any(|t| t == tool))
        {
            return Some(format!(
                "{tool} is not available in this session: it was not selected on the consent screen"
            ));
        }
        None
    }
}

impl From<SessionGrant> for Grant {
    fn from(granted: SessionGrant) -> Self {
        Self { granted }
    }
}

impl From<SessionClaims> for Grant {
    fn from(claims: SessionClaims) -> Self {
        Self {
            granted: claims.into(),
        }
    }
}

impl ToolContext {
    /// A context for calling a tool directly, as tests of a single app do.
    pub fn for_test(app_id: &str, tool: &str) -> Self {
        Self {
            session_id: None,
            request_id: RequestId::Number(0),
            app_id: app_id.into(),
            tool: tool.into(),
            protocol_version: ProtocolVersion::LATEST_HANDSHAKE,
            grant: None,
            app_credentials: None,
            notifier: None,
            progress_token: None,
            asks: None,
            rounds: None,
        }
    }

    /// Gives a test context a fixed app token, for unit tests of a tool that calls
    /// [`app_token`](Self::app_token).
    pub fn with_app_token(mut self, token: impl Into<String>) -> Self {
        self.app_credentials = Some(Arc::new(AppCredentials::Fixed(token.into())));
        self
    }

    /// The upstream access token of the tool's app (the app's `auth(mode = "transparent",
    /// remote(...))` provider), from the session's token vault. It is refreshed first when it
    /// expires within a minute.
    ///
    /// The runtime checked the vault before the tool ran, so the token is there and has the
    /// tool's scopes. When the provider refuses the refresh (the user revoked the app, the grant
    /// expired), the vault entry is dropped, this returns an error, and the call answers
    /// `AUTH_REQUIRED` with a new authorization link whatever the tool returns.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] for the model when the app has no provider of its own, when it must be
    /// authorized again, or when its provider cannot be reached (the token is kept).
    pub async fn app_token(&self) -> Result<String, ToolError> {
        let Some(credentials) = &self.app_credentials else {
            return Err(ToolError::new(format!(
                "app `{}` has no provider of its own, so there is no app token",
                self.app_id
            )));
        };
        match credentials.as_ref() {
            AppCredentials::Fixed(token) => Ok(token.clone()),
            #[cfg(feature = "auth-server")]
            AppCredentials::Vault {
                auth,
                grant,
                entry,
                reauthorize,
            } => {
                let current = lock(entry).clone();
                match auth
                    .progressive()
                    .fresh_app_token(grant.auth_session_id(), &self.app_id, &current)
                    .await
                {
                    Ok(fresh) => {
                        let token = fresh.access_token().to_owned();
                        *lock(entry) = fresh;
                        Ok(token)
                    }
                    Err(e @ AppTokenError::Reauthorize { .. }) => {
                        let _ = reauthorize.set(e.to_string());
                        Err(ToolError::new(e.to_string()))
                    }
                    Err(e) => Err(ToolError::new(e.to_string())),
                }
            }
        }
    }

    /// The provider (its base URL, as configured or overridden by `FRONTMCP_{APP}_PROVIDER`) that
    /// issued the app token; `None` for apps without a provider of their own.
    pub fn app_provider(&self) -> Option<String> {
        match self.app_credentials.as_deref()? {
            #[cfg(feature = "auth-server")]
            AppCredentials::Vault { entry, .. } => Some(lock(entry).provider().to_owned()),
            AppCredentials::Fixed(_) => None,
        }
    }

    /// Tells the runtime the app's provider rejected the token (its API answered 401): the
    /// vault entry is dropped and the call answers `AUTH_REQUIRED` with a new authorization link,
    /// whatever the tool returns. Returns the error to return from the tool.
    pub async fn app_token_rejected(&self) -> ToolError {
        let message = format!("app `{}` rejected its token", self.app_id);
        #[cfg(feature = "auth-server")]
        if let Some(credentials) = &self.app_credentials {
            if let AppCredentials::Vault {
                auth,
                grant,
                entry,
                reauthorize,
            } = credentials.as_ref()
            {
                tracing::warn!(app = %self.app_id, "the provider rejected the app token: dropping it");
                let rejected = lock(entry).clone();
                if let Err(e) = auth
                    .progressive()
                    .forget_app(
                        grant.auth_session_id(),
                        &self.app_id,
                        rejected.access_token(),
                    )
                    .await
                {
                    tracing::error!(error = %e, "the rejected app token could not be dropped");
                }
                let _ = reauthorize.set(message.clone());
            }
        }
        ToolError::new(message)
    }

    /// Tells the client how far the request got (`notifications/progress`): `progress` so far
    /// (increasing), out of `total` when known, with a `message` for the user. Sent only when
    /// the client asked for progress (a `progressToken`) and the transport carries the request's
    /// notifications; returns whether it was sent.
    ///
    /// ```
    /// # use frontmcp::ToolContext;
    /// let ctx = ToolContext::for_test("files", "files:copy");
    /// assert!(!ctx.progress(50.0, Some(100.0), Some("halfway")));
    /// ```
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> bool {
        let (Some(notifier), Some(token)) = (&self.notifier, &self.progress_token) else {
            return false;
        };
        let mut params = serde_json::json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = total.into();
        }
        if let Some(message) = message {
            params["message"] = message.into();
        }
        notifier.send("notifications/progress", params)
    }

    /// Sends the client a log message (`notifications/message`) of `level`, from the app (the
    /// `logger`), when the client wants that level: on 2025-11-25 and before, the session's
    /// `logging/setLevel`; on 2026-07-28, the request's own log level (nothing without one). `data` is any JSON: a string, or an object of details.
    /// Returns whether it was sent.
    pub fn log(&self, level: LogLevel, data: impl serde::Serialize) -> bool {
        let Some(notifier) = &self.notifier else {
            return false;
        };
        if !notifier.wants(level) {
            return false;
        }
        let params = serde_json::json!({ "level": level, "logger": &*self.app_id, "data": data });
        notifier.send("notifications/message", params)
    }

    /// Resolves when the client cancels the request (`notifications/cancelled`) or goes away
    /// (closes the request's stream) before it finished. The tool's own future is dropped at
    /// that moment, so this serves the work the tool hands to tasks of its own (give them a
    /// clone of the context). Only requests that run in a task of their own can be cancelled
    /// (see the guide's page on the request context); for the others this never resolves.
    pub async fn cancelled(&self) {
        match &self.notifier {
            Some(notifier) => notifier.cancelled().await,
            None => std::future::pending().await,
        }
    }

    /// Whether the client cancelled the request (see [`cancelled`](Self::cancelled)).
    pub fn is_cancelled(&self) -> bool {
        self.notifier.as_ref().is_some_and(|n| n.is_cancelled())
    }

    /// The MCP session (`Mcp-Session-Id`), when the transport has one.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The JSON-RPC ID of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The ID of the app the tool belongs to.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The tool's full (namespaced) name.
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// What the client's token grants; `None` on public servers.
    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_ref()
    }

    /// The signed-in user; `None` on public servers.
    pub fn user(&self) -> Option<&str> {
        self.grant.as_ref().map(Grant::user)
    }

    /// The protocol revision negotiated with the client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }
}
