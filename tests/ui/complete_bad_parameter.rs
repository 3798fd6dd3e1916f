use frontmcp::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Greet {
    language: String,
}

#[derive(Default)]
struct Words;

#[app(name = "Words")]
impl Words {
    #[prompt]
    async fn greet(&self, args: Greet) -> String {
        args.language
    }

    #[complete(prompt = "greet")]
    async fn languages(&self, typed: String) -> Vec<String> {
        vec![typed]
    }
}

fn main() {}
