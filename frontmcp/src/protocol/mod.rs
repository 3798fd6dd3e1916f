//! The wire format: JSON-RPC 2.0 framing and the MCP messages this server speaks.

pub mod jsonrpc;
pub mod mcp;
mod version;

pub use version::ProtocolVersion;
