//! The wire format: JSON-RPC 2.0 framing and the MCP messages this server speaks, on the
//! handshake revisions (2025-03-26 to 2025-11-25) and the stateless one (2026-07-28).

pub mod jsonrpc;
pub mod mcp;
pub mod stateless;
mod version;

pub use version::ProtocolVersion;
