//! The smallest frontmcp server: one app, two tools.
//!
//! ```sh
//! cargo run --example hello            # http://127.0.0.1:3000/mcp
//! FRONTMCP_TRANSPORT=stdio cargo run --example hello
//! ```

use frontmcp::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

#[derive(Deserialize, JsonSchema)]
struct Echo {
    /// The text to send back.
    text: String,
}

#[derive(Default)]
struct HelloApp;

#[app(name = "Hello", description = "Greetings and echoes.")]
impl HelloApp {
    /// Greets someone by name.
    #[tool(read_only = true)]
    async fn greet(&self, input: Greet) -> String {
        format!("Hello, {}!", input.name)
    }

    /// Sends the text back unchanged.
    #[tool(read_only = true, idempotent = true)]
    async fn echo(&self, input: Echo) -> String {
        input.text
    }
}

#[front_mcp(info(name = "hello", version = "1.0.0"), apps(HelloApp))]
struct Server;

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::serve_from_env().await
}
