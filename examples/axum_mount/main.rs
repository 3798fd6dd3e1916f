//! An axum application of its own (a home page, a JSON API) that mounts an MCP server with
//! progressive authorization beside its routes: the MCP endpoint, the authorization server's
//! endpoints and the health checks come from [`Server::router`], merged into the application's
//! router. Its GitHub app is authorized at the DEMO provider, started here on a free port.
//!
//! ```sh
//! cargo run --example axum_mount      # http://127.0.0.1:3001/ and http://127.0.0.1:3001/mcp
//! ```

use std::net::SocketAddr;

use axum::Json as AxumJson;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use frontmcp::prelude::*;
use frontmcp_demo_provider::DemoProvider;

#[derive(Deserialize, JsonSchema)]
struct NewIssue {
    /// The issue's title.
    title: String,
}

/// Issues on GitHub: its own provider, so the user authorizes it the first time a tool needs it.
#[derive(Default)]
struct GitHubApp;

#[app(
    name = "GitHub",
    auth(
        mode = "transparent",
        remote(
            provider = "https://github.com/login/oauth",
            scopes("repo"),
            client_id = "axum-mount"
        )
    )
)]
impl GitHubApp {
    /// Opens an issue.
    #[tool(scopes("repo"))]
    async fn create_issue(&self, ctx: &ToolContext, input: NewIssue) -> ToolResult<String> {
        // The app's token from the vault: the tool runs only once the user authorized GitHub.
        let token = ctx.app_token().await?;
        Ok(format!(
            "opened \"{}\" with a {}-byte token",
            input.title,
            token.len()
        ))
    }
}

/// Notes of the signed-in user: covered by the sign-in.
#[derive(Default)]
struct NotesApp;

#[app(name = "Notes")]
impl NotesApp {
    /// Says who is signed in.
    #[tool(read_only = true)]
    async fn whoami(&self, ctx: &ToolContext) -> String {
        ctx.user().unwrap_or("nobody").to_owned()
    }
}

#[front_mcp(
    info(name = "axum-mount", version = "1.0.0"),
    apps(NotesApp, GitHubApp),
    auth(mode = "orchestrated", type = "local", consent(enabled = true))
)]
struct McpServer;

async fn home() -> Html<&'static str> {
    Html(
        "<!DOCTYPE html><title>My app</title><h1>My app</h1><p>Its MCP server is at <code>/mcp</code>.</p>",
    )
}

async fn status() -> AxumJson<serde_json::Value> {
    AxumJson(serde_json::json!({"app": "my-app", "ok": true}))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    frontmcp::env::init_tracing(std::env::var("RUST_LOG").ok().as_deref())?;
    let addr: SocketAddr = std::env::var("FRONTMCP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3001".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    // A mounted server is told its public URL: it does not bind the listener itself.
    let issuer = std::env::var("FRONTMCP_ISSUER").unwrap_or_else(|_| format!("http://{bound}"));
    let demo = DemoProvider::builder().bind("127.0.0.1:0").await?;
    tracing::warn!(provider = %demo.url("github"), "DEMO provider plays GitHub");
    let mcp = McpServer::builder()
        .issuer(issuer)
        .upstream_provider("github", demo.url("github"))
        .build_async()
        .await?;
    let app = Router::new()
        .route("/", get(home))
        .route("/api/status", get(status))
        .merge(mcp.router().await?);
    tracing::info!(url = %format!("http://{bound}/mcp"), "MCP server listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
