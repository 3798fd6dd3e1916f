use frontmcp::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    fn search(&self, input: Query) -> String {
        input.text
    }
}

#[front_mcp(info(name = "crm", version = "1"), apps(Crm))]
struct Server;

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::serve_from_env().await
}
