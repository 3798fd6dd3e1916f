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

#[front_mcp(apps(Crm))]
struct Server;

fn main() {}
