//! AgentSuite: the seeds' server made of a CRM, Slack and GitHub.
//!
//! The three apps keep their data in memory so every call has a visible effect. The server is its
//! own OAuth 2.1 authorization server (`orchestrated`, `local`): MCP clients discover it, register,
//! send the user through the development login and the consent screen, and call tools with the
//! session token. CRM tools need the `crm:read` / `crm:write` scopes.
//!
//! ```sh
//! cargo run --example agent_suite      # http://127.0.0.1:3000/mcp
//! ```

mod crm;
mod github;
mod slack;

use frontmcp::prelude::*;

#[front_mcp(
    info(
        name = "AgentSuite",
        version = "1.0.0",
        title = "Agent Suite",
        instructions = "CRM contacts, Slack messages and GitHub issues. Tool names start with the app: crm:, slack:, github:."
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

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::serve_from_env().await
}
