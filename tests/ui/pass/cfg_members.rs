//! A member's `#[cfg]` applies to everything generated for it.
use frontmcp::App;
use frontmcp::prelude::*;

#[derive(Default)]
struct Ops;

#[app(name = "Ops")]
impl Ops {
    #[tool]
    async fn always(&self) -> String {
        String::new()
    }

    #[cfg(any())]
    #[tool]
    async fn never(&self, input: TypeThatDoesNotExist) -> String {
        input.0
    }

    #[cfg(unix)]
    #[tool(name = "platform")]
    async fn platform_unix(&self) -> String {
        "unix".into()
    }

    #[cfg(not(unix))]
    #[tool(name = "platform")]
    async fn platform_other(&self) -> String {
        "other".into()
    }

    #[cfg(any())]
    #[resource(uri = "ops://never")]
    async fn never_read(&self) -> String {
        String::new()
    }

    #[cfg(any())]
    #[prompt]
    async fn never_asked(&self) -> String {
        String::new()
    }

    #[cfg(any())]
    #[complete(prompt = "never_asked")]
    async fn never_completed(&self, argument: CompletionArgument) -> Vec<String> {
        vec![argument.value]
    }
}

fn main() {
    let app = Ops.descriptor();
    let tools: Vec<&str> = app.tools().iter().map(|t| t.name()).collect();
    assert_eq!(tools, ["always", "platform"]);
    assert!(app.resources().is_empty());
    assert!(app.prompts().is_empty());
}
