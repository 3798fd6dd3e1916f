use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(
    name = "Slack",
    auth(mode = "transparent", remote(provider = "https://slack.com/oauth", scopes("chat:write")))
)]
impl Slack {
    #[tool(scopes("channels:read"))]
    async fn list(&self) -> String {
        String::new()
    }
}

// The app's mistake is its only error: the server still sees an app.
#[front_mcp(info(name = "s", version = "1"), apps(Slack), auth(mode = "orchestrated"))]
struct Server;

fn main() {
    let _ = Server::builder();
}
