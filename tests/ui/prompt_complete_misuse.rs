use frontmcp::prelude::*;

#[derive(Default)]
struct Writer;

#[derive(Deserialize, JsonSchema)]
struct Topic {
    topic: String,
}

#[app(name = "Writer")]
impl Writer {
    #[prompt(name = "has space")]
    async fn bad_name(&self) -> &'static str {
        ""
    }

    #[prompt]
    async fn draft(&self, topic: Topic) -> String {
        topic.topic
    }

    #[prompt(name = "draft")]
    async fn draft_again(&self) -> &'static str {
        ""
    }

    #[complete]
    async fn says_nothing(&self, argument: CompletionArgument) -> Vec<String> {
        vec![argument.value]
    }

    #[complete(prompt = "missing")]
    async fn unknown_prompt(&self, argument: CompletionArgument) -> Vec<String> {
        vec![argument.value]
    }

    #[complete(resource = "draft")]
    async fn not_a_template(&self, argument: CompletionArgument) -> Vec<String> {
        vec![argument.value]
    }

    #[complete(prompt = "draft", resource = "x")]
    async fn both(&self, argument: CompletionArgument) -> Vec<String> {
        vec![argument.value]
    }
}

fn main() {}
