use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(name = "Slack", auth(mode = "transparnet"))]
impl Slack {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
