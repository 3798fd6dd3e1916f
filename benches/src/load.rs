//! The load generator every server is driven with: `concurrency` keep-alive HTTP/1.1 connections
//! on loopback, each sending `tools/call` after `tools/call` for a fixed time, as an MCP client
//! would (its own session where the server has sessions).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

/// The handshake revision the clients with sessions, and those without, speak.
const VERSION: &str = "2025-11-25";
/// The stateless revision.
const MODERN: &str = "2026-07-28";

/// How a client talks MCP to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// 2025-11-25: each connection first opens a session (`initialize`, `initialized`).
    Sessions,
    /// 2025-11-25 without a session, as stateless servers (`rmcp`'s, the floor) take it.
    Sessionless,
    /// 2026-07-28: no session; each request carries its `_meta` and the standard headers
    /// (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`).
    Stateless,
}

/// How a client talks to one server.
#[derive(Debug, Clone)]
pub struct Target {
    /// The name in reports.
    pub name: String,
    /// Where it listens (the path is `/mcp`).
    pub addr: SocketAddr,
    /// The tool that echoes.
    pub tool: String,
    /// How it talks MCP.
    pub wire: Wire,
    /// `Accept` of the calls: both JSON and SSE (the server picks), or SSE only.
    pub accept: &'static str,
    /// A session token, when the server wants one.
    pub bearer: Option<String>,
}

impl Target {
    /// A target on `wire` that accepts JSON or SSE and sends no token.
    pub fn new(name: &str, addr: SocketAddr, tool: &str, wire: Wire) -> Self {
        Self {
            name: name.to_owned(),
            addr,
            tool: tool.to_owned(),
            wire,
            accept: "application/json, text/event-stream",
            bearer: None,
        }
    }
}

/// One connection, ready to call.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    target: Target,
    session: Option<String>,
}

impl Connection {
    /// Connects and, for servers with sessions, initializes one.
    pub async fn open(target: &Target) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(target.addr)
            .await
            .with_context(|| format!("connecting to {}", target.name))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let mut connection = Self {
            sender,
            target: target.clone(),
            session: None,
        };
        if target.wire == Wire::Sessions {
            let initialize = json!({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "frontmcp-bench", "version": "1"}}
            });
            let (status, headers, body) = connection
                .post(
                    "application/json, text/event-stream",
                    serde_json::to_vec(&initialize)?,
                )
                .await?;
            ensure!(
                status == StatusCode::OK,
                "{}: initialize answered {status}: {}",
                target.name,
                String::from_utf8_lossy(&body)
            );
            let id = headers
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
                .with_context(|| format!("{}: no Mcp-Session-Id", target.name))?;
            connection.session = Some(id.to_owned());
            let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let (status, _, _) = connection
                .post(
                    "application/json, text/event-stream",
                    serde_json::to_vec(&initialized)?,
                )
                .await?;
            ensure!(
                status == StatusCode::ACCEPTED,
                "{}: initialized answered {status}",
                target.name
            );
        }
        Ok(connection)
    }

    async fn post(
        &mut self,
        accept: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(StatusCode, hyper::HeaderMap, Bytes)> {
        let mut request = Request::post("/mcp")
            .header("host", self.target.addr.to_string())
            .header("content-type", "application/json")
            .header("accept", accept);
        request = if self.target.wire == Wire::Stateless {
            request
                .header("mcp-protocol-version", MODERN)
                .header("mcp-method", "tools/call")
                .header("mcp-name", &self.target.tool)
        } else {
            request.header("mcp-protocol-version", VERSION)
        };
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        if let Some(token) = &self.target.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.sender.ready().await?;
        let response = self
            .sender
            .send_request(request.body(Full::new(Bytes::from(body)))?)
            .await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    /// One `tools/call` of the echo tool; checks the answer is the echo.
    pub async fn call(&mut self) -> anyhow::Result<()> {
        let body = call_body(&self.target.tool, self.target.wire);
        let accept = self.target.accept;
        let (status, _, answer) = self.post(accept, body).await?;
        if status != StatusCode::OK {
            bail!(
                "{}: tools/call answered {status}: {}",
                self.target.name,
                String::from_utf8_lossy(&answer)
            );
        }
        // JSON or one SSE event: either way the echoed text is in it, and no error.
        let text = std::str::from_utf8(&answer)?;
        if !text.contains(r#""text":"bench""#) || text.contains(r#""isError":true"#) {
            bail!("{}: not the echo: {text}", self.target.name);
        }
        Ok(())
    }
}

fn call_body(tool: &str, wire: Wire) -> Vec<u8> {
    let mut params = json!({"name": tool, "arguments": {"text": "bench"}});
    if wire == Wire::Stateless {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientInfo": {"name": "frontmcp-bench", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {},
        });
    }
    serde_json::to_vec(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}),
    )
    .expect("JSON serializes")
}

/// What one run measured.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    /// Calls answered inside the measured window.
    pub requests: u64,
    /// Calls that failed (any time).
    pub errors: u64,
    /// The measured window.
    pub elapsed: Duration,
    /// Each measured call's latency, in microseconds.
    pub latencies: Vec<u32>,
}

impl Sample {
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Adds another run's calls.
    pub fn merge(&mut self, other: Sample) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
    }

    /// The latency below which `q` (0..1) of the calls fall.
    pub fn percentile(&mut self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        Duration::from_micros(u64::from(self.latencies[i]))
    }
}

/// Drives `target` with `concurrency` connections: `warmup` unmeasured, then `window` measured.
pub async fn run(
    target: &Target,
    concurrency: usize,
    warmup: Duration,
    window: Duration,
) -> anyhow::Result<Sample> {
    let mut connections = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        connections.push(Connection::open(target).await?);
    }
    let start = Instant::now() + warmup;
    let end = start + window;
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|mut connection| {
            tokio::spawn(async move {
                let mut sample = Sample::default();
                let mut first_error = None;
                loop {
                    let before = Instant::now();
                    if before >= end {
                        break;
                    }
                    let result = connection.call().await;
                    let after = Instant::now();
                    match result {
                        Err(e) => {
                            sample.errors += 1;
                            first_error.get_or_insert(e);
                        }
                        Ok(()) if before >= start && after <= end => {
                            sample.requests += 1;
                            let micros = (after - before).as_micros();
                            sample
                                .latencies
                                .push(micros.min(u128::from(u32::MAX)) as u32);
                        }
                        Ok(()) => {}
                    }
                }
                (sample, first_error)
            })
        })
        .collect();
    let mut total = Sample::default();
    for task in tasks {
        let (sample, error) = task.await?;
        if let Some(e) = error {
            bail!("{} errors; the first: {e:#}", sample.errors);
        }
        total.requests += sample.requests;
        total.latencies.extend(sample.latencies);
    }
    total.elapsed = window;
    Ok(total)
}
