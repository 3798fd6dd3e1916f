//! The attribute macros of [frontmcp](https://docs.rs/frontmcp): `#[front_mcp]`, `#[app]`, `#[tool]`,
//! `#[resource]`, `#[prompt]` and `#[complete]`.
//!
//! Use them through `frontmcp` (`use frontmcp::prelude::*;`): the code they generate names only
//! `::frontmcp::__private::...` paths. Each macro parses its arguments into a small AST (darling),
//! validates everything it can at compile time, reports every mistake at once with a span on the
//! offending token, and only then emits one plain `impl`.
#![deny(missing_docs)]

mod app;
mod attrs;
mod complete;
mod method;
mod prompt;
mod resource;
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
    tool::outside_app("tool", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a resource (`uri = "scheme://..."`) or a family
/// of resources (`template = "scheme://.../{id}"`, RFC 6570 `{name}` and `{+name}`).
///
/// The method is `async`, takes `&self`, optionally `&ToolContext`, then for a template one
/// parameter per variable it uses, named after it, of any `FromStr` type (a URI whose variable
/// does not parse is not found). It returns anything implementing `IntoResourceContents`: text,
/// `Vec<u8>` (binary), `Json<T>`, `ResourceContents`, or a `Result` of one of these. Its doc
/// comment is the description. Options: `name` (default: the method's), `title`, `description`,
/// `mime_type`, `scopes("...")`.
#[proc_macro_attribute]
pub fn resource(_args: TokenStream, input: TokenStream) -> TokenStream {
    tool::outside_app("resource", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a prompt.
///
/// The method is `async`, takes `&self`, optionally `&ToolContext`, optionally one argument
/// struct (`Deserialize + JsonSchema`, each field an argument: strings, required unless an
/// `Option` or defaulted, described by their doc comments), and returns anything implementing
/// `IntoPromptResult`: a `String` (one user message), `PromptMessage`, `Vec<PromptMessage>`,
/// `GetPromptResult`, or a `Result` of one of these. Options: `name`, `title`, `description`,
/// `scopes("...")`.
#[proc_macro_attribute]
pub fn prompt(_args: TokenStream, input: TokenStream) -> TokenStream {
    tool::outside_app("prompt", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as the completer of a prompt's arguments
/// (`prompt = "name"`) or a resource template's variables (`resource = "name"`), named as in
/// this app.
///
/// The method is `async`, takes `&self`, optionally `&ToolContext`, then `argument:
/// CompletionArgument` (its `name` and the `value` typed so far), optionally `context:
/// CompletionContext` (the arguments already given), and returns anything implementing
/// `IntoCompletion`: `Vec<String>`, `Completion`, or a `Result` of one of these.
#[proc_macro_attribute]
pub fn complete(_args: TokenStream, input: TokenStream) -> TokenStream {
    tool::outside_app("complete", input.into()).into()
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
