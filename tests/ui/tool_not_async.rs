use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    fn ping(&self) -> String {
        "pong".into()
    }
}

fn main() {}
