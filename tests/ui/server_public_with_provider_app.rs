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

// No `auth(mode = "orchestrated")`: nothing would sign users in, so Slack's tokens would have no
// session to live under.
#[front_mcp(info(name = "s", version = "1"), apps(Slack))]
struct Server;

fn main() {}
