//! `tools/list` and `tools/call` on both wires: the listing (told apart per user when
//! authorization is on), and a call through the [gate](super::gate), its tool, and the wire's
//! rendering of a denial.

use std::panic::AssertUnwindSafe;

#[cfg(feature = "auth-server")]
use frontmcp_auth::oauth::AuthServer;
use futures_util::FutureExt;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::denial::{Notice, Rendered, Retried};
use super::dispatch::{Caller, optional_params, required_params};
use super::gate::Denial;
use super::registry::ToolEntry;
use super::{Arguments, CallError, Reply, Server, ToolCall};
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, RequestId, Response};
use crate::protocol::mcp::{CallToolParams, CallToolResult, ListToolsParams};
use crate::protocol::stateless::CompleteToolResult;
// What the listing told apart per user needs.
#[cfg(feature = "auth-server")]
use {
    super::Grant,
    super::gate::Readiness,
    super::registry::{AUTHORIZED_META, Page},
    crate::protocol::mcp::Tool,
    crate::protocol::stateless::{CacheHints, CacheScope, Complete},
};

/// `_meta` key of the `AUTH_REQUIRED` object on a tool result.
const AUTHORIZATION_META: &str = "dev.frontmcp/authorization";

/// How long a listing told apart per user stays fresh: whether an app is authorized changes
/// when the user authorizes it, which a list-changed notification also announces.
pub(crate) const PRIVATE_LIST_TTL_MS: u64 = 60_000;

const EMPTY_OBJECT: &str = "{}";

impl Server {
    /// `tools/list`: the pages serialized in advance, or, with authorization on, a page that
    /// tells the user which tools are ready (their app authorized and its scopes held).
    pub(crate) async fn list_tools(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Response {
        let params: ListToolsParams = match optional_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        let registry = &self.inner.registry;
        let Some(index) = registry.page_index(params.cursor.as_deref()) else {
            tracing::warn!("tools/list with a cursor this server did not issue");
            return Response::error(Some(id), ErrorObject::invalid_params("invalid cursor"));
        };
        let stateless = caller.version.is_stateless();
        #[cfg(feature = "auth-server")]
        if let (Some(grant), Some(auth)) = (caller.grant, self.inner.auth_server.get()) {
            return self.private_page(id, grant, auth, index, stateless).await;
        }
        Response::result(id, registry.serialized_page(index, stateless).to_owned())
    }

    /// Page `index` of the tools as `grant`'s user sees them: private to them.
    #[cfg(feature = "auth-server")]
    async fn private_page(
        &self,
        id: RequestId,
        grant: &Grant,
        auth: &AuthServer,
        index: usize,
        stateless: bool,
    ) -> Response {
        let registry = &self.inner.registry;
        let page = registry.page_at(index, registry.listed());
        let tools = self.told_apart(grant, auth, page.tools).await;
        let page = Page {
            tools: &tools,
            next_cursor: page.next_cursor,
        };
        if stateless {
            let hints = CacheHints {
                ttl_ms: PRIVATE_LIST_TTL_MS,
                cache_scope: CacheScope::Private,
            };
            Response::serialize_result(id, &Complete::new(page, &self.inner.identity).cached(hints))
        } else {
            Response::serialize_result(id, &page)
        }
    }

    /// `tools` with each one's `_meta` saying whether `grant` may call it now; when the vault
    /// does not answer, the flag is left out rather than guessed.
    #[cfg(feature = "auth-server")]
    async fn told_apart(&self, grant: &Grant, auth: &AuthServer, tools: &[Tool]) -> Vec<Tool> {
        let registry = &self.inner.registry;
        let targets: Vec<_> = tools
            .iter()
            .map(|tool| {
                registry
                    .tool(&tool.name)
                    .expect("listed tools are registered")
                    .target()
            })
            .collect();
        let readiness = self.readiness(grant, auth, &targets).await;
        tools
            .iter()
            .zip(readiness)
            .map(|(tool, readiness)| {
                let mut tool = tool.clone();
                let authorized = match readiness {
                    Readiness::Refused => Some(false),
                    Readiness::Ready(ready) => Some(ready),
                    Readiness::Unknown => None,
                };
                if let (Some(authorized), Some(meta)) = (authorized, tool.meta.as_mut()) {
                    meta.insert(AUTHORIZED_META.to_owned(), Value::Bool(authorized));
                }
                tool
            })
            .collect()
    }
}

impl Server {
    /// `tools/call`: the gate, then the tool; a denial rendered for the caller's wire.
    pub(crate) async fn call_tool(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Reply {
        match required_params(params) {
            Ok(params) => self.call_tool_with(caller, id, params).await,
            Err(e) => Reply::Single(Response::error(Some(id), e)),
        }
    }

    /// `tools/call` with its params read.
    pub(crate) async fn call_tool_with(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: CallToolParams,
    ) -> Reply {
        let Some(entry) = self.inner.registry.tool(&params.name) else {
            tracing::warn!(tool = %params.name, "unknown tool");
            return Reply::Single(Response::error(
                Some(id),
                ErrorObject::invalid_params(format!("unknown tool: {}", params.name)),
            ));
        };
        crate::telemetry::record_tool(&entry.full_name, &self.inner.registry.apps[entry.app].2);
        let empty;
        let arguments = match params.arguments.as_deref() {
            Some(raw) if raw.get().starts_with('{') => raw,
            Some(_) => {
                return Reply::Single(self.invalid_arguments(
                    caller,
                    id,
                    &params.name,
                    "`arguments` must be an object",
                ));
            }
            None => {
                empty = RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON");
                &*empty
            }
        };
        let retried = Retried {
            method: "tools/call",
            target: entry.target(),
            arguments,
            request_state: params.request_state.as_deref(),
            input_responses: params.input_responses.as_ref(),
        };
        let rounds = match self.rounds(caller, retried) {
            Ok(rounds) => rounds,
            Err(error) => return Reply::Single(Response::error(Some(id), error)),
        };
        let app_credentials = match self.gate(caller.grant, entry.target()).await {
            Ok(credentials) => credentials,
            Err(denial) => return self.deny_tool(caller, id, entry, retried, denial),
        };
        let progress_token = params.meta.and_then(|m| m.progress_token);
        // A progress token is unique among a session's requests in progress.
        let _claim = match (caller.session, &progress_token) {
            (Some(session), Some(token)) => match session.claim_progress_token(token) {
                Some(claim) => Some(claim),
                None => {
                    tracing::warn!(tool = %params.name, %token, "progress token reused");
                    return Reply::Single(Response::error(
                        Some(id),
                        ErrorObject::invalid_params(format!(
                            "progressToken {token} is already in use by a request in progress"
                        )),
                    ));
                }
            },
            _ => None,
        };
        let (app, _, _) = &self.inner.registry.apps[entry.app];
        let mut ctx = self.context(caller, &id, entry.app, &entry.full_name, app_credentials);
        ctx.progress_token = progress_token;
        ctx.rounds = rounds.clone();
        let call = ToolCall {
            tool: &entry.local_name,
            ctx: &ctx,
            arguments: Arguments(arguments),
        };
        let running = AssertUnwindSafe(app.call_tool(call)).catch_unwind();
        let outcome = match self.asking(caller, &id, retried, &rounds, running).await {
            Ok(outcome) => outcome,
            Err(input_required) => return Reply::Single(input_required),
        };
        // The tool found its app's grant gone (refresh refused, token rejected upstream): whatever
        // it returned, the client is asked to authorize the app again.
        if let Some(denial) = self.reauthorization(&ctx, entry.target()) {
            return self.deny_tool(caller, id, entry, retried, denial);
        }
        Reply::Single(match outcome {
            Ok(Ok(result)) => {
                if result.is_error {
                    tracing::debug!(tool = %params.name, "tool reported an error");
                }
                self.tool_result(caller, id, result)
            }
            Ok(Err(CallError::InvalidArguments(message))) => {
                self.invalid_arguments(caller, id, &params.name, &message)
            }
            Ok(Err(CallError::Failed(message))) => {
                tracing::debug!(tool = %params.name, "tool reported an error");
                self.tool_result(caller, id, CallToolResult::error(message))
            }
            Ok(Err(
                CallError::UnknownTool(_)
                | CallError::UnknownResource(_)
                | CallError::UnknownPrompt(_),
            )) => {
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
        })
    }

    /// A tool's result, as the caller's wire carries it.
    pub(crate) fn tool_result(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        mut result: CallToolResult,
    ) -> Response {
        if caller.version.is_stateless() {
            Response::serialize_result(
                id,
                &CompleteToolResult::new(&mut result, &self.inner.identity),
            )
        } else {
            Response::serialize_result(id, &result)
        }
    }

    /// A denial of the gate for a tool: what no elicitation carries becomes an `isError`
    /// result whose text holds the link, with the seeds' object in `_meta` and, for a tool
    /// without an `outputSchema` (whose structured content it would violate), in
    /// `structuredContent`.
    fn deny_tool(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        entry: &ToolEntry,
        retried: Retried<'_>,
        denial: Denial,
    ) -> Reply {
        let render = |id: RequestId, rendered: Rendered| {
            let result = match rendered {
                Rendered::Refused(refusal) => CallToolResult::error(refusal),
                Rendered::Authorize(Notice { object, text }) => {
                    let mut result = CallToolResult::error(text);
                    if !entry.has_output_schema {
                        result.structured_content = Some(object.clone());
                    }
                    result.meta = Some(Map::from_iter([(
                        AUTHORIZATION_META.to_owned(),
                        Value::Object(object),
                    )]));
                    result
                }
            };
            self.tool_result(caller, id, result)
        };
        self.deny(caller, id, retried, denial, &render)
    }

    /// Before 2025-11-25 a protocol error; since, a tool error the model can act on.
    fn invalid_arguments(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        tool: &str,
        message: &str,
    ) -> Response {
        tracing::warn!(%tool, %message, "invalid tool arguments");
        let message = format!("invalid arguments for tool {tool}: {message}");
        if caller.version.input_errors_are_tool_errors() {
            self.tool_result(caller, id, CallToolResult::error(message))
        } else {
            Response::error(Some(id), ErrorObject::invalid_params(message))
        }
    }
}
