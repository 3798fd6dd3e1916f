//! Streamable HTTP (MCP 2025-11-25, section "Transports") on hyper 1.x.
//!
//! `POST /mcp` carries client messages and answers in JSON or SSE, `GET /mcp` opens the
//! server-to-client stream, `DELETE /mcp` ends the session.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming as HyperBody};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::Error;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    self, ErrorObject, INVALID_REQUEST, Incoming, Message, OutgoingNotification, Response,
    TEMPORARILY_UNAVAILABLE,
};
use crate::server::{Grant, Reply, ResponseMode, Server, Session};
use frontmcp_auth::oauth::{AuthServer, MAX_BODY_BYTES as MAX_AUTH_BODY, PeerAddr};
use frontmcp_auth::progressive::AuthEvent;

/// The MCP endpoint path.
pub const MCP_PATH: &str = "/mcp";
/// `Mcp-Session-Id`.
pub static SESSION_HEADER: HeaderName = HeaderName::from_static("mcp-session-id");
/// `MCP-Protocol-Version`.
pub static VERSION_HEADER: HeaderName = HeaderName::from_static("mcp-protocol-version");

type Body = UnsyncBoxBody<Bytes, Infallible>;
type HttpResponse = http::Response<Body>;

/// How often an idle GET stream gets a comment, so dead connections are noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Messages queued for a GET stream before senders wait.
const STREAM_CAPACITY: usize = 64;

/// A server listening in the background; dropping it does not stop it, [`RunningServer::shutdown`] does.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl RunningServer {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `/mcp` URL.
    pub fn mcp_url(&self) -> String {
        format!("http://{}{MCP_PATH}", self.addr)
    }

    /// Stops accepting, ends open streams, waits for in-flight requests (up to the grace period).
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }
}

impl Server {
    /// Binds `addr` and serves in the background.
    pub async fn bind(self, addr: SocketAddr) -> Result<RunningServer, Error> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let addr = listener.local_addr()?;
        self.start_auth(addr).await?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(self.serve_listener(listener, async move {
            let _ = stopped.await;
        }));
        Ok(RunningServer {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Serves on `addr` until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn serve(self, addr: SocketAddr) -> Result<(), Error> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let bound = listener.local_addr()?;
        self.start_auth(bound).await?;
        tracing::info!(url = %format!("http://{bound}{MCP_PATH}"), "MCP server listening");
        self.serve_listener(listener, shutdown_signal()).await
    }

    /// Serves on an already bound listener until `signal` completes.
    pub async fn serve_listener(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<(), Error> {
        self.start_auth(listener.local_addr()?).await?;
        let graceful = GracefulShutdown::new();
        let builder = auto::Builder::new(TokioExecutor::new());
        let reaper = self.spawn_session_reaper();
        let router = self.spawn_event_router();
        tokio::pin!(signal);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(conn) => conn,
                        Err(e) => {
                            // Out of file descriptors and the like: back off rather than spin.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let server = self.clone();
                    let service = hyper::service::service_fn(move |mut req: http::Request<HyperBody>| {
                        let server = server.clone();
                        // The rate limits count by the client's address.
                        req.extensions_mut().insert(PeerAddr(peer));
                        async move { Ok::<_, Infallible>(server.route(req).await) }
                    });
                    let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned());
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                    });
                }
                () = &mut signal => break,
            }
        }
        drop(listener);
        reaper.abort();
        if let Some(router) = router {
            router.abort();
        }
        self.inner.sessions.close_streams();
        tracing::info!("shutting down: waiting for in-flight requests");
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("shut down"),
            () = tokio::time::sleep(self.inner.http.shutdown_grace) => tracing::warn!("grace period over; closing remaining connections"),
        }
        Ok(())
    }

    fn spawn_session_reaper(&self) -> JoinHandle<()> {
        let server = self.clone();
        let every = (server.inner.http.session_idle_timeout / 4)
            .clamp(Duration::from_secs(1), Duration::from_secs(60));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let ended = server.inner.sessions.reap_idle();
                if ended > 0 {
                    tracing::info!(ended, "idle sessions ended");
                }
            }
        })
    }

    /// Forwards the authorization server's events to MCP sessions: when an app's authorization
    /// completes an elicitation, the client gets `notifications/elicitation/complete` on its GET
    /// stream.
    fn spawn_event_router(&self) -> Option<JoinHandle<()>> {
        let mut events = self.inner.auth_server.get()?.subscribe();
        let server = self.clone();
        Some(tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(AuthEvent::AppAuthorized {
                        session_id,
                        elicitation_id: Some(elicitation_id),
                        ..
                    }) => {
                        let notification = OutgoingNotification::new(
                            "notifications/elicitation/complete",
                            serde_json::json!({ "elicitationId": elicitation_id }),
                        );
                        let message = Bytes::from(
                            serde_json::to_vec(&notification).expect("notifications serialize"),
                        );
                        let sent = server.inner.sessions.notify_owner(&session_id, &message);
                        tracing::info!(sent, "elicitation completed");
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "authorization events missed");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }))
    }

    async fn route(&self, req: http::Request<HyperBody>) -> HttpResponse {
        let path = req.uri().path();
        let auth = self.inner.auth_server.get();
        if path != MCP_PATH {
            return match (req.method(), path, auth) {
                (_, _, Some(auth)) if auth.serves(path) => oauth(auth, req).await,
                (&Method::GET, "/healthz", _) => text(StatusCode::OK, "ok"),
                (&Method::GET, "/readyz", None) => text(StatusCode::OK, "ready"),
                (&Method::GET, "/readyz", Some(auth)) => match auth.store().ping().await {
                    Ok(()) => text(StatusCode::OK, "ready"),
                    Err(e) => {
                        tracing::warn!(error = %e, "not ready: the store does not answer");
                        text(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
                    }
                },
                _ => text(StatusCode::NOT_FOUND, "not found"),
            };
        }
        let origin = match self.check_origin(req.headers()) {
            Ok(origin) => origin,
            Err(rejection) => return rejection.into_response(),
        };
        // With authorization on, every MCP request carries a valid session token.
        let grant = match auth {
            Some(auth) if req.method() != Method::OPTIONS => {
                match auth
                    .authenticate(req.headers().get(header::AUTHORIZATION))
                    .await
                {
                    Ok(claims) => Some(Grant::from(claims)),
                    Err(challenge) => {
                        return with_cors(from_bytes(auth.unauthorized(&challenge)), origin);
                    }
                }
            }
            _ => None,
        };
        let grant = grant.as_ref();
        let resp = match *req.method() {
            Method::POST => self.post(req, grant).await,
            Method::GET => self.get(req.headers(), grant),
            Method::DELETE => self.delete(req.headers(), grant),
            Method::OPTIONS => preflight(),
            _ => {
                let mut resp = text(StatusCode::METHOD_NOT_ALLOWED, "use POST, GET or DELETE");
                resp.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
                );
                resp
            }
        };
        with_cors(resp, origin)
    }

    /// Browsers send `Origin`; only loopback and configured origins may use the endpoint, which
    /// defeats DNS-rebinding attacks on local servers. `Ok(Some)` is an origin to echo in CORS.
    fn check_origin(&self, headers: &HeaderMap) -> Result<Option<HeaderValue>, Rejection> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(None);
        };
        let allowed = origin.to_str().is_ok_and(|o| {
            is_loopback_origin(o)
                || self
                    .inner
                    .http
                    .allowed_origins
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(o))
        });
        if allowed {
            Ok(Some(origin.clone()))
        } else {
            tracing::warn!(origin = ?origin, "request from a disallowed origin refused");
            Err(Rejection(
                StatusCode::FORBIDDEN,
                ErrorObject::new(INVALID_REQUEST, "origin not allowed"),
            ))
        }
    }

    async fn post(&self, req: http::Request<HyperBody>, grant: Option<&Grant>) -> HttpResponse {
        let headers = req.headers();
        let Some(mode) = response_mode(headers, self.inner.http.response_mode) else {
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
        let session_header = headers.get(&SESSION_HEADER).cloned();
        let version_header = headers.get(&VERSION_HEADER).cloned();
        let body = match Limited::new(req.into_body(), limit).collect().await {
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
        let incoming = match jsonrpc::parse(&body) {
            Ok(incoming) => incoming,
            Err(jsonrpc::Unparseable(resp)) => {
                tracing::warn!(error = %resp.as_error().map_or("", |e| &e.message), "unparseable body");
                return json_response(StatusCode::BAD_REQUEST, resp.to_json());
            }
        };
        if let Incoming::Single(Ok(Message::Request(r))) = &incoming {
            if r.method == "initialize" {
                return self.post_initialize(incoming, mode, grant).await;
            }
        }
        let session =
            match self.session_for(session_header.as_ref(), version_header.as_ref(), grant) {
                Ok(s) => s,
                Err(rejection) => return rejection.into_response(),
            };
        if let Incoming::Single(Err(resp)) = &incoming {
            tracing::warn!(error = %resp.as_error().map_or("", |e| &e.message), "invalid JSON-RPC message");
            return json_response(StatusCode::BAD_REQUEST, resp.to_json());
        }
        if let (Some(grant), Some(auth)) = (grant, self.inner.auth_server.get()) {
            if let Some(needed) =
                called_tool(&incoming).and_then(|tool| self.scope_challenge(&tool, grant))
            {
                tracing::warn!(?needed, "token lacks a scope of the called tool");
                return from_bytes(auth.insufficient_scope(&needed));
            }
        }
        match self.handle_incoming_as(&session, incoming, grant).await {
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
        }
    }

    async fn post_initialize(
        &self,
        incoming: Incoming,
        mode: ResponseMode,
        grant: Option<&Grant>,
    ) -> HttpResponse {
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
            session.bind_owner(grant.shared_auth_session_id());
        }
        let Reply::Single(resp) = self.handle_incoming_as(&session, incoming, grant).await else {
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
        id: Option<&HeaderValue>,
        version: Option<&HeaderValue>,
        grant: Option<&Grant>,
    ) -> Result<Arc<Session>, Rejection> {
        let Some(id) = id else {
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
        if let Some(version) = version {
            let negotiated = session.protocol_version();
            let parsed = version.to_str().ok().and_then(ProtocolVersion::parse);
            if parsed.is_none() || parsed != negotiated {
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

    fn get(&self, headers: &HeaderMap, grant: Option<&Grant>) -> HttpResponse {
        if !accepts(headers, "text/event-stream") {
            return rpc_error(
                StatusCode::NOT_ACCEPTABLE,
                ErrorObject::new(INVALID_REQUEST, "Accept must include text/event-stream"),
            );
        }
        let session = match self.session_for(
            headers.get(&SESSION_HEADER),
            headers.get(&VERSION_HEADER),
            grant,
        ) {
            Ok(s) => s,
            Err(rejection) => return rejection.into_response(),
        };
        let Some(rx) = session.open_stream(STREAM_CAPACITY) else {
            return rpc_error(
                StatusCode::CONFLICT,
                ErrorObject::new(INVALID_REQUEST, "a stream is already open for this session"),
            );
        };
        sse(event_stream(rx))
    }

    fn delete(&self, headers: &HeaderMap, grant: Option<&Grant>) -> HttpResponse {
        let session = match self.session_for(
            headers.get(&SESSION_HEADER),
            headers.get(&VERSION_HEADER),
            grant,
        ) {
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

/// The tool a single `tools/call` request names (decoded exactly as the dispatcher decodes it,
/// escapes included, so the scope check sees the same name as the call).
fn called_tool(incoming: &Incoming) -> Option<std::borrow::Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct Name<'a> {
        #[serde(borrow)]
        name: std::borrow::Cow<'a, str>,
    }
    let Incoming::Single(Ok(Message::Request(req))) = incoming else {
        return None;
    };
    if req.method != "tools/call" {
        return None;
    }
    let raw = req.params.as_deref()?.get();
    serde_json::from_str::<Name<'_>>(raw).ok().map(|n| n.name)
}

/// CORS headers for an allowed browser origin.
fn with_cors(mut resp: HttpResponse, origin: Option<HeaderValue>) -> HttpResponse {
    if let Some(origin) = origin {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("mcp-session-id, mcp-protocol-version, www-authenticate"),
        );
    }
    resp
}

/// Hands an authorization-server request over with its body read (bounded).
async fn oauth(auth: &AuthServer, req: http::Request<HyperBody>) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_AUTH_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            tracing::warn!("authorization request body too large");
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"invalid_request","error_description":"request too large"}"#.into(),
            );
        }
        Err(_) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"unreadable body"}"#.into(),
            );
        }
    };
    from_bytes(auth.handle(http::Request::from_parts(parts, body)).await)
}

fn from_bytes(resp: http::Response<Bytes>) -> HttpResponse {
    resp.map(full)
}

/// The server-to-client stream: queued messages, with keep-alive comments in between.
fn event_stream(rx: mpsc::Receiver<Bytes>) -> Body {
    let stream = futures_util::stream::unfold(
        (rx, tokio::time::interval(KEEP_ALIVE)),
        |(mut rx, mut tick)| async move {
            tick.reset();
            let chunk = tokio::select! {
                msg = rx.recv() => sse_event(&msg?),
                _ = tick.tick() => Bytes::from_static(b": keep-alive\n\n"),
            };
            Some((Ok::<_, Infallible>(Frame::data(chunk)), (rx, tick)))
        },
    );
    // An initial comment tells the client the stream is open before any message exists.
    let opening = futures_util::stream::once(async {
        Ok(Frame::data(Bytes::from_static(b": stream open\n\n")))
    });
    use futures_util::StreamExt;
    UnsyncBoxBody::new(StreamBody::new(opening.chain(stream)))
}

fn sse_event(json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 24);
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    out.into()
}

/// Picks JSON or SSE from `Accept`; `None` when the client takes neither.
fn response_mode(headers: &HeaderMap, preferred: ResponseMode) -> Option<ResponseMode> {
    if headers.get(header::ACCEPT).is_none() {
        return Some(ResponseMode::Json);
    }
    let json = accepts(headers, "application/json");
    let sse = accepts(headers, "text/event-stream");
    match (json, sse) {
        (true, true) => Some(preferred),
        (true, false) => Some(ResponseMode::Json),
        (false, true) => Some(ResponseMode::Sse),
        (false, false) => None,
    }
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let (kind, _) = media.split_once('/').expect("a media type");
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let range = item.split(';').next().unwrap_or("").trim();
            range.eq_ignore_ascii_case(media)
                || range == "*/*"
                || range.eq_ignore_ascii_case(&format!("{kind}/*"))
        })
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.strip_prefix('[') {
        Some(v6) => {
            return v6
                .split_once(']')
                .is_some_and(|(h, tail)| h == "::1" && (tail.is_empty() || is_port(tail)));
        }
        None => rest,
    };
    let (name, tail) = host.split_once(':').map_or((host, ""), |(h, p)| (h, p));
    matches!(name, "localhost" | "127.0.0.1")
        && (tail.is_empty() || tail.bytes().all(|b| b.is_ascii_digit()))
}

fn is_port(tail: &str) -> bool {
    tail.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn respond(mode: ResponseMode, json: String) -> HttpResponse {
    match mode {
        ResponseMode::Json => json_response(StatusCode::OK, json),
        ResponseMode::Sse => sse(full(sse_event(json.as_bytes()))),
    }
}

fn sse(body: Body) -> HttpResponse {
    let mut resp = http::Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-transform"),
    );
    resp
}

fn full(bytes: impl Into<Bytes>) -> Body {
    UnsyncBoxBody::new(Full::new(bytes.into()))
}

fn json_response(status: StatusCode, json: String) -> HttpResponse {
    let mut resp = http::Response::new(full(json));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A request refused before dispatch: an HTTP status and the JSON-RPC error for the body.
struct Rejection(StatusCode, ErrorObject);

impl Rejection {
    fn into_response(self) -> HttpResponse {
        rpc_error(self.0, self.1)
    }
}

fn rpc_error(status: StatusCode, error: ErrorObject) -> HttpResponse {
    json_response(status, Response::error(None, error).to_json())
}

fn too_large(limit: usize) -> HttpResponse {
    tracing::warn!(limit, "request body too large");
    rpc_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorObject::new(
            INVALID_REQUEST,
            format!("request body exceeds {limit} bytes"),
        ),
    )
}

fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut resp = http::Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn empty(status: StatusCode) -> HttpResponse {
    let mut resp = http::Response::new(full(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

fn preflight() -> HttpResponse {
    let mut resp = empty(StatusCode::NO_CONTENT);
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    resp
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:6274",
            "http://127.0.0.1:3000",
            "http://[::1]:8080",
            "https://localhost",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://evil.com",
            "null",
            "http://127.0.0.1.nip.io",
            "http://[::1]x",
            "http://localhost:80x",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }

    #[test]
    fn accept_negotiation() {
        let both = headers(&[("accept", "application/json, text/event-stream")]);
        assert_eq!(
            response_mode(&both, ResponseMode::Sse),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&both, ResponseMode::Json),
            Some(ResponseMode::Json)
        );
        assert_eq!(
            response_mode(
                &headers(&[("accept", "text/event-stream")]),
                ResponseMode::Json
            ),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&headers(&[("accept", "*/*")]), ResponseMode::Sse),
            Some(ResponseMode::Sse)
        );
        assert_eq!(
            response_mode(&headers(&[("accept", "text/html")]), ResponseMode::Json),
            None
        );
        assert_eq!(
            response_mode(&HeaderMap::new(), ResponseMode::Sse),
            Some(ResponseMode::Json)
        );
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(!is_json_content_type(&headers(&[(
            "content-type",
            "text/plain"
        )])));
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}
