//! `tools/list` and `tools/call` on both wires: the listing (told apart per user when
//! authorization is on), and a call through the [gate](super::gate), its tool, and the wire's
//! rendering of a denial.

use std::panic::AssertUnwindSafe;

use frontmcp_auth::oauth::AuthServer;
use frontmcp_auth::progressive::{AppAccess, AuthorizationRequired};
use frontmcp_auth::request_state::{self, Bound};
use frontmcp_auth::tokens::now_secs;
use futures_util::FutureExt;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::dispatch::{Caller, optional_params, required_params};
use super::gate::Denial;
use super::registry::{AUTHORIZED_META, Page, ToolEntry};
use super::{Arguments, CallError, Grant, Reply, Server, ToolCall, ToolContext};
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, INVALID_REQUEST, RequestId, Response, TEMPORARILY_UNAVAILABLE,
    URL_ELICITATION_REQUIRED,
};
use crate::protocol::mcp::{CallToolParams, CallToolResult, ListToolsParams, Tool};
use crate::protocol::stateless::{CacheHints, CacheScope, Complete, InputRequiredResult};

/// How long a listing told apart per user stays fresh: whether an app is authorized changes
/// when the user authorizes it, which a list-changed notification also announces.
const PRIVATE_LIST_TTL_MS: u64 = 60_000;

/// `_meta` key of the `AUTH_REQUIRED` object on a tool result.
const AUTHORIZATION_META: &str = "dev.frontmcp/authorization";

const EMPTY_OBJECT: &str = "{}";

/// The seeds' `AUTH_REQUIRED` object: what a client shows the user so they authorize an app.
#[derive(Debug, Serialize)]
struct AuthRequired<'a> {
    error: &'static str,
    code: &'static str,
    app: &'a str,
    tool: &'a str,
    required_scopes: &'a [String],
    auth_url: &'a str,
    message: &'a str,
    hint: &'a str,
    /// 2025-11-25 clients with URL elicitation: the elicitation `-32042` carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    elicitations: Option<[UrlElicitation<'a>; 1]>,
}

/// A URL-mode elicitation's parameters (`elicitationId` only on 2025-11-25).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UrlElicitation<'a> {
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    elicitation_id: Option<&'a str>,
    url: &'a str,
    message: &'a str,
}

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
        let (Some(grant), Some(auth)) = (caller.grant, self.inner.auth_server.get()) else {
            return Response::result(id, registry.serialized_page(index, stateless).to_owned());
        };
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

    /// `tools` with each one's `_meta` saying whether `grant` may call it now. One vault read
    /// per app of a provider of its own on the page; when the vault does not answer, the flag
    /// is left out rather than guessed.
    async fn told_apart(&self, grant: &Grant, auth: &AuthServer, tools: &[Tool]) -> Vec<Tool> {
        let registry = &self.inner.registry;
        // Per app, once read: what the vault holds for it.
        let mut vault: Vec<Option<Held>> = vec![None; registry.apps.len()];
        let mut listed = Vec::with_capacity(tools.len());
        for tool in tools {
            let entry = registry
                .tool(&tool.name)
                .expect("listed tools are registered");
            let authorized = match self.needs_vault(grant, entry) {
                Err(_) => Some(false),
                Ok(false) => Some(true),
                Ok(true) => {
                    if vault[entry.app].is_none() {
                        let app_id = &registry.apps[entry.app].2;
                        let held = match auth.app_access(grant.auth_session_id(), app_id, &[]).await
                        {
                            Ok(AppAccess::Granted(held)) => Held::Scopes(held.scopes.clone()),
                            Ok(AppAccess::Required(_)) => Held::Nothing,
                            Err(e) => {
                                tracing::warn!(error = %e, app = %app_id, "tools/list without authorization flags: the vault cannot be read");
                                Held::Unknown
                            }
                        };
                        vault[entry.app] = Some(held);
                    }
                    match &vault[entry.app] {
                        Some(Held::Scopes(scopes)) => {
                            Some(entry.scopes.iter().all(|s| scopes.contains(s)))
                        }
                        Some(Held::Nothing) => Some(false),
                        Some(Held::Unknown) | None => None,
                    }
                }
            };
            let mut tool = tool.clone();
            if let (Some(authorized), Some(meta)) = (authorized, tool.meta.as_mut()) {
                meta.insert(AUTHORIZED_META.to_owned(), Value::Bool(authorized));
            }
            listed.push(tool);
        }
        listed
    }
}

/// What a request state of a `tools/call` of `tool` names.
fn call_of(tool: &str) -> String {
    format!("tools/call {tool}")
}

/// What a request state of `grant`'s `request` with `arguments` is bound to.
fn bound<'a>(grant: &'a Grant, request: &'a str, arguments: &'a RawValue) -> Bound<'a> {
    Bound {
        session: grant.auth_session_id(),
        user: grant.user(),
        request,
        arguments,
    }
}

/// What the vault holds for an app, as `tools/list` reads it.
#[derive(Debug, Clone)]
enum Held {
    Scopes(Vec<String>),
    Nothing,
    Unknown,
}

impl Server {
    /// `tools/call`: the gate, then the tool; a denial rendered for the caller's wire.
    pub(crate) async fn call_tool(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Reply {
        let params: CallToolParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Reply::Single(Response::error(Some(id), e)),
        };
        let Some(entry) = self.inner.registry.tool(&params.name) else {
            tracing::warn!(tool = %params.name, "unknown tool");
            return Reply::Single(Response::error(
                Some(id),
                ErrorObject::invalid_params(format!("unknown tool: {}", params.name)),
            ));
        };
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
        if caller.version.is_stateless() {
            if let Err(error) = self.check_retry(caller, entry, arguments, &params) {
                return Reply::Single(Response::error(Some(id), error));
            }
        }
        let app_credentials = match self.gate(caller.grant, entry).await {
            Ok(credentials) => credentials,
            Err(denial) => return self.deny(caller, id, entry, arguments, &params, denial),
        };
        let (app, _, app_id) = &self.inner.registry.apps[entry.app];
        let ctx = ToolContext {
            session_id: caller.session.and_then(|s| s.id_arc()),
            request_id: id.clone(),
            app_id: app_id.clone(),
            tool: entry.full_name.clone(),
            protocol_version: caller.version,
            grant: caller.grant.cloned(),
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
        if let Some(credentials) = &ctx.app_credentials {
            if let Some(reason) = credentials.reauthorization() {
                tracing::warn!(tool = %params.name, %reason, "the app must be authorized again");
                let required = AuthorizationRequired::again(&credentials.scopes(), &entry.scopes);
                let denial = Denial::AuthorizationRequired(required);
                return self.deny(caller, id, entry, arguments, &params, denial);
            }
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
        })
    }

    /// A 2026-07-28 retry: its `requestState` must be one this server sealed for this user and
    /// this very call, and its `inputResponses` a map of results.
    fn check_retry(
        &self,
        caller: Caller<'_>,
        entry: &ToolEntry,
        arguments: &RawValue,
        params: &CallToolParams,
    ) -> Result<(), ErrorObject> {
        if let Some(responses) = &params.input_responses {
            if let Some((key, _)) = responses.iter().find(|(_, r)| !r.is_object()) {
                tracing::warn!(tool = %entry.full_name, %key, "inputResponses entry is not an object");
                return Err(ErrorObject::invalid_params(format!(
                    "invalid inputResponses: `{key}` is not a result object"
                )));
            }
        }
        let Some(state) = &params.request_state else {
            return Ok(());
        };
        let checked = match (caller.grant, self.inner.auth_server.get()) {
            (Some(grant), Some(auth)) => {
                let request = call_of(&entry.full_name);
                let bound = bound(grant, &request, arguments);
                request_state::check(auth.key_ring(), state, &bound, now_secs())
            }
            // This server seals no state without authorization: it cannot be one of its own.
            _ => Err(request_state::Refused::Unreadable),
        };
        checked.map_err(|refused| {
            tracing::warn!(tool = %entry.full_name, reason = %refused, "requestState refused");
            ErrorObject::invalid_params("Invalid or expired requestState")
        })
    }

    /// A tool's result, as the caller's wire carries it.
    fn tool_result(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        mut result: CallToolResult,
    ) -> Response {
        if caller.version.is_stateless() {
            let meta = result.meta.take();
            Response::serialize_result(
                id,
                &Complete::new(result, &self.inner.identity).with_meta(meta),
            )
        } else {
            Response::serialize_result(id, &result)
        }
    }

    /// A denial of the gate, rendered for the caller's wire.
    fn deny(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        entry: &ToolEntry,
        arguments: &RawValue,
        params: &CallToolParams,
        denial: Denial,
    ) -> Reply {
        match denial {
            Denial::InsufficientScope(scopes) => {
                tracing::warn!(tool = %entry.full_name, needed = ?scopes, "token lacks a scope of the called tool");
                let message = format!(
                    "insufficient scope: {} needs {}",
                    entry.full_name,
                    scopes.join(" ")
                );
                Reply::InsufficientScope {
                    response: Response::error(
                        Some(id),
                        ErrorObject::new(INVALID_REQUEST, message)
                            .with_data(serde_json::json!({ "scopes": scopes })),
                    ),
                    scopes,
                }
            }
            Denial::NotConsented(refusal) => {
                tracing::warn!(tool = %entry.full_name, "call outside what the user consented to");
                Reply::Single(self.tool_result(caller, id, CallToolResult::error(refusal)))
            }
            Denial::Unavailable => Reply::Single(Response::error(
                Some(id),
                ErrorObject::new(
                    TEMPORARILY_UNAVAILABLE,
                    "temporarily unavailable: the token vault cannot be read; retry shortly",
                ),
            )),
            Denial::AuthorizationRequired(required) => Reply::Single(
                self.authorization_required(caller, id, entry, arguments, params, &required),
            ),
        }
    }

    /// The answer for a tool whose app must be authorized first, each wire its own way:
    /// - 2026-07-28, client with URL elicitation: an `InputRequiredResult` asking the client to
    ///   open the link, with a sealed `requestState` for the retry;
    /// - 2025-11-25, client with URL elicitation: the error `-32042` whose data carries the
    ///   elicitation and the seeds' object;
    /// - otherwise (or once the user declined): an `isError` result whose text holds the link,
    ///   with the seeds' object in `_meta` and, for a tool without an `outputSchema` (whose
    ///   structured content it would violate), in `structuredContent`.
    fn authorization_required(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        entry: &ToolEntry,
        arguments: &RawValue,
        params: &CallToolParams,
        required: &AuthorizationRequired,
    ) -> Response {
        let (grant, auth) = match (caller.grant, self.inner.auth_server.get()) {
            (Some(grant), Some(auth)) => (grant, auth),
            _ => unreachable!("only a grant is ever asked to authorize an app"),
        };
        let app = &self.inner.registry.apps[entry.app].1;
        let tool = &*entry.full_name;
        let stateless = caller.version.is_stateless();
        let key = format!("authorize-{}", app.id);
        let declined = params
            .input_responses
            .as_ref()
            .and_then(|r| r.get(&key)?.get("action")?.as_str())
            .is_some_and(|action| action != "accept");
        let elicit = caller.url_elicitation && !declined;
        let elicitation_id = (elicit && !stateless).then(frontmcp_auth::random::token);
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
        let prompt = format!("{hint}.");
        tracing::info!(%tool, app = %app.id, missing = ?required.missing_scopes, elicit, declined, "authorization required");
        let mut notice = AuthRequired {
            error: "authorization_required",
            code: "AUTH_REQUIRED",
            app: &app.id,
            tool,
            required_scopes: &required.missing_scopes,
            auth_url: &url,
            message: &message,
            hint: &hint,
            elicitations: None,
        };
        if elicit && stateless {
            let request = serde_json::json!({
                "method": "elicitation/create",
                "params": UrlElicitation {
                    mode: "url",
                    elicitation_id: None,
                    url: &url,
                    message: &prompt,
                },
            });
            let call = call_of(tool);
            let state =
                request_state::seal(auth.key_ring(), &bound(grant, &call, arguments), now_secs());
            return Response::serialize_result(
                id,
                &InputRequiredResult::new(
                    Map::from_iter([(key, request)]),
                    state,
                    &self.inner.identity,
                ),
            );
        }
        if let Some(elicitation_id) = elicitation_id.as_deref() {
            notice.elicitations = Some([UrlElicitation {
                mode: "url",
                elicitation_id: Some(elicitation_id),
                url: &url,
                message: &prompt,
            }]);
            let data = serde_json::to_value(&notice).expect("the notice serializes");
            return Response::error(
                Some(id),
                ErrorObject::new(URL_ELICITATION_REQUIRED, message.clone()).with_data(data),
            );
        }
        let Value::Object(object) = serde_json::to_value(&notice).expect("the notice serializes")
        else {
            unreachable!("the notice is a struct")
        };
        let text = if declined {
            format!("{message}: the user declined. {hint}: {url}")
        } else {
            format!("{message}. {hint}: {url}")
        };
        let mut result = CallToolResult::error(text);
        if !entry.has_output_schema {
            result.structured_content = Some(object.clone());
        }
        result.meta = Some(Map::from_iter([(
            AUTHORIZATION_META.to_owned(),
            Value::Object(object),
        )]));
        self.tool_result(caller, id, result)
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
