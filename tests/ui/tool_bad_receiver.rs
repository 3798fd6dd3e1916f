use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn by_value(self) -> String {
        "pong".into()
    }

    #[tool]
    async fn mutable(&mut self) -> String {
        "pong".into()
    }

    #[tool]
    async fn no_receiver() -> String {
        "pong".into()
    }
}

fn main() {}
