use frontmcp::prelude::*;

#[tool]
async fn ping() -> String {
    "pong".into()
}

fn main() {}
