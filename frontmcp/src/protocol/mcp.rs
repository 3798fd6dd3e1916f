//! MCP messages: their 2025-11-25 shapes, readable by 2025-06-18 and 2025-03-26 clients; what
//! 2026-07-28 adds to every request and result is in [`stateless`](super::stateless).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::ProtocolVersion;

/// Name and version of a client or server implementation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Website of the implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
}

/// `initialize` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The revision the client wants.
    pub protocol_version: String,
    /// What the client supports.
    #[serde(default)]
    pub capabilities: ClientCapabilities,
    /// Who the client is.
    pub client_info: Implementation,
}

/// The client capabilities this server acts on; the rest is kept opaque.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientCapabilities {
    /// Elicitation support: `{}` (form only, for compatibility), `{form: {}}`, `{url: {}}`.
    #[serde(default)]
    pub elicitation: Option<ElicitationCapability>,
    /// Sampling support.
    #[serde(default)]
    pub sampling: Option<Value>,
    /// Roots support.
    #[serde(default)]
    pub roots: Option<Value>,
}

/// The modes of elicitation a client declared.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ElicitationCapability {
    /// Form mode.
    #[serde(default)]
    pub form: Option<Value>,
    /// URL mode (2025-11-25).
    #[serde(default)]
    pub url: Option<Value>,
}

impl ClientCapabilities {
    /// Whether the client can be sent URL-mode elicitations.
    pub fn url_elicitation(&self) -> bool {
        self.elicitation.as_ref().is_some_and(|e| e.url.is_some())
    }

    /// Whether the client can be sent form-mode elicitations: `{form: {}}`, or `{}` (which
    /// means form, for clients older than the modes).
    pub fn form_elicitation(&self) -> bool {
        self.elicitation
            .as_ref()
            .is_some_and(|e| e.form.is_some() || e.url.is_none())
    }

    /// Whether the client can be asked to sample its model.
    pub fn sampling(&self) -> bool {
        self.sampling.is_some()
    }

    /// Whether the client can be asked for its roots.
    pub fn roots(&self) -> bool {
        self.roots.is_some()
    }
}

/// A root the client works in: a directory or a repository, by URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    /// Its URI (`file:///home/ada/project`).
    pub uri: String,
    /// A name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A client's answer to `roots/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRootsResult {
    /// Its roots.
    pub roots: Vec<Root>,
}

/// What the server asks a client's model for (`sampling/createMessage`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMessageRequest {
    /// The conversation so far.
    pub messages: Vec<SamplingMessage>,
    /// The most tokens to sample.
    pub max_tokens: u32,
    /// A system prompt the client may use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Sequences that stop sampling.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

impl CreateMessageRequest {
    /// One message from the user, and at most `max_tokens` back.
    pub fn user(text: impl Into<String>, max_tokens: u32) -> Self {
        Self {
            messages: vec![SamplingMessage {
                role: Role::User,
                content: Content::text(text),
            }],
            max_tokens,
            system_prompt: None,
            temperature: None,
            stop_sequences: Vec::new(),
        }
    }

    /// Sets the system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }
}

/// One message of a sampling conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingMessage {
    /// Who says it.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

/// What the client's model answered.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMessageResult {
    /// Who says it (the assistant).
    pub role: Role,
    /// What it said.
    pub content: Content,
    /// The model that answered.
    pub model: String,
    /// Why sampling stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
}

impl CreateMessageResult {
    /// The answer's text, when it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            Content::Text { text } => Some(text),
            _ => None,
        }
    }
}

/// What the user did with an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitAction {
    /// Answered.
    Accept,
    /// Said no.
    Decline,
    /// Dismissed it.
    Cancel,
}

/// A client's answer to `elicitation/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElicitResult {
    /// What the user did.
    pub action: ElicitAction,
    /// What the user entered, when they accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Map<String, Value>>,
}

/// `initialize` result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult<'a> {
    /// The negotiated revision.
    pub protocol_version: ProtocolVersion,
    /// What this server offers.
    pub capabilities: ServerCapabilities,
    /// Who this server is.
    pub server_info: &'a Implementation,
    /// Guidance for the model about the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

/// Server capabilities.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCapabilities {
    /// Tools are offered.
    pub tools: ToolsCapability,
    /// Resources are offered (the server has resources or resource templates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesCapability>,
    /// Prompts are offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompts: Option<PromptsCapability>,
    /// `completion/complete` is answered (the server has prompts or resource templates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completions: Option<Empty>,
    /// `logging/setLevel` is answered and tools may send log messages (2025-11-25 and before;
    /// on 2026-07-28 a request names its log level in `_meta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Empty>,
}

/// An empty capability object: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Empty {}

/// The resources capability.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesCapability {
    /// Whether clients may subscribe to a resource's updates.
    pub subscribe: bool,
    /// Whether `notifications/resources/list_changed` is sent.
    pub list_changed: bool,
}

/// The prompts capability.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptsCapability {
    /// Whether `notifications/prompts/list_changed` is sent.
    pub list_changed: bool,
}

/// The tools capability.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsCapability {
    /// Whether `notifications/tools/list_changed` is sent.
    pub list_changed: bool,
}

/// A tool as listed by `tools/list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// The name clients call it by.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments (an object schema).
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, when the tool returns structured output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    #[serde(skip_serializing_if = "ToolAnnotations::is_empty")]
    pub annotations: ToolAnnotations,
    /// Metadata for the client (this server's: the tool's app, and whether the user has
    /// authorized it).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// Hints about a tool's behaviour. Clients must not trust them from untrusted servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Does not modify its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// May perform destructive updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// Interacts with an open world of external entities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl ToolAnnotations {
    /// No hint set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `tools/list` parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListToolsParams {
    /// Opaque cursor from a previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `tools/call` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct CallToolParams {
    /// The tool's name.
    pub name: String,
    /// The arguments, parsed into the tool's input type only once the tool is known.
    #[serde(default)]
    pub arguments: Option<Box<RawValue>>,
    /// 2026-07-28: the state of an earlier `input_required` answer to this call, as the server
    /// sealed it.
    #[serde(default, rename = "requestState")]
    pub request_state: Option<String>,
    /// 2026-07-28: the client's answers to that earlier answer's input requests, by their keys.
    #[serde(default, rename = "inputResponses")]
    pub input_responses: Option<Map<String, Value>>,
    /// What `_meta` says about the call's progress notifications.
    #[serde(default, rename = "_meta")]
    pub meta: Option<ProgressMeta>,
}

/// The part of a request's `_meta` that asks for progress notifications.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProgressMeta {
    /// The token progress notifications name (a string or a number).
    #[serde(default, rename = "progressToken")]
    pub progress_token: Option<Value>,
}

/// The result of a tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content blocks.
    pub content: Vec<Content>,
    /// Structured output, conforming to the tool's `outputSchema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Map<String, Value>>,
    /// The tool failed; the content says why (for the model to read).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// Metadata for the client rather than the model (this server's: why a tool may not run).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl CallToolResult {
    /// A successful result with content blocks.
    pub fn success(content: Vec<Content>) -> Self {
        Self {
            content,
            structured_content: None,
            is_error: false,
            meta: None,
        }
    }

    /// A tool execution error with a message the model can read.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(message)],
            structured_content: None,
            is_error: true,
            meta: None,
        }
    }

    /// Adds structured content.
    pub fn with_structured(mut self, structured: Map<String, Value>) -> Self {
        self.structured_content = Some(structured);
        self
    }
}

/// A content block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A base64-encoded image.
    Image {
        /// Base64 data.
        data: String,
        /// Its MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Base64-encoded audio.
    Audio {
        /// Base64 data.
        data: String,
        /// Its MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A resource's contents, embedded.
    Resource {
        /// The contents.
        resource: ResourceContents,
    },
    /// A link to a resource.
    ResourceLink {
        /// The resource URI.
        uri: String,
        /// Its name.
        name: String,
        /// Description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into() }
    }

    /// An image block: base64 `data` of type `mime_type`.
    pub fn image(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Self::Image {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// An audio block: base64 `data` of type `mime_type`.
    pub fn audio(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Self::Audio {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// A resource's contents, embedded.
    pub fn embedded(resource: ResourceContents) -> Self {
        Self::Resource { resource }
    }

    /// A resource embedded as text.
    pub fn embedded_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self::Resource {
            resource: ResourceContents::Text {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                text: text.into(),
            },
        }
    }
}

/// A resource as listed by `resources/list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Its URI.
    pub uri: String,
    /// Its name.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it holds, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Metadata for the client (this server's: the resource's app, and whether the user has
    /// authorized it).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// A resource template as listed by `resources/templates/list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplate {
    /// An RFC 6570 URI template (`crm://contacts/{id}`).
    pub uri_template: String,
    /// Its name.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the resources it names hold, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The MIME type of the resources it names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Metadata for the client, as on [`Resource`].
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// `resources/list`, `resources/templates/list` and `prompts/list` parameters.
pub type ListParams = ListToolsParams;

/// `resources/read` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct ReadResourceParams {
    /// The URI to read.
    pub uri: String,
    /// 2026-07-28: the state of an earlier `input_required` answer to this read.
    #[serde(default, rename = "requestState")]
    pub request_state: Option<String>,
    /// 2026-07-28: the client's answers to that earlier answer's input requests.
    #[serde(default, rename = "inputResponses")]
    pub input_responses: Option<Map<String, Value>>,
}

/// `resources/subscribe` and `resources/unsubscribe` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct SubscribeParams {
    /// The resource's URI.
    pub uri: String,
}

/// The result of `resources/read`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReadResourceResult {
    /// The contents: one or more (a folder may hold several).
    pub contents: Vec<ResourceContents>,
}

/// A prompt as listed by `prompts/list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    /// The name clients get it by.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments it takes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<PromptArgument>,
    /// Metadata for the client, as on [`Resource`].
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// One argument of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgument {
    /// Its name.
    pub name: String,
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it must be given.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
}

/// `prompts/get` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct GetPromptParams {
    /// The prompt's name.
    pub name: String,
    /// Its arguments: strings, by name.
    #[serde(default)]
    pub arguments: Option<Box<RawValue>>,
    /// 2026-07-28: the state of an earlier `input_required` answer to this request.
    #[serde(default, rename = "requestState")]
    pub request_state: Option<String>,
    /// 2026-07-28: the client's answers to that earlier answer's input requests.
    #[serde(default, rename = "inputResponses")]
    pub input_responses: Option<Map<String, Value>>,
}

/// The result of `prompts/get`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetPromptResult {
    /// What the prompt is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its messages.
    pub messages: Vec<PromptMessage>,
}

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptMessage {
    /// Who says it.
    pub role: Role,
    /// What is said: text, an image, audio, or a resource.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user.
    pub fn user(content: impl Into<Content>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The speaker of a prompt message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant.
    Assistant,
}

/// `completion/complete` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct CompleteParams {
    /// What is being completed.
    #[serde(rename = "ref")]
    pub reference: CompletionReference,
    /// The argument and what the user typed so far.
    pub argument: CompletionArgument,
    /// Arguments already given.
    #[serde(default)]
    pub context: Option<CompletionContext>,
}

/// What a completion is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type")]
pub enum CompletionReference {
    /// An argument of a prompt.
    #[serde(rename = "ref/prompt")]
    Prompt {
        /// The prompt's name.
        name: String,
    },
    /// A variable of a resource template.
    #[serde(rename = "ref/resource")]
    Resource {
        /// The template (`crm://contacts/{id}`).
        uri: String,
    },
}

/// The argument being completed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CompletionArgument {
    /// Its name.
    pub name: String,
    /// What the user typed so far.
    pub value: String,
}

/// Arguments already given, for completions that depend on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CompletionContext {
    /// By name.
    #[serde(default)]
    pub arguments: std::collections::BTreeMap<String, String>,
}

/// The result of `completion/complete`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CompleteResult {
    /// The suggestions.
    pub completion: Completion,
}

/// Suggestions for an argument, best first; at most 100 are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// The values.
    pub values: Vec<String>,
    /// How many there are in all, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Whether there are more than those sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

impl Completion {
    /// The most suggestions one answer carries (the specification's limit).
    pub const MAX_VALUES: usize = 100;
}

impl<S: Into<String>> FromIterator<S> for Completion {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self {
            values: iter.into_iter().map(Into::into).collect(),
            total: None,
            has_more: None,
        }
    }
}

/// The severity of a log message (RFC 5424), least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debugging detail.
    Debug,
    /// Information.
    Info,
    /// Normal but significant.
    Notice,
    /// A warning.
    Warning,
    /// An error.
    Error,
    /// A critical condition.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [Self; 8] = [
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    /// The level of index `index` in [`ALL`](Self::ALL).
    pub fn from_index(index: u8) -> Option<Self> {
        Self::ALL.get(usize::from(index)).copied()
    }
}

/// `logging/setLevel` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct SetLevelParams {
    /// The least severe level the client wants.
    pub level: LogLevel,
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<ResourceContents> for Content {
    fn from(resource: ResourceContents) -> Self {
        Self::embedded(resource)
    }
}

/// A resource's contents: text, or base64 bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceContents {
    /// Text.
    Text {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// The text.
        text: String,
    },
    /// Bytes.
    Blob {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Base64 data.
        blob: String,
    },
}

impl ResourceContents {
    /// Text contents of `uri`.
    pub fn text(
        uri: impl Into<String>,
        mime_type: Option<impl Into<String>>,
        text: impl Into<String>,
    ) -> Self {
        Self::Text {
            uri: uri.into(),
            mime_type: mime_type.map(Into::into),
            text: text.into(),
        }
    }

    /// Binary contents of `uri` (encoded in base64 here).
    pub fn blob(
        uri: impl Into<String>,
        mime_type: Option<impl Into<String>>,
        bytes: impl AsRef<[u8]>,
    ) -> Self {
        use base64::Engine as _;
        Self::Blob {
            uri: uri.into(),
            mime_type: mime_type.map(Into::into),
            blob: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The URI these contents are of.
    pub fn uri(&self) -> &str {
        match self {
            Self::Text { uri, .. } | Self::Blob { uri, .. } => uri,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn call_result_shapes() {
        let ok = CallToolResult::success(vec![Content::text("hi")]);
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"content":[{"type":"text","text":"hi"}]})
        );
        let err = CallToolResult::error("boom");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"content":[{"type":"text","text":"boom"}],"isError":true})
        );
        let link = Content::ResourceLink {
            uri: "file:///a".into(),
            name: "a".into(),
            description: None,
            mime_type: None,
        };
        assert_eq!(
            serde_json::to_value(&link).unwrap(),
            json!({"type":"resource_link","uri":"file:///a","name":"a"})
        );
        assert_eq!(
            serde_json::to_value(Content::embedded_text("test://r", "text/plain", "t")).unwrap(),
            json!({"type":"resource","resource":{"uri":"test://r","mimeType":"text/plain","text":"t"}})
        );
        let blob = Content::Resource {
            resource: ResourceContents::Blob {
                uri: "test://b".into(),
                mime_type: None,
                blob: "AA==".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&blob).unwrap(),
            json!({"type":"resource","resource":{"uri":"test://b","blob":"AA=="}})
        );
    }

    #[test]
    fn url_elicitation_capability() {
        let caps: ClientCapabilities =
            serde_json::from_value(json!({"elicitation":{"url":{}}})).unwrap();
        assert!(caps.url_elicitation());
        let caps: ClientCapabilities = serde_json::from_value(json!({"elicitation":{}})).unwrap();
        assert!(!caps.url_elicitation());
        let caps: ClientCapabilities = serde_json::from_value(json!({})).unwrap();
        assert!(!caps.url_elicitation());
    }

    #[test]
    fn tool_serialization_skips_empty_annotations() {
        let tool = Tool {
            name: "a:b".into(),
            title: None,
            description: Some("d".into()),
            input_schema: json!({"type":"object"}),
            output_schema: None,
            annotations: ToolAnnotations::default(),
            meta: None,
        };
        assert_eq!(
            serde_json::to_value(&tool).unwrap(),
            json!({"name":"a:b","description":"d","inputSchema":{"type":"object"}})
        );
    }
}
