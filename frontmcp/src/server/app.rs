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
use crate::protocol::mcp::{CallToolResult, ToolAnnotations};

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

    /// Takes its input schema from `T`.
    pub fn input<T: JsonSchema>(mut self) -> Self {
        self.input_schema = result::schema_for::<T>();
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
