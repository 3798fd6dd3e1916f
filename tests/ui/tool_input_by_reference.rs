use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn by_ref(&self, name: &str) -> String {
        name.to_owned()
    }

    #[tool]
    async fn mutable_context(&self, ctx: &mut ToolContext) -> String {
        ctx.app_id().to_owned()
    }

    #[tool]
    async fn three(&self, ctx: &ToolContext, a: u32, b: u32) -> String {
        format!("{} {a} {b}", ctx.app_id())
    }
}

fn main() {}
