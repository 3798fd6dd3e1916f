use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(name = "Slack", auth(mode = "transparent", remote(provider = "https://slack.com/oauth", scopes("chat:write"))))]
impl Slack {
    #[tool(scopes("chat:write"))]
    async fn send(&self) -> String {
        "sent".into()
    }
}

#[front_mcp(
    info(name = "s", version = "1"),
    apps(Slack),
    auth(mode = "orchestrated", session_mode = "stateless")
)]
struct Server;

fn main() {}
