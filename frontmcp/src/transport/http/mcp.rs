//! `/mcp`: the session token's check, then `POST` (client messages, answered in JSON or SSE),
//! `GET` (the session's server-to-client stream) and `DELETE` (the end of a session).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use tokio::sync::mpsc;

use super::negotiate::{Accepted, is_json_content_type};
use super::stateless::StandardHeaders;
use super::streamed::streamed;
use super::{SESSION_HEADER, VERSION_HEADER};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    self, ErrorObject, INVALID_REQUEST, Incoming, Message, Response as RpcResponse,
    TEMPORARILY_UNAVAILABLE,
};
use crate::protocol::mcp::LogLevel;
use crate::protocol::stateless::Declared;
use crate::server::{Grant, Peer, Reply, ResponseMode, Server, Session, Subscription};

/// How often an idle GET stream gets a comment, so dead connections are noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Messages queued for a GET stream before senders wait.
const STREAM_CAPACITY: usize = 64;

/// Every request to `/mcp`: with authorization on, it carries a valid session token (preflights
/// excepted, which the CORS layer answers).
pub(super) async fn endpoint(server: &Server, request: Request) -> Response {
    if request.method() == Method::OPTIONS {
        return empty(StatusCode::NO_CONTENT);
    }
    #[cfg(feature = "auth-server")]
    let grant = match super::authorization::authenticate(server, request.headers()).await {
        Ok(grant) => grant,
        Err(challenge) => return challenge,
    };
    #[cfg(not(feature = "auth-server"))]
    let grant: Option<crate::server::Grant> = None;
    let grant = grant.as_ref();
    let sessionless = !request.headers().contains_key(&SESSION_HEADER);
    match *request.method() {
        Method::POST => server.post(request, grant).await,
        // GET streams and DELETE belong to sessions of the handshake revisions; 2026-07-28 has
        // neither (its notifications come on `subscriptions/listen`).
        Method::GET | Method::DELETE if sessionless => {
            tracing::debug!(method = %request.method(), "GET or DELETE without a session");
            allow_post_only()
        }
        Method::GET => server.get(request.headers(), grant),
        Method::DELETE => server.delete(request.headers(), grant),
        _ => {
            let mut resp = super::text(StatusCode::METHOD_NOT_ALLOWED, "use POST, GET or DELETE");
            resp.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
            );
            resp
        }
    }
}

impl Server {
    async fn post(&self, request: Request, grant: Option<&Grant>) -> Response {
        let (parts, body) = request.into_parts();
        let headers = &parts.headers;
        let accepted = Accepted::of(headers);
        let Some(mode) = accepted.mode(self.inner.http.response_mode) else {
            return rpc_error(
                StatusCode::NOT_ACCEPTABLE,
                ErrorObject::new(
                    INVALID_REQUEST,
                    "Accept must include application/json or text/event-stream",
                ),
            );
        };
        if !is_json_content_type(headers) {
            return rpc_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorObject::new(INVALID_REQUEST, "Content-Type must be application/json"),
            );
        }
        let limit = self.inner.http.max_body_bytes;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return too_large(limit);
        }
        let standard = StandardHeaders::of(headers, accepted);
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(limit),
            Err(e) => {
                tracing::debug!(error = %e, "request body could not be read");
                return rpc_error(
                    StatusCode::BAD_REQUEST,
                    ErrorObject::new(INVALID_REQUEST, "request body could not be read"),
                );
            }
        };
        if standard.name_stateless_call() {
            if let Some((req, declared, call)) = Declared::read_call(&body) {
                return self
                    .serve_declared(req, declared, Some(call), &standard, mode, grant)
                    .await;
            }
        }
        let incoming = match jsonrpc::parse(&body) {
            Ok(incoming) => incoming,
            Err(jsonrpc::Unparseable(resp)) => {
                tracing::warn!(error = %resp.as_error().map_or("", |e| &e.message), "unparseable body");
                return json_response(StatusCode::BAD_REQUEST, resp.to_json());
            }
        };
        if standard.select_stateless(&incoming) {
            return self.post_stateless(incoming, &standard, mode, grant).await;
        }
        if let Incoming::Single(Ok(Message::Request(r))) = &incoming {
            if r.method == "initialize" {
                return self.post_initialize(incoming, mode, grant).await;
            }
        }
        let session = match self.session_for(headers, grant) {
            Ok(s) => s,
            Err(rejection) => return rejection.into_response(),
        };
        if let Incoming::Single(Err(resp)) = &incoming {
            tracing::warn!(error = %resp.as_error().map_or("", |e| &e.message), "invalid JSON-RPC message");
            return json_response(StatusCode::BAD_REQUEST, resp.to_json());
        }
        let level = session.log_level();
        // A client that can be asked something (a form, its model) may be, by any tool.
        let peer = Peer::of(self, &session);
        let notifies = matches!(&incoming, Incoming::Single(Ok(Message::Request(r)))
            if may_notify(&r.method, asks_progress(r), level) || (peer.is_some() && r.method == "tools/call"));
        if accepted.sse && notifies {
            // The session may cancel it (`notifications/cancelled`) while it runs.
            let tracked = match &incoming {
                Incoming::Single(Ok(Message::Request(r))) => Some((session.clone(), r.id.clone())),
                _ => None,
            };
            let (server, grant) = (self.clone(), grant.cloned());
            let handle = async move {
                server
                    .handle_incoming_as(&session, incoming, grant.as_ref())
                    .await
            };
            return streamed(handle, level, peer, tracked, |reply| {
                self.reply(mode, reply)
            })
            .await;
        }
        let reply = self.handle_incoming_as(&session, incoming, grant).await;
        self.reply(mode, reply)
    }

    /// The HTTP response of a reply to a session's body.
    fn reply(&self, mode: ResponseMode, reply: Reply) -> Response {
        match reply {
            Reply::None => empty(StatusCode::ACCEPTED),
            Reply::Single(resp)
                if resp
                    .as_error()
                    .is_some_and(|e| e.code == TEMPORARILY_UNAVAILABLE) =>
            {
                let mut http = json_response(StatusCode::SERVICE_UNAVAILABLE, resp.to_json());
                http.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                http
            }
            Reply::Single(resp) => respond(mode, resp.to_json()),
            Reply::Batch(resps) => respond(mode, jsonrpc::batch_to_json(&resps)),
            Reply::InsufficientScope { scopes, .. } => super::insufficient_scope(self, &scopes),
        }
    }

    async fn post_initialize(
        &self,
        incoming: Incoming,
        mode: ResponseMode,
        grant: Option<&Grant>,
    ) -> Response {
        let sessions = &self.inner.sessions;
        if sessions.is_full() {
            tracing::warn!("session limit reached; initialize refused");
            return rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorObject::new(INVALID_REQUEST, "too many sessions; try again later"),
            );
        }
        let session = Arc::new(sessions.new_session());
        if let Some(grant) = grant {
            session.bind_owner(grant.auth_session_id());
        }
        let Some(resp) = self
            .handle_incoming_as(&session, incoming, grant)
            .await
            .into_response()
        else {
            unreachable!("initialize is a request and gets one response")
        };
        if resp.as_error().is_some() {
            return respond(mode, resp.to_json());
        }
        let id = HeaderValue::from_str(session.id().expect("HTTP sessions have IDs"))
            .expect("session IDs are header-safe");
        if sessions.insert(session).is_err() {
            return rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorObject::new(INVALID_REQUEST, "too many sessions; try again later"),
            );
        }
        let mut http = respond(mode, resp.to_json());
        http.headers_mut().insert(SESSION_HEADER.clone(), id);
        http
    }

    /// The session a request names: 400 without `Mcp-Session-Id`, 404 for an unknown or ended
    /// one (or one created under another auth session: a stolen session ID is useless with
    /// another user's token), 400 for a protocol version header that is unsupported or not the
    /// negotiated one.
    fn session_for(
        &self,
        headers: &HeaderMap,
        grant: Option<&Grant>,
    ) -> Result<Arc<Session>, Rejection> {
        let version = headers.get(&VERSION_HEADER);
        let Some(id) = headers.get(&SESSION_HEADER) else {
            tracing::warn!("request without Mcp-Session-Id");
            return Err(Rejection(
                StatusCode::BAD_REQUEST,
                ErrorObject::new(
                    INVALID_REQUEST,
                    "missing Mcp-Session-Id header: send initialize first",
                ),
            ));
        };
        let owned_by_caller =
            |s: &Arc<Session>| grant.is_none_or(|g| s.owner() == Some(g.auth_session_id()));
        let Some(session) = id
            .to_str()
            .ok()
            .and_then(|id| self.inner.sessions.get(id))
            .filter(owned_by_caller)
        else {
            tracing::warn!("request for an unknown or ended session");
            return Err(Rejection(
                StatusCode::NOT_FOUND,
                ErrorObject::new(INVALID_REQUEST, "session not found: initialize a new one"),
            ));
        };
        // Unknown or unsupported revisions are refused; another handshake revision this server
        // supports is served under the negotiated one, as the official SDKs' servers do (the
        // specification refuses only the first kind, and older clients send `2025-03-26`).
        if let Some(version) = version {
            let negotiated = session.protocol_version();
            let parsed = version.to_str().ok().and_then(ProtocolVersion::parse);
            if parsed.is_none_or(ProtocolVersion::is_stateless) {
                tracing::warn!(header = ?version, "bad MCP-Protocol-Version");
                let expected =
                    negotiated.map_or_else(String::new, |v| format!("; this session uses {v}"));
                return Err(Rejection(
                    StatusCode::BAD_REQUEST,
                    ErrorObject::new(
                        INVALID_REQUEST,
                        format!("unsupported MCP-Protocol-Version {version:?}{expected}"),
                    ),
                ));
            }
        }
        Ok(session)
    }

    fn get(&self, headers: &HeaderMap, grant: Option<&Grant>) -> Response {
        if !Accepted::of(headers).sse {
            return rpc_error(
                StatusCode::NOT_ACCEPTABLE,
                ErrorObject::new(INVALID_REQUEST, "Accept must include text/event-stream"),
            );
        }
        let session = match self.session_for(headers, grant) {
            Ok(s) => s,
            Err(rejection) => return rejection.into_response(),
        };
        let Some(rx) = session.open_stream(STREAM_CAPACITY) else {
            return rpc_error(
                StatusCode::CONFLICT,
                ErrorObject::new(INVALID_REQUEST, "a stream is already open for this session"),
            );
        };
        event_stream(rx)
    }

    fn delete(&self, headers: &HeaderMap, grant: Option<&Grant>) -> Response {
        let session = match self.session_for(headers, grant) {
            Ok(s) => s,
            Err(rejection) => return rejection.into_response(),
        };
        if let Some(id) = session.id() {
            self.inner.sessions.remove(id);
            tracing::info!(session = session.log_id(), "session ended by the client");
        }
        empty(StatusCode::NO_CONTENT)
    }
}

/// The server-to-client stream: an opening comment (so the client knows it is open before any
/// message exists), then queued messages, with keep-alive comments in between.
fn event_stream(rx: mpsc::Receiver<bytes::Bytes>) -> Response {
    let opening = futures_util::stream::once(async {
        Ok::<_, Infallible>(Event::default().comment("stream open"))
    });
    let messages = futures_util::stream::unfold(rx, |mut rx| async move {
        let message = rx.recv().await?;
        Some((Ok(message_event(&message)), rx))
    });
    unbuffered(
        Sse::new(opening.chain(messages))
            .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
            .into_response(),
    )
}

/// A subscription's messages as an event stream, with keep-alive comments while it is quiet;
/// the subscription ends when the client drops the stream.
pub(super) fn subscription_stream(subscription: Subscription) -> Response {
    let messages = futures_util::stream::unfold(subscription, |mut subscription| async move {
        let message = subscription.messages.recv().await?;
        Some((Ok::<_, Infallible>(message_event(&message)), subscription))
    });
    unbuffered(
        Sse::new(messages)
            .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
            .into_response(),
    )
}

/// Asks proxies (nginx and its kind) not to hold an event stream's events back.
pub(super) fn unbuffered(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// One JSON-RPC message as an SSE event.
pub(super) fn message_event(json: &[u8]) -> Event {
    Event::default()
        .event("message")
        .data(String::from_utf8_lossy(json))
}

pub(super) fn respond(mode: ResponseMode, json: String) -> Response {
    match mode {
        ResponseMode::Json => json_response(StatusCode::OK, json),
        ResponseMode::Sse => {
            let event = message_event(json.as_bytes());
            unbuffered(
                Sse::new(futures_util::stream::once(async {
                    Ok::<_, Infallible>(event)
                }))
                .into_response(),
            )
        }
    }
}

/// Whether a request's app code may send notifications before the answer: it
/// asks for progress, or log messages are wanted (`log_level`). Streaming costs a task and a
/// channel, so a request that can hear nothing is answered directly.
pub(super) fn may_notify(method: &str, progress: bool, log_level: Option<LogLevel>) -> bool {
    matches!(method, "tools/call" | "resources/read" | "prompts/get")
        && (log_level.is_some() || progress)
}

/// Whether a request of a session asks for progress: the token is looked for in the raw params
/// (a false match only streams an answer that would not stream).
fn asks_progress(r: &jsonrpc::Request) -> bool {
    r.params
        .as_deref()
        .is_some_and(|p| p.get().contains("\"progressToken\""))
}

/// 405 for a method that needs a session: without one, only POST serves.
fn allow_post_only() -> Response {
    let mut resp = rpc_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorObject::new(
            INVALID_REQUEST,
            "GET and DELETE need an Mcp-Session-Id (protocol versions up to 2025-11-25); send requests with POST",
        ),
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    resp
}

pub(super) fn json_response(status: StatusCode, json: String) -> Response {
    // Built directly: through `IntoResponse` a `String` body first gets a `text/plain` type
    // that the tuple then replaces.
    let mut response = Response::new(Body::from(json));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A request refused before dispatch: an HTTP status and the JSON-RPC error for the body.
struct Rejection(StatusCode, ErrorObject);

impl Rejection {
    fn into_response(self) -> Response {
        rpc_error(self.0, self.1)
    }
}

pub(super) fn rpc_error(status: StatusCode, error: ErrorObject) -> Response {
    json_response(status, RpcResponse::error(None, error).to_json())
}

fn too_large(limit: usize) -> Response {
    tracing::warn!(limit, "request body too large");
    rpc_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorObject::new(
            INVALID_REQUEST,
            format!("request body exceeds {limit} bytes"),
        ),
    )
}

pub(super) fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}
