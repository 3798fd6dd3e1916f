//! The server: apps and their tools, the registry, sessions and dispatch.

mod app;
mod auth;
mod builder;
mod config;
mod context;
mod dispatch;
mod error;
mod gate;
mod registry;
mod result;
mod session;
mod subscriptions;
mod tools;

pub use app::{
    App, AppDescriptor, Arguments, BoxFuture, CallError, NoArguments, ToolCall, ToolDescriptor,
};
pub use builder::{AppBuilder, ServerBuilder};
pub use config::{HttpConfig, ResponseMode, ToolNaming};
pub use context::{Grant, ToolContext};
pub use dispatch::{Reply, Server};
pub use error::{BuildError, Error, Result};
pub use result::{IntoToolResult, Json, ToolError, ToolResult};
pub use session::Session;

pub(crate) use dispatch::is_stateless as is_stateless_request;
pub(crate) use session::SessionManager;
pub(crate) use subscriptions::Subscription;
