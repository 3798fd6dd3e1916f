use frontmcp::prelude::*;

#[derive(Default)]
struct NotAnApp;

#[front_mcp(info(name = "s", version = "1"), apps(NotAnApp))]
struct Server;

fn main() {}
