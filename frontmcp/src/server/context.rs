//! What a tool knows about the call it serves.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

use frontmcp_auth::oauth::AuthServer;
use frontmcp_auth::progressive::AppTokenError;
use frontmcp_auth::tokens::{SessionClaims, SessionGrant};
use frontmcp_auth::vault::VaultEntry;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::notifier::Notifier;
use super::{ToolError, result};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{OutgoingRequest, RequestId};
use crate::protocol::mcp::{
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, LogLevel,
};

/// How long a tool waits for the client to answer what it asked (a user fills in a form).
pub const PEER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// What the user did with a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// Filled it in.
    Accept(T),
    /// Said no.
    Decline,
    /// Dismissed it.
    Cancel,
}

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

/// The questions of a 2026-07-28 tool call, which asks by answering `input_required` and runs
/// again, from the start, when the client retries with its answers. Questions are keyed by their
/// order (`ask-0`, `ask-1`...): a tool asks the same questions in the same order given the same
/// answers.
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    /// The client's answers so far, by key.
    pub(crate) answers: serde_json::Map<String, Value>,
    next: std::sync::atomic::AtomicUsize,
    /// The question the call stopped at: its key and request.
    pub(crate) asked: Mutex<Option<(String, Value)>>,
    /// Told when the call asked something not answered yet.
    pub(crate) asking: tokio::sync::Notify,
}

impl Rounds {
    pub(crate) fn new(answers: serde_json::Map<String, Value>) -> Self {
        Self {
            answers,
            ..Self::default()
        }
    }

    /// The answer to the next question, when the client gave it; else the question is recorded,
    /// the runtime is told, and this never returns (the call is dropped and answered
    /// `input_required`).
    async fn ask(&self, method: &str, params: Value) -> Result<Box<RawValue>, ToolError> {
        let key = format!("ask-{}", self.next.fetch_add(1, Ordering::Relaxed));
        if let Some(answer) = self.answers.get(&key) {
            return serde_json::value::to_raw_value(answer)
                .map_err(|e| ToolError::new(format!("an answer could not be read: {e}")));
        }
        let request = serde_json::json!({ "method": method, "params": params });
        *self.asked.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, request));
        self.asking.notify_one();
        std::future::pending().await
    }
}

/// What a client can be asked from inside a tool, as it declared at `initialize`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asks {
    pub(crate) form_elicitation: bool,
    pub(crate) sampling: bool,
}

/// The app's upstream tokens for one call, when the app has its own provider.
pub(crate) enum AppCredentials {
    /// From the vault of the auth session.
    Vault {
        auth: AuthServer,
        grant: Grant,
        entry: Mutex<Arc<VaultEntry>>,
        /// Set when the grant turned out to be gone: the call then answers `AUTH_REQUIRED`.
        reauthorize: OnceLock<String>,
    },
    /// A fixed token, for unit tests of a tool.
    Fixed(String),
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Vault { .. } => "AppCredentials::Vault",
            Self::Fixed(_) => "AppCredentials::Fixed",
        })
    }
}

impl AppCredentials {
    pub(crate) fn from_vault(auth: AuthServer, grant: Grant, entry: Arc<VaultEntry>) -> Self {
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
            Self::Vault { reauthorize, .. } => reauthorize.get().map(String::as_str),
            Self::Fixed(_) => None,
        }
    }

    /// The scopes the vault held when the call started.
    pub(crate) fn scopes(&self) -> Vec<String> {
        match self {
            Self::Vault { entry, .. } => lock(entry).scopes.clone(),
            Self::Fixed(_) => Vec::new(),
        }
    }
}

fn lock(entry: &Mutex<Arc<VaultEntry>>) -> std::sync::MutexGuard<'_, Arc<VaultEntry>> {
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

    pub(crate) fn shared_auth_session_id(&self) -> Arc<str> {
        self.granted.session_id().into()
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
        let (auth, grant, entry, reauthorize) = match credentials.as_ref() {
            AppCredentials::Fixed(token) => return Ok(token.clone()),
            AppCredentials::Vault {
                auth,
                grant,
                entry,
                reauthorize,
            } => (auth, grant, entry, reauthorize),
        };
        let current = lock(entry).clone();
        match auth
            .fresh_app_token(grant.auth_session_id(), &self.app_id, &current)
            .await
        {
            Ok(fresh) => {
                let token = fresh.access_token.clone();
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

    /// The provider (its base URL, as configured or overridden by `FRONTMCP_{APP}_PROVIDER`) that
    /// issued the app token; `None` for apps without a provider of their own.
    pub fn app_provider(&self) -> Option<String> {
        match self.app_credentials.as_deref()? {
            AppCredentials::Vault { entry, .. } => Some(lock(entry).provider.clone()),
            AppCredentials::Fixed(_) => None,
        }
    }

    /// Tells the runtime the app's provider rejected the token (its API answered 401): the
    /// vault entry is dropped and the call answers `AUTH_REQUIRED` with a new authorization link,
    /// whatever the tool returns. Returns the error to return from the tool.
    pub async fn app_token_rejected(&self) -> ToolError {
        let message = format!("app `{}` rejected its token", self.app_id);
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
                    .forget_app(
                        grant.auth_session_id(),
                        &self.app_id,
                        &rejected.access_token,
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

    /// Asks the user to fill in a form (form-mode `elicitation/create`) described by `T`'s JSON
    /// Schema (a flat object of strings, numbers, booleans and enums, as MCP allows), with
    /// `message` saying why.
    ///
    /// On 2025-11-25 and before, the request goes out on the call's stream and this waits for
    /// the answer (at most [`PEER_TIMEOUT`]). On 2026-07-28 the call is answered
    /// `input_required`, and runs again from the start when the client retries with the
    /// answer, which this then returns: code before the question runs once per round.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] for the model when the client cannot be asked (it declared no
    /// `elicitation` capability, or its request cannot carry a server request), when it answers
    /// with an error or too late, or when what the user entered does not fit `T`.
    pub async fn elicit<T: DeserializeOwned + JsonSchema>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, ToolError> {
        let schema = result::schema_for::<T>().to_value();
        let answer = self.elicit_with(message, schema).await?;
        Ok(match answer.action {
            ElicitAction::Accept => {
                let content = Value::Object(answer.content.unwrap_or_default());
                Elicitation::Accept(serde_json::from_value(content).map_err(|e| {
                    ToolError::new(format!("the user's answer does not fit the form: {e}"))
                })?)
            }
            ElicitAction::Decline => Elicitation::Decline,
            ElicitAction::Cancel => Elicitation::Cancel,
        })
    }

    /// Asks the user to fill in the form `requested_schema` (a JSON Schema object, written by
    /// hand: titled enums, defaults...). An accepted answer is checked against the schema.
    ///
    /// # Errors
    ///
    /// As [`elicit`](Self::elicit); an accepted answer the schema refuses is an error too.
    pub async fn elicit_with(
        &self,
        message: &str,
        requested_schema: Value,
    ) -> Result<ElicitResult, ToolError> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&requested_schema)
            .map_err(|e| ToolError::new(format!("the form's schema is not a JSON Schema: {e}")))?;
        let params = serde_json::json!({
            "mode": "form",
            "message": message,
            "requestedSchema": requested_schema,
        });
        let answer = self
            .ask("elicitation/create", params, |asks| asks.form_elicitation)
            .await?;
        let answer: ElicitResult = serde_json::from_str(answer.get()).map_err(|e| {
            ToolError::new(format!("the client's answer to the form is malformed: {e}"))
        })?;
        if answer.action == ElicitAction::Accept {
            let content = Value::Object(answer.content.clone().unwrap_or_default());
            if let Some(error) = validator.iter_errors(&content).next() {
                tracing::warn!(tool = %self.tool, %error, "an elicitation answer does not fit its form");
                return Err(ToolError::new(format!(
                    "the user's answer does not fit the form: {error}"
                )));
            }
        }
        Ok(answer)
    }

    /// Asks the client's model for a message (`sampling/createMessage`); the client may show
    /// it to the user first. Asked and answered as [`elicit`](Self::elicit) is.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] when the client cannot be asked (no `sampling` capability, or a request
    /// that cannot carry a server request), or answers with an error or too late.
    pub async fn sample(
        &self,
        request: CreateMessageRequest,
    ) -> Result<CreateMessageResult, ToolError> {
        let params = serde_json::to_value(&request).expect("a sampling request serializes");
        let answer = self
            .ask("sampling/createMessage", params, |asks| asks.sampling)
            .await?;
        serde_json::from_str(answer.get())
            .map_err(|e| ToolError::new(format!("the client's sampling answer is malformed: {e}")))
    }

    /// Sends the client the request `method` on the request's stream and waits for its answer.
    async fn ask(
        &self,
        method: &str,
        params: Value,
        can: fn(&Asks) -> bool,
    ) -> Result<Box<RawValue>, ToolError> {
        if !self.asks.is_some_and(|asks| can(&asks)) {
            return Err(ToolError::new(format!(
                "the client did not declare the capability {method} needs"
            )));
        }
        if self.protocol_version.is_stateless() {
            let Some(rounds) = &self.rounds else {
                return Err(ToolError::new(format!(
                    "{method} is asked from tools only on protocol version {}",
                    self.protocol_version
                )));
            };
            tracing::debug!(tool = %self.tool, %method, "asking the client (input_required)");
            return rounds.ask(method, params).await;
        }
        let Some((notifier, peer)) = self
            .notifier
            .as_ref()
            .and_then(|n| Some((n, n.peer.as_ref()?)))
        else {
            return Err(ToolError::new(format!(
                "the client cannot be sent {method} here: its request does not accept an event stream"
            )));
        };
        let mut ticket = peer.requests.open(peer.session.clone());
        let request = OutgoingRequest::new(&ticket.id, method, params);
        if !notifier.send_bytes(request.to_bytes()).await {
            return Err(ToolError::new("the client went away"));
        }
        tracing::debug!(tool = %self.tool, %method, "asked the client");
        match tokio::time::timeout(PEER_TIMEOUT, &mut ticket.answer).await {
            Ok(Ok(Ok(answer))) => Ok(answer),
            Ok(Ok(Err(error))) => {
                tracing::warn!(tool = %self.tool, %method, code = error.code, "the client refused");
                Err(ToolError::new(format!(
                    "the client refused {method}: {}",
                    error.message
                )))
            }
            Ok(Err(_)) => Err(ToolError::new("the client went away")),
            Err(_) => {
                tracing::warn!(tool = %self.tool, %method, "the client did not answer in time");
                Err(ToolError::new(format!(
                    "the client did not answer {method} within {} s",
                    PEER_TIMEOUT.as_secs()
                )))
            }
        }
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
