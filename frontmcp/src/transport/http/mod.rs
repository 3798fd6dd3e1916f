//! Streamable HTTP (MCP 2025-11-25, section "Transports") as one axum [`Router`]: `/mcp`, the
//! authorization server's endpoints when the server orchestrates authorization, `/healthz` and
//! `/readyz`. [`Server::serve`] runs it; [`Server::router`] hands it to an application that
//! mounts it beside its own routes.
//!
//! `POST /mcp` carries client messages and answers in JSON or SSE, `GET /mcp` opens the
//! server-to-client stream, `DELETE /mcp` ends the session.

#[cfg(feature = "auth-server")]
mod authorization;
mod mcp;
mod negotiate;
mod stateless;
mod streamed;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer as _;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::Error;
use crate::server::Server;

/// The MCP endpoint path.
pub const MCP_PATH: &str = "/mcp";
/// `Mcp-Session-Id`.
pub static SESSION_HEADER: HeaderName = HeaderName::from_static("mcp-session-id");
/// `MCP-Protocol-Version`.
pub static VERSION_HEADER: HeaderName = HeaderName::from_static("mcp-protocol-version");
/// `Mcp-Method` (2026-07-28): the body's `method`, for intermediaries.
pub static METHOD_HEADER: HeaderName = HeaderName::from_static("mcp-method");
/// `Mcp-Name` (2026-07-28): the body's `params.name` (or `params.uri`), for intermediaries.
pub static NAME_HEADER: HeaderName = HeaderName::from_static("mcp-name");

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
        self.start_auth(Some(addr)).await?;
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
        self.start_auth(Some(bound)).await?;
        tracing::info!(url = %format!("http://{bound}{MCP_PATH}"), "MCP server listening");
        self.serve_listener(listener, shutdown_signal()).await
    }

    /// Serves on an already bound listener until `signal` completes: stops accepting, ends open
    /// streams, and waits for in-flight requests up to the grace period.
    pub async fn serve_listener(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        self.start_auth(Some(listener.local_addr()?)).await?;
        let mcp = self.mcp_route();
        let serving = Arc::new(Serving {
            app: self.app(&mcp),
            mcp,
        });
        let grace = self.inner.http.shutdown_grace;
        let reaper = self.spawn_session_reaper();
        #[cfg(feature = "auth-server")]
        let router = self.spawn_event_router();
        #[cfg(not(feature = "auth-server"))]
        let router: Option<JoinHandle<()>> = None;
        let graceful = GracefulShutdown::new();
        let builder = auto::Builder::new(TokioExecutor::new());
        // Every connection's task, so the ones still open when the grace period ends are closed.
        let mut connections = tokio::task::JoinSet::new();
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
                    let serving = serving.clone();
                    let service = hyper::service::service_fn(move |request| {
                        let serving = serving.clone();
                        async move { Ok::<_, Infallible>(serving.call(request, peer).await) }
                    });
                    let connection = graceful.watch(
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .into_owned(),
                    );
                    connections.spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                    });
                }
                // Finished connections leave the set as they end.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut signal => break,
            }
        }
        drop(listener);
        tracing::info!("shutting down: waiting for in-flight requests");
        self.end_streams();
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("shut down"),
            () = tokio::time::sleep(grace) => {
                tracing::warn!("grace period over; closing remaining connections");
                connections.abort_all();
            }
        }
        reaper.abort();
        if let Some(router) = router {
            router.abort();
        }
        Ok(())
    }

    /// The whole HTTP surface (`/mcp`, the authorization server's endpoints when the server
    /// orchestrates authorization, `/healthz`, `/readyz`) as an axum [`Router`] to merge into an
    /// application's. The server must know its public URL
    /// ([`issuer`](crate::ServerBuilder::issuer)) when it orchestrates authorization. Serve the
    /// application with `into_make_service_with_connect_info::<SocketAddr>()` so the rate limits
    /// see client addresses.
    ///
    /// The session reaper and the relay of authorization events run as background tasks for as
    /// long as the runtime does (started once, however often this is called).
    ///
    /// # Errors
    ///
    /// When the authorization server cannot start (no issuer, a store that does not answer, a
    /// configuration variable that cannot be used).
    pub async fn router(&self) -> Result<Router, Error> {
        self.start_auth(None).await?;
        if self.inner.mounted.set(()).is_ok() {
            self.spawn_session_reaper();
            #[cfg(feature = "auth-server")]
            self.spawn_event_router();
        }
        Ok(self.app(&self.mcp_route()))
    }

    /// The router: `/mcp` behind its origin check and CORS policy, the authorization server's
    /// paths, the health checks.
    fn app(&self, mcp: &McpRoute) -> Router {
        let mcp = mcp.clone();
        let router = Router::new()
            .route("/healthz", get(|| async { text(StatusCode::OK, "ok") }))
            .route("/readyz", get(readyz));
        #[cfg(feature = "prometheus")]
        let router = match &self.inner.http.metrics_path {
            Some(path) => router.route(path, get(metrics_text)),
            None => router,
        };
        router
            .fallback(fallback)
            // Every route but `/mcp`, which makes its own span (it is also served without the
            // router).
            .layer(axum::middleware::from_fn(traced))
            .route(
                MCP_PATH,
                any(move |request: Request| {
                    let mcp = mcp.clone();
                    async move { mcp.call(request).await }
                }),
            )
            .with_state(self.clone())
    }

    /// `/mcp` with its origin check and CORS policy.
    fn mcp_route(&self) -> McpRoute {
        let http = &self.inner.http;
        let allowed = http.allowed_origins.clone();
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                origin_allowed(origin, &allowed)
            }))
            .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
            .allow_headers([
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::AUTHORIZATION,
                SESSION_HEADER.clone(),
                VERSION_HEADER.clone(),
                METHOD_HEADER.clone(),
                NAME_HEADER.clone(),
                HeaderName::from_static("last-event-id"),
            ])
            .expose_headers([
                SESSION_HEADER.clone(),
                VERSION_HEADER.clone(),
                header::WWW_AUTHENTICATE,
            ])
            .max_age(Duration::from_secs(600));
        McpRoute(Arc::new(McpRouteInner {
            server: self.clone(),
            cors,
        }))
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
}

/// What [`Server::serve_listener`] serves each connection with: `/mcp` called directly, every
/// other path through the router. The router boxes each request's future (4 KiB here) and clones
/// its layers; skipping it on the path every MCP request takes brought a `tools/call` of the
/// hello example from 14.5 to 11 µs of server CPU under load on the 2-core bench machine.
struct Serving {
    mcp: McpRoute,
    app: Router,
}

impl Serving {
    async fn call(
        &self,
        request: http::Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> Response {
        let mut request = request.map(Body::new);
        if request.uri().path() == MCP_PATH {
            return self.mcp.call(request).await;
        }
        // The authorization server's rate limits count by the client's address (`/mcp` does
        // not, and inserting the first extension allocates).
        request.extensions_mut().insert(ConnectInfo(peer));
        match tower::ServiceExt::oneshot(self.app.clone(), request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

/// `/mcp` behind its origin check, then its CORS policy for browsers.
#[derive(Clone)]
struct McpRoute(Arc<McpRouteInner>);

struct McpRouteInner {
    server: Server,
    cors: CorsLayer,
}

impl McpRoute {
    /// Browsers send `Origin`: only loopback and configured origins may use the endpoint, which
    /// defeats DNS-rebinding attacks on local servers, and a disallowed one is refused before
    /// anything else, preflight included. Allowed browser requests go through the CORS policy;
    /// requests without `Origin` (MCP clients that are not browsers) need none of it.
    async fn call(&self, request: Request) -> Response {
        let span = crate::telemetry::http_span(request.method(), MCP_PATH, request.headers());
        crate::telemetry::http_request(span, "/mcp", self.serve(request)).await
    }

    async fn serve(&self, request: Request) -> Response {
        let server = &self.0.server;
        match request.headers().get(header::ORIGIN) {
            None => mcp::endpoint(server, request).await,
            Some(origin) if !origin_allowed(origin, &server.inner.http.allowed_origins) => {
                tracing::warn!(origin = ?origin, "request from a disallowed origin refused");
                mcp::rpc_error(
                    StatusCode::FORBIDDEN,
                    crate::protocol::jsonrpc::ErrorObject::new(
                        crate::protocol::jsonrpc::INVALID_REQUEST,
                        "origin not allowed",
                    ),
                )
            }
            Some(_) => {
                let server = server.clone();
                let endpoint = tower::service_fn(move |request: Request| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(mcp::endpoint(&server, request).await) }
                });
                match tower::ServiceExt::oneshot(self.0.cors.layer(endpoint), request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            }
        }
    }
}

fn origin_allowed(origin: &HeaderValue, allowed: &[String]) -> bool {
    origin.to_str().is_ok_and(|o| {
        negotiate::is_loopback_origin(o) || allowed.iter().any(|a| a.eq_ignore_ascii_case(o))
    })
}

/// A request of any route but `/mcp`, in its span.
async fn traced(request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let span = crate::telemetry::http_span(request.method(), path, request.headers());
    let route = crate::telemetry::route_label(path);
    crate::telemetry::http_request(span, route, next.run(request)).await
}

/// The metrics, in Prometheus text.
#[cfg(feature = "prometheus")]
async fn metrics_text() -> Response {
    let body = crate::telemetry::prometheus::render().unwrap_or_default();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Ready when the authorization server's store answers (always, without one).
async fn readyz(State(server): State<Server>) -> Response {
    #[cfg(feature = "auth-server")]
    if let Some(auth) = server.inner.auth_server.get() {
        if let Err(e) = auth.store().ping().await {
            tracing::warn!(error = %e, "not ready: the store does not answer");
            return text(StatusCode::SERVICE_UNAVAILABLE, "store unavailable");
        }
    }
    #[cfg(not(feature = "auth-server"))]
    let _ = server;
    text(StatusCode::OK, "ready")
}

/// The 403 for a request lacking `scopes`, which only a grant can.
fn insufficient_scope(server: &Server, scopes: &[String]) -> Response {
    #[cfg(feature = "auth-server")]
    return authorization::insufficient_scope(server, scopes);
    #[cfg(not(feature = "auth-server"))]
    {
        let _ = (server, scopes);
        unreachable!("scopes are only ever checked with authorization on")
    }
}

/// Every other path: the authorization server's, when it serves it, else 404.
async fn fallback(State(server): State<Server>, request: Request) -> Response {
    #[cfg(feature = "auth-server")]
    if let Some(auth) = server.inner.auth_server.get() {
        if auth.serves(request.uri().path()) {
            return authorization::handle(auth, request).await;
        }
    }
    #[cfg(not(feature = "auth-server"))]
    let _ = (server, request);
    text(StatusCode::NOT_FOUND, "not found")
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
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
