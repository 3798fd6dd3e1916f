use frontmcp::prelude::*;

#[derive(Default)]
struct Notes;

#[app(name = "Notes")]
impl Notes {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

// A shell cannot export a variable whose name starts with a digit.
#[front_mcp(
    info(name = "s", version = "1"),
    apps(Notes),
    auth(mode = "orchestrated", type = "local", token_storage(redis(url_env = "2ND_REDIS_URL")))
)]
struct Server;

fn main() {}
