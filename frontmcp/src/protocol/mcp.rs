//! MCP messages: their 2025-11-25 shapes, readable by 2025-06-18 and 2025-03-26 clients; what
//! 2026-07-28 adds to every request and result is in [`stateless`](super::stateless).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::ProtocolVersion;

/// Name and version of a client or server implementation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Website of the implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
}

/// `initialize` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The revision the client wants.
    pub protocol_version: String,
    /// What the client supports.
    #[serde(default)]
    pub capabilities: ClientCapabilities,
    /// Who the client is.
    pub client_info: Implementation,
}

/// The client capabilities this server acts on; the rest is kept opaque.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientCapabilities {
    /// Elicitation support: `{}` (form only, for compatibility), `{form: {}}`, `{url: {}}`.
    #[serde(default)]
    pub elicitation: Option<ElicitationCapability>,
    /// Sampling support.
    #[serde(default)]
    pub sampling: Option<Value>,
    /// Roots support.
    #[serde(default)]
    pub roots: Option<Value>,
}

/// The modes of elicitation a client declared.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ElicitationCapability {
    /// Form mode.
    #[serde(default)]
    pub form: Option<Value>,
    /// URL mode (2025-11-25).
    #[serde(default)]
    pub url: Option<Value>,
}

impl ClientCapabilities {
    /// Whether the client can be sent URL-mode elicitations.
    pub fn url_elicitation(&self) -> bool {
        self.elicitation.as_ref().is_some_and(|e| e.url.is_some())
    }
}

/// `initialize` result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult<'a> {
    /// The negotiated revision.
    pub protocol_version: ProtocolVersion,
    /// What this server offers.
    pub capabilities: ServerCapabilities,
    /// Who this server is.
    pub server_info: &'a Implementation,
    /// Guidance for the model about the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

/// Server capabilities.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCapabilities {
    /// Tools are offered.
    pub tools: ToolsCapability,
}

/// The tools capability.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsCapability {
    /// Whether `notifications/tools/list_changed` is sent.
    pub list_changed: bool,
}

/// A tool as listed by `tools/list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// The name clients call it by.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it does, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments (an object schema).
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, when the tool returns structured output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    #[serde(skip_serializing_if = "ToolAnnotations::is_empty")]
    pub annotations: ToolAnnotations,
    /// Metadata for the client (this server's: the tool's app, and whether the user has
    /// authorized it).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// Hints about a tool's behaviour. Clients must not trust them from untrusted servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Does not modify its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// May perform destructive updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// Interacts with an open world of external entities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl ToolAnnotations {
    /// No hint set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `tools/list` parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListToolsParams {
    /// Opaque cursor from a previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `tools/call` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct CallToolParams {
    /// The tool's name.
    pub name: String,
    /// The arguments, parsed into the tool's input type only once the tool is known.
    #[serde(default)]
    pub arguments: Option<Box<RawValue>>,
    /// 2026-07-28: the state of an earlier `input_required` answer to this call, as the server
    /// sealed it.
    #[serde(default, rename = "requestState")]
    pub request_state: Option<String>,
    /// 2026-07-28: the client's answers to that earlier answer's input requests, by their keys.
    #[serde(default, rename = "inputResponses")]
    pub input_responses: Option<Map<String, Value>>,
}

/// The result of a tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content blocks.
    pub content: Vec<Content>,
    /// Structured output, conforming to the tool's `outputSchema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Map<String, Value>>,
    /// The tool failed; the content says why (for the model to read).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// Metadata for the client rather than the model (this server's: why a tool may not run).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl CallToolResult {
    /// A successful result with content blocks.
    pub fn success(content: Vec<Content>) -> Self {
        Self {
            content,
            structured_content: None,
            is_error: false,
            meta: None,
        }
    }

    /// A tool execution error with a message the model can read.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(message)],
            structured_content: None,
            is_error: true,
            meta: None,
        }
    }

    /// Adds structured content.
    pub fn with_structured(mut self, structured: Map<String, Value>) -> Self {
        self.structured_content = Some(structured);
        self
    }
}

/// A content block.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A base64-encoded image.
    Image {
        /// Base64 data.
        data: String,
        /// Its MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Base64-encoded audio.
    Audio {
        /// Base64 data.
        data: String,
        /// Its MIME type.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A resource's contents, embedded.
    Resource {
        /// The contents.
        resource: ResourceContents,
    },
    /// A link to a resource.
    ResourceLink {
        /// The resource URI.
        uri: String,
        /// Its name.
        name: String,
        /// Description.
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// MIME type.
        #[serde(rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into() }
    }

    /// An image block: base64 `data` of type `mime_type`.
    pub fn image(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Self::Image {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// An audio block: base64 `data` of type `mime_type`.
    pub fn audio(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Self::Audio {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// A resource embedded as text.
    pub fn embedded_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self::Resource {
            resource: ResourceContents::Text {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                text: text.into(),
            },
        }
    }
}

/// A resource's contents: text, or base64 bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResourceContents {
    /// Text.
    Text {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// The text.
        text: String,
    },
    /// Bytes.
    Blob {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Base64 data.
        blob: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn call_result_shapes() {
        let ok = CallToolResult::success(vec![Content::text("hi")]);
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"content":[{"type":"text","text":"hi"}]})
        );
        let err = CallToolResult::error("boom");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"content":[{"type":"text","text":"boom"}],"isError":true})
        );
        let link = Content::ResourceLink {
            uri: "file:///a".into(),
            name: "a".into(),
            description: None,
            mime_type: None,
        };
        assert_eq!(
            serde_json::to_value(&link).unwrap(),
            json!({"type":"resource_link","uri":"file:///a","name":"a"})
        );
        assert_eq!(
            serde_json::to_value(Content::embedded_text("test://r", "text/plain", "t")).unwrap(),
            json!({"type":"resource","resource":{"uri":"test://r","mimeType":"text/plain","text":"t"}})
        );
        let blob = Content::Resource {
            resource: ResourceContents::Blob {
                uri: "test://b".into(),
                mime_type: None,
                blob: "AA==".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&blob).unwrap(),
            json!({"type":"resource","resource":{"uri":"test://b","blob":"AA=="}})
        );
    }

    #[test]
    fn url_elicitation_capability() {
        let caps: ClientCapabilities =
            serde_json::from_value(json!({"elicitation":{"url":{}}})).unwrap();
        assert!(caps.url_elicitation());
        let caps: ClientCapabilities = serde_json::from_value(json!({"elicitation":{}})).unwrap();
        assert!(!caps.url_elicitation());
        let caps: ClientCapabilities = serde_json::from_value(json!({})).unwrap();
        assert!(!caps.url_elicitation());
    }

    #[test]
    fn tool_serialization_skips_empty_annotations() {
        let tool = Tool {
            name: "a:b".into(),
            title: None,
            description: Some("d".into()),
            input_schema: json!({"type":"object"}),
            output_schema: None,
            annotations: ToolAnnotations::default(),
            meta: None,
        };
        assert_eq!(
            serde_json::to_value(&tool).unwrap(),
            json!({"name":"a:b","description":"d","inputSchema":{"type":"object"}})
        );
    }
}
