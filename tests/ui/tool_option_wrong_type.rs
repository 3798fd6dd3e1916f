use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool(read_only = "yes")]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
