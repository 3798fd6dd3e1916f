use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

#[front_mcp(
    info(name = "s", version = "1"),
    apps(Crm),
    auth(mode = "public", consent(enabled = true), token_storage(memory, redis(url_env = "REDIS_URL"))),
    http(host = "localhost", port = 8080, allowed_origins("https://app.example.com/"))
)]
struct Server;

fn main() {}
