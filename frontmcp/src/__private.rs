//! The only paths generated code names. Not public API: may change in any release.

pub use std::borrow::Cow;
pub use std::boxed::Box;
pub use std::clone::Clone;
pub use std::net::SocketAddr;
pub use std::option::Option::{None, Some};
pub use std::result::Result::{Err, Ok};
pub use std::string::String;
pub use std::time::Duration;
pub use std::vec::Vec;

pub use frontmcp_auth::{
    AppAuth, AppAuthMode, ConsentConfig, RemoteProvider, ServerAuth, ServerAuthMode,
    ServerAuthType, SessionMode, TokenStorage,
};

#[cfg(feature = "openapi")]
pub use crate::adapters::openapi::OpenApi;
pub use crate::protocol::mcp::{
    CallToolResult, Completion, CompletionArgument, CompletionContext, GetPromptResult,
    ReadResourceResult,
};
pub use crate::server::{
    App, AppDescriptor, BoxFuture, CallError, CompletionRequest, CompletionTarget, HttpConfig,
    IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult, PromptDescriptor,
    PromptGet, ResourceDescriptor, ResourceRead, ResponseMode, ServerBuilder, ToolCall,
    ToolContext, ToolDescriptor, ToolNaming,
};
pub use crate::{Error, Result};

/// Sets a tool's output schema, as its return type's [`IntoToolResult::output_schema`] gives it.
/// The macro names the return type as `<R as IntoToolResult>` both here and where it converts
/// the result, so a type that is not a tool result is one error, not two.
pub fn output_schema(mut tool: ToolDescriptor, schema: Option<schemars::Schema>) -> ToolDescriptor {
    tool.output_schema = schema;
    tool
}

/// Converts what a resource returned into the contents of `uri`.
pub fn resource_result<R: IntoResourceContents>(
    value: R,
    uri: &str,
    mime_type: Option<&str>,
) -> Result<ReadResourceResult, CallError> {
    value
        .into_contents(uri, mime_type)
        .map(|contents| ReadResourceResult { contents })
        .map_err(|e| CallError::Failed(e.message().to_owned()))
}

/// Converts what a prompt returned.
pub fn prompt_result<R: IntoPromptResult>(value: R) -> Result<GetPromptResult, CallError> {
    value
        .into_prompt_result()
        .map_err(|e| CallError::Failed(e.message().to_owned()))
}

/// Converts what a completer returned.
pub fn completion_result<R: IntoCompletion>(value: R) -> Result<Completion, CallError> {
    value
        .into_completion()
        .map_err(|e| CallError::Failed(e.message().to_owned()))
}

/// A type a template variable can be read as.
#[diagnostic::on_unimplemented(
    message = "a template variable cannot be read as `{Self}`",
    label = "template variable type",
    note = "use `String` or a type implementing `FromStr` (numbers, UUIDs...)"
)]
pub trait TemplateVariable: std::str::FromStr {}

impl<T: std::str::FromStr> TemplateVariable for T {}

/// Reads the template variable `name` of a read; a value that does not parse is a resource this
/// server does not have.
pub fn variable<T: TemplateVariable>(read: &ResourceRead<'_>, name: &str) -> Result<T, CallError> {
    read.variable(name)
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| CallError::UnknownResource(read.uri.to_owned()))
}

/// What a parameter of a `#[tool]` or `#[prompt]` method is: the request's context, or the input.
#[derive(Debug)]
pub enum IsContext {}

/// See [`IsContext`].
#[derive(Debug)]
pub enum IsInput {}

/// A parameter of a `#[tool]` or `#[prompt]` method after `&self`, recognised by its type: the
/// request's context (`&ToolContext`, or `ToolContext` by value), or the input (any type that
/// derives `Deserialize` and `JsonSchema`), in either order.
///
/// The macros name each parameter as `<T as Param>` wherever they use it, so a type that fits
/// neither is one error at the parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of a tool or prompt",
    label = "neither the context nor an input",
    note = "take the context as `&ToolContext`, and the input as one type deriving `Deserialize` and `JsonSchema` (both are in `frontmcp::prelude`)"
)]
pub trait Param<'a>: Sized {
    /// [`IsContext`] or [`IsInput`].
    type Role;

    /// The parameter's value for one call.
    fn extract(ctx: &'a ToolContext, arguments: crate::Arguments<'a>) -> Result<Self, CallError>;

    /// What the parameter adds to its tool's descriptor (the input's schema).
    fn describe_tool(tool: ToolDescriptor) -> ToolDescriptor {
        tool
    }

    /// What the parameter adds to its prompt's descriptor (the arguments, from the schema).
    fn describe_prompt(prompt: PromptDescriptor) -> PromptDescriptor {
        prompt
    }
}

impl<'a> Param<'a> for &'a ToolContext {
    type Role = IsContext;

    fn extract(ctx: &'a ToolContext, _: crate::Arguments<'a>) -> Result<Self, CallError> {
        Ok(ctx)
    }
}

impl<'a> Param<'a> for ToolContext {
    type Role = IsContext;

    fn extract(ctx: &'a ToolContext, _: crate::Arguments<'a>) -> Result<Self, CallError> {
        Ok(ctx.clone())
    }
}

// Not recommended: a type that fits neither gets this trait's one message, not one raw error per
// missing derive listing every type that has it.
#[diagnostic::do_not_recommend]
impl<'a, T: serde::de::DeserializeOwned + schemars::JsonSchema + Send> Param<'a> for T {
    type Role = IsInput;

    fn extract(_: &'a ToolContext, arguments: crate::Arguments<'a>) -> Result<Self, CallError> {
        arguments.parse()
    }

    fn describe_tool(tool: ToolDescriptor) -> ToolDescriptor {
        tool.input::<T>()
    }

    fn describe_prompt(prompt: PromptDescriptor) -> PromptDescriptor {
        prompt.arguments::<T>()
    }
}

/// The two parameters of a tool or prompt that takes two: the context and one input.
#[diagnostic::on_unimplemented(
    message = "a tool or prompt takes the context and at most one input",
    label = "this parameter and the next are both inputs, or both the context",
    note = "put every argument in one struct deriving `Deserialize` and `JsonSchema`, and take the context as `&ToolContext`"
)]
pub trait ContextAndInput {}

impl ContextAndInput for (IsContext, IsInput) {}
impl ContextAndInput for (IsInput, IsContext) {}

/// Fails compilation unless one of `A` and `B` is the context and the other the input.
pub fn context_and_input<'a, A: Param<'a>, B: Param<'a>>()
where
    (A::Role, B::Role): ContextAndInput,
{
}

/// A parameter of a `#[resource]` method that is not one of its template's variables: it must
/// be the request's context.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the request's context",
    label = "not named after a variable of the template, so taken as the context",
    note = "a resource takes `&ToolContext` and, for a template, one parameter per variable, named after it"
)]
pub trait ContextParam<'a>: Sized {
    /// The context for one read.
    fn context(ctx: &'a ToolContext) -> Self;
}

impl<'a> ContextParam<'a> for &'a ToolContext {
    fn context(ctx: &'a ToolContext) -> Self {
        ctx
    }
}

impl<'a> ContextParam<'a> for ToolContext {
    fn context(ctx: &'a ToolContext) -> Self {
        ctx.clone()
    }
}

/// A parameter of a `#[complete]` method, recognised by its type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a parameter of a completer",
    label = "not something a completion request carries",
    note = "a completer takes any of `&ToolContext`, `argument: CompletionArgument` (the argument being completed) and `context: CompletionContext` (the arguments already given)"
)]
pub trait CompletionParam<'a>: Sized {
    /// The parameter's value for one request.
    fn extract(request: &CompletionRequest<'a>) -> Self;
}

impl<'a> CompletionParam<'a> for &'a ToolContext {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.ctx
    }
}

impl<'a> CompletionParam<'a> for ToolContext {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.ctx.clone()
    }
}

impl<'a> CompletionParam<'a> for CompletionArgument {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.argument.clone()
    }
}

impl<'a> CompletionParam<'a> for &'a CompletionArgument {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.argument
    }
}

impl<'a> CompletionParam<'a> for CompletionContext {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.context.clone()
    }
}

impl<'a> CompletionParam<'a> for &'a CompletionContext {
    fn extract(request: &CompletionRequest<'a>) -> Self {
        request.context
    }
}

/// The body of the `impl App` that `#[app]` emits beside its errors, so that a listed app with a
/// mistake is that one error, not also "not an app". It is never called: the crate does not
/// compile.
pub fn placeholder() -> ! {
    unreachable!("`#[app]` or `#[front_mcp]` reported an error; this placeholder never runs")
}

/// A type listed in `#[front_mcp(apps(...))]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be listed in `apps(...)`",
    label = "not an app the server can construct",
    note = "put `#[app(...)]` on an `impl` block of the type, and implement or derive `Default` (the server builds it with `Default::default()`); apps that need arguments go through `Server::builder().app(...)`"
)]
pub trait ListedApp: App + Default {}

impl<T: App + Default> ListedApp for T {}

/// Builds a listed app.
pub fn listed_app<T: ListedApp>() -> T {
    T::default()
}

/// Compile-time facts about an `#[app]` type, checked by `#[front_mcp]` in `const` items.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an app",
    label = "listed in `apps(...)` without `#[app]`",
    note = "put `#[app(...)]` on an `impl` block of the type"
)]
pub trait AppStatic {
    /// The app's ID.
    const ID: &'static str;
    /// Whether the app keeps upstream tokens in the vault.
    const USES_VAULT: bool;
}

/// Fails compilation when two listed apps share an ID (or IDs that would share their
/// environment variables).
pub const fn assert_distinct_app_ids(ids: &[&str]) {
    let mut i = 0;
    while i < ids.len() {
        let mut j = i + 1;
        while j < ids.len() {
            if frontmcp_rules::app_ids_clash(ids[i], ids[j]) {
                panic!(
                    "two apps in `apps(...)` have the same id (or ids that differ only by `-` and `_`): give one of them `id = \"...\"` in `#[app]`"
                );
            }
            j += 1;
        }
        i += 1;
    }
}

/// Fails compilation when a stateless server lists an app that needs the token vault.
pub const fn assert_no_vault(uses_vault: &[bool]) {
    let mut i = 0;
    while i < uses_vault.len() {
        if uses_vault[i] {
            panic!(
                "an app with `auth(mode = \"transparent\")` keeps tokens in the vault, which needs `session_mode = \"stateful\"`"
            );
        }
        i += 1;
    }
}

/// Fails compilation when a server that does not orchestrate authorization lists an app with its
/// own provider: there is no auth session to keep the app's tokens under.
pub const fn assert_no_vault_without_orchestration(uses_vault: &[bool]) {
    let mut i = 0;
    while i < uses_vault.len() {
        if uses_vault[i] {
            panic!(
                "an app with `auth(mode = \"transparent\")` is authorized progressively, which needs the server's `auth(mode = \"orchestrated\")`"
            );
        }
        i += 1;
    }
}

/// A listen address checked by the macro at compile time.
pub fn socket_addr(addr: &str) -> SocketAddr {
    addr.parse().expect("#[front_mcp] validated this address")
}
