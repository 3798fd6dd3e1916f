use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn count(&self) -> u32 {
        3
    }
}

fn main() {}
