use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

#[front_mcp(
    info(name = "s", version = "1"),
    apps(Crm),
    http(port = 70000)
)]
struct Server;

fn main() {}
