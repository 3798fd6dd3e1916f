//! The servers the bench drives, each run as a child process of the bench binary (so each has its
//! own resident memory): the official Rust SDK's echo, the raw hyper floor, and frontmcp echo
//! servers with authorization off or on. The hello example itself runs as its own binary.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use frontmcp::auth::oauth::RateLimits;
use frontmcp::auth::store::{MemoryStore, RedisStore, Store};
use frontmcp::auth::vault::VaultKeys;
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The arguments of every echo tool here.
#[derive(Deserialize, JsonSchema)]
pub struct Echo {
    /// The text to send back.
    text: String,
}

/// The echo tool written with `rmcp`, as its own examples write tools.
#[derive(Clone)]
struct RmcpEcho {
    tool_router: ToolRouter<Self>,
}

#[rmcp::tool_router]
impl RmcpEcho {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    /// Sends the text back unchanged.
    #[rmcp::tool(annotations(read_only_hint = true, idempotent_hint = true))]
    fn echo(&self, Parameters(input): Parameters<Echo>) -> String {
        input.text
    }
}

#[rmcp::tool_handler(router = self.tool_router)]
impl rmcp::ServerHandler for RmcpEcho {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

/// Serves `rmcp`'s streamable HTTP service on `addr`: stateless with JSON responses (`json`), or
/// with sessions, which `rmcp` answers as SSE.
pub async fn rmcp(addr: SocketAddr, json: bool) -> anyhow::Result<()> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(!json)
        .with_json_response(json)
        .with_sse_keep_alive(None);
    let service: StreamableHttpService<RmcpEcho, LocalSessionManager> =
        StreamableHttpService::new(|| Ok(RmcpEcho::new()), Default::default(), config);
    serve_hyper(addr, TowerToHyperService::new(service)).await
}

/// The floor: hyper and serde_json answering `tools/call` of `echo` and nothing else; no
/// sessions, no schema, no dispatch.
pub async fn floor(addr: SocketAddr) -> anyhow::Result<()> {
    let echo = service_fn(|req: Request<Incoming>| async move {
        let body = match req.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => return Ok(status(StatusCode::BAD_REQUEST)),
        };
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            return Ok(status(StatusCode::BAD_REQUEST));
        };
        let answer = match message["method"].as_str() {
            Some("tools/call") if message["params"]["name"] == "echo" => json!({
                "jsonrpc": "2.0",
                "id": message["id"],
                "result": {"content": [{"type": "text", "text": message["params"]["arguments"]["text"]}]}
            }),
            _ => return Ok(status(StatusCode::NOT_FOUND)),
        };
        let bytes = serde_json::to_vec(&answer).expect("JSON serializes");
        Ok(Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(bytes)))
            .expect("a valid response"))
    });
    serve_hyper(addr, echo).await
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// Accepts connections on `addr` and serves each with `service`, HTTP/1.1 or HTTP/2, as the
/// frontmcp transport does.
async fn serve_hyper<S, B>(addr: SocketAddr, service: S) -> anyhow::Result<()>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind(addr).await.context("binding")?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The echo tool in a frontmcp app with its own upstream provider: a call verifies the session
/// token and reads the token vault.
#[derive(Default)]
struct VaultApp;

#[app(
    name = "Vault",
    auth(
        mode = "transparent",
        remote(
            provider = "https://slack.com/oauth",
            scopes("chat:write"),
            client_id = "bench"
        )
    )
)]
impl VaultApp {
    /// Sends the text back unchanged.
    #[tool(read_only = true, idempotent = true)]
    async fn echo(&self, input: Echo) -> String {
        input.text
    }
}

/// The same echo tool, in an app without authorization.
#[derive(Default)]
struct PublicApp;

#[app(name = "Public")]
impl PublicApp {
    /// Sends the text back unchanged.
    #[tool(read_only = true, idempotent = true)]
    async fn echo(&self, input: Echo) -> String {
        input.text
    }
}

/// A frontmcp echo server's authorization.
#[derive(Debug, Clone)]
pub enum Auth {
    /// None: `public:echo`.
    Off,
    /// Sign-in, the app's provider at this URL, the vault in memory: `vault:echo`.
    Memory(String),
    /// Sign-in, the app's provider at the first URL, the vault in Redis at the second.
    Redis(String, String),
}

/// Serves a frontmcp echo server on `addr`.
pub async fn frontmcp_echo(addr: SocketAddr, auth: Auth) -> anyhow::Result<()> {
    let server = match auth {
        Auth::Off => frontmcp_tests::builder("bench", "1").app(PublicApp),
        Auth::Memory(upstream) => vault_server(Arc::new(MemoryStore::new()), &upstream),
        Auth::Redis(upstream, url) => {
            let prefix = format!("frontmcp-bench-{}:", std::process::id());
            vault_server(
                Arc::new(RedisStore::connect(&url, &prefix).await?),
                &upstream,
            )
        }
    };
    run(server.build_async().await?, addr).await
}

/// An orchestrated server of the echo tool twice: in an app covered by the sign-in (`public`)
/// and in an app with its own provider (`vault`: the DEMO provider's Slack at `upstream`), its
/// vault in `store`.
pub fn vault_server(store: Arc<dyn Store>, upstream: &str) -> ServerBuilder {
    frontmcp_tests::builder("bench", "1")
        .app(PublicApp)
        .app(VaultApp)
        .auth(ServerAuth {
            mode: ServerAuthMode::Orchestrated,
            consent: ConsentConfig { enabled: true },
            ..Default::default()
        })
        .store(store)
        .vault_keys(VaultKeys::generate())
        .upstream_provider("vault", upstream)
        // The bench signs thousands of users in from one address with one client, which the
        // rate limits exist to refuse.
        .rate_limits(RateLimits::off())
}

async fn run(server: Server, addr: SocketAddr) -> anyhow::Result<()> {
    // Runs until the bench kills the process.
    let _running = server.bind(addr).await?;
    std::future::pending().await
}
