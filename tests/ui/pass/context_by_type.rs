//! The context is recognised by its type, wherever it is and however it is named.
use frontmcp::prelude::*;
use frontmcp::{App, ToolContext as Context};

type Ctx = frontmcp::ToolContext;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn after_input(&self, input: Query, ctx: &ToolContext) -> String {
        format!("{} {}", input.text, ctx.app_id())
    }

    #[tool]
    async fn by_value(&self, ctx: ToolContext) -> String {
        ctx.app_id().to_owned()
    }

    #[tool]
    async fn aliased(&self, ctx: &Ctx, input: Query) -> String {
        format!("{} {}", input.text, ctx.app_id())
    }

    #[tool]
    async fn renamed(&self, ctx: &Context) -> String {
        ctx.app_id().to_owned()
    }

    #[tool]
    async fn qualified(&self, ctx: &frontmcp::ToolContext) -> String {
        ctx.app_id().to_owned()
    }

    #[prompt]
    async fn draft(&self, args: Query, ctx: &Ctx) -> String {
        format!("{} {}", args.text, ctx.app_id())
    }

    #[resource(template = "notes://{id}")]
    async fn note(&self, ctx: Context, id: u32) -> String {
        format!("{id} {}", ctx.app_id())
    }

    #[complete(prompt = "draft")]
    async fn complete_draft(
        &self,
        context: CompletionContext,
        ctx: &Ctx,
        argument: &CompletionArgument,
    ) -> Vec<String> {
        vec![format!("{} {} {}", argument.value, context.arguments.len(), ctx.app_id())]
    }
}

fn main() {
    let app = Crm.descriptor();
    let tools: Vec<&str> = app.tools().iter().map(|t| t.name()).collect();
    assert_eq!(tools, ["after_input", "by_value", "aliased", "renamed", "qualified"]);
    assert_eq!(app.prompts()[0].argument_list()[0].name, "text");
}
