//! The server: apps and their tools, the registry, sessions and dispatch.

mod app;
mod ask;
#[cfg(feature = "auth-server")]
mod auth;
mod builder;
mod completion;
mod config;
mod context;
mod denial;
mod dispatch;
mod error;
mod gate;
mod notifier;
mod peer;
mod prompts;
mod registry;
mod resources;
mod result;
mod session;
mod subscriptions;
mod tools;

pub use app::{
    App, AppDescriptor, Arguments, BoxFuture, CallError, CompletionRequest, CompletionTarget,
    NoArguments, PromptDescriptor, PromptGet, ResourceDescriptor, ResourceRead, ToolCall,
    ToolDescriptor,
};
pub use ask::{Answers, Elicitation, PEER_TIMEOUT, Questions};
pub use builder::{AppBuilder, ResourceUri, ServerBuilder};
pub use config::{HttpConfig, ResponseMode, ToolNaming};
pub use context::{Grant, ToolContext};
pub use dispatch::{Reply, Server};
pub use error::{BuildError, Error, Result};
pub use result::{
    IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult, Json, ToolError,
    ToolResult,
};
pub use session::Session;

pub(crate) use dispatch::is_stateless as is_stateless_request;
pub(crate) use notifier::{CAPACITY as NOTIFICATION_CAPACITY, Notifier, Peer, watched};
pub(crate) use registry::ToolEntry;
pub(crate) use session::SessionManager;
pub(crate) use subscriptions::Subscription;
