//! Support for the workspace tests: a server on an ephemeral loopback port, a raw HTTP client
//! that shows status codes and headers as they are, and the locations of built examples.

use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

pub use frontmcp;
pub use frontmcp_redis_fixtures::{own_redis, redis_nodes};

pub mod apps;
pub mod documents;
pub mod fuzzing;
pub mod oauth;
pub mod progressive;
pub mod stores;
pub mod tools;

/// A server builder that reads no variable from the process environment: a developer's exported
/// `REDIS_URL` or `FRONTMCP_*` must not change what a test tests. Tests that want a variable give
/// it with [`ServerBuilder::environment`](frontmcp::ServerBuilder::environment).
pub fn builder(name: &str, version: &str) -> frontmcp::ServerBuilder {
    frontmcp::Server::builder(name, version).environment(frontmcp::env::Environment::empty())
}

/// A command for a server process that inherits no configuration variable (`REDIS_URL`,
/// `FRONTMCP_*`) from the developer's shell: only what the test sets.
pub fn isolated_command(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    for (name, _) in std::env::vars_os() {
        let name_str = name.to_string_lossy();
        if name == "REDIS_URL" || name_str.starts_with("FRONTMCP_") || name_str.starts_with("OTEL_")
        {
            command.env_remove(name);
        }
    }
    command
}

/// A server running in this process on `127.0.0.1:0`.
#[derive(Debug)]
pub struct TestServer {
    running: Option<frontmcp::RunningServer>,
    /// `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    /// The server itself, for inspection.
    pub server: frontmcp::Server,
}

impl TestServer {
    /// Builds and starts `builder`.
    pub async fn start(builder: frontmcp::ServerBuilder) -> Self {
        let server = builder.build_async().await.expect("test server builds");
        let running = server
            .clone()
            .bind("127.0.0.1:0".parse().unwrap())
            .await
            .expect("binds");
        let url = running.mcp_url();
        Self {
            running: Some(running),
            url,
            server,
        }
    }

    /// Graceful shutdown.
    pub async fn shutdown(mut self) {
        self.running
            .take()
            .expect("running")
            .shutdown()
            .await
            .expect("clean shutdown");
    }
}

/// What came back from one HTTP request.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The body as JSON; for an SSE body, the `data:` of the first event.
    pub fn json(&self) -> Value {
        let text = if self.is_sse() {
            self.body
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .expect("an SSE data line")
        } else {
            &self.body
        };
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Whether the body is an event stream.
    pub fn is_sse(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.starts_with("text/event-stream"))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON-RPC error code in the body.
    pub fn error_code(&self) -> i64 {
        self.json()["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error in {}", self.body))
    }
}

/// A raw HTTP client for `/mcp`.
#[derive(Clone, Debug)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    /// The `/mcp` URL.
    pub url: String,
}

/// The headers an MCP client sends with a POST.
pub const MCP_POST: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("accept", "application/json, text/event-stream"),
];

impl Http {
    /// A client for `url`.
    pub fn new(url: &str) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            url: url.to_owned(),
        }
    }

    /// Any request to `path` (relative to the server root) with headers and body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let root = self.url.trim_end_matches("/mcp");
        self.fetch(method, &format!("{root}{path}"), headers, body)
            .await
    }

    /// Any request to an absolute `url` (another server too, such as the demo provider).
    pub async fn fetch(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .client
            .request(req.body(Full::new(body.into())).unwrap())
            .await
            .expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body read")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// POST `/mcp` with the usual MCP headers plus `extra`.
    pub async fn post(&self, extra: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let headers: Vec<(&str, &str)> = MCP_POST.iter().chain(extra).copied().collect();
        self.request(Method::POST, "/mcp", &headers, body).await
    }

    /// Initializes a session at `version`; returns its ID.
    pub async fn initialize(&self, version: &str) -> String {
        self.initialize_with(version, json!({})).await
    }

    /// Initializes with client capabilities.
    pub async fn initialize_with(&self, version: &str, capabilities: Value) -> String {
        let reply = self
            .post(&[], initialize_body(version, capabilities).to_string())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let session = reply
            .header("mcp-session-id")
            .expect("a session ID")
            .to_owned();
        let notified = self
            .post(
                &[("mcp-session-id", &session)],
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
            )
            .await;
        assert_eq!(notified.status, StatusCode::ACCEPTED);
        session
    }

    /// A request within a session; returns the reply.
    pub async fn rpc(&self, session: &str, method: &str, params: Value) -> Reply {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post(&[("mcp-session-id", session)], body.to_string())
            .await
    }

    /// A 2026-07-28 request: `params` with the standard `_meta` (declaring `capabilities`), the
    /// standard headers, then `extra` (which replace them by name).
    pub async fn stateless(
        &self,
        method: &str,
        params: Value,
        capabilities: Value,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut params = params;
        params["_meta"] = stateless_meta(capabilities);
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        self.stateless_body(&body, extra).await
    }

    /// POSTs a 2026-07-28 `body` with its standard headers, then `extra` (which replace them by
    /// name; an empty value removes one).
    pub async fn stateless_body(&self, body: &Value, extra: &[(&str, &str)]) -> Reply {
        let mut headers: Vec<(String, String)> = MCP_POST
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .chain(stateless_headers(body))
            .collect();
        for (name, value) in extra {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                headers.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        self.request(Method::POST, "/mcp", &headers, body.to_string())
            .await
    }

    /// `tools/call` within a session; returns the JSON-RPC `result` or `error` object.
    pub async fn call(&self, session: &str, tool: &str, arguments: Value) -> Value {
        let reply = self
            .rpc(
                session,
                "tools/call",
                json!({"name": tool, "arguments": arguments}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let json = reply.json();
        json.get("result")
            .or_else(|| json.get("error"))
            .cloned()
            .expect("result or error")
    }
}

/// Waits until `condition` holds, checking every 20 ms for up to 5 s; panics naming `what` when it
/// never does (for what another task or process does in its own time).
pub async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut condition: impl FnMut() -> F,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !condition().await {
        assert!(
            std::time::Instant::now() < deadline,
            "not within 5 s: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The `_meta` every 2026-07-28 request carries: its version, the client and `capabilities`.
pub fn stateless_meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "frontmcp-tests", "version": "0"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

/// The standard headers of a 2026-07-28 request for `body`: `MCP-Protocol-Version`,
/// `Mcp-Method`, and `Mcp-Name` for the methods that name something.
pub fn stateless_headers(body: &Value) -> Vec<(String, String)> {
    let method = body["method"].as_str().unwrap_or_default().to_owned();
    let mut headers = vec![
        ("mcp-protocol-version".to_owned(), "2026-07-28".to_owned()),
        ("mcp-method".to_owned(), method),
    ];
    let params = &body["params"];
    if let Some(name) = params["name"].as_str().or_else(|| params["uri"].as_str()) {
        headers.push(("mcp-name".to_owned(), name.to_owned()));
    }
    headers
}

/// An `initialize` request body.
pub fn initialize_body(version: &str, capabilities: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": capabilities,
            "clientInfo": {"name": "frontmcp-tests", "version": "0"}
        }
    })
}

/// The path of an example binary, built first.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>, or target/<profile>/<binary>.
    let dir = exe.parent().expect("the executable is in a directory");
    let profile_dir = if dir.ends_with("deps") {
        dir.parent().expect("target/<profile>/deps")
    } else {
        dir
    };
    // cargo builds other packages' examples only with --workspace: build it here so a test
    // never runs a stale binary (a no-op when it is current).
    let mut build = std::process::Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--quiet",
            "-p",
            "frontmcp-examples",
            "--example",
            name,
        ])
        .current_dir(repo_root());
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(
        build.status().expect("cargo runs").success(),
        "building example {name} failed"
    );
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing after the build",
        path.display()
    );
    path
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repo")
        .to_path_buf()
}

/// An example server as a child process on an ephemeral port, killed when dropped.
#[derive(Debug)]
pub struct ExampleServer {
    child: std::process::Child,
    /// Its `/mcp` URL.
    pub url: String,
}

impl ExampleServer {
    /// Starts example `name` (built first) on `127.0.0.1:0`.
    pub fn start(name: &str) -> Self {
        Self::start_with(name, &[])
    }

    /// Starts example `name` with extra environment variables.
    pub fn start_with(name: &str, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let mut child = isolated_command(example_binary(name))
            .env("FRONTMCP_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("example starts");
        // The bound port is only known from the server's "listening" log line.
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let name = name.to_owned();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(start) = line
                    .contains("MCP server listening")
                    .then(|| line.find("url=http://"))
                    .flatten()
                {
                    let _ = tx.send(
                        line[start + 4..]
                            .split_whitespace()
                            .next()
                            .unwrap_or("")
                            .to_owned(),
                    );
                }
                eprintln!("[{name}] {line}");
            }
        });
        let url = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the server logs its URL");
        Self { child, url }
    }

    /// Runs example `name` with `env`, expecting it to refuse to start: its exit status and
    /// everything it wrote to stderr.
    pub fn refused_start(name: &str, env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
        let output = isolated_command(example_binary(name))
            .env("FRONTMCP_ADDR", "127.0.0.1:0")
            .envs(env.iter().copied())
            .output()
            .expect("example runs");
        (
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// The server's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server (as a crash would) and waits for it to exit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A session token for `user` of `agent_suite`, with Slack and GitHub authorized.
    pub fn token(&self, user: &str) -> String {
        self.token_for(user, &["slack", "github"])
    }

    /// A session token for `user`, obtained like a client would (register, sign in, consent with
    /// `apps` authorized at their providers, code).
    pub fn token_for(&self, user: &str, apps: &[&str]) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let browser = progressive::UserAgent::new(&Http::new(&self.url));
        let decisions: Vec<(&str, progressive::Decision)> = apps
            .iter()
            .map(|app| (*app, progressive::Decision::Authorize))
            .collect();
        let (_, tokens) = runtime.block_on(browser.sign_in(user, &decisions));
        tokens["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The vault key of processes that share a Redis in the tests.
pub const SHARED_VAULT_KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Two `agent_suite` processes sharing the Redis at `redis` (so its clients, sessions, signing
/// key and vault) and a public URL, `issuer`, as instances behind a load balancer do; `env` adds
/// to that.
pub async fn agent_suites_sharing(
    redis: &str,
    issuer: &str,
    env: &[(&str, &str)],
) -> (ExampleServer, ExampleServer) {
    let mut all: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), redis.into()),
        ("FRONTMCP_ISSUER".into(), issuer.into()),
        ("FRONTMCP_VAULT_KEYS".into(), SHARED_VAULT_KEYS.into()),
    ];
    all.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        (
            ExampleServer::start_with("agent_suite", &env),
            ExampleServer::start_with("agent_suite", &env),
        )
    })
    .await
    .expect("both processes start")
}

/// Database 15 of the machine's Redis at `127.0.0.1:6379`, or `None` (after a loud notice) when
/// it does not answer outside CI. In CI an unreachable Redis fails `test`. A developer's
/// `REDIS_URL` is deliberately not read: it must not change what the tests test.
pub fn shared_redis(test: &str) -> Option<String> {
    use std::io::Write;
    let host = "127.0.0.1:6379";
    if std::net::TcpStream::connect(host).is_ok() {
        return Some(format!("redis://{host}/15"));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Redis is required in CI for {test} ({host})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPING {test}: no Redis at {host} (this would fail in CI) !!!!!\n"
    );
    None
}
