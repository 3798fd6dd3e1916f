//! The attribute macros of [frontmcp](https://docs.rs/frontmcp): `#[front_mcp]`, `#[app]`, `#[tool]`,
//! `#[resource]`, `#[prompt]` and `#[complete]`. Use them through `frontmcp`
//! (`use frontmcp::prelude::*;`).
//!
//! Each macro goes through the same four steps, one module each, as serde_derive does:
//!
//! 1. [`attr`]: darling reads the options of every attribute;
//! 2. [`ast`]: the item and its options become a small model (an app, its members and their
//!    parameters, with their spans);
//! 3. [`check`]: every rule that can be checked at compile time, each mistake reported at its
//!    token, all of them at once;
//! 4. [`expand`]: the code, emitted only from a model that passed. It names only
//!    `::frontmcp::__private::...` paths and hygienic locals. When there were errors, it emits
//!    them beside the item as written and a placeholder `impl`, so one mistake is one error.
//!
//! What only the compiler knows (whether a parameter is the context or an input, whether a type
//! can be returned) is left to traits in `frontmcp::__private` whose messages say what to do;
//! the generated code names each type through them in the same way wherever it uses it, so the
//! compiler reports each missing impl once.
#![deny(missing_docs)]

mod ast;
mod attr;
mod check;
mod expand;

#[cfg(test)]
mod expansion_snapshot;

use proc_macro::TokenStream;
use quote::{ToTokens, quote};

/// Turns an `impl` block into an MCP app: its `#[tool]`, `#[resource]`, `#[prompt]` and
/// `#[complete]` methods become what the app serves.
///
/// Options: `name = "..."` (required), `id = "..."` (default: the name in lowercase with
/// non-alphanumerics as `-`), `description = "..."`, `standalone = bool`,
/// `exclude_from_parent = bool`, `auth(mode = "transparent" | "inherit", remote(provider = "https://...",
/// scopes("a", "b"), client_id = "...", client_id_env = "...", client_secret_env = "...",
/// authorization_endpoint = "...", token_endpoint = "..."))`.
///
/// ```
/// use frontmcp::prelude::*;
/// use frontmcp::App;
///
/// #[derive(Default)]
/// struct Crm;
///
/// #[app(name = "My CRM", description = "Contacts.")]
/// impl Crm {
///     /// Counts the contacts.
///     #[tool(read_only = true)]
///     async fn count(&self) -> String {
///         "3".into()
///     }
/// }
///
/// let app = Crm.descriptor();
/// assert_eq!(app.id(), "my-crm");
/// assert_eq!(app.tools()[0].name(), "count");
/// ```
#[proc_macro_attribute]
pub fn app(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::app(args.into(), input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a tool.
///
/// The method is `async` and takes `&self`, then, in any order, the request's context
/// (`&ToolContext`) and one input value (a type deriving `Deserialize` and `JsonSchema`), each
/// optional and recognised by its type. It returns anything implementing `IntoToolResult`. Its
/// doc comment is the tool's description. Options: `name`, `title`, `description`,
/// `scopes("...")`, `read_only`, `destructive`, `idempotent`, `open_world`. A `#[cfg(...)]` on
/// the method applies to the tool.
///
/// ```
/// use frontmcp::prelude::*;
/// use frontmcp::App;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Search {
///     /// What to look for.
///     text: String,
/// }
///
/// #[derive(Default)]
/// struct Crm;
///
/// #[app(name = "CRM")]
/// impl Crm {
///     /// Finds contacts.
///     #[tool(read_only = true, scopes("crm:read"))]
///     async fn search(&self, input: Search, ctx: &ToolContext) -> String {
///         format!("{} for {:?}", input.text, ctx.app_id())
///     }
///
///     #[cfg(any())]
///     #[tool]
///     async fn never_built(&self) -> String {
///         String::new()
///     }
/// }
///
/// let app = Crm.descriptor();
/// assert_eq!(app.tools().len(), 1);
/// assert_eq!(app.tools()[0].required_scopes(), ["crm:read"]);
/// ```
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_app("tool", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a resource (`uri = "scheme://..."`) or a family
/// of resources (`template = "scheme://.../{id}"`, RFC 6570 `{name}` and `{+name}`).
///
/// The method is `async`, takes `&self`, then for a template one parameter per variable it uses,
/// named after it, of any `FromStr` type (a URI whose variable does not parse is not found); any
/// other parameter is the request's context (`&ToolContext`). It returns anything implementing
/// `IntoResourceContents`: text, `Vec<u8>` (binary), `Json<T>`, `ResourceContents`, an `Option`
/// of one of these (`None`: not found), or a `Result`. Its doc comment is the description.
/// Options: `name` (default: the method's), `title`, `description`, `mime_type`, `scopes("...")`.
///
/// ```
/// use frontmcp::prelude::*;
/// use frontmcp::App;
///
/// #[derive(Default)]
/// struct Notes;
///
/// #[app(name = "Notes")]
/// impl Notes {
///     /// One note.
///     #[resource(template = "notes://{id}", mime_type = "text/plain")]
///     async fn note(&self, id: u32) -> Option<String> {
///         (id == 1).then(|| "Buy milk".to_owned())
///     }
/// }
///
/// let app = Notes.descriptor();
/// assert!(app.resources()[0].is_template());
/// assert_eq!(app.resources()[0].uri(), "notes://{id}");
/// ```
#[proc_macro_attribute]
pub fn resource(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_app("resource", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as a prompt.
///
/// The method is `async`, takes `&self`, then, in any order, the request's context
/// (`&ToolContext`) and one argument struct (`Deserialize + JsonSchema`, each field an argument:
/// strings, required unless an `Option` or defaulted, described by their doc comments), each
/// optional. It returns anything implementing `IntoPromptResult`: a `String` (one user message),
/// `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or a `Result` of one of these.
/// Options: `name`, `title`, `description`, `scopes("...")`.
///
/// ```
/// use frontmcp::prelude::*;
/// use frontmcp::App;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Review {
///     /// The code to review.
///     code: String,
///     /// What to look at first.
///     focus: Option<String>,
/// }
///
/// #[derive(Default)]
/// struct Dev;
///
/// #[app(name = "Dev")]
/// impl Dev {
///     /// Asks for a code review.
///     #[prompt]
///     async fn review(&self, args: Review) -> String {
///         format!("Review this: {}", args.code)
///     }
/// }
///
/// let app = Dev.descriptor();
/// let arguments = app.prompts()[0].argument_list();
/// assert_eq!((arguments[0].name.as_str(), arguments[0].required), ("code", true));
/// assert_eq!((arguments[1].name.as_str(), arguments[1].required), ("focus", false));
/// ```
#[proc_macro_attribute]
pub fn prompt(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_app("prompt", input.into()).into()
}

/// Marks a method of an `#[app]` impl block as the completer of a prompt's arguments
/// (`prompt = "name"`) or a resource template's variables (`resource = "name"`), named as in
/// this app; the name is checked at compile time.
///
/// The method is `async`, takes `&self`, then any of, recognised by their types: the request's
/// context (`&ToolContext`), `CompletionArgument` (the argument's `name` and the `value` typed so
/// far) and `CompletionContext` (the arguments already given). It returns anything implementing
/// `IntoCompletion`: `Vec<String>`, `Completion`, or a `Result` of one of these.
///
/// ```
/// use frontmcp::prelude::*;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Greet {
///     language: String,
/// }
///
/// #[derive(Default)]
/// struct Words;
///
/// #[app(name = "Words")]
/// impl Words {
///     /// Says hello.
///     #[prompt]
///     async fn greet(&self, args: Greet) -> String {
///         format!("Say hello in {}", args.language)
///     }
///
///     #[complete(prompt = "greet")]
///     async fn languages(&self, argument: CompletionArgument) -> Vec<String> {
///         ["English", "French"]
///             .into_iter()
///             .filter(|l| l.starts_with(argument.value.as_str()))
///             .map(String::from)
///             .collect()
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn complete(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_app("complete", input.into()).into()
}

/// Turns a struct into an MCP server made of the listed apps.
///
/// Generates `builder()`, `serve(addr)`, `serve_from_env()` and `serve_stdio()` on the struct.
/// Options: `info(name, version, title, website_url, instructions)` (name and version required),
/// `apps(App1, App2, ...)` (required), `auth(mode, type, consent(enabled), session_mode,
/// token_storage(memory | redis(url, url_env, key_prefix)))`, `http(host, port, allowed_origins(...),
/// max_body_bytes, response_mode, session_idle_timeout_secs, max_sessions)`,
/// `tool_naming(namespaced, separator)`, `adapters(openapi(...))`.
///
/// ```
/// use frontmcp::prelude::*;
///
/// #[derive(Default)]
/// struct Hello;
///
/// #[app(name = "Hello")]
/// impl Hello {
///     /// Says hello.
///     #[tool]
///     async fn hello(&self) -> &'static str {
///         "Hello!"
///     }
/// }
///
/// #[front_mcp(info(name = "hello", version = "1.0.0"), apps(Hello), http(port = 8080))]
/// struct Server;
///
/// let server = Server::builder().build().unwrap();
/// assert_eq!(server.info().name, "hello");
/// ```
#[proc_macro_attribute]
pub fn front_mcp(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::server(args.into(), input.into()).into()
}

/// `#[tool]` (or `#[resource]`, `#[prompt]`, `#[complete]`: `attribute`) reached on its own:
/// it was not inside an `#[app]` impl block, which takes it off before it expands.
fn outside_app(attribute: &str, input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let span = syn::parse2::<syn::ItemFn>(input.clone()).map_or_else(
        |_| syn::spanned::Spanned::span(&input),
        |f| f.sig.ident.span(),
    );
    let err = syn::Error::new(
        span,
        format!(
            "`#[{attribute}]` only works on a method inside an `impl` block marked `#[app(...)]`"
        ),
    )
    .to_compile_error();
    quote!(#err #input)
}

/// An error spanning `tokens`.
fn error_at(tokens: impl ToTokens, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::from(syn::Error::new_spanned(tokens, message.to_string()))
}

/// An error at `span`.
fn error_at_span(span: proc_macro2::Span, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::from(syn::Error::new(span, message.to_string()))
}
