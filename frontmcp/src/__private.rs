//! The only paths generated code names. Not public API: may change in any release.

pub use std::borrow::Cow;
pub use std::boxed::Box;
pub use std::option::Option::{None, Some};
pub use std::result::Result::{Err, Ok};
pub use std::string::String;

pub use frontmcp_auth::{
    AppAuth, AppAuthMode, ConsentConfig, RemoteProvider, ServerAuth, ServerAuthMode,
    ServerAuthType, SessionMode, TokenStorage,
};

pub use crate::protocol::mcp::CallToolResult;
pub use crate::server::{
    App, AppDescriptor, BoxFuture, CallError, HttpConfig, IntoToolResult, ResponseMode,
    ServerBuilder, ToolCall, ToolContext, ToolDescriptor, ToolNaming,
};
pub use crate::{Error, Result};

/// Converts what a tool returned.
pub fn into_tool_result<R: IntoToolResult>(value: R) -> CallToolResult {
    value.into_tool_result()
}

/// A type a tool can take as its input.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's input",
    label = "tool input type",
    note = "derive `serde::Deserialize` and `schemars::JsonSchema` for it (both are in `frontmcp::prelude`)"
)]
pub trait ToolInput: serde::de::DeserializeOwned + schemars::JsonSchema + Send {}

impl<T: serde::de::DeserializeOwned + schemars::JsonSchema + Send> ToolInput for T {}

/// Names a tool input type at its span, so a missing derive is reported on the parameter.
pub const fn assert_tool_input<T: ToolInput>() {}

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
