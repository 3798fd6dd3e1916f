use frontmcp::prelude::*;

#[derive(Default)]
struct Hyphen;

// `my-app`: its variables are FRONTMCP_MY_APP_*.
#[app(name = "My App")]
impl Hyphen {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

#[derive(Default)]
struct Underscore;

// `my_app` reads the same FRONTMCP_MY_APP_* variables.
#[app(name = "Other", id = "my_app")]
impl Underscore {
    #[tool]
    async fn pong(&self) -> String {
        "ping".into()
    }
}

#[front_mcp(info(name = "s", version = "1"), apps(Hyphen, Underscore))]
struct Server;

fn main() {}
