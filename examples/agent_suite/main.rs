//! AgentSuite: the seeds' server made of a CRM, Slack and GitHub, with progressive authorization.
//!
//! The server is its own OAuth 2.1 authorization server (`orchestrated`, `local`): MCP clients
//! discover it, register, and send the user through the sign-in (a development login) and the
//! consent screen. The CRM is covered by that sign-in. Slack and GitHub have their own providers:
//! the user authorizes each on the consent screen, or skips it and authorizes it later, when one
//! of its tools answers `AUTH_REQUIRED` with a link. Their tokens live in the token vault, and the
//! session token the client holds never changes.
//!
//! Slack and GitHub are played by the DEMO provider (`frontmcp-demo-provider`), started here on a
//! free loopback port, so the whole flow works on a fresh machine. Point an app at a real provider
//! with `FRONTMCP_SLACK_PROVIDER` / `FRONTMCP_GITHUB_PROVIDER` (and `_CLIENT_ID`,
//! `_CLIENT_SECRET`); the demo provider is not started when both are set.
//!
//! ```sh
//! cargo run --example agent_suite      # http://127.0.0.1:3000/mcp
//! ```

mod crm;
mod github;
mod provider_api;
mod slack;

use frontmcp::prelude::*;
use frontmcp_demo_provider::DemoProvider;

#[front_mcp(
    info(
        name = "AgentSuite",
        version = "1.0.0",
        title = "Agent Suite",
        instructions = "CRM contacts, Slack messages and GitHub issues. Tool names start with the app: crm:, slack:, github:. A tool of an app the user has not authorized yet answers AUTH_REQUIRED with a link for the user to open."
    ),
    apps(crm::CrmApp, slack::SlackApp, github::GitHubApp),
    auth(
        mode = "orchestrated",
        type = "local",
        consent(enabled = true),
        session_mode = "stateful"
    )
)]
struct Server;

/// The apps whose provider the demo plays unless the environment names a real one.
const DEMO_APPS: [&str; 2] = ["slack", "github"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    frontmcp::env::init_tracing(std::env::var("RUST_LOG").ok().as_deref())?;
    let mut server = Server::builder();
    let demo_apps: Vec<&str> = DEMO_APPS
        .into_iter()
        .filter(|app| std::env::var_os(provider_var(app)).is_none())
        .collect();
    // Kept alive until the server stops.
    let _demo = if demo_apps.is_empty() {
        None
    } else {
        let addr = std::env::var("AGENT_SUITE_DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:0".into());
        let demo = DemoProvider::builder().bind(addr.as_str()).await?;
        for app in demo_apps {
            tracing::warn!(
                app,
                provider = %demo.url(app),
                "DEMO provider plays this app (set {} to use a real one)",
                provider_var(app)
            );
            server = server.upstream_provider(app, demo.url(app));
        }
        Some(demo)
    };
    server.serve_from_env().await?;
    Ok(())
}

fn provider_var(app: &str) -> String {
    format!("FRONTMCP_{}_PROVIDER", app.to_ascii_uppercase())
}
