use frontmcp::prelude::*;

struct Query {
    text: String,
}

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn search(&self, input: Query) -> String {
        input.text
    }
}

fn main() {}
