use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool(name = "find")]
    async fn find_contact(&self) -> String {
        "a".into()
    }

    #[tool(name = "find")]
    async fn find_company(&self) -> String {
        "b".into()
    }
}

fn main() {}
