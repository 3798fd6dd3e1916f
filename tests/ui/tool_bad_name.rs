use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool(name = "find contact")]
    async fn find(&self) -> String {
        "a".into()
    }
}

fn main() {}
