use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM", colour = "red")]
impl Crm {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
