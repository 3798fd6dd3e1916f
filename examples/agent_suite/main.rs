//! AgentSuite: the seeds' server made of a CRM, Slack and GitHub.
//!
//! The three apps keep their data in memory so every call has a visible effect. They run in
//! public mode for now; progressive authorization (each app's own OAuth, asked for on first use)
//! is configured on the same apps once the authorization server is in place.
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
    apps(crm::CrmApp, slack::SlackApp, github::GitHubApp)
)]
struct Server;

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::serve_from_env().await
}
