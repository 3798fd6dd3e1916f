use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn update(&self, id: u32, email: String) -> String {
        format!("{id} {email}")
    }
}

fn main() {}
