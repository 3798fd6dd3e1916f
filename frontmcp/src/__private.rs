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

pub use crate::adapters::openapi::OpenApi;
pub use crate::protocol::mcp::{CallToolResult, Completion, GetPromptResult, ReadResourceResult};
pub use crate::server::{
    App, AppDescriptor, BoxFuture, CallError, CompletionRequest, CompletionTarget, HttpConfig,
    IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult, PromptDescriptor,
    PromptGet, ResourceDescriptor, ResourceRead, ResponseMode, ServerBuilder, ToolCall,
    ToolContext, ToolDescriptor, ToolNaming,
};
pub use crate::{Error, Result};

/// Converts what a tool returned.
pub fn into_tool_result<R: IntoToolResult>(value: R) -> CallToolResult {
    value.into_tool_result()
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

/// A type a tool can take as its input.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's input",
    label = "tool input type",
    note = "derive `serde::Deserialize` and `schemars::JsonSchema` for it (both are in `frontmcp::prelude`)"
)]
pub trait ToolInput: serde::de::DeserializeOwned + schemars::JsonSchema + Send {}

impl<T: serde::de::DeserializeOwned + schemars::JsonSchema + Send> ToolInput for T {}

/// Parses a call's arguments into a tool's input type; the bound names the requirement in the
/// error a user sees when a derive is missing.
pub fn parse_input<T: ToolInput>(arguments: crate::Arguments<'_>) -> Result<T, CallError> {
    arguments.parse()
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
