use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(
    name = "Slack",
    auth(mode = "transparent", remote(provider = "http://slack.com/oauth", scopes("chat:write", "bad scope"), client_secret_env = "slack-secret"))
)]
impl Slack {
    #[tool(scopes("admin"))]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
