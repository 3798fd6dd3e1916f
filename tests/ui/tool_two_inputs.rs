use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn update(&self, id: u32, email: String) -> String {
        format!("{id} {email}")
    }

    #[tool]
    async fn by_ref(&self, name: &str) -> String {
        name.to_owned()
    }
}

fn main() {}
