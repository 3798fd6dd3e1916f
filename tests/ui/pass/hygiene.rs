//! The generated code works whatever the user's crate names: it names only
//! `::frontmcp::__private` paths, and its locals are hygienic.
#![allow(dead_code, non_camel_case_types)]

use frontmcp::App;
use frontmcp::prelude::*;

struct Result;
struct Box;
struct String;
struct Vec;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Clone;
struct Default;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: std::string::String,
}

#[derive(::std::default::Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn search(&self, ctx: &ToolContext, input: Query) -> std::string::String {
        format!("{} {}", input.text, ctx.app_id())
    }

    #[resource(template = "crm://contacts/{id}")]
    async fn contact(&self, ctx: &ToolContext, id: u32) -> std::string::String {
        format!("{id} {}", ctx.app_id())
    }

    #[prompt]
    async fn draft(&self, args: Query) -> std::string::String {
        args.text
    }

    #[complete(prompt = "draft")]
    async fn complete_draft(&self, argument: CompletionArgument) -> std::vec::Vec<std::string::String> {
        std::vec![argument.value]
    }
}

#[front_mcp(info(name = "crm", version = "1"), apps(Crm), http(port = 8080))]
struct Server;

fn main() {
    assert_eq!(Crm.descriptor().tools().len(), 1);
    let _ = Server::builder().build().unwrap();
}
