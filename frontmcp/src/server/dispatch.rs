//! The transport-independent heart: one JSON-RPC message in, at most one response out.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use frontmcp_auth::oauth::AuthServer;
use frontmcp_auth::progressive::{AppAccess, AuthorizationRequired};
use frontmcp_auth::{AppAuthMode, ServerAuth};
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::auth::AuthParts;
use super::context::AppCredentials;
use super::registry::Registry;
use super::session::Negotiated;
use super::{
    AppDescriptor, Arguments, CallError, Error, Grant, HttpConfig, ServerBuilder, Session,
    SessionManager, ToolCall, ToolContext, ToolNaming,
};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, INVALID_REQUEST, Incoming, METHOD_NOT_FOUND, Message,
    Notification, Request, RequestId, Response, TEMPORARILY_UNAVAILABLE, URL_ELICITATION_REQUIRED,
};
use crate::protocol::mcp::{
    CallToolParams, CallToolResult, Implementation, InitializeParams, InitializeResult,
    ListToolsParams, ServerCapabilities, ToolsCapability,
};

/// A built MCP server: cheap to clone, shared by every connection.
#[derive(Clone, Debug)]
pub struct Server {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) registry: Registry,
    pub(crate) http: HttpConfig,
    pub(crate) auth: ServerAuth,
    pub(crate) sessions: SessionManager,
    pub(crate) naming: ToolNaming,
    /// The public base URL, when configured; else derived from the bound address.
    pub(crate) issuer: Option<String>,
    /// Builder overrides for the authorization server, consumed when it starts.
    pub(crate) auth_parts: std::sync::Mutex<AuthParts>,
    /// The authorization server, once started (orchestrated servers only).
    pub(crate) auth_server: std::sync::OnceLock<AuthServer>,
    /// Set when [`Server::router`] started the background tasks a mounted server needs.
    pub(crate) mounted: std::sync::OnceLock<()>,
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
        if self.inner.auth_server.get().is_some() {
            return Ok(());
        }
        let issuer = match (&self.inner.issuer, bound) {
            (Some(issuer), _) => issuer.clone(),
            (None, Some(bound)) => format!("http://{bound}"),
            (None, None) if self.inner.auth.mode == frontmcp_auth::ServerAuthMode::Orchestrated => {
                return Err(Error::Unsupported(
                    "a mounted server that orchestrates authorization needs its public URL: set .issuer(...) or FRONTMCP_ISSUER".into(),
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

    /// When `grant` lacks a scope a `tools/call` of `tool` needs: every scope the call needs, as
    /// a challenge names them (MCP 2026-07-28: all of them in one challenge, so the client asks
    /// once). Only tools of apps covered by the sign-in carry server scopes (apps with their own
    /// provider are checked by the vault).
    pub(crate) fn scope_challenge(&self, tool: &str, grant: &Grant) -> Option<Vec<String>> {
        let entry = self.inner.registry.tool(tool)?;
        let (_, desc, _) = &self.inner.registry.apps[entry.app];
        if desc.auth.mode == AppAuthMode::Transparent {
            return None;
        }
        entry
            .scopes
            .iter()
            .any(|s| !grant.scopes().any(|granted| granted == s.as_str()))
            .then(|| entry.scopes.clone())
    }

    /// The number of live HTTP sessions.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Handles everything one HTTP body or stdio line held.
    pub async fn handle_incoming(&self, session: &Session, incoming: Incoming) -> Reply {
        self.handle_incoming_as(session, incoming, None).await
    }

    /// Handles everything one HTTP body held, on behalf of an authenticated grant.
    pub async fn handle_incoming_as(
        &self,
        session: &Session,
        incoming: Incoming,
        grant: Option<&Grant>,
    ) -> Reply {
        match incoming {
            Incoming::Single(Err(error)) => Reply::Single(error),
            Incoming::Single(Ok(message)) => self
                .handle_message(session, message, grant)
                .await
                .map_or(Reply::None, Reply::Single),
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
                            Ok(message) => self.handle_message(session, message, grant).await,
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

    /// Handles one message; requests get a response, everything else `None`.
    pub async fn handle_message(
        &self,
        session: &Session,
        message: Message,
        grant: Option<&Grant>,
    ) -> Option<Response> {
        match message {
            Message::Request(req) => Some(self.handle_request(session, req, grant).await),
            Message::Notification(n) => {
                self.handle_notification(session, n);
                None
            }
            Message::Response(resp) => {
                tracing::debug!(id = ?resp.id, "response from client ignored: no request of ours is pending");
                None
            }
        }
    }

    fn handle_notification(&self, session: &Session, n: Notification) {
        match n.method.as_str() {
            "notifications/initialized" => session.mark_initialized(),
            "notifications/cancelled" => {
                tracing::debug!("cancellation received; HTTP clients cancel by closing the request")
            }
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    async fn handle_request(
        &self,
        session: &Session,
        req: Request,
        grant: Option<&Grant>,
    ) -> Response {
        let Request { id, method, params } = req;
        let Some(version) = session.protocol_version() else {
            return match method.as_str() {
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
            };
        };
        match method.as_str() {
            "ping" => ping(id),
            "tools/list" => self.list_tools(id, params.as_deref()),
            "tools/call" => {
                self.call_tool(session, version, id, params.as_deref(), grant)
                    .await
            }
            "initialize" => Response::error(
                Some(id),
                ErrorObject::new(INVALID_REQUEST, "the session is already initialized"),
            ),
            _ => {
                tracing::warn!(%method, "unknown method");
                Response::error(
                    Some(id),
                    ErrorObject::new(METHOD_NOT_FOUND, format!("method not found: {method}")),
                )
            }
        }
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
                capabilities: ServerCapabilities {
                    tools: ToolsCapability {
                        list_changed: false,
                    },
                },
                server_info: &self.inner.info,
                instructions: self.inner.instructions.as_deref(),
            },
        )
    }

    fn list_tools(&self, id: RequestId, params: Option<&RawValue>) -> Response {
        let params: ListToolsParams = match optional_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        match self.inner.registry.page(params.cursor.as_deref()) {
            Some(page) => Response::result(id, page.to_owned()),
            None => Response::error(Some(id), ErrorObject::invalid_params("invalid cursor")),
        }
    }

    async fn call_tool(
        &self,
        session: &Session,
        version: ProtocolVersion,
        id: RequestId,
        params: Option<&RawValue>,
        grant: Option<&Grant>,
    ) -> Response {
        let params: CallToolParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        let registry = &self.inner.registry;
        let Some(entry) = registry.tool(&params.name) else {
            tracing::warn!(tool = %params.name, "unknown tool");
            return Response::error(
                Some(id),
                ErrorObject::invalid_params(format!("unknown tool: {}", params.name)),
            );
        };
        let empty;
        let arguments = match params.arguments.as_deref() {
            Some(raw) if raw.get().starts_with('{') => raw,
            Some(_) => {
                return self.invalid_arguments(
                    version,
                    id,
                    &params.name,
                    "`arguments` must be an object",
                );
            }
            None => {
                empty = RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON");
                &*empty
            }
        };
        let (app, desc, app_id) = &registry.apps[entry.app];
        let has_provider = desc.auth.mode == AppAuthMode::Transparent;
        // The user decides on the consent screen which apps and tools a session holds.
        if let Some(refusal) = grant.and_then(|g| g.refusal(app_id, &entry.full_name, has_provider))
        {
            tracing::warn!(tool = %params.name, "call outside what the user consented to");
            return Response::serialize_result(id, &CallToolResult::error(refusal));
        }
        // An app with its own provider runs only with its tokens in the session's vault.
        let auth = self.inner.auth_server.get();
        let app_credentials = match (grant, auth) {
            (Some(grant), Some(auth)) if has_provider => {
                match auth
                    .app_access(grant.auth_session_id(), app_id, &entry.scopes)
                    .await
                {
                    Ok(AppAccess::Granted(held)) => Some(Arc::new(AppCredentials::from_vault(
                        auth.clone(),
                        grant.clone(),
                        held,
                    ))),
                    Ok(AppAccess::Required(required)) => {
                        return self.authorization_required(
                            session,
                            id,
                            auth,
                            grant,
                            desc,
                            &entry.full_name,
                            &required,
                        );
                    }
                    Err(e) => {
                        tracing::error!(error = %e, tool = %params.name, "the token vault cannot be read");
                        return Response::error(
                            Some(id),
                            ErrorObject::new(
                                TEMPORARILY_UNAVAILABLE,
                                "temporarily unavailable: the token vault cannot be read; retry shortly",
                            ),
                        );
                    }
                }
            }
            _ => None,
        };
        let ctx = ToolContext {
            session_id: session.id_arc(),
            request_id: id.clone(),
            app_id: app_id.clone(),
            tool: entry.full_name.clone(),
            protocol_version: version,
            grant: grant.cloned(),
            app_credentials,
        };
        let call = ToolCall {
            tool: &entry.local_name,
            ctx: &ctx,
            arguments: Arguments(arguments),
        };
        let outcome = AssertUnwindSafe(app.call_tool(call)).catch_unwind().await;
        // The tool found its app's grant gone (refresh refused, token rejected upstream): whatever
        // it returned, the client is asked to authorize the app again.
        if let (Some(credentials), Some(grant), Some(auth)) = (&ctx.app_credentials, grant, auth) {
            if let Some(reason) = credentials.reauthorization() {
                tracing::warn!(tool = %params.name, %reason, "the app must be authorized again");
                let required = AuthorizationRequired::again(&credentials.scopes(), &entry.scopes);
                return self.authorization_required(
                    session,
                    id,
                    auth,
                    grant,
                    desc,
                    &entry.full_name,
                    &required,
                );
            }
        }
        match outcome {
            Ok(Ok(result)) => {
                if result.is_error {
                    tracing::debug!(tool = %params.name, "tool reported an error");
                }
                Response::serialize_result(id, &result)
            }
            Ok(Err(CallError::InvalidArguments(message))) => {
                self.invalid_arguments(version, id, &params.name, &message)
            }
            Ok(Err(CallError::UnknownTool(_))) => {
                tracing::error!(tool = %params.name, "registered tool not served by its app");
                Response::error(
                    Some(id),
                    ErrorObject::invalid_params(format!("unknown tool: {}", params.name)),
                )
            }
            Err(_) => {
                tracing::error!(tool = %params.name, "tool panicked");
                Response::error(
                    Some(id),
                    ErrorObject::new(
                        INTERNAL_ERROR,
                        format!("tool {} failed unexpectedly", params.name),
                    ),
                )
            }
        }
    }

    /// The seeds' `AUTH_REQUIRED` answer for a tool whose app must be authorized first: to a
    /// client that declared URL elicitation, the JSON-RPC error -32042 whose data carries the
    /// elicitation and the seed object; to others, an `isError` result with the seed object as
    /// `structuredContent` and the link in a text block the model can show.
    #[allow(clippy::too_many_arguments)]
    fn authorization_required(
        &self,
        session: &Session,
        id: RequestId,
        auth: &AuthServer,
        grant: &Grant,
        app: &AppDescriptor,
        tool: &str,
        required: &AuthorizationRequired,
    ) -> Response {
        let elicitation_id = session
            .supports_url_elicitation()
            .then(frontmcp_auth::random::token);
        let url = auth.authorization_url(
            grant.auth_session_id(),
            grant.user(),
            &app.id,
            &required.request_scopes,
            Some(tool),
            elicitation_id.as_deref(),
        );
        let message = format!("{} authorization required", app.name);
        let hint = format!(
            "Click the authorization link to grant access to {}",
            app.name
        );
        tracing::info!(%tool, app = %app.id, missing = ?required.missing_scopes, elicitation = elicitation_id.is_some(), "authorization required");
        let mut object = serde_json::json!({
            "error": "authorization_required",
            "code": "AUTH_REQUIRED",
            "app": app.id,
            "tool": tool,
            "required_scopes": required.missing_scopes,
            "auth_url": url,
            "message": message,
            "hint": hint,
        });
        match elicitation_id {
            Some(elicitation_id) => {
                object["elicitations"] = serde_json::json!([{
                    "mode": "url",
                    "elicitationId": elicitation_id,
                    "url": url,
                    "message": format!("{hint}."),
                }]);
                Response::error(
                    Some(id),
                    ErrorObject::new(URL_ELICITATION_REQUIRED, message).with_data(object),
                )
            }
            None => {
                let text = format!("{message}. {hint}: {url}");
                let serde_json::Value::Object(structured) = object else {
                    unreachable!("a JSON object literal")
                };
                Response::serialize_result(
                    id,
                    &CallToolResult::error(text).with_structured(structured),
                )
            }
        }
    }

    /// Before 2025-11-25 a protocol error; since, a tool error the model can act on.
    fn invalid_arguments(
        &self,
        version: ProtocolVersion,
        id: RequestId,
        tool: &str,
        message: &str,
    ) -> Response {
        tracing::warn!(%tool, %message, "invalid tool arguments");
        let message = format!("invalid arguments for tool {tool}: {message}");
        if version.input_errors_are_tool_errors() {
            Response::serialize_result(id, &CallToolResult::error(message))
        } else {
            Response::error(Some(id), ErrorObject::invalid_params(message))
        }
    }
}

fn ping(id: RequestId) -> Response {
    Response::result(
        id,
        RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON"),
    )
}

fn required_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, ErrorObject> {
    let raw = params.ok_or_else(|| ErrorObject::invalid_params("missing params"))?;
    parse_params(raw)
}

fn optional_params<T: DeserializeOwned + Default>(
    params: Option<&RawValue>,
) -> Result<T, ErrorObject> {
    params.map_or_else(|| Ok(T::default()), parse_params)
}

fn parse_params<T: DeserializeOwned>(raw: &RawValue) -> Result<T, ErrorObject> {
    serde_json::from_str(raw.get())
        .map_err(|e| ErrorObject::invalid_params(format!("invalid params: {e}")))
}
