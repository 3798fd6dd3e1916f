//! The tools the official MCP conformance suite (`@modelcontextprotocol/conformance`) calls on a
//! server under test, with the names and answers it expects: each content type a tool result
//! carries, and a tool error. `tests/tests/conformance.rs` runs the suite against it on
//! 2026-07-28 and 2025-11-25.
//!
//! ```sh
//! cargo run --example conformance      # http://127.0.0.1:3000/mcp
//! ```

use frontmcp::prelude::*;

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
/// Two silent samples of 16-bit mono WAV.
const WAV: &str = "UklGRigAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQQAAAAAAAAA";

#[derive(Default)]
struct ConformanceApp;

#[app(
    name = "Conformance",
    description = "The conformance suite's fixture tools."
)]
impl ConformanceApp {
    /// Answers with one text block.
    #[tool(read_only = true)]
    async fn test_simple_text(&self) -> &'static str {
        "This is a simple text response for testing."
    }

    /// Answers with a PNG image.
    #[tool(read_only = true)]
    async fn test_image_content(&self) -> Content {
        Content::image(PNG, "image/png")
    }

    /// Answers with a WAV sound.
    #[tool(read_only = true)]
    async fn test_audio_content(&self) -> Content {
        Content::audio(WAV, "audio/wav")
    }

    /// Answers with an embedded text resource.
    #[tool(read_only = true)]
    async fn test_embedded_resource(&self) -> Content {
        Content::embedded_text(
            "test://embedded-resource",
            "text/plain",
            "This is an embedded resource content.",
        )
    }

    /// Answers with text, an image and an embedded resource.
    #[tool(read_only = true)]
    async fn test_multiple_content_types(&self) -> Vec<Content> {
        vec![
            Content::text("Multiple content types test:"),
            Content::image(PNG, "image/png"),
            Content::embedded_text(
                "test://mixed-content-resource",
                "application/json",
                r#"{"test":"data","value":123}"#,
            ),
        ]
    }

    /// Fails on purpose, as a tool error the model can read.
    #[tool(read_only = true)]
    async fn test_error_handling(&self) -> ToolResult<String> {
        Err(ToolError::new(
            "This tool intentionally returns an error for testing",
        ))
    }
}

#[front_mcp(
    info(name = "frontmcp-conformance", version = "1.0.0"),
    apps(ConformanceApp),
    tool_naming(namespaced = false)
)]
struct Server;

#[tokio::main]
async fn main() -> frontmcp::Result<()> {
    Server::serve_from_env().await
}
