use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn count(&self) -> String {
        "3".into()
    }
}

#[front_mcp(info(name = "crm", version = "1"), apps(Crm), http(max_sessions = 0))]
struct Server;

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::builder().build()?;
    Server::serve_from_env().await
}
