//! The attribute macros of [frontmcp](https://docs.rs/frontmcp): `#[front_mcp]`, `#[app]`, `#[tool]`.
//!
//! Use them through `frontmcp` (`use frontmcp::prelude::*;`): the code they generate names only
//! `::frontmcp::__private::...` paths. Each macro parses its arguments into a small AST (darling),
//! validates everything it can at compile time, reports every mistake at once with a span on the
//! offending token, and only then emits one plain `impl`.
#![deny(missing_docs)]

mod app;
mod attrs;
mod server;
mod tool;

#[cfg(test)]
mod expansion_snapshot;

use proc_macro::TokenStream;

/// Turns an `impl` block into an MCP app whose `#[tool]` methods become tools.
///
/// Options: `name = "..."` (required), `id = "..."` (default: the name in lowercase with
/// non-alphanumerics as `-`), `description = "..."`, `standalone = bool`,
/// `exclude_from_parent = bool`, `auth(mode = "transparent" | "inherit", remote(provider = "https://...",
/// scopes("a", "b"), client_id = "...", client_id_env = "...", client_secret_env = "...",
/// authorization_endpoint = "...", token_endpoint = "..."))`.
#[proc_macro_attribute]
pub fn app(args: TokenStream, input: TokenStream) -> TokenStream {
    app::expand(args.into(), input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a tool.
///
/// The method is `async`, takes `&self`, optionally `&ToolContext`, optionally one input type
/// (`Deserialize + JsonSchema`), and returns anything implementing `IntoToolResult`. Its doc
/// comment is the tool's description. Options: `name`, `title`, `description`, `scopes("...")`,
/// `read_only`, `destructive`, `idempotent`, `open_world`.
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, input: TokenStream) -> TokenStream {
    tool::outside_app(input.into()).into()
}

/// Turns a struct into an MCP server made of the listed apps.
///
/// Generates `builder()`, `serve(addr)`, `serve_from_env()` and `serve_stdio()` on the struct.
/// Options: `info(name, version, title, website_url, instructions)` (name and version required),
/// `apps(App1, App2, ...)` (required), `auth(mode, type, consent(enabled), session_mode,
/// token_storage(memory | redis(url, url_env, key_prefix)))`, `http(host, port, allowed_origins(...),
/// max_body_bytes, response_mode, session_idle_timeout_secs, max_sessions)`,
/// `tool_naming(namespaced, separator)`.
#[proc_macro_attribute]
pub fn front_mcp(args: TokenStream, input: TokenStream) -> TokenStream {
    server::expand(args.into(), input.into()).into()
}
