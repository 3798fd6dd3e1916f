//! # frontmcp
//!
//! Build [Model Context Protocol](https://modelcontextprotocol.io) servers from plain Rust with
//! attribute macros, and authorize each third-party app progressively.
//!
//! ```no_run
//! use frontmcp::prelude::*;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Greet {
//!     /// Who to greet.
//!     name: String,
//! }
//!
//! #[derive(Default)]
//! struct HelloApp;
//!
//! #[app(name = "Hello")]
//! impl HelloApp {
//!     /// Greets someone by name.
//!     #[tool(read_only = true)]
//!     async fn greet(&self, input: Greet) -> String {
//!         format!("Hello, {}!", input.name)
//!     }
//! }
//!
//! #[front_mcp(info(name = "hello", version = "1.0.0"), apps(HelloApp))]
//! struct Server;
//!
//! #[tokio::main]
//! async fn main() -> frontmcp::Result<()> {
//!     Server::serve_from_env().await
//! }
//! ```
//!
//! The macros generate plain code over the builder API ([`ServerBuilder`], [`AppBuilder`]), which
//! can also be used directly. See the `docs/` folder of the repository for the guide.
//!
//! # Cargo features
//!
//! All on by default: `auth-server` (the OAuth 2.1 authorization server of `auth(mode =
//! "orchestrated")` and progressive authorization), `redis` (its state in Redis), `openapi` (apps
//! from OpenAPI documents) and `jsonschema` (form answers checked against their schema). A public
//! server builds with `default-features = false`, without reqwest, redis, askama or jsonschema.
#![deny(missing_docs)]
// Without the authorization server there are no grants: the gate's refusals, the listings told
// apart per user and the relay of its events stay compiled, and unused.
#![cfg_attr(not(feature = "auth-server"), allow(dead_code))]

#[cfg(feature = "openapi")]
pub mod adapters;
pub mod env;
pub mod protocol;
mod server;
mod telemetry;
mod transport;

#[doc(hidden)]
pub mod __private;

/// The guide's pages on resources, prompts, completions and the request context: their examples
/// compile.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../docs/resources.md")]
    struct Resources;
    #[doc = include_str!("../../docs/prompts.md")]
    struct Prompts;
    #[doc = include_str!("../../docs/completions.md")]
    struct Completions;
    #[doc = include_str!("../../docs/tool-context.md")]
    struct ToolContextPage;
}

#[cfg(feature = "openapi")]
pub use adapters::openapi::OpenApi;
/// The attribute for implementing the runtime's async traits (`Authenticator`, `Store`,
/// `ConsentUi`...) without depending on `async-trait` yourself.
pub use async_trait::async_trait;
pub use frontmcp_auth as auth;
pub use frontmcp_macros::{app, complete, front_mcp, prompt, resource, tool};
pub use protocol::ProtocolVersion;
pub use protocol::mcp::{
    CallToolResult, Completion, CompletionArgument, CompletionContext, Content,
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, GetPromptResult,
    ListRootsResult, LogLevel, PromptMessage, ReadResourceResult, ResourceContents, Role, Root,
};
pub use server::{
    Answers, App, AppBuilder, AppDescriptor, Arguments, BoxFuture, BuildError, CallError,
    CompletionRequest, CompletionTarget, Elicitation, Error, HttpConfig, IntoCompletion,
    IntoPromptResult, IntoResourceContents, IntoToolResult, Json, NoArguments, PEER_TIMEOUT,
    PromptDescriptor, PromptGet, Questions, Reply, ResourceDescriptor, ResourceRead, ResourceUri,
    ResponseMode, Result, Server, ServerBuilder, Session, ToolCall, ToolContext, ToolDescriptor,
    ToolError, ToolNaming, ToolResult,
};
pub use transport::RunningServer;

/// Everything a server's code usually needs, plus `serde::Deserialize`/`Serialize` and
/// `schemars::JsonSchema` for input and output types.
pub mod prelude {
    pub use crate::{
        AppBuilder, CallToolResult, Completion, CompletionArgument, CompletionContext, Content,
        CreateMessageRequest, Elicitation, GetPromptResult, IntoToolResult, Json, LogLevel,
        NoArguments, PromptDescriptor, PromptMessage, ResourceContents, ResourceDescriptor, Server,
        ServerBuilder, ToolContext, ToolDescriptor, ToolError, ToolResult, app, complete,
        front_mcp, prompt, resource, tool,
    };
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}
