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
    pub(crate) grant: Option<Arc<Grant>>,
}

/// What the client's session token grants, for servers with authorization: the signed-in user,
/// the auth session (the vault's key) and the scopes and apps at the token's issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The user (`sub`).
    pub user: String,
    /// The auth session ID; stable while the client refreshes its token.
    pub auth_session_id: String,
    /// The OAuth client.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Apps authorized when the token was issued.
    pub authorized_apps: Vec<String>,
    /// Apps skipped or pending when the token was issued.
    pub pending_apps: Vec<String>,
    /// The tools the user selected on the consent screen; `None` means all of them.
    pub selected_tools: Option<Vec<String>>,
}

impl Grant {
    /// Why `tool` of app `app_id` may not run under this grant, if it may not.
    pub(crate) fn refusal(&self, app_id: &str, tool: &str) -> Option<String> {
        if !self.authorized_apps.iter().any(|a| a == app_id) {
            return Some(format!(
                "{tool} is not available in this session: its app `{app_id}` was not authorized on the consent screen"
            ));
        }
        if self
            .selected_tools
            .as_ref()
            .is_some_and(|selected| !selected.iter().any(|t| t == tool))
        {
            return Some(format!(
                "{tool} is not available in this session: it was not selected on the consent screen"
            ));
        }
        None
    }
}

impl From<frontmcp_auth::tokens::SessionClaims> for Grant {
    fn from(claims: frontmcp_auth::tokens::SessionClaims) -> Self {
        Self {
            user: claims.sub,
            auth_session_id: claims.session_id,
            client_id: claims.client_id,
            scopes: claims.scopes,
            authorized_apps: claims.authorized_apps,
            pending_apps: claims.pending_apps,
            selected_tools: claims.selected_tools,
        }
    }
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
            grant: None,
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

    /// What the client's token grants; `None` on public servers.
    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_deref()
    }

    /// The signed-in user; `None` on public servers.
    pub fn user(&self) -> Option<&str> {
        self.grant.as_deref().map(|g| g.user.as_str())
    }

    /// The protocol revision negotiated with the client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }
}
