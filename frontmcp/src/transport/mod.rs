//! Transports: Streamable HTTP and stdio, both feeding the same dispatcher.

pub(crate) mod http;
mod stdio;

pub use http::RunningServer;
