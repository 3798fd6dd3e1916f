use frontmcp::prelude::*;

#[derive(Default)]
struct SlackOne;

#[app(name = "Slack")]
impl SlackOne {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

#[derive(Default)]
struct SlackTwo;

#[app(name = "Slack")]
impl SlackTwo {
    #[tool]
    async fn pong(&self) -> String {
        "ping".into()
    }
}

#[front_mcp(info(name = "s", version = "1"), apps(SlackOne, SlackTwo))]
struct Server;

fn main() {}
