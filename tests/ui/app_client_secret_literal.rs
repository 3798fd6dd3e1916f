use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(name = "Slack", auth(mode = "transparent", remote(provider = "https://slack.com/oauth", client_secret = "hunter2")))]
impl Slack {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
