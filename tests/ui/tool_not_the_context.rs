use frontmcp::prelude::*;

// The user's own type of the same name: the context is recognised by type, not by name.
struct ToolContext;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn search(&self, ctx: &ToolContext) -> String {
        let _ = ctx;
        String::new()
    }
}

fn main() {}
