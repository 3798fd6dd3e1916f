//! The tools, resources, prompts and completions the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) asks a server under test for, with the names and
//! answers it expects: each content type a tool result carries, a tool error, text and binary
//! resources, a resource template, prompts with arguments, images and embedded resources, and
//! argument completion. `tests/tests/conformance.rs` runs the suite against it on
//! 2026-07-28 and 2025-11-25.
//!
//! ```sh
//! cargo run --example conformance      # http://127.0.0.1:3000/mcp
//! ```

use frontmcp::prelude::*;
use frontmcp::{Answers, ElicitResult, Elicitation, Questions};

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
/// Two silent samples of 16-bit mono WAV.
const WAV: &str = "UklGRigAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQQAAAAAAAAA";

#[derive(Default)]
struct ConformanceApp;

#[app(
    name = "Conformance",
    description = "The conformance suite's fixture tools."
)]
impl ConformanceApp {
    /// Answers with one text block.
    #[tool(read_only = true)]
    async fn test_simple_text(&self) -> &'static str {
        "This is a simple text response for testing."
    }

    /// Answers with a PNG image.
    #[tool(read_only = true)]
    async fn test_image_content(&self) -> Content {
        Content::image(PNG, "image/png")
    }

    /// Answers with a WAV sound.
    #[tool(read_only = true)]
    async fn test_audio_content(&self) -> Content {
        Content::audio(WAV, "audio/wav")
    }

    /// Answers with an embedded text resource.
    #[tool(read_only = true)]
    async fn test_embedded_resource(&self) -> Content {
        Content::embedded_text(
            "test://embedded-resource",
            "text/plain",
            "This is an embedded resource content.",
        )
    }

    /// Answers with text, an image and an embedded resource.
    #[tool(read_only = true)]
    async fn test_multiple_content_types(&self) -> Vec<Content> {
        vec![
            Content::text("Multiple content types test:"),
            Content::image(PNG, "image/png"),
            Content::embedded_text(
                "test://mixed-content-resource",
                "application/json",
                r#"{"test":"data","value":123}"#,
            ),
        ]
    }

    /// Reports its progress: 0, 50 and 100 of 100.
    #[tool(read_only = true)]
    async fn test_tool_with_progress(&self, ctx: &ToolContext) -> &'static str {
        for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if step > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            ctx.progress(progress, Some(100.0), None);
        }
        "Progress test completed"
    }

    /// Sends three log messages while it runs.
    #[tool(read_only = true)]
    async fn test_tool_with_logging(&self, ctx: &ToolContext) -> &'static str {
        ctx.log(LogLevel::Info, "Tool execution started");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        ctx.log(LogLevel::Info, "Tool processing data");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        ctx.log(LogLevel::Info, "Tool execution completed");
        "Logging test completed"
    }

    /// Asks the client's model to answer a prompt.
    #[tool]
    async fn test_sampling(&self, ctx: &ToolContext, input: SamplingInput) -> ToolResult<String> {
        let answer = ctx
            .sample(CreateMessageRequest::user(input.prompt, 100))
            .await?;
        Ok(format!(
            "LLM response: {}",
            answer.text().unwrap_or("(not text)")
        ))
    }

    /// Asks the user for a username and an email address.
    #[tool]
    async fn test_elicitation(
        &self,
        ctx: &ToolContext,
        input: ElicitationInput,
    ) -> ToolResult<String> {
        let answer = ctx.elicit::<UserInfo>(&input.message).await?;
        Ok(match answer {
            Elicitation::Accept(info) => format!(
                "User response: action=accept, content={{\"username\":{:?},\"email\":{:?}}}",
                info.username, info.email
            ),
            Elicitation::Decline => "User response: action=decline".to_owned(),
            Elicitation::Cancel => "User response: action=cancel".to_owned(),
        })
    }

    /// Asks for a form whose every field has a default (SEP-1034).
    #[tool]
    async fn test_elicitation_sep1034_defaults(&self, ctx: &ToolContext) -> ToolResult<String> {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "default": "John Doe"},
                "age": {"type": "integer", "default": 30},
                "score": {"type": "number", "default": 95.5},
                "status": {"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
                "verified": {"type": "boolean", "default": true}
            }
        });
        completed(
            ctx.elicit_with("Please review the defaults", schema)
                .await?,
        )
    }

    /// Asks for a form of every kind of enum (SEP-1330).
    #[tool]
    async fn test_elicitation_sep1330_enums(&self, ctx: &ToolContext) -> ToolResult<String> {
        let titled = |prefix: &str, titles: [&str; 3]| {
            titles
                .iter()
                .enumerate()
                .map(|(i, title)| serde_json::json!({"const": format!("{prefix}{}", i + 1), "title": title}))
                .collect::<Vec<_>>()
        };
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
                "titledSingle": {"type": "string", "oneOf": titled("value", ["First Option", "Second Option", "Third Option"])},
                "legacyEnum": {"type": "string", "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"]},
                "untitledMulti": {"type": "array", "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
                "titledMulti": {"type": "array", "items": {"anyOf": titled("value", ["First Choice", "Second Choice", "Third Choice"])}}
            }
        });
        completed(ctx.elicit_with("Please choose", schema).await?)
    }

    /// Fails on purpose, as a tool error the model can read.
    #[tool(read_only = true)]
    async fn test_error_handling(&self) -> ToolResult<String> {
        Err(ToolError::new(
            "This tool intentionally returns an error for testing",
        ))
    }
}

/// `test_sampling`'s input.
#[derive(Deserialize, JsonSchema)]
struct SamplingInput {
    /// The prompt to send to the model.
    prompt: String,
}

/// `test_elicitation`'s input.
#[derive(Deserialize, JsonSchema)]
struct ElicitationInput {
    /// The message to show the user.
    message: String,
}

/// What `test_elicitation` asks the user for.
#[derive(Deserialize, JsonSchema)]
struct UserInfo {
    /// User's response.
    username: String,
    /// User's email address.
    email: String,
}

/// The text of a finished elicitation, as the SEP scenarios expect it.
fn completed(answer: ElicitResult) -> ToolResult<String> {
    let action = serde_json::to_value(answer.action)?;
    let content = serde_json::to_string(&answer.content.unwrap_or_default())?;
    Ok(format!(
        "Elicitation completed: action={}, content={content}",
        action.as_str().unwrap_or_default()
    ))
}

#[derive(Default)]
struct FixturesApp;

/// `test_prompt_with_arguments`'s arguments.
#[derive(Deserialize, JsonSchema)]
struct TwoArguments {
    /// First test argument.
    arg1: String,
    /// Second test argument.
    arg2: String,
}

/// `test_prompt_with_embedded_resource`'s argument.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct EmbeddedArguments {
    /// URI of the resource to embed.
    resource_uri: String,
}

#[app(
    name = "Fixtures",
    description = "The conformance suite's fixture resources and prompts."
)]
impl FixturesApp {
    /// A static text resource.
    #[resource(uri = "test://static-text", mime_type = "text/plain")]
    async fn static_text(&self) -> &'static str {
        "This is the content of the static text resource."
    }

    /// A static binary resource (a PNG image).
    #[resource(uri = "test://static-binary", mime_type = "image/png")]
    async fn static_binary(&self) -> ResourceContents {
        // Already base64: sent as it is (a `Vec<u8>` would be encoded).
        ResourceContents::Blob {
            uri: "test://static-binary".into(),
            mime_type: Some("image/png".into()),
            blob: PNG.into(),
        }
    }

    /// A resource clients subscribe to.
    #[resource(uri = "test://watched-resource", mime_type = "text/plain")]
    async fn watched_resource(&self) -> &'static str {
        "Watched resource content."
    }

    /// Data for an ID, from a template.
    #[resource(template = "test://template/{id}/data", mime_type = "application/json")]
    async fn template_data(&self, id: String) -> Json<serde_json::Value> {
        Json(
            serde_json::json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }),
        )
    }

    /// A simple prompt without arguments.
    #[prompt]
    async fn test_simple_prompt(&self) -> &'static str {
        "This is a simple prompt for testing."
    }

    /// A prompt with two required arguments.
    #[prompt]
    async fn test_prompt_with_arguments(&self, args: TwoArguments) -> String {
        format!(
            "Prompt with arguments: arg1='{}', arg2='{}'",
            args.arg1, args.arg2
        )
    }

    /// A prompt that embeds a resource.
    #[prompt]
    async fn test_prompt_with_embedded_resource(
        &self,
        args: EmbeddedArguments,
    ) -> Vec<PromptMessage> {
        vec![
            PromptMessage::user(ResourceContents::text(
                args.resource_uri,
                Some("text/plain"),
                "Embedded resource content for testing.",
            )),
            PromptMessage::user("Please process the embedded resource above."),
        ]
    }

    /// A prompt with an image.
    #[prompt]
    async fn test_prompt_with_image(&self) -> Vec<PromptMessage> {
        vec![
            PromptMessage::user(Content::image(PNG, "image/png")),
            PromptMessage::user("Please analyze the image above."),
        ]
    }

    /// Suggests values for `arg1` of `test_prompt_with_arguments` that start with what was typed.
    #[complete(prompt = "test_prompt_with_arguments")]
    async fn complete_arguments(&self, argument: CompletionArgument) -> Vec<&'static str> {
        ["paris", "park", "party", "test", "testing"]
            .into_iter()
            .filter(|v| v.starts_with(&argument.value))
            .collect()
    }
}

#[front_mcp(
    info(name = "frontmcp-conformance", version = "1.0.0"),
    apps(ConformanceApp, FixturesApp, InputRequiredApp),
    tool_naming(namespaced = false)
)]
struct Server;

/// A form of one required string field.
fn one_field(name: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": { name: {"type": "string"} },
        "required": [name]
    })
}

/// The text field `field` of the accepted form `key`.
fn field(answers: &Answers, key: &str, field: &str) -> ToolResult<String> {
    let answer = answers.form(key)?;
    Ok(answer
        .content
        .and_then(|c| c.get(field).and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default())
}

#[derive(Default)]
struct InputRequiredApp;

/// The fixtures of SEP-2322 (questions asked through `InputRequiredResult` rounds on 2026-07-28,
/// and as requests from the server on 2025-11-25): keys of the tool's choosing, several
/// questions in one round, several rounds.
#[app(name = "Input required")]
impl InputRequiredApp {
    /// Asks the user's name.
    #[tool]
    async fn test_input_required_result_elicitation(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let answers = ctx
            .ask(Questions::new().form("user_name", "What is your name?", one_field("name")))
            .await?;
        Ok(format!("Hello, {}!", field(&answers, "user_name", "name")?))
    }

    /// Asks the client's model a question.
    #[tool]
    async fn test_input_required_result_sampling(&self, ctx: &ToolContext) -> ToolResult<String> {
        let question = CreateMessageRequest::user("What is the capital of France?", 100);
        let answers = ctx
            .ask(Questions::new().sample("capital_question", question))
            .await?;
        let answer = answers.sample("capital_question")?;
        Ok(format!(
            "The model says: {}",
            answer.text().unwrap_or_default()
        ))
    }

    /// Asks for the client's roots.
    #[tool]
    async fn test_input_required_result_list_roots(&self, ctx: &ToolContext) -> ToolResult<String> {
        let answers = ctx.ask(Questions::new().roots("client_roots")).await?;
        let roots: Vec<String> = answers
            .roots("client_roots")?
            .into_iter()
            .map(|r| r.uri)
            .collect();
        Ok(format!("Roots: {}", roots.join(", ")))
    }

    /// Asks for a confirmation; its state is checked when the client retries.
    #[tool]
    async fn test_input_required_result_request_state(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let form = serde_json::json!({
            "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]
        });
        let answers = ctx
            .ask(Questions::new().form("confirm", "Please confirm", form))
            .await?;
        answers.form("confirm")?;
        Ok("state-ok: the requestState was sealed by this server and checked".to_owned())
    }

    /// Asks three questions in one round.
    #[tool]
    async fn test_input_required_result_multiple_inputs(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let answers = ctx
            .ask(
                Questions::new()
                    .form("user_name", "What is your name?", one_field("name"))
                    .sample(
                        "greeting",
                        CreateMessageRequest::user("Generate a greeting", 50),
                    )
                    .roots("client_roots"),
            )
            .await?;
        let name = field(&answers, "user_name", "name")?;
        let greeting = answers.sample("greeting")?;
        let roots = answers.roots("client_roots")?.len();
        Ok(format!(
            "{} {name} ({roots} roots)",
            greeting.text().unwrap_or_default()
        ))
    }

    /// Asks one question, then another.
    #[tool]
    async fn test_input_required_result_multi_round(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let first = ctx
            .ask(Questions::new().form("step1", "Step 1: What is your name?", one_field("name")))
            .await?;
        let name = field(&first, "step1", "name")?;
        let second = ctx
            .ask(Questions::new().form(
                "step2",
                "Step 2: What is your favorite color?",
                one_field("color"),
            ))
            .await?;
        let color = field(&second, "step2", "color")?;
        Ok(format!("{name} likes {color}"))
    }

    /// Asks for a confirmation whose state a tampering client changes.
    #[tool]
    async fn test_input_required_result_tampered_state(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let answers = ctx
            .ask(Questions::new().form("confirm", "Please confirm", one_field("answer")))
            .await?;
        Ok(format!(
            "confirmed: {}",
            field(&answers, "confirm", "answer")?
        ))
    }

    /// Needs sampling, whether or not the client declared it (SEP-2575: the request then fails
    /// with -32021 on 2026-07-28).
    #[tool]
    async fn test_missing_capability(&self, ctx: &ToolContext) -> ToolResult<String> {
        let answer = ctx
            .sample(CreateMessageRequest::user("Anything", 10))
            .await?;
        Ok(answer.text().unwrap_or_default().to_owned())
    }

    /// Asks for a form (on 2026-07-28: an `input_required` result, never a request on the stream).
    #[tool]
    async fn test_streaming_elicitation(&self, ctx: &ToolContext) -> ToolResult<String> {
        let answers = ctx
            .ask(Questions::new().form("user_name", "What is your name?", one_field("name")))
            .await?;
        Ok(format!("Hello, {}!", field(&answers, "user_name", "name")?))
    }

    /// Logs (only when the request names a log level).
    #[tool]
    async fn test_logging_tool(&self, ctx: &ToolContext) -> &'static str {
        ctx.log(LogLevel::Info, "a log message");
        "logged if asked"
    }

    /// Asks only what the client declared it can answer.
    #[tool]
    async fn test_input_required_result_capabilities(
        &self,
        ctx: &ToolContext,
    ) -> ToolResult<String> {
        let mut questions = Questions::new();
        if ctx.can_elicit() {
            questions = questions.form("user_name", "What is your name?", one_field("name"));
        }
        if ctx.can_sample() {
            questions = questions.sample(
                "greeting",
                CreateMessageRequest::user("Generate a greeting", 50),
            );
        }
        if questions.is_empty() {
            return Ok("nothing to ask".to_owned());
        }
        let asked = questions.len();
        ctx.ask(questions).await?;
        Ok(format!("{asked} answers"))
    }

    /// A prompt that asks for its context first.
    #[prompt]
    async fn test_input_required_result_prompt(&self, ctx: &ToolContext) -> ToolResult<String> {
        let answers = ctx
            .ask(Questions::new().form(
                "user_context",
                "What context should the prompt use?",
                one_field("context"),
            ))
            .await?;
        Ok(format!(
            "Use this context: {}",
            field(&answers, "user_context", "context")?
        ))
    }
}

/// Tools whose input schemas are written by hand: JSON Schema 2020-12 keywords (`$defs`,
/// `$anchor`, `allOf`/`anyOf`, `if`/`then`/`else`) the listing must keep as they are, and an
/// `x-mcp-header` argument.
fn schema_app() -> AppBuilder {
    let schema = schemars::json_schema!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
            }
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
    });
    // An argument a 2026-07-28 client also sends as the `Mcp-Param-Region` header (SEP-2243),
    // which the server checks against the body before the tool runs.
    let regional = schemars::json_schema!({
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region", "description": "Where to run."}
        },
        "required": ["region"]
    });
    AppBuilder::new("schemas", "Schemas")
        .tool(
            ToolDescriptor::new("json_schema_2020_12_tool")
                .description("Tool with JSON Schema 2020-12 features")
                .input_schema(schema),
            |_ctx, input: serde_json::Value| async move { format!("received {input}") },
        )
        .tool(
            ToolDescriptor::new("test_header_params")
                .description("Runs in a region named in a header too")
                .input_schema(regional),
            |_ctx, input: serde_json::Value| async move { format!("ran in {}", input["region"]) },
        )
}

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::builder().app(schema_app()).serve_from_env().await
}
