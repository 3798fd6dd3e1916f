//! What a tool knows about the call it serves.

use std::sync::Arc;

use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::RequestId;

/// The context of one tool call: who is calling, in which session, through which app.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub(crate) session_id: Option<Arc<str>>,
    pub(crate) request_id: RequestId,
    pub(crate) app_id: Arc<str>,
    pub(crate) tool: Arc<str>,
    pub(crate) protocol_version: ProtocolVersion,
}

impl ToolContext {
    /// A context for calling a tool directly, as tests of a single app do.
    pub fn for_test(app_id: &str, tool: &str) -> Self {
        Self {
            session_id: None,
            request_id: RequestId::Number(0),
            app_id: app_id.into(),
            tool: tool.into(),
            protocol_version: ProtocolVersion::LATEST,
        }
    }

    /// The MCP session (`Mcp-Session-Id`), when the transport has one.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The JSON-RPC ID of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The ID of the app the tool belongs to.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The tool's full (namespaced) name.
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The protocol revision negotiated with the client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }
}
