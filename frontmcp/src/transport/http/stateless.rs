//! `POST /mcp` on the stateless revision (2026-07-28): one message per request, no session, the
//! standard headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) checked against the body
//! before anything runs, and each answer with the HTTP status the revision gives it.

use std::borrow::Cow;

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{self, HeaderValue};
use http::{HeaderMap, StatusCode};
use serde_json::value::RawValue;

use super::mcp::{empty, json_response, may_notify, respond, rpc_error, subscription_stream};
use super::negotiate::Accepted;
use super::streamed::streamed;
use super::{METHOD_HEADER, NAME_HEADER, SESSION_HEADER, VERSION_HEADER};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    self, ErrorObject, HEADER_MISMATCH, INVALID_REQUEST, Incoming, METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY, Message, Request, Response as RpcResponse,
    TEMPORARILY_UNAVAILABLE, UNSUPPORTED_PROTOCOL_VERSION,
};
use crate::protocol::mcp::CallToolParams;
use crate::protocol::stateless::Declared;
use crate::server::{Grant, Reply, ResponseMode, Server, ToolEntry, is_stateless_request};

/// The prefix of the headers a client mirrors tool arguments into (SEP-2243), in lowercase.
const PARAM_PREFIX: &str = "mcp-param-";

/// The headers a request describes itself with, read where they are: looked up when needed
/// rather than copied out (1,400 instructions of a `tools/call`, callgrind).
#[derive(Debug)]
pub(super) struct StandardHeaders<'a> {
    headers: &'a HeaderMap,
    accepts_sse: bool,
}

impl<'a> StandardHeaders<'a> {
    pub(super) fn of(headers: &'a HeaderMap, accepted: Accepted) -> Self {
        Self {
            headers,
            accepts_sse: accepted.sse,
        }
    }

    fn version(&self) -> Option<&'a HeaderValue> {
        self.headers.get(&VERSION_HEADER)
    }

    /// The `Mcp-Param-{name}` header, `name` in any case.
    fn param(&self, name: &str) -> Option<&'a HeaderValue> {
        self.headers.iter().find_map(|(header, value)| {
            let suffix = header.as_str().strip_prefix(PARAM_PREFIX)?;
            suffix.eq_ignore_ascii_case(name).then_some(value)
        })
    }

    /// The `Mcp-Param-{Header}` headers of a `tools/call` of `tool` against its arguments: each
    /// argument the tool marks `x-mcp-header` that the body carries must be in its header (plain,
    /// or `=?base64?…?=`), with the same value; a header must not name a value the body lacks.
    fn check_params(
        &self,
        tool: &ToolEntry,
        arguments: Option<&RawValue>,
    ) -> Result<(), ErrorObject> {
        let arguments = arguments
            .and_then(|a| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(a.get()).ok()
            })
            .unwrap_or_default();
        for (argument, header) in &tool.header_params {
            let sent = self.param(header);
            let body = arguments.get(argument).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(v.to_string()),
                _ => None,
            });
            let name = format!("Mcp-Param-{header}");
            match (body, sent) {
                (None, None) => {}
                (Some(_), None) => {
                    return Err(mismatch(format!(
                        "missing {name} header for the argument `{argument}`"
                    )));
                }
                (None, Some(_)) => {
                    return Err(mismatch(format!(
                        "{name} header sent without the argument `{argument}` in the body"
                    )));
                }
                (Some(body), Some(sent)) => {
                    let text = header_text(Some(sent), &name)?;
                    let text = decode(text).ok_or_else(|| {
                        mismatch(format!(
                            "{name} header value is not valid base64-encoded UTF-8"
                        ))
                    })?;
                    if text != body {
                        return Err(mismatch(format!(
                            "{name} header value '{text}' does not match body value '{body}'"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the headers name a stateless `tools/call`, which [`Declared::read_call`] may
    /// read in one pass.
    pub(super) fn name_stateless_call(&self) -> bool {
        self.headers
            .get(&METHOD_HEADER)
            .is_some_and(|m| m.as_bytes() == b"tools/call")
            && self.version().is_some_and(|v| {
                v.to_str()
                    .ok()
                    .and_then(ProtocolVersion::parse)
                    .is_some_and(ProtocolVersion::is_stateless)
            })
    }

    /// Whether a body is of the stateless revision: its `MCP-Protocol-Version` header names it
    /// (or names a revision this server does not know, outside any session), or the request
    /// names it in its `_meta`, or it is a method only that revision has. Everything else is
    /// the handshake revisions', sessions and all.
    pub(super) fn select_stateless(&self, incoming: &Incoming) -> bool {
        let by_header = self.version().is_some_and(|v| {
            match v.to_str().ok().and_then(ProtocolVersion::parse) {
                Some(version) => version.is_stateless(),
                None => !self.headers.contains_key(&SESSION_HEADER),
            }
        });
        match incoming {
            Incoming::Single(Ok(Message::Request(req))) => by_header || is_stateless_request(req),
            _ => by_header,
        }
    }

    /// The checks of the revision's server validation, in its order: `Mcp-Method` and
    /// `MCP-Protocol-Version` present and equal to the body's method and `_meta` version, then
    /// `Mcp-Name` for the methods that name something.
    fn check(&self, req: &Request, declared: &Declared) -> Result<(), ErrorObject> {
        let method = header_text(self.headers.get(&METHOD_HEADER), "Mcp-Method")?;
        if method != req.method {
            return Err(mismatch(format!(
                "Mcp-Method header value '{method}' does not match body value '{}'",
                req.method
            )));
        }
        let version = header_text(self.version(), "MCP-Protocol-Version")?;
        if let Some(body) = declared.version() {
            if body != version {
                return Err(mismatch(format!(
                    "MCP-Protocol-Version header value '{version}' does not match body value '{body}'"
                )));
            }
        }
        let named = match req.method.as_str() {
            "tools/call" | "prompts/get" => declared.name(),
            "resources/read" => declared.uri(),
            _ => return Ok(()),
        };
        let header = header_text(self.headers.get(&NAME_HEADER), "Mcp-Name")?;
        let header = decode(header).ok_or_else(|| {
            mismatch("Mcp-Name header value is not valid base64-encoded UTF-8".to_owned())
        })?;
        match named {
            Some(body) if body != header => Err(mismatch(format!(
                "Mcp-Name header value '{header}' does not match body value '{body}'"
            ))),
            // No name in the body: the method's own validation says so.
            _ => Ok(()),
        }
    }
}

/// A standard header's text: missing or not visible ASCII is a mismatch too.
fn header_text<'a>(value: Option<&'a HeaderValue>, name: &str) -> Result<&'a str, ErrorObject> {
    let value = value.ok_or_else(|| mismatch(format!("missing {name} header")))?;
    value
        .to_str()
        .map_err(|_| mismatch(format!("{name} header contains invalid characters")))
}

fn mismatch(message: String) -> ErrorObject {
    ErrorObject::new(HEADER_MISMATCH, format!("Header mismatch: {message}"))
}

/// A header value as sent: plain, or `=?base64?…?=` around the base64 of its UTF-8.
fn decode(value: &str) -> Option<Cow<'_, str>> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => {
            let bytes = STANDARD.decode(encoded).ok()?;
            String::from_utf8(bytes).ok().map(Cow::Owned)
        }
        None => Some(Cow::Borrowed(value)),
    }
}

impl Server {
    /// One stateless body: a single request (or a notification, accepted and ignored).
    pub(super) async fn post_stateless(
        &self,
        incoming: Incoming,
        headers: &StandardHeaders<'_>,
        mode: ResponseMode,
        grant: Option<&Grant>,
    ) -> Response {
        let req = match incoming {
            Incoming::Single(Ok(Message::Request(req))) => req,
            Incoming::Single(Ok(Message::Notification(n))) => {
                tracing::debug!(method = %n.method, "notification accepted");
                return empty(StatusCode::ACCEPTED);
            }
            Incoming::Single(Ok(Message::Response(_))) => {
                tracing::warn!("a client response on 2026-07-28, which has no server requests");
                return rpc_error(
                    StatusCode::BAD_REQUEST,
                    ErrorObject::new(
                        INVALID_REQUEST,
                        "clients send no responses on 2026-07-28: the server asks through InputRequiredResult",
                    ),
                );
            }
            Incoming::Single(Err(resp)) => {
                tracing::warn!(error = %resp.as_error().map_or("", |e| &e.message), "invalid JSON-RPC message");
                return json_response(StatusCode::BAD_REQUEST, resp.to_json());
            }
            Incoming::Batch(_) => {
                tracing::warn!("a JSON-RPC batch on 2026-07-28");
                return rpc_error(
                    StatusCode::BAD_REQUEST,
                    ErrorObject::new(
                        INVALID_REQUEST,
                        "JSON-RPC batches are not supported in protocol version 2026-07-28: send one message per request",
                    ),
                );
            }
        };
        // The params are read beside the request, which goes on to the dispatcher with them: a
        // copy, off the path of `tools/call`, which `Declared::read_call` serves from the body.
        let params = req.params.clone();
        let declared = Declared::read(params.as_deref());
        let call = match req.method.as_str() {
            "tools/call" => declared.call_params(),
            _ => None,
        };
        self.serve_declared(req, declared, call, headers, mode, grant)
            .await
    }

    /// A stateless request whose params are read (`declared`, and `call` for a `tools/call`):
    /// the standard headers checked against them, then served, its answer streamed when the
    /// request may hear something first.
    pub(super) async fn serve_declared(
        &self,
        req: Request,
        declared: Declared<'_>,
        call: Option<CallToolParams>,
        headers: &StandardHeaders<'_>,
        mode: ResponseMode,
        grant: Option<&Grant>,
    ) -> Response {
        if let Err(error) = headers.check(&req, &declared) {
            tracing::warn!(method = %req.method, message = %error.message, "standard headers do not match the body");
            return refused(req, error);
        }
        if req.method == "tools/call" {
            let tool = declared
                .name()
                .and_then(|name| self.inner.registry.tool(name));
            if let Some(tool) = tool.filter(|t| !t.header_params.is_empty()) {
                if let Err(error) = headers.check_params(tool, declared.arguments()) {
                    tracing::warn!(tool = %tool.full_name, message = %error.message, "Mcp-Param headers do not match the arguments");
                    return refused(req, error);
                }
            }
        }
        let progress = declared.asks_progress();
        let meta = match declared.into_meta() {
            Ok(meta) => meta,
            Err(error) => {
                tracing::warn!(method = %req.method, code = error.code, message = %error.message, "stateless request refused");
                return refused(req, error);
            }
        };
        if req.method == "subscriptions/listen" {
            return self.listen(req, headers, grant);
        }
        // Log messages only at the level the request names (none without one).
        let level = meta.log_level.as_deref().and_then(|level| {
            serde_json::from_value(serde_json::Value::String(level.to_owned())).ok()
        });
        if headers.accepts_sse && may_notify(&req.method, progress, level) {
            let (server, grant) = (self.clone(), grant.cloned());
            let handle = async move {
                server
                    .serve_stateless(req, Ok(meta), call, grant.as_ref())
                    .await
            };
            return streamed(handle, level, None, None, |reply| {
                self.stateless_reply(mode, reply)
            })
            .await;
        }
        let reply = self.serve_stateless(req, Ok(meta), call, grant).await;
        self.stateless_reply(mode, reply)
    }

    /// The HTTP response of a reply to a stateless request.
    fn stateless_reply(&self, mode: ResponseMode, reply: Reply) -> Response {
        match reply {
            Reply::Single(resp) => match resp.as_error().map(status_of) {
                Some(status) if status != StatusCode::OK => {
                    let mut http = json_response(status, resp.to_json());
                    if status == StatusCode::SERVICE_UNAVAILABLE {
                        http.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    }
                    http
                }
                _ => respond(mode, resp.to_json()),
            },
            Reply::InsufficientScope { scopes, .. } => super::insufficient_scope(self, &scopes),
            Reply::None | Reply::Batch(_) => unreachable!("one request gets one response"),
        }
    }
}

impl Server {
    /// `subscriptions/listen`: an event stream that stays open, the acknowledgment first, then
    /// the notifications asked for, until the client closes it (or the server shuts down).
    fn listen(
        &self,
        req: Request,
        headers: &StandardHeaders<'_>,
        grant: Option<&Grant>,
    ) -> Response {
        if !headers.accepts_sse {
            return refused(
                req,
                ErrorObject::new(
                    INVALID_REQUEST,
                    "subscriptions/listen answers with an event stream: Accept must include text/event-stream",
                ),
            );
        }
        let Request { id, params, .. } = req;
        match self.subscribe(id.clone(), params.as_deref(), grant) {
            Ok(subscription) => subscription_stream(subscription),
            Err(error) => {
                tracing::warn!(message = %error.message, "subscriptions/listen refused");
                json_response(
                    StatusCode::OK,
                    RpcResponse::error(Some(id), error).to_json(),
                )
            }
        }
    }
}

/// A request refused before dispatch: 400 with its ID echoed.
fn refused(req: Request, error: ErrorObject) -> Response {
    let status = match status_of(&error) {
        // Malformed `_meta` is the client's to correct.
        StatusCode::OK => StatusCode::BAD_REQUEST,
        status => status,
    };
    json_response(status, RpcResponse::error(Some(req.id), error).to_json())
}

/// The HTTP status of an error on the stateless wire: 404 for a method this server does not
/// have (so a client tells a modern server from a missing endpoint by the body), 400 for what
/// the client must correct, 503 while a store is down, 200 for the rest (errors of a request
/// that was served).
fn status_of(error: &ErrorObject) -> StatusCode {
    match error.code {
        METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        HEADER_MISMATCH | UNSUPPORTED_PROTOCOL_VERSION | MISSING_REQUIRED_CLIENT_CAPABILITY => {
            StatusCode::BAD_REQUEST
        }
        jsonrpc::INVALID_REQUEST | jsonrpc::PARSE_ERROR => StatusCode::BAD_REQUEST,
        TEMPORARILY_UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_decode_from_the_base64_sentinel() {
        assert_eq!(decode("get_weather").as_deref(), Some("get_weather"));
        assert_eq!(
            decode("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(decode("=?base64?not base64?="), None);
        assert_eq!(decode("=?base64?/w==?="), None, "not UTF-8");
    }
}
