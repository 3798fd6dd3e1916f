use frontmcp::prelude::*;

#[derive(Default)]
struct Slack;

#[app(name = "Slack", exclude_from_parent = true)]
impl Slack {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
