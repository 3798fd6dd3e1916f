//! What an app is to the runtime: a descriptor of its tools and a dispatcher for calls.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use frontmcp_auth::AppAuth;
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::result::IntoToolResult;
use super::{ToolContext, result};
use crate::protocol::mcp::{
    CallToolResult, Completion, CompletionArgument, CompletionContext, GetPromptResult,
    PromptArgument, ReadResourceResult, ToolAnnotations,
};

/// A boxed, sendable future, as returned by [`App::call_tool`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An app: a group of tools sharing a name, an ID and an authorization configuration.
///
/// `#[app]` implements this for you; [`AppBuilder`](crate::AppBuilder) builds one without macros.
pub trait App: Send + Sync + 'static {
    /// The app's ID, name, settings and tools. Called once, when the server is built.
    fn descriptor(&self) -> AppDescriptor;

    /// Runs the tool named `call.tool` (the name local to the app, without namespace).
    fn call_tool<'a>(
        &'a self,
        call: ToolCall<'a>,
    ) -> BoxFuture<'a, Result<CallToolResult, CallError>>;

    /// Reads the resource (or a resource of the template) named `read.resource`. Apps without
    /// resources keep the default, which knows none.
    fn read_resource<'a>(
        &'a self,
        read: ResourceRead<'a>,
    ) -> BoxFuture<'a, Result<ReadResourceResult, CallError>> {
        Box::pin(std::future::ready(Err(CallError::UnknownResource(
            read.uri.to_owned(),
        ))))
    }

    /// Gets the prompt named `get.prompt` (the name local to the app). Apps without prompts keep
    /// the default, which knows none.
    fn get_prompt<'a>(
        &'a self,
        get: PromptGet<'a>,
    ) -> BoxFuture<'a, Result<GetPromptResult, CallError>> {
        Box::pin(std::future::ready(Err(CallError::UnknownPrompt(
            get.prompt.to_owned(),
        ))))
    }

    /// Suggests values for an argument of a prompt or a variable of a resource template. The
    /// default suggests nothing.
    fn complete<'a>(
        &'a self,
        request: CompletionRequest<'a>,
    ) -> BoxFuture<'a, Result<Completion, CallError>> {
        let _ = request;
        Box::pin(std::future::ready(Ok(Completion::default())))
    }
}

/// One `resources/read` handed to an app.
#[derive(Debug, Clone, Copy)]
pub struct ResourceRead<'a> {
    /// The resource's (or the template's) name inside the app.
    pub resource: &'a str,
    /// The URI read.
    pub uri: &'a str,
    /// The template's variables, as matched in the URI (percent-decoded); empty for a plain
    /// resource.
    pub variables: &'a [(&'a str, String)],
    /// The read's context.
    pub ctx: &'a ToolContext,
}

impl ResourceRead<'_> {
    /// The value of the template's variable `name`.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One `prompts/get` handed to an app.
#[derive(Debug, Clone, Copy)]
pub struct PromptGet<'a> {
    /// The prompt's name inside the app.
    pub prompt: &'a str,
    /// Its arguments (an object of strings).
    pub arguments: Arguments<'a>,
    /// The request's context.
    pub ctx: &'a ToolContext,
}

/// What a completion is asked for, by its name inside the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionTarget<'a> {
    /// An argument of this prompt.
    Prompt(&'a str),
    /// A variable of this resource template.
    Template(&'a str),
}

/// One `completion/complete` handed to an app.
#[derive(Debug, Clone, Copy)]
pub struct CompletionRequest<'a> {
    /// The prompt or template.
    pub target: CompletionTarget<'a>,
    /// The argument, and what the user typed so far.
    pub argument: &'a CompletionArgument,
    /// The arguments already given.
    pub context: &'a CompletionContext,
    /// The request's context.
    pub ctx: &'a ToolContext,
}

/// One tool call handed to an app.
#[derive(Debug, Clone, Copy)]
pub struct ToolCall<'a> {
    /// The tool's name inside the app.
    pub tool: &'a str,
    /// The call's context.
    pub ctx: &'a ToolContext,
    /// The raw arguments.
    pub arguments: Arguments<'a>,
}

/// A call's raw JSON arguments, parsed into the tool's input type on demand.
#[derive(Debug, Clone, Copy)]
pub struct Arguments<'a>(pub(crate) &'a RawValue);

impl<'a> Arguments<'a> {
    /// Parses the arguments; the error names the offending field (`channel: missing field`).
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, CallError> {
        // Arguments that parse take the plain path; tracking the field path costs a third more
        // (callgrind), so only a failure is parsed again to name the field.
        if let Ok(parsed) = serde_json::from_str(self.0.get()) {
            return Ok(parsed);
        }
        let mut de = serde_json::Deserializer::from_str(self.0.get());
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = without_position(err.into_inner());
            CallError::InvalidArguments(if path == "." {
                inner
            } else {
                format!("{path}: {inner}")
            })
        })
    }

    /// The arguments as JSON text.
    pub fn as_str(self) -> &'a str {
        self.0.get()
    }
}

/// serde_json's message without its " at line 1 column 13": positions in a one-line argument
/// object help no one, the field path does.
fn without_position(err: serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_owned(),
        _ => message,
    }
}

/// Why a call did not reach the tool's own code, or what stopped it at the protocol level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The app has no tool of that name.
    #[error("unknown tool: {0}")]
    UnknownTool(String),
    /// The arguments do not match the input type; the message names the field.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The app has no resource of that URI (or its template's variables do not parse).
    #[error("unknown resource: {0}")]
    UnknownResource(String),
    /// The app has no prompt of that name.
    #[error("unknown prompt: {0}")]
    UnknownPrompt(String),
    /// The resource's, prompt's or completer's own code failed, saying why.
    #[error("{0}")]
    Failed(String),
}

/// What the runtime knows of an app.
#[derive(Debug, Clone)]
pub struct AppDescriptor {
    pub(crate) id: Cow<'static, str>,
    pub(crate) name: Cow<'static, str>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) standalone: bool,
    pub(crate) exclude_from_parent: bool,
    pub(crate) auth: AppAuth,
    pub(crate) tools: Vec<ToolDescriptor>,
    pub(crate) resources: Vec<ResourceDescriptor>,
    pub(crate) prompts: Vec<PromptDescriptor>,
}

impl AppDescriptor {
    /// An app with an ID (used in tool names and URLs) and a display name.
    pub fn new(id: impl Into<Cow<'static, str>>, name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: None,
            standalone: false,
            exclude_from_parent: false,
            auth: AppAuth::default(),
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
        }
    }

    /// What the app is for, shown on the consent screen.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Whether the app also has its own authorization entry point (`/{app}/oauth/authorize`).
    pub fn standalone(mut self, standalone: bool) -> Self {
        self.standalone = standalone;
        self
    }

    /// Whether the app is left out of the parent server's consent screen.
    pub fn exclude_from_parent(mut self, exclude: bool) -> Self {
        self.exclude_from_parent = exclude;
        self
    }

    /// The app's authorization configuration.
    pub fn auth(mut self, auth: AppAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: ToolDescriptor) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds a resource or a resource template.
    pub fn resource(mut self, resource: ResourceDescriptor) -> Self {
        self.resources.push(resource);
        self
    }

    /// Adds a prompt.
    pub fn prompt(mut self, prompt: PromptDescriptor) -> Self {
        self.prompts.push(prompt);
        self
    }

    /// The app's resources and resource templates.
    pub fn resources(&self) -> &[ResourceDescriptor] {
        &self.resources
    }

    /// The app's prompts.
    pub fn prompts(&self) -> &[PromptDescriptor] {
        &self.prompts
    }

    /// The app's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The app's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The app's tools.
    pub fn tools(&self) -> &[ToolDescriptor] {
        &self.tools
    }

    /// The app's authorization configuration.
    pub fn auth_config(&self) -> &AppAuth {
        &self.auth
    }
}

/// What the runtime knows of a tool.
#[derive(Debug, Clone)]
pub struct ToolDescriptor {
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) scopes: Vec<Cow<'static, str>>,
    pub(crate) annotations: ToolAnnotations,
    pub(crate) input_schema: Schema,
    /// Whether `input_schema` was written by hand, so the input type does not replace it.
    pub(crate) explicit_input: bool,
    pub(crate) output_schema: Option<Schema>,
}

impl ToolDescriptor {
    /// A tool taking no arguments (`{"type": "object"}`).
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: None,
            scopes: Vec::new(),
            annotations: ToolAnnotations::default(),
            input_schema: schemars::json_schema!({ "type": "object" }),
            explicit_input: false,
            output_schema: None,
        }
    }

    /// Display name.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        let title = title.into();
        self.annotations.title = Some(title.to_string());
        self.title = Some(title);
        self
    }

    /// What the tool does, for the model.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The scopes the tool needs from its app's authorization.
    pub fn scopes<S: Into<Cow<'static, str>>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The tool does not modify its environment.
    pub fn read_only(mut self, yes: bool) -> Self {
        self.annotations.read_only_hint = Some(yes);
        self
    }

    /// The tool may perform destructive updates.
    pub fn destructive(mut self, yes: bool) -> Self {
        self.annotations.destructive_hint = Some(yes);
        self
    }

    /// Repeating a call has no further effect.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.annotations.idempotent_hint = Some(yes);
        self
    }

    /// The tool reaches an open world of external entities.
    pub fn open_world(mut self, yes: bool) -> Self {
        self.annotations.open_world_hint = Some(yes);
        self
    }

    /// Takes its input schema from `T` (unless [`input_schema`](Self::input_schema) gave one),
    /// declaring its dialect: `"$schema": "https://json-schema.org/draft/2020-12/schema"`.
    pub fn input<T: JsonSchema>(mut self) -> Self {
        if !self.explicit_input {
            self.input_schema = result::input_schema_for::<T>();
        }
        self
    }

    /// Its input schema as written: any JSON Schema 2020-12 object schema (`$defs`, `$anchor`,
    /// `allOf`/`anyOf`, `if`/`then`/`else`...), sent as it is. The server checks at start-up
    /// that it describes an object.
    pub fn input_schema(mut self, schema: Schema) -> Self {
        self.input_schema = schema;
        self.explicit_input = true;
        self
    }

    /// Takes its output schema from the tool's return type, when that has one (see [`Json`](crate::Json)).
    pub fn output<R: IntoToolResult>(mut self) -> Self {
        self.output_schema = R::output_schema();
        self
    }

    /// The tool's name inside its app.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scopes the tool needs.
    pub fn required_scopes(&self) -> &[Cow<'static, str>] {
        &self.scopes
    }
}

/// What the runtime knows of a resource, or of a resource template (RFC 6570 level 1, with
/// `{+name}` for values that may hold `/`).
#[derive(Debug, Clone)]
pub struct ResourceDescriptor {
    pub(crate) name: Cow<'static, str>,
    pub(crate) uri: Cow<'static, str>,
    pub(crate) template: bool,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) mime_type: Option<Cow<'static, str>>,
    pub(crate) scopes: Vec<Cow<'static, str>>,
}

impl ResourceDescriptor {
    /// A resource named `name` inside its app, at `uri` (absolute: `crm://contacts`).
    pub fn new(name: impl Into<Cow<'static, str>>, uri: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            uri: uri.into(),
            template: false,
            title: None,
            description: None,
            mime_type: None,
            scopes: Vec::new(),
        }
    }

    /// A resource template named `name` inside its app: `uri_template` names a family of
    /// resources (`crm://contacts/{id}`).
    pub fn template(
        name: impl Into<Cow<'static, str>>,
        uri_template: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            template: true,
            ..Self::new(name, uri_template)
        }
    }

    /// Display name.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What it holds, for the model.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Its MIME type; text it returns is sent with it.
    pub fn mime_type(mut self, mime_type: impl Into<Cow<'static, str>>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// The scopes reading it needs from its app's authorization.
    pub fn scopes<S: Into<Cow<'static, str>>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Its name inside its app.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URI, or its URI template.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether it is a template.
    pub fn is_template(&self) -> bool {
        self.template
    }
}

/// What the runtime knows of a prompt.
#[derive(Debug, Clone)]
pub struct PromptDescriptor {
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) arguments: Vec<PromptArgument>,
    pub(crate) scopes: Vec<Cow<'static, str>>,
}

impl PromptDescriptor {
    /// A prompt without arguments.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: None,
            arguments: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// Display name.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What the prompt is for.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The scopes getting it needs from its app's authorization.
    pub fn scopes<S: Into<Cow<'static, str>>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Takes its arguments from the fields of `T`: each field an argument (prompt arguments are
    /// strings), its doc comment the description, required unless it is an `Option` or has a
    /// default.
    pub fn arguments<T: JsonSchema>(mut self) -> Self {
        self.arguments = prompt_arguments(&result::schema_for::<T>());
        self
    }

    /// Its name inside its app.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its arguments.
    pub fn argument_list(&self) -> &[PromptArgument] {
        &self.arguments
    }
}

/// The arguments an object schema describes, in the order of its properties.
fn prompt_arguments(schema: &Schema) -> Vec<PromptArgument> {
    let value = schema.as_value();
    let required: Vec<&str> = value
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let Some(properties) = value.get("properties").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| PromptArgument {
            name: name.clone(),
            description: property
                .get("description")
                .and_then(|d| d.as_str())
                .map(str::to_owned),
            required: required.contains(&name.as_str()),
        })
        .collect()
}

/// The input of a tool that takes no arguments: accepts any object, advertises `{"type": "object"}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoArguments;

impl<'de> serde::Deserialize<'de> for NoArguments {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoArguments)
    }
}

impl JsonSchema for NoArguments {
    fn schema_name() -> Cow<'static, str> {
        "NoArguments".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "object" })
    }
}
