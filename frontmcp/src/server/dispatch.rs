//! The transport-independent heart: one JSON-RPC message in, at most one response out, on the
//! wire of its revision: in a session negotiated by `initialize`, or standing alone (2026-07-28).

use std::sync::Arc;

use frontmcp_auth::ServerAuth;
#[cfg(feature = "auth-server")]
use frontmcp_auth::oauth::AuthServer;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::ToolContext;
use super::ask::Asks;
#[cfg(feature = "auth-server")]
use super::auth::AuthParts;
use super::context::AppCredentials;
use super::gate::{Denial, Target};
use super::registry::{PUBLIC_LIST_TTL_MS, Registry};
use super::session::Negotiated;
use super::{Error, Grant, HttpConfig, ServerBuilder, Session, SessionManager, ToolNaming};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::OutgoingNotification;
use crate::protocol::jsonrpc::{
    ErrorObject, INVALID_REQUEST, Incoming, METHOD_NOT_FOUND, Message, Notification, Request,
    RequestId, Response,
};
use crate::protocol::mcp::{
    CallToolParams, Empty, Implementation, InitializeParams, InitializeResult, PromptsCapability,
    ResourcesCapability, ServerCapabilities, SetLevelParams, ToolsCapability,
};
use crate::protocol::stateless::{
    self, CacheHints, CacheScope, Complete, DiscoverResult, RequestMeta, ServerIdentity,
};
use crate::telemetry;
#[cfg(feature = "auth-server")]
use frontmcp_auth::progressive::AuthorizationRequired;
use serde::Serialize;

/// A built MCP server: cheap to clone, shared by every connection.
#[derive(Clone, Debug)]
pub struct Server {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) info: Implementation,
    /// `info` as stateless results carry it.
    pub(crate) identity: ServerIdentity,
    pub(crate) instructions: Option<String>,
    pub(crate) registry: Registry,
    pub(crate) http: HttpConfig,
    pub(crate) auth: ServerAuth,
    pub(crate) sessions: SessionManager,
    pub(crate) naming: ToolNaming,
    /// The public base URL, when configured; else derived from the bound address.
    pub(crate) issuer: Option<String>,
    /// Builder overrides for the authorization server, consumed when it starts.
    #[cfg(feature = "auth-server")]
    pub(crate) auth_parts: std::sync::Mutex<AuthParts>,
    /// The authorization server, once started (orchestrated servers only).
    #[cfg(feature = "auth-server")]
    pub(crate) auth_server: std::sync::OnceLock<AuthServer>,
    /// Set when [`Server::router`] started the background tasks a mounted server needs.
    pub(crate) mounted: std::sync::OnceLock<()>,
    /// The open `subscriptions/listen` streams.
    pub(crate) subscriptions: super::subscriptions::Subscriptions,
    /// Requests sent to clients inside tools, waiting for their answers.
    pub(crate) peer_requests: Arc<super::peer::PeerRequests>,
    /// The key of the `requestState`s of a server without authorization (one with it uses its
    /// key ring): random per process, so a state is retried on the process that sealed it.
    pub(crate) state_keys: frontmcp_auth::vault::VaultKeys,
}

/// What to send back for one body or line.
#[derive(Debug)]
pub enum Reply {
    /// Nothing (notifications and responses only).
    None,
    /// One response.
    Single(Response),
    /// A batch's responses.
    Batch(Vec<Response>),
    /// The session token lacks scopes the call needs: over HTTP, 403 `insufficient_scope`
    /// naming every scope in `scopes`; elsewhere, the JSON-RPC error `response`.
    InsufficientScope {
        /// The error for transports without an HTTP status.
        response: Response,
        /// Every scope the call needs.
        scopes: Vec<String>,
    },
}

impl Reply {
    /// The JSON-RPC response, if there is one (batches excepted).
    pub(crate) fn into_response(self) -> Option<Response> {
        match self {
            Self::Single(response) | Self::InsufficientScope { response, .. } => Some(response),
            Self::None | Self::Batch(_) => None,
        }
    }
}

/// Who sends a request, and what was declared for it: the protocol revision and whether the
/// client takes URL elicitations (negotiated at `initialize`, or in the request's own `_meta`),
/// the session (handshake revisions only) and the grant (authorization on).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub(crate) version: ProtocolVersion,
    pub(crate) url_elicitation: bool,
    /// What the client can be asked from inside a tool.
    pub(crate) asks: Option<Asks>,
    pub(crate) session: Option<&'a Session>,
    pub(crate) grant: Option<&'a Grant>,
}

const EMPTY_OBJECT: &str = "{}";

impl Server {
    /// Starts building a server by hand (what `#[front_mcp]` does for you).
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServerBuilder {
        ServerBuilder::new(name, version)
    }

    /// The server's name and version, as sent in `initialize`.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The server-level authorization configuration.
    pub fn auth(&self) -> &ServerAuth {
        &self.inner.auth
    }

    /// The authorization server, once the server listens (orchestrated servers only).
    #[cfg(feature = "auth-server")]
    pub fn auth_server(&self) -> Option<&AuthServer> {
        self.inner.auth_server.get()
    }

    /// Starts the authorization server (no-op for public servers, and when already started). Its
    /// issuer is the configured public URL, else `http://{bound}` of the address the server is
    /// bound to, when it is.
    pub(crate) async fn start_auth(
        &self,
        bound: Option<std::net::SocketAddr>,
    ) -> Result<(), Error> {
        #[cfg(not(feature = "auth-server"))]
        let _ = bound;
        #[cfg(feature = "auth-server")]
        self.start_auth_server(bound).await?;
        Ok(())
    }

    #[cfg(feature = "auth-server")]
    async fn start_auth_server(&self, bound: Option<std::net::SocketAddr>) -> Result<(), Error> {
        if self.inner.auth_server.get().is_some() {
            return Ok(());
        }
        let issuer = match (&self.inner.issuer, bound) {
            (Some(issuer), _) => issuer.clone(),
            (None, Some(bound)) => format!("http://{bound}"),
            (None, None) if self.inner.auth.mode == frontmcp_auth::ServerAuthMode::Orchestrated => {
                return Err(Error::Unsupported(
                    "a mounted server that orchestrates authorization needs its public URL: set it with ServerBuilder::issuer(...) (only serve_from_env reads FRONTMCP_ISSUER)".into(),
                ));
            }
            (None, None) => return Ok(()),
        };
        let mut parts = std::mem::take(
            &mut *self
                .inner
                .auth_parts
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        let started = super::auth::start(
            &self.inner.auth,
            &mut parts,
            &self.inner.registry,
            &self.inner.naming,
            &self.inner.info.name,
            &issuer,
        )
        .await?;
        if let Some(auth) = started {
            let _ = self.inner.auth_server.set(auth);
        }
        Ok(())
    }

    /// The number of live HTTP sessions.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// The number of open `subscriptions/listen` streams.
    pub fn subscription_count(&self) -> usize {
        self.inner.subscriptions.len()
    }

    /// Ends every open event stream: the sessions' GET streams and the `subscriptions/listen`
    /// ones (each told it ended gracefully), so a graceful shutdown is not held up by clients
    /// that only listen. [`serve`](Server::serve) does it on shutdown; an application that
    /// mounted [`router`](Server::router) calls it from its own shutdown signal.
    pub fn end_streams(&self) {
        self.inner.sessions.close_streams();
        self.inner.subscriptions.close_all();
    }

    /// Handles everything one HTTP body or stdio line held.
    pub async fn handle_incoming(&self, session: &Session, incoming: Incoming) -> Reply {
        self.handle_incoming_as(session, incoming, None).await
    }

    /// Handles everything one HTTP body held, on behalf of an authenticated grant. A request
    /// that declares a stateless revision in its `_meta` (or is `server/discover`) is served on
    /// its own; the others belong to `session`.
    pub async fn handle_incoming_as(
        &self,
        session: &Session,
        incoming: Incoming,
        grant: Option<&Grant>,
    ) -> Reply {
        match incoming {
            Incoming::Single(Err(error)) => Reply::Single(error),
            Incoming::Single(Ok(message)) => self.handle_message(session, message, grant).await,
            Incoming::Batch(items) => {
                let Some(version) = session.protocol_version().filter(|v| v.allows_batches())
                else {
                    let version = session
                        .protocol_version()
                        .map_or("an uninitialized session".into(), |v| {
                            format!("protocol version {v}")
                        });
                    return Reply::Single(Response::error(
                        None,
                        ErrorObject::new(
                            INVALID_REQUEST,
                            format!("JSON-RPC batches are not supported in {version}"),
                        ),
                    ));
                };
                tracing::debug!(%version, size = items.len(), "batch");
                let replies =
                    futures_util::future::join_all(items.into_iter().map(|item| async move {
                        match item {
                            Err(error) => Some(error),
                            Ok(Message::Request(req)) if req.method == "initialize" => {
                                Some(Response::error(
                                    Some(req.id),
                                    ErrorObject::new(
                                        INVALID_REQUEST,
                                        "initialize must not be part of a batch",
                                    ),
                                ))
                            }
                            Ok(message) => self
                                .handle_message(session, message, grant)
                                .await
                                .into_response(),
                        }
                    }))
                    .await;
                let responses: Vec<Response> = replies.into_iter().flatten().collect();
                if responses.is_empty() {
                    Reply::None
                } else {
                    Reply::Batch(responses)
                }
            }
        }
    }

    /// Handles one message; requests get a response, everything else nothing.
    pub async fn handle_message(
        &self,
        session: &Session,
        message: Message,
        grant: Option<&Grant>,
    ) -> Reply {
        match message {
            Message::Request(req) if is_stateless(&req) => self.handle_stateless(req, grant).await,
            Message::Request(req) => self.handle_request(session, req, grant).await,
            Message::Notification(n) => {
                self.handle_notification(session, n);
                Reply::None
            }
            Message::Response(resp) => {
                let id = resp.id.clone();
                if !self.inner.peer_requests.answer(session.id(), resp) {
                    tracing::warn!(
                        ?id,
                        "response from client ignored: no request of ours waits for it"
                    );
                }
                Reply::None
            }
        }
    }

    fn handle_notification(&self, session: &Session, n: Notification) {
        match n.method.as_str() {
            "notifications/initialized" => session.mark_initialized(),
            "notifications/cancelled" => {
                let id = n
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Cancelled>(p.get()).ok())
                    .map(|c| c.request_id);
                match id {
                    Some(id) if session.cancel(&id) => {
                        tracing::info!(%id, "request cancelled by the client")
                    }
                    Some(id) => tracing::debug!(
                        %id,
                        "cancellation of a request that is unknown, finished, or not cancellable"
                    ),
                    None => tracing::warn!("notifications/cancelled without a requestId"),
                }
            }
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    /// A request of a handshake revision, in `session`.
    async fn handle_request(
        &self,
        session: &Session,
        req: Request,
        grant: Option<&Grant>,
    ) -> Reply {
        let method = telemetry::method_label(&req.method);
        let span = telemetry::mcp_span(method, req.params.as_deref());
        telemetry::mcp_request(span, method, self.serve_request(session, req, grant)).await
    }

    async fn serve_request(&self, session: &Session, req: Request, grant: Option<&Grant>) -> Reply {
        let Request { id, method, params } = req;
        let Some(version) = session.protocol_version() else {
            return Reply::Single(match method.as_str() {
                "initialize" => self.initialize(session, id, params.as_deref()),
                "ping" => ping(id),
                _ => {
                    tracing::warn!(%method, "request before initialize");
                    Response::error(
                        Some(id),
                        ErrorObject::new(
                            INVALID_REQUEST,
                            "the session is not initialized: send `initialize` first",
                        ),
                    )
                }
            });
        };
        let caller = Caller {
            version,
            url_elicitation: session.supports_url_elicitation(),
            asks: session.negotiated().map(|n| Asks {
                form_elicitation: n.form_elicitation,
                sampling: n.sampling,
                roots: n.roots,
            }),
            session: Some(session),
            grant,
        };
        let params = params.as_deref();
        match method.as_str() {
            "ping" => Reply::Single(ping(id)),
            "resources/subscribe" if self.inner.registry.has_resources() => {
                Reply::Single(self.subscribe_resource(caller, id, params, true))
            }
            "resources/unsubscribe" if self.inner.registry.has_resources() => {
                Reply::Single(self.subscribe_resource(caller, id, params, false))
            }
            "logging/setLevel" => Reply::Single(set_level(session, id, params)),
            "initialize" => Reply::Single(Response::error(
                Some(id),
                ErrorObject::new(INVALID_REQUEST, "the session is already initialized"),
            )),
            _ => self.serve_common(caller, id, &method, params).await,
        }
    }

    /// The methods both wires serve alike.
    async fn serve_common(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        method: &str,
        params: Option<&RawValue>,
    ) -> Reply {
        let registry = &self.inner.registry;
        match method {
            "tools/list" => Reply::Single(self.list_tools(caller, id, params).await),
            "tools/call" => self.call_tool(caller, id, params).await,
            "resources/list" if registry.has_resources() => {
                Reply::Single(self.list_resources(caller, id, params).await)
            }
            "resources/templates/list" if registry.has_resources() => {
                Reply::Single(self.list_templates(caller, id, params).await)
            }
            "resources/read" if registry.has_resources() => {
                self.read_resource(caller, id, params).await
            }
            "prompts/list" if registry.has_prompts() => {
                Reply::Single(self.list_prompts(caller, id, params).await)
            }
            "prompts/get" if registry.has_prompts() => self.get_prompt(caller, id, params).await,
            "completion/complete" if self.completes() => {
                Reply::Single(self.complete(caller, id, params).await)
            }
            _ => Reply::Single(method_not_found(id, method)),
        }
    }

    /// A request of the stateless revision (2026-07-28): everything it needs is in it.
    pub(crate) async fn handle_stateless(&self, req: Request, grant: Option<&Grant>) -> Reply {
        let meta = RequestMeta::parse(req.params.as_deref());
        self.serve_stateless(req, meta, None, grant).await
    }

    /// A stateless request whose `_meta` the transport already read, and the params of a
    /// `tools/call` when it read those too.
    ///
    /// `subscriptions/listen` is the transport's (its answer is a stream); here it is unknown.
    pub(crate) async fn serve_stateless(
        &self,
        req: Request,
        meta: Result<RequestMeta, ErrorObject>,
        call: Option<CallToolParams>,
        grant: Option<&Grant>,
    ) -> Reply {
        let method = telemetry::method_label(&req.method);
        let span = telemetry::mcp_span(method, req.params.as_deref());
        let serve = self.serve_stateless_request(req, meta, call, grant);
        telemetry::mcp_request(span, method, serve).await
    }

    async fn serve_stateless_request(
        &self,
        req: Request,
        meta: Result<RequestMeta, ErrorObject>,
        call: Option<CallToolParams>,
        grant: Option<&Grant>,
    ) -> Reply {
        let Request { id, method, params } = req;
        let meta = match meta {
            Ok(meta) => meta,
            Err(error) => {
                tracing::warn!(%method, code = error.code, message = %error.message, "stateless request refused");
                return Reply::Single(Response::error(Some(id), error));
            }
        };
        let caller = Caller {
            version: meta.protocol_version,
            url_elicitation: meta.client_capabilities.url_elicitation(),
            asks: Some(Asks {
                form_elicitation: meta.client_capabilities.form_elicitation(),
                sampling: meta.client_capabilities.sampling(),
                roots: meta.client_capabilities.roots(),
            }),
            session: None,
            grant,
        };
        match (method.as_str(), call) {
            ("tools/call", Some(call)) => self.call_tool_with(caller, id, call).await,
            ("server/discover", _) => Reply::Single(self.discover(id)),
            (other, _) => {
                self.serve_common(caller, id, other, params.as_deref())
                    .await
            }
        }
    }

    /// `server/discover`: the versions, capabilities and identity of the server, the same for
    /// everyone.
    fn discover(&self, id: RequestId) -> Response {
        let capabilities = self.capabilities(false);
        let supported = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
        Response::serialize_result(
            id,
            &Complete::new(
                DiscoverResult {
                    supported_versions: supported,
                    capabilities: &capabilities,
                    instructions: self.inner.instructions.as_deref(),
                },
                &self.inner.identity,
            )
            .cached(CacheHints {
                ttl_ms: PUBLIC_LIST_TTL_MS,
                cache_scope: CacheScope::Public,
            }),
        )
    }

    /// The tools capability: the list changes, per user, when an app is authorized or its
    /// authorization ends, which only happens with authorization on.
    pub(crate) fn tools_capability(&self) -> ToolsCapability {
        ToolsCapability {
            list_changed: self.inner.auth.mode == frontmcp_auth::ServerAuthMode::Orchestrated,
        }
    }

    /// What the server offers: tools always; resources, prompts and completions when it has
    /// them; `logging/setLevel` on the handshake revisions (`handshake`).
    pub(crate) fn capabilities(&self, handshake: bool) -> ServerCapabilities {
        let registry = &self.inner.registry;
        let list_changed = self.tools_capability().list_changed;
        ServerCapabilities {
            tools: self.tools_capability(),
            resources: registry.has_resources().then_some(ResourcesCapability {
                subscribe: handshake,
                list_changed,
            }),
            prompts: registry
                .has_prompts()
                .then_some(PromptsCapability { list_changed }),
            completions: self.completes().then_some(Empty {}),
            logging: handshake.then_some(Empty {}),
        }
    }

    /// Whether `completion/complete` is served: there are prompts or templates to complete.
    fn completes(&self) -> bool {
        let registry = &self.inner.registry;
        registry.has_prompts() || !registry.template_entries.is_empty()
    }

    /// A listing, as the caller's wire carries it: on 2026-07-28, with caching hints (private
    /// when it was told apart for the user).
    pub(crate) fn listing<T: Serialize>(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        page: &T,
    ) -> Response {
        let ttl_ms = if self.is_private(caller) {
            super::tools::PRIVATE_LIST_TTL_MS
        } else {
            PUBLIC_LIST_TTL_MS
        };
        self.cached(caller, id, page, ttl_ms)
    }

    /// Whether what `caller` gets was told apart for its user.
    fn is_private(&self, caller: Caller<'_>) -> bool {
        // Only the authorization server's bearer makes grants.
        caller.grant.is_some()
    }

    /// A result clients may cache for `ttl_ms` (2026-07-28; private to the user when
    /// authorization is on), as the caller's wire carries it.
    pub(crate) fn cached<T: Serialize>(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        result: &T,
        ttl_ms: u64,
    ) -> Response {
        if !caller.version.is_stateless() {
            return Response::serialize_result(id, result);
        }
        let hints = CacheHints {
            ttl_ms,
            cache_scope: if self.is_private(caller) {
                CacheScope::Private
            } else {
                CacheScope::Public
            },
        };
        Response::serialize_result(
            id,
            &Complete::new(result, &self.inner.identity).cached(hints),
        )
    }

    /// A result, as the caller's wire carries it (2026-07-28: `resultType` and the server's
    /// identity).
    pub(crate) fn answer<T: Serialize>(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        result: &T,
    ) -> Response {
        if caller.version.is_stateless() {
            Response::serialize_result(id, &Complete::new(result, &self.inner.identity))
        } else {
            Response::serialize_result(id, result)
        }
    }

    /// The context of a request served by app `app`: `name` is the tool, the URI or the prompt.
    pub(crate) fn context(
        &self,
        caller: Caller<'_>,
        id: &RequestId,
        app: usize,
        name: &str,
        app_credentials: Option<Arc<AppCredentials>>,
    ) -> ToolContext {
        ToolContext {
            session_id: caller.session.and_then(|s| s.id_arc()),
            request_id: id.clone(),
            app_id: self.inner.registry.apps[app].2.clone(),
            tool: name.into(),
            protocol_version: caller.version,
            grant: caller.grant.cloned(),
            app_credentials,
            notifier: super::notifier::Notifier::current(),
            progress_token: None,
            asks: caller.asks,
            rounds: None,
        }
    }

    /// The key ring `requestState`s are sealed with.
    pub(crate) fn state_keys(&self) -> &frontmcp_auth::vault::VaultKeys {
        #[cfg(feature = "auth-server")]
        if let Some(auth) = self.inner.auth_server.get() {
            return auth.key_ring();
        }
        &self.inner.state_keys
    }

    /// When the app's code found its grant gone (refresh refused, token rejected upstream): the
    /// denial that asks for the app to be authorized again, whatever the code returned.
    pub(crate) fn reauthorization(&self, ctx: &ToolContext, target: Target<'_>) -> Option<Denial> {
        #[cfg(feature = "auth-server")]
        return self.reauthorize(ctx, target);
        // Only vault credentials are ever found gone.
        #[cfg(not(feature = "auth-server"))]
        {
            let _ = (ctx, target);
            None
        }
    }

    #[cfg(feature = "auth-server")]
    fn reauthorize(&self, ctx: &ToolContext, target: Target<'_>) -> Option<Denial> {
        let credentials = ctx.app_credentials.as_ref()?;
        let reason = credentials.reauthorization()?;
        tracing::warn!(name = %target.name, %reason, "the app must be authorized again");
        let scopes: Vec<String> = target.scopes.to_vec();
        Some(Denial::AuthorizationRequired(AuthorizationRequired::again(
            credentials.scopes().iter().map(String::as_str),
            &scopes,
        )))
    }

    /// Tells the clients subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`): sessions that sent `resources/subscribe`, and
    /// `subscriptions/listen` streams that named it. Returns how many were told.
    pub fn notify_resource_updated(&self, uri: &str) -> usize {
        let params = serde_json::json!({ "uri": uri });
        let message = OutgoingNotification::new("notifications/resources/updated", Some(params));
        let sessions = self
            .inner
            .sessions
            .notify_subscribers(uri, &message.to_bytes());
        sessions + self.inner.subscriptions.resource_updated(uri)
    }

    fn initialize(&self, session: &Session, id: RequestId, params: Option<&RawValue>) -> Response {
        let params: InitializeParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let negotiated = Negotiated {
            version,
            url_elicitation: params.capabilities.url_elicitation(),
            form_elicitation: params.capabilities.form_elicitation(),
            sampling: params.capabilities.sampling(),
            roots: params.capabilities.roots(),
        };
        if !session.negotiate(negotiated) {
            return Response::error(
                Some(id),
                ErrorObject::new(INVALID_REQUEST, "the session is already initialized"),
            );
        }
        tracing::info!(
            session = session.log_id(),
            client = %params.client_info.name,
            requested = %params.protocol_version,
            %version,
            "session initialized"
        );
        Response::serialize_result(
            id,
            &InitializeResult {
                protocol_version: version,
                capabilities: self.capabilities(true),
                server_info: &self.inner.info,
                instructions: self.inner.instructions.as_deref(),
            },
        )
    }
}

/// `notifications/cancelled` parameters.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cancelled {
    request_id: RequestId,
}

/// Whether a request is of the stateless revision: it names its version in `_meta` (whichever:
/// a version this server does not serve statelessly gets `-32022`), or it is a method only that
/// revision has.
pub(crate) fn is_stateless(req: &Request) -> bool {
    matches!(
        req.method.as_str(),
        "server/discover" | "subscriptions/listen"
    ) || stateless::declared_version(req.params.as_deref()).is_some()
}

/// `logging/setLevel`: tools' log messages below `level` are no longer sent to the session.
fn set_level(session: &Session, id: RequestId, params: Option<&RawValue>) -> Response {
    let params: SetLevelParams = match required_params(params) {
        Ok(p) => p,
        Err(e) => return Response::error(Some(id), e),
    };
    session.set_log_level(params.level);
    tracing::debug!(session = session.log_id(), level = ?params.level, "log level set");
    ping(id)
}

fn method_not_found(id: RequestId, method: &str) -> Response {
    tracing::warn!(%method, "unknown method");
    Response::error(
        Some(id),
        ErrorObject::new(METHOD_NOT_FOUND, format!("method not found: {method}")),
    )
}

fn ping(id: RequestId) -> Response {
    Response::result(
        id,
        RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON"),
    )
}

pub(crate) fn required_params<T: DeserializeOwned>(
    params: Option<&RawValue>,
) -> Result<T, ErrorObject> {
    let raw = params.ok_or_else(|| ErrorObject::invalid_params("missing params"))?;
    parse_params(raw)
}

pub(crate) fn optional_params<T: DeserializeOwned + Default>(
    params: Option<&RawValue>,
) -> Result<T, ErrorObject> {
    params.map_or_else(|| Ok(T::default()), parse_params)
}

fn parse_params<T: DeserializeOwned>(raw: &RawValue) -> Result<T, ErrorObject> {
    serde_json::from_str(raw.get())
        .map_err(|e| ErrorObject::invalid_params(format!("invalid params: {e}")))
}
