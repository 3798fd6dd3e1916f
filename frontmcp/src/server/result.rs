//! Turning what a tool, a resource, a prompt or a completer returns into its result.

use std::fmt;

use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::Value;

use crate::protocol::mcp::{
    CallToolResult, Completion, Content, GetPromptResult, PromptMessage, ResourceContents,
};

/// The usual return type of a tool: `Ok` becomes the result, `Err` an `isError` result.
pub type ToolResult<T> = Result<T, ToolError>;

/// A tool's failure, reported to the model as an `isError` result with this message.
///
/// Any `std::error::Error` converts into it, so `?` works inside tools.
pub struct ToolError {
    message: String,
}

impl ToolError {
    /// A failure with a message the model will read.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ToolError").field(&self.message).finish()
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(err: E) -> Self {
        Self::new(err.to_string())
    }
}

/// Structured output: serialized into `structuredContent` (and a text block, for older clients),
/// with `T`'s JSON Schema advertised as the tool's `outputSchema`. `T` must serialize to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

/// Anything a tool may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "not a tool result",
    note = "return a String, `Json<T>` (T: Serialize + JsonSchema), `Vec<Content>`, `CallToolResult`, or `ToolResult<...>` of one of these"
)]
pub trait IntoToolResult {
    /// The result to send.
    fn into_tool_result(self) -> CallToolResult;

    /// The JSON Schema of the structured output, if this type produces one.
    fn output_schema() -> Option<Schema> {
        None
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(Vec::new())
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![self])
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(self)
    }
}

impl IntoToolResult for Value {
    fn into_tool_result(self) -> CallToolResult {
        structured(self)
    }
}

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> CallToolResult {
        match serde_json::to_value(&self.0) {
            Ok(value) => structured(value),
            Err(e) => {
                CallToolResult::error(format!("the tool's output could not be serialized: {e}"))
            }
        }
    }

    fn output_schema() -> Option<Schema> {
        Some(schema_for::<T>())
    }
}

impl<T: IntoToolResult, E: fmt::Display> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> CallToolResult {
        match self {
            Ok(value) => value.into_tool_result(),
            Err(err) => CallToolResult::error(err.to_string()),
        }
    }

    fn output_schema() -> Option<Schema> {
        T::output_schema()
    }
}

/// Anything a resource may return: text (sent with the resource's MIME type), bytes (sent as a
/// base64 blob), [`Json`] (its JSON text, `application/json` unless the resource says
/// otherwise), contents built by hand, an `Option` of one of these (`None`: no such resource),
/// or a `Result` of one of these whose error the client reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not resource contents",
    note = "return a String, `Vec<u8>` (binary), `Json<T>`, `ResourceContents`, `Vec<ResourceContents>`, or a `Result` of one of these"
)]
pub trait IntoResourceContents {
    /// The contents of `uri`, a resource of type `mime_type`.
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError>;
}

impl IntoResourceContents for String {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::text(uri, mime, self)])
    }
}

impl IntoResourceContents for &'static str {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::text(uri, mime, self)])
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::blob(uri, mime, self)])
    }
}

impl IntoResourceContents for bytes::Bytes {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::blob(uri, mime, self)])
    }
}

impl<T: Serialize> IntoResourceContents for Json<T> {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        let text = serde_json::to_string(&self.0)
            .map_err(|e| ToolError::new(format!("the resource could not be serialized: {e}")))?;
        Ok(vec![ResourceContents::text(
            uri,
            Some(mime.unwrap_or("application/json")),
            text,
        )])
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(self)
    }
}

/// `None` is a resource this server does not have (`-32002`, or `-32602` on 2026-07-28).
impl<T: IntoResourceContents> IntoResourceContents for Option<T> {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        self.map_or(Ok(Vec::new()), |value| value.into_contents(uri, mime))
    }
}

impl<T: IntoResourceContents, E: fmt::Display> IntoResourceContents for Result<T, E> {
    fn into_contents(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<Vec<ResourceContents>, ToolError> {
        self.map_err(|e| ToolError::new(e.to_string()))?
            .into_contents(uri, mime)
    }
}

/// Anything a prompt may return: its messages (one text is one message from the user), a
/// whole [`GetPromptResult`], or a `Result` of one of these whose error the client reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "not prompt messages",
    note = "return a String (one user message), `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or a `Result` of one of these"
)]
pub trait IntoPromptResult {
    /// The prompt's result.
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError>;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        Ok(GetPromptResult {
            description: None,
            messages: self,
        })
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: fmt::Display> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ToolError> {
        self.map_err(|e| ToolError::new(e.to_string()))?
            .into_prompt_result()
    }
}

/// Anything a completer may return: the suggestions, best first, as strings or a
/// [`Completion`] (with its `total` and `hasMore`), or a `Result` of one of these.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a completer",
    label = "not completion values",
    note = "return `Vec<String>`, `Vec<&'static str>`, `Completion`, or a `Result` of one of these"
)]
pub trait IntoCompletion {
    /// The suggestions.
    fn into_completion(self) -> Result<Completion, ToolError>;
}

impl IntoCompletion for Completion {
    fn into_completion(self) -> Result<Completion, ToolError> {
        Ok(self)
    }
}

impl IntoCompletion for Vec<String> {
    fn into_completion(self) -> Result<Completion, ToolError> {
        Ok(self.into_iter().collect())
    }
}

impl IntoCompletion for Vec<&'static str> {
    fn into_completion(self) -> Result<Completion, ToolError> {
        Ok(self.into_iter().collect())
    }
}

impl<T: IntoCompletion, E: fmt::Display> IntoCompletion for Result<T, E> {
    fn into_completion(self) -> Result<Completion, ToolError> {
        self.map_err(|e| ToolError::new(e.to_string()))?
            .into_completion()
    }
}

/// An object goes into `structuredContent` with its JSON text as the content block (the spec's
/// advice for clients that do not read structured output); anything else is only text.
fn structured(value: Value) -> CallToolResult {
    let text = value.to_string();
    match value {
        Value::Object(map) => {
            CallToolResult::success(vec![Content::text(text)]).with_structured(map)
        }
        Value::String(s) => CallToolResult::success(vec![Content::text(s)]),
        _ => CallToolResult::success(vec![Content::text(text)]),
    }
}

/// The input schema of `T`: [`schema_for`] naming its dialect, as MCP 2025-11-25 (SEP-1613)
/// asks of input schemas. Output schemas leave it out: clients validate results with them, and
/// validators set up for draft-07 refuse the 2020-12 meta-schema URL.
pub(crate) fn input_schema_for<T: JsonSchema>() -> Schema {
    let mut schema = schema_for::<T>();
    schema.insert(
        "$schema".to_owned(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    schema
}

/// The schema of `T` with sub-schemas inlined where possible: models and older clients read
/// self-contained schemas better than `$ref`s. No `$schema`: MCP 2025-11-25 makes 2020-12 the
/// default dialect, and validators configured for draft-07 reject the 2020-12 meta-schema URL.
pub(crate) fn schema_for<T: JsonSchema>() -> Schema {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator()
        .into_root_schema_for::<T>();
    schema.remove("$schema");
    let mut value = schema.to_value();
    drop_rust_number_formats(&mut value);
    Schema::try_from(value).expect("a schema stays a schema without some `format`s")
}

/// schemars marks integers with Rust's widths (`"format": "uint32"`), which are not JSON Schema
/// formats and make validators warn; `minimum`/`maximum` already carry the range.
fn drop_rust_number_formats(value: &mut Value) {
    const RUST_FORMATS: &[&str] = &[
        "int", "uint", "int8", "int16", "int32", "int64", "int128", "uint8", "uint16", "uint32",
        "uint64", "uint128", "float", "double",
    ];
    match value {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| RUST_FORMATS.contains(&f))
            {
                map.remove("format");
            }
            map.values_mut().for_each(drop_rust_number_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_rust_number_formats),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize, JsonSchema)]
    struct Out {
        n: u32,
    }

    #[test]
    fn json_output_is_structured_with_schema() {
        let r = Json(Out { n: 3 }).into_tool_result();
        assert_eq!(r.structured_content.unwrap()["n"], json!(3));
        assert_eq!(r.content, vec![Content::text(r#"{"n":3}"#)]);
        let schema = <ToolResult<Json<Out>>>::output_schema().unwrap();
        assert_eq!(schema.get("type"), Some(&json!("object")));
        assert!(<ToolResult<String>>::output_schema().is_none());
    }

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Numbers {
        id: u32,
        ratio: f64,
        /// An email, whose format is a real JSON Schema one and stays.
        #[schemars(email)]
        email: String,
        format: String,
    }

    #[test]
    fn rust_number_formats_are_dropped() {
        let schema = schema_for::<Numbers>().to_value();
        assert_eq!(
            schema["properties"]["id"],
            json!({"type": "integer", "minimum": 0})
        );
        assert!(schema["properties"]["ratio"].get("format").is_none());
        assert_eq!(schema["properties"]["email"]["format"], "email");
        assert_eq!(schema["properties"]["format"]["type"], "string");
        assert!(schema.get("$schema").is_none());
    }

    #[test]
    fn errors_become_is_error() {
        let r: ToolResult<String> = Err(ToolError::new("no such channel"));
        let r = r.into_tool_result();
        assert!(r.is_error);
        assert_eq!(r.content, vec![Content::text("no such channel")]);
        let io: Result<String, std::io::Error> = Err(std::io::Error::other("disk"));
        assert!(io.into_tool_result().is_error);
    }

    #[test]
    fn question_mark_converts_std_errors() {
        fn parse(s: &str) -> ToolResult<u8> {
            Ok(s.parse::<u8>()?)
        }
        assert!(parse("300").unwrap_err().message().contains("too large"));
    }
}
