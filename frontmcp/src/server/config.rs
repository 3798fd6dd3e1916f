//! Transport and naming settings.

use std::time::Duration;

/// How a POST is answered when the client accepts both JSON and SSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// `application/json`: one response, lowest overhead.
    #[default]
    Json,
    /// `text/event-stream`: the response as one SSE event.
    Sse,
}

/// Settings of the Streamable HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Extra origins allowed to call `/mcp` from a browser (`https://app.example.com`).
    /// Loopback origins (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`) are always
    /// allowed; requests without `Origin` (non-browser clients) are allowed.
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body; bigger ones get 413.
    pub max_body_bytes: usize,
    /// Answer format when the client accepts both.
    pub response_mode: ResponseMode,
    /// A session unused for this long is ended.
    pub session_idle_timeout: Duration,
    /// At most this many live sessions; `initialize` beyond it gets 503.
    pub max_sessions: usize,
    /// How long graceful shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Where the metrics are served in Prometheus text (`/metrics`); not at all when `None`, the
    /// default. Needs the `prometheus` feature. Anyone who can reach the server can read them:
    /// they name tools, apps and outcomes, never a token or a user; keep the path off the public
    /// internet (see docs/observability.md).
    pub metrics_path: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            response_mode: ResponseMode::Json,
            session_idle_timeout: Duration::from_secs(60 * 60),
            max_sessions: 100_000,
            shutdown_grace: Duration::from_secs(10),
            metrics_path: None,
        }
    }
}

/// How tool names are formed from app ID and tool name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolNaming {
    /// Prefix tool names with their app's ID, as the seeds do (`slack:send_message`).
    pub namespaced: bool,
    /// What goes between app ID and tool name. The seeds use `:`; MCP 2025-11-25 advises names
    /// of `[A-Za-z0-9_.-]`, so `_` or `.` suit clients that enforce that advice.
    pub separator: String,
}

impl Default for ToolNaming {
    fn default() -> Self {
        Self {
            namespaced: frontmcp_rules::DEFAULT_NAMESPACED,
            separator: frontmcp_rules::DEFAULT_SEPARATOR.into(),
        }
    }
}

impl ToolNaming {
    /// The name clients see for `tool` of `app`.
    pub fn full_name(&self, app: &str, tool: &str) -> String {
        frontmcp_rules::full_tool_name(app, tool, self.namespaced, &self.separator)
    }
}
