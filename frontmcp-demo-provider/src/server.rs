//! The hyper server: configuration check, routing, handlers, lifecycle.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::{Value, json};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use crate::builder::{DemoProviderBuilder, TtlKind};
use crate::faults::{FaultSettings, Faults};
use crate::provider::{AuthorizeError, Client, DEFAULT_USER, OAuthError, Provider, TokenInfo};
use crate::{Error, html, rest, util};

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 64 * 1024;
/// How long [`RunningDemo::shutdown`] waits for open connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

type Resp = Response<Full<Bytes>>;

#[derive(Debug)]
struct Shared {
    providers: Vec<Arc<Provider>>,
    base_url: String,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn provider(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.id() == id)
    }
}

// ----- configuration --------------------------------------------------------------

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn build_providers(
    builder: DemoProviderBuilder,
    base_url: &str,
) -> Result<Vec<Arc<Provider>>, Error> {
    let cfg = |msg: String| Error::Config(msg);
    let DemoProviderBuilder {
        mut providers,
        clients,
        accept_any_loopback,
        code_ttl,
        ttls,
        faults,
    } = builder;
    if providers.is_empty() {
        return Err(cfg("no providers configured".to_owned()));
    }
    let ids: Vec<String> = providers.iter().map(|p| p.id().to_owned()).collect();
    let check = |id: &str, what: &str| -> Result<(), Error> {
        if ids.iter().any(|i| i == id) {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "{what} names unknown provider {id:?}"
            )))
        }
    };
    for spec in &providers {
        if !valid_id(spec.id()) {
            return Err(cfg(format!(
                "provider id {:?} must be 1-64 characters of [a-z0-9_-]",
                spec.id()
            )));
        }
        if spec.scopes().is_empty() {
            return Err(cfg(format!("provider {:?} has no scopes", spec.id())));
        }
        if let Some(bad) = spec.scopes().iter().find(|s| {
            s.is_empty() || s.contains([' ', ',', '"', '\\']) || s.chars().any(char::is_control)
        }) {
            return Err(cfg(format!(
                "provider {:?}: scope {bad:?} must not be empty or contain spaces, commas, quotes or backslashes",
                spec.id()
            )));
        }
    }
    for (id, kind, ttl) in &ttls {
        check(id, "a token lifetime")?;
        if ttl.is_zero() {
            return Err(cfg(format!(
                "provider {id:?}: token lifetimes must be positive"
            )));
        }
        let spec = providers
            .iter_mut()
            .find(|p| p.id() == id)
            .expect("checked");
        *spec = match kind {
            TtlKind::Access => spec.clone().with_access_token_ttl(*ttl),
            TtlKind::Refresh => spec.clone().with_refresh_token_ttl(*ttl),
        };
    }
    if code_ttl.is_zero() {
        return Err(cfg(
            "the authorization code lifetime must be positive".to_owned()
        ));
    }
    let mut registered: HashMap<String, HashMap<String, Client>> = HashMap::new();
    for reg in clients {
        check(&reg.provider, "a client registration")?;
        if reg.client_id.is_empty() {
            return Err(cfg("client ids must not be empty".to_owned()));
        }
        let mut redirect_uris = Vec::new();
        for uri in &reg.redirect_uris {
            let url = Url::parse(uri).map_err(|e| {
                cfg(format!(
                    "client {:?}: redirect URI {uri:?}: {e}",
                    reg.client_id
                ))
            })?;
            if url.fragment().is_some() {
                return Err(cfg(format!(
                    "client {:?}: redirect URI {uri:?} must not have a fragment",
                    reg.client_id
                )));
            }
            redirect_uris.push(url);
        }
        let client = Client {
            secret: reg.client_secret,
            redirect_uris,
        };
        if registered
            .entry(reg.provider.clone())
            .or_default()
            .insert(reg.client_id.clone(), client)
            .is_some()
        {
            return Err(cfg(format!(
                "client {:?} registered twice for provider {:?}",
                reg.client_id, reg.provider
            )));
        }
    }
    let mut initial_faults: HashMap<String, FaultSettings> = HashMap::new();
    for (id, settings) in faults {
        check(&id, "a fault setting")?;
        initial_faults.insert(id, settings);
    }
    Ok(providers
        .into_iter()
        .map(|spec| {
            let id = spec.id().to_owned();
            let faults = Faults::new(&id, initial_faults.remove(&id).unwrap_or_default());
            Arc::new(Provider::new(
                spec,
                format!("{base_url}/{id}"),
                registered.remove(&id).unwrap_or_default(),
                accept_any_loopback,
                code_ttl,
                faults,
            ))
        })
        .collect())
}

/// The base URL clients should use for a bound address.
fn base_url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

pub(crate) async fn bind(
    builder: DemoProviderBuilder,
    addr: impl ToSocketAddrs,
) -> Result<RunningDemo, Error> {
    // Check what can be checked before touching the network.
    build_providers(builder.clone(), "http://127.0.0.1:0")?;
    let listener = TcpListener::bind(addr).await.map_err(Error::Bind)?;
    let local_addr = listener.local_addr().map_err(Error::Bind)?;
    let base_url = base_url_for(local_addr);
    let providers = build_providers(builder, &base_url)?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        providers,
        base_url,
        shutdown: shutdown_rx,
    });
    for p in &shared.providers {
        tracing::info!(provider = p.id(), url = %p.issuer, "DEMO provider listening (not the real {})", p.spec.display_name());
    }
    let task = tokio::spawn(serve(listener, Arc::clone(&shared)));
    Ok(RunningDemo {
        shared,
        local_addr,
        shutdown: shutdown_tx,
        task: Some(task),
    })
}

// ----- lifecycle ------------------------------------------------------------------

/// Resolves once shutdown is requested (or the [`RunningDemo`] is gone).
async fn wait_shutdown(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!("demo provider: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&shared);
                let service = service_fn(move |req| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, Infallible>(handle(shared, req).await) }
                });
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, "demo provider: connection error: {e}");
                    }
                });
            }
            () = wait_shutdown(&mut shutdown) => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("demo provider: connections still open after the grace period");
    }
    tracing::info!("demo provider stopped");
}

/// A running demo server. Dropping it stops the server too (without
/// waiting); [`shutdown`](Self::shutdown) waits for it.
///
/// The methods taking a provider id panic when no such provider is configured.
pub struct RunningDemo {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningDemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningDemo")
            .field("base_url", &self.shared.base_url)
            .field(
                "providers",
                &self
                    .shared
                    .providers
                    .iter()
                    .map(|p| p.id())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Drop for RunningDemo {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl RunningDemo {
    fn provider(&self, id: &str) -> &Provider {
        match self.shared.provider(id) {
            Some(p) => p,
            None => panic!(
                "demo provider {id:?} is not configured (configured: {:?})",
                self.provider_ids()
            ),
        }
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The provider URL, which is also its issuer: `http://127.0.0.1:PORT/{provider}`.
    /// This is what frontmcp's `remote(provider = ...)` is given.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn url(&self, provider: &str) -> String {
        self.provider(provider).issuer.clone()
    }

    /// The RFC 8414 metadata URL in its path-suffixed form:
    /// `http://127.0.0.1:PORT/.well-known/oauth-authorization-server/{provider}`.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn metadata_url(&self, provider: &str) -> String {
        let id = self.provider(provider).id();
        format!(
            "{}/.well-known/oauth-authorization-server/{id}",
            self.base_url()
        )
    }

    /// The configured provider ids, in configuration order.
    pub fn provider_ids(&self) -> Vec<&str> {
        self.shared.providers.iter().map(|p| p.id()).collect()
    }

    /// The live fault knobs of `provider`.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn faults(&self, provider: &str) -> Faults {
        self.provider(provider).faults.clone()
    }

    /// Invalidates every access and refresh token of `provider`: the
    /// resource API answers 401 and refreshes answer `invalid_grant`, as
    /// when a user uninstalls the app upstream.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn revoke_all(&self, provider: &str) {
        self.provider(provider).revoke_all();
    }

    /// How many `POST /{provider}/token` requests arrived (any grant, any
    /// outcome, faulted ones included).
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn token_requests(&self, provider: &str) -> u64 {
        self.provider(provider)
            .token_requests
            .load(Ordering::Relaxed)
    }

    /// How many of those were `grant_type=refresh_token`.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn refresh_requests(&self, provider: &str) -> u64 {
        self.provider(provider)
            .refresh_requests
            .load(Ordering::Relaxed)
    }

    /// How many `GET /{provider}/authorize` requests arrived.
    ///
    /// # Panics
    /// If `provider` is not configured.
    pub fn authorize_requests(&self, provider: &str) -> u64 {
        self.provider(provider)
            .authorize_requests
            .load(Ordering::Relaxed)
    }

    /// Stops accepting connections and waits (up to two seconds) for open
    /// ones to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

// ----- routing --------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    ProviderIndex,
    Metadata,
    Authorize,
    Decision,
    Token,
    Revoke,
    WhoAmI,
    Echo,
}

impl Route {
    fn method(self) -> Method {
        match self {
            Route::ProviderIndex | Route::Metadata | Route::Authorize | Route::WhoAmI => {
                Method::GET
            }
            Route::Decision | Route::Token | Route::Revoke | Route::Echo => Method::POST,
        }
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = route(&shared, req).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(), "demo provider");
    response
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().trim_matches('/').to_owned();
    let segments: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split('/').collect()
    };
    if let [id, "rest", rest @ ..] = segments.as_slice() {
        let Some(provider) = shared.provider(id) else {
            return not_found();
        };
        let method = req.method().clone();
        // Repeated parameters are allowed here (`tag=a&tag=b`), unlike in OAuth requests.
        let query: Vec<(String, String)> =
            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let token = bearer(provider, req.headers());
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                return json_response(StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "too_large"}));
            }
        };
        return match rest::handle(provider, &method, rest, &query, token, &body) {
            (status, Some(value)) => json_response(status, value),
            (status, None) => {
                let mut response = Response::new(Full::new(Bytes::new()));
                *response.status_mut() = status;
                response
            }
        };
    }
    let (id, route) = match segments.as_slice() {
        [] => {
            return if req.method() == Method::GET {
                json_response(StatusCode::OK, index(shared))
            } else {
                method_not_allowed(&Method::GET)
            };
        }
        [".well-known", "oauth-authorization-server", id] => (*id, Route::Metadata),
        [id] => (*id, Route::ProviderIndex),
        [id, ".well-known", "oauth-authorization-server"] => (*id, Route::Metadata),
        [id, "authorize"] => (*id, Route::Authorize),
        [id, "authorize", "decision"] => (*id, Route::Decision),
        [id, "token"] => (*id, Route::Token),
        [id, "revoke"] => (*id, Route::Revoke),
        [id, "api", "whoami"] => (*id, Route::WhoAmI),
        [id, "api", "echo"] => (*id, Route::Echo),
        _ => return not_found(),
    };
    let Some(provider) = shared.provider(id) else {
        return not_found();
    };
    if *req.method() != route.method() {
        return method_not_allowed(&route.method());
    }
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers = req.headers().clone();
    match route {
        Route::ProviderIndex => json_response(StatusCode::OK, provider_index(provider)),
        Route::Metadata => json_response(StatusCode::OK, provider.metadata()),
        Route::Authorize => authorize(provider, &query),
        Route::WhoAmI => whoami(provider, &headers),
        Route::Decision | Route::Token | Route::Revoke | Route::Echo => {
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => {
                    return oauth_error(&OAuthError::invalid_request(format!(
                        "unreadable request body (limit {MAX_BODY} bytes): {e}"
                    )));
                }
            };
            match route {
                Route::Decision => decision(provider, &body),
                Route::Token => token(shared, provider, &headers, &body).await,
                Route::Revoke => revoke(provider, &headers, &body),
                _ => echo(provider, &headers, &query, &body),
            }
        }
    }
}

fn index(shared: &Shared) -> Value {
    json!({
        "demo": true,
        "notice": "DEMO OAuth provider for frontmcp examples and tests: not the real services, never for production",
        "providers": shared.providers.iter().map(|p| json!({
            "id": p.id(),
            "name": p.spec.display_name(),
            "url": p.issuer,
            "metadata": format!("{}/.well-known/oauth-authorization-server/{}", shared.base_url, p.id()),
            "scopes": p.spec.scopes(),
        })).collect::<Vec<_>>(),
    })
}

fn provider_index(p: &Provider) -> Value {
    json!({
        "demo": true,
        "notice": format!("DEMO provider (not the real {})", p.spec.display_name()),
        "id": p.id(),
        "name": p.spec.display_name(),
        "issuer": p.issuer,
        "scopes": p.spec.scopes(),
        "metadata": p.endpoint(".well-known/oauth-authorization-server"),
        "api": {
            "whoami": p.endpoint("api/whoami"),
            "echo": p.endpoint("api/echo"),
        },
    })
}

// ----- authorization endpoint -----------------------------------------------------

fn clean_user(user: Option<&String>) -> String {
    let user: String = user
        .map(|u| u.trim())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    if user.is_empty() {
        DEFAULT_USER.to_owned()
    } else {
        user
    }
}

fn authorize(p: &Provider, query: &str) -> Resp {
    p.authorize_requests.fetch_add(1, Ordering::Relaxed);
    let params = match util::parse_unique(query.as_bytes()) {
        Ok(params) => params,
        Err(dup) => {
            return html_error(p, &format!("The parameter {dup} was sent more than once."));
        }
    };
    let request = match p.validate_authorize(&params) {
        Ok(request) => request,
        Err(AuthorizeError::NoRedirect(message)) => return html_error(p, &message),
        Err(AuthorizeError::Redirect(url)) => return redirect(&url),
    };
    if p.faults.take_deny_next_authorize() {
        return redirect(&p.deny(
            &request,
            "the user denied the request (demo fault injection)",
        ));
    }
    match params.get("demo_auto").map(String::as_str) {
        Some("allow") => redirect(&p.approve(&request, &clean_user(params.get("demo_user")))),
        Some("deny") => redirect(&p.deny(&request, "the user denied the request")),
        Some(_) => redirect(&p.error_redirect(
            &request.redirect_uri,
            request.state.as_deref(),
            "invalid_request",
            "demo_auto must be allow or deny",
        )),
        None => {
            let id = p.store_pending(request.clone());
            let mut response = text_response(
                StatusCode::OK,
                "text/html; charset=utf-8",
                html::consent(p, &request, &id),
            );
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

fn decision(p: &Provider, body: &[u8]) -> Resp {
    let params = match util::parse_unique(body) {
        Ok(params) => params,
        Err(dup) => return html_error(p, &format!("The field {dup} was sent more than once.")),
    };
    let Some(request_id) = params.get("request") else {
        return html_error(p, "The form lacks its request id.");
    };
    let allow = match params.get("decision").map(String::as_str) {
        Some("allow") => true,
        Some("deny") => false,
        _ => return html_error(p, "The decision must be allow or deny."),
    };
    let Some(request) = p.take_pending(request_id) else {
        return html_error(
            p,
            "Unknown or expired authorization request (each consent page can be answered once). \
             Start again from the application.",
        );
    };
    if allow {
        redirect(&p.approve(&request, &clean_user(params.get("user"))))
    } else {
        redirect(&p.deny(&request, "the user denied the request"))
    }
}

// ----- token and revocation endpoints ---------------------------------------------

/// Parses a form body, requiring the form content type.
fn form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    util::parse_unique(body).map_err(|dup| {
        OAuthError::invalid_request(format!("parameter {dup} was sent more than once"))
    })
}

/// HTTP Basic client credentials, if sent (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed Basic client credentials");
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, credentials) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "the token endpoint accepts only Basic client authentication in the Authorization header",
        ));
    }
    let decoded = STANDARD.decode(credentials.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    Ok(Some((util::form_decode(id), util::form_decode(secret))))
}

fn authenticate(
    p: &Provider,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<String, OAuthError> {
    p.authenticate_client(basic_credentials(headers)?, params)
}

async fn token(shared: &Shared, p: &Provider, headers: &HeaderMap, body: &[u8]) -> Resp {
    p.token_requests.fetch_add(1, Ordering::Relaxed);
    let params = form(headers, body);
    let grant_type = params
        .as_ref()
        .ok()
        .and_then(|params| params.get("grant_type"))
        .cloned();
    if grant_type.as_deref() == Some("refresh_token") {
        p.refresh_requests.fetch_add(1, Ordering::Relaxed);
    }
    let faults = p.faults.take_token_faults();
    if let Some(delay) = faults.delay {
        let mut shutdown = shared.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = wait_shutdown(&mut shutdown) => {
                return oauth_error(&OAuthError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the demo provider is shutting down",
                ));
            }
        }
    }
    if faults.server_error {
        return oauth_error(&OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "demo fault injection: the token endpoint failed",
        ));
    }
    let result = params.and_then(|params| {
        let client_id = authenticate(p, headers, &params)?;
        match grant_type.as_deref() {
            Some("authorization_code") => p.exchange_code(&client_id, &params),
            Some("refresh_token") if faults.refresh_invalid_grant => Err(
                OAuthError::invalid_grant("demo fault injection: the refresh token was rejected"),
            ),
            Some("refresh_token") => p.refresh(&client_id, &params),
            Some(other) => Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type {other:?} is not supported"),
            )),
            None => Err(OAuthError::invalid_request("grant_type is required")),
        }
    });
    match result {
        Ok(body) => {
            let mut response = json_response(StatusCode::OK, body);
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => {
            tracing::debug!(
                provider = p.id(),
                error = e.code,
                "demo provider: token request refused: {}",
                e.description
            );
            oauth_error(&e)
        }
    }
}

fn revoke(p: &Provider, headers: &HeaderMap, body: &[u8]) -> Resp {
    let result = form(headers, body).and_then(|params| {
        let client_id = authenticate(p, headers, &params)?;
        let token = params
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
        p.revoke(&client_id, token)
    });
    match result {
        Ok(()) => {
            let mut response = text_response(StatusCode::OK, "application/json", String::new());
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => oauth_error(&e),
    }
}

// ----- resource API ---------------------------------------------------------------

fn invalid_token(description: &str) -> Resp {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        json!({ "error": "invalid_token", "error_description": description }),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// The live access token of a resource request, or why there is none.
fn bearer(p: &Provider, headers: &HeaderMap) -> Result<TokenInfo, &'static str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("missing bearer token")?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err("the Authorization header must be Bearer"),
    };
    p.check_access(token)
        .ok_or("the access token is unknown, expired or revoked")
}

fn whoami(p: &Provider, headers: &HeaderMap) -> Resp {
    match bearer(p, headers) {
        Ok(info) => json_response(
            StatusCode::OK,
            json!({
                "user": info.user,
                "scopes": info.scopes,
                "provider": p.id(),
                "client_id": info.client_id,
            }),
        ),
        Err(why) => invalid_token(why),
    }
}

fn echo(p: &Provider, headers: &HeaderMap, query: &str, body: &[u8]) -> Resp {
    let info = match bearer(p, headers) {
        Ok(info) => info,
        Err(why) => return invalid_token(why),
    };
    let required = match util::parse_unique(query.as_bytes()) {
        Ok(q) => q
            .get("scope")
            .map(|s| util::split_scopes(s))
            .unwrap_or_default(),
        Err(dup) => {
            return oauth_error(&OAuthError::invalid_request(format!(
                "parameter {dup} was sent more than once"
            )));
        }
    };
    let missing: Vec<&String> = required
        .iter()
        .filter(|s| !info.scopes.contains(s))
        .collect();
    if !missing.is_empty() {
        let scope = required.join(" ");
        let mut response = json_response(
            StatusCode::FORBIDDEN,
            json!({
                "error": "insufficient_scope",
                "error_description": format!("the access token lacks scope {}", missing[0]),
                "scope": scope,
            }),
        );
        let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        return response;
    }
    let body: Value = match serde_json::from_slice(body) {
        Ok(body) => body,
        Err(e) => {
            return oauth_error(&OAuthError::invalid_request(format!(
                "the body must be JSON: {e}"
            )));
        }
    };
    json_response(
        StatusCode::OK,
        json!({ "user": info.user, "provider": p.id(), "body": body }),
    )
}

// ----- responses ------------------------------------------------------------------

fn text_response(status: StatusCode, content_type: &'static str, body: String) -> Resp {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_response(status: StatusCode, body: Value) -> Resp {
    text_response(status, "application/json", body.to_string())
}

fn oauth_error(e: &OAuthError) -> Resp {
    let mut response = json_response(e.status, e.body());
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if e.status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"frontmcp-demo-provider\""),
        );
    }
    response
}

fn html_error(p: &Provider, message: &str) -> Resp {
    text_response(
        StatusCode::BAD_REQUEST,
        "text/html; charset=utf-8",
        html::error(p, message),
    )
}

fn redirect(url: &Url) -> Resp {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::FOUND;
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Err(_) => *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR,
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Resp {
    json_response(
        StatusCode::NOT_FOUND,
        json!({ "error": "not_found", "error_description": "no such demo provider endpoint" }),
    )
}

fn method_not_allowed(allowed: &Method) -> Resp {
    let mut response = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        json!({ "error": "method_not_allowed" }),
    );
    if let Ok(value) = HeaderValue::from_str(allowed.as_str()) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
