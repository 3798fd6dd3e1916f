//! The options of every attribute, as darling reads them: `#[app(...)]`, `#[tool(...)]`,
//! `#[resource(...)]`, `#[prompt(...)]`, `#[complete(...)]` and `#[front_mcp(...)]`. Reading
//! only: what the values must be is [`check`](crate::check)'s business.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::{Flag, PathList, SpannedValue};
use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::{Lit, LitStr};

/// `("a", "b")`: a list of string literals.
#[derive(Debug, Default, Clone)]
pub(crate) struct StrList(pub(crate) Vec<LitStr>);

impl FromMeta for StrList {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                NestedMeta::Lit(Lit::Str(s)) => out.push(s.clone()),
                other => errors.push(
                    darling::Error::custom("expected a string literal, like \"chat:write\"")
                        .with_span(other),
                ),
            }
        }
        errors.finish_with(StrList(out))
    }
}

/// Parses an attribute's arguments; raw identifiers (`r#type`) are read as plain ones (`type`),
/// so both spellings of keyword options work.
pub(crate) fn parse<T: FromMeta>(args: TokenStream) -> darling::Result<T> {
    let items = NestedMeta::parse_meta_list(unraw(args))?;
    T::from_list(&items)
}

fn unraw(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(ident) => TokenTree::Ident(proc_macro2::Ident::new(
                &ident.unraw().to_string(),
                ident.span(),
            )),
            TokenTree::Group(group) => {
                let mut g = proc_macro2::Group::new(group.delimiter(), unraw(group.stream()));
                g.set_span(group.span());
                TokenTree::Group(g)
            }
            other => other,
        })
        .collect()
}

/// `#[app(...)]`.
#[derive(Debug, FromMeta)]
pub(crate) struct AppAttr {
    pub(crate) name: LitStr,
    #[darling(default)]
    pub(crate) id: Option<LitStr>,
    #[darling(default)]
    pub(crate) description: Option<LitStr>,
    #[darling(default)]
    pub(crate) standalone: Option<SpannedValue<bool>>,
    #[darling(default)]
    pub(crate) exclude_from_parent: Option<SpannedValue<bool>>,
    #[darling(default)]
    pub(crate) auth: Option<AppAuthAttr>,
}

/// `auth(...)` of an app or an OpenAPI adapter.
#[derive(Debug, FromMeta)]
pub(crate) struct AppAuthAttr {
    pub(crate) mode: SpannedValue<AppMode>,
    #[darling(default)]
    pub(crate) remote: Option<SpannedValue<RemoteAttr>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum AppMode {
    #[darling(rename = "transparent")]
    Transparent,
    #[darling(rename = "inherit")]
    Inherit,
}

/// `remote(...)`: an app's own provider, or the server's OpenID provider.
#[derive(Debug, FromMeta)]
pub(crate) struct RemoteAttr {
    pub(crate) provider: LitStr,
    #[darling(default)]
    pub(crate) scopes: StrList,
    #[darling(default)]
    pub(crate) client_id: Option<LitStr>,
    #[darling(default)]
    pub(crate) client_id_env: Option<LitStr>,
    #[darling(default)]
    pub(crate) client_secret_env: Option<LitStr>,
    #[darling(default)]
    pub(crate) authorization_endpoint: Option<LitStr>,
    #[darling(default)]
    pub(crate) token_endpoint: Option<LitStr>,
}

/// `#[tool(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct ToolAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) scopes: StrList,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
}

impl ToolAttr {
    /// The annotations given, by the name of their builder method.
    pub(crate) fn annotations(&self) -> impl Iterator<Item = (&'static str, bool)> {
        [
            ("read_only", self.read_only),
            ("destructive", self.destructive),
            ("idempotent", self.idempotent),
            ("open_world", self.open_world),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
    }
}

/// `#[resource(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct ResourceAttr {
    pub(crate) uri: Option<LitStr>,
    pub(crate) template: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) mime_type: Option<LitStr>,
    pub(crate) scopes: StrList,
}

/// `#[prompt(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct PromptAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) scopes: StrList,
}

/// `#[complete(...)]`: what it completes, by its name in the app.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct CompleteAttr {
    pub(crate) prompt: Option<LitStr>,
    pub(crate) resource: Option<LitStr>,
}

/// `#[front_mcp(...)]`.
#[derive(Debug, FromMeta)]
pub(crate) struct ServerAttr {
    pub(crate) info: InfoAttr,
    #[darling(default)]
    pub(crate) apps: PathList,
    #[darling(default)]
    pub(crate) auth: Option<ServerAuthAttr>,
    #[darling(default)]
    pub(crate) http: Option<HttpAttr>,
    #[darling(default)]
    pub(crate) tool_naming: Option<NamingAttr>,
    #[darling(default)]
    pub(crate) adapters: Option<AdaptersAttr>,
}

impl ServerAttr {
    /// Whether the server orchestrates authorization (it keeps the auth sessions and the vault).
    pub(crate) fn orchestrated(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| *a.mode == ServerMode::Orchestrated)
    }

    /// Whether the server keeps no sessions.
    pub(crate) fn stateless(&self) -> bool {
        self.auth
            .as_ref()
            .and_then(|a| a.session_mode.as_ref())
            .is_some_and(|m| **m == SessionModeAttr::Stateless)
    }

    /// The OpenAPI adapters.
    pub(crate) fn openapi(&self) -> &[OpenApiAttr] {
        self.adapters.as_ref().map_or(&[], |a| &a.openapi)
    }
}

/// `info(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct InfoAttr {
    pub(crate) name: LitStr,
    pub(crate) version: LitStr,
    #[darling(default)]
    pub(crate) title: Option<LitStr>,
    #[darling(default)]
    pub(crate) website_url: Option<LitStr>,
    #[darling(default)]
    pub(crate) instructions: Option<LitStr>,
}

/// `adapters(openapi(...), openapi(...))`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct AdaptersAttr {
    #[darling(multiple)]
    pub(crate) openapi: Vec<OpenApiAttr>,
}

/// One `openapi(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct OpenApiAttr {
    pub(crate) spec: LitStr,
    #[darling(default)]
    pub(crate) id: Option<LitStr>,
    #[darling(default)]
    pub(crate) name: Option<LitStr>,
    #[darling(default)]
    pub(crate) description: Option<LitStr>,
    #[darling(default)]
    pub(crate) base_url: Option<LitStr>,
    #[darling(default)]
    pub(crate) allow_private_network: bool,
    #[darling(default)]
    pub(crate) timeout_secs: Option<SpannedValue<u64>>,
    #[darling(default)]
    pub(crate) auth: Option<AppAuthAttr>,
}

/// The server's `auth(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct ServerAuthAttr {
    pub(crate) mode: SpannedValue<ServerMode>,
    #[darling(default, rename = "type")]
    pub(crate) kind: Option<SpannedValue<AuthType>>,
    #[darling(default)]
    pub(crate) consent: Option<SpannedValue<ConsentAttr>>,
    #[darling(default)]
    pub(crate) session_mode: Option<SpannedValue<SessionModeAttr>>,
    #[darling(default)]
    pub(crate) token_storage: Option<SpannedValue<StorageAttr>>,
    #[darling(default)]
    pub(crate) remote: Option<SpannedValue<RemoteAttr>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum ServerMode {
    #[darling(rename = "public")]
    Public,
    #[darling(rename = "orchestrated")]
    Orchestrated,
    #[darling(rename = "transparent")]
    Transparent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum AuthType {
    #[darling(rename = "local")]
    Local,
    #[darling(rename = "remote")]
    Remote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum SessionModeAttr {
    #[darling(rename = "stateful")]
    Stateful,
    #[darling(rename = "stateless")]
    Stateless,
}

/// `consent(enabled = ...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct ConsentAttr {
    #[darling(default)]
    pub(crate) enabled: bool,
}

/// `token_storage(memory)` or `token_storage(redis(...))`.
#[derive(Debug, FromMeta)]
pub(crate) struct StorageAttr {
    #[darling(default)]
    pub(crate) memory: Flag,
    #[darling(default)]
    pub(crate) redis: Option<RedisAttr>,
}

/// `redis(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct RedisAttr {
    #[darling(default)]
    pub(crate) url: Option<LitStr>,
    #[darling(default)]
    pub(crate) url_env: Option<LitStr>,
    #[darling(default)]
    pub(crate) key_prefix: Option<LitStr>,
}

/// `http(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct HttpAttr {
    #[darling(default)]
    pub(crate) host: Option<LitStr>,
    #[darling(default)]
    pub(crate) port: Option<u16>,
    #[darling(default)]
    pub(crate) allowed_origins: Option<StrList>,
    #[darling(default)]
    pub(crate) max_body_bytes: Option<SpannedValue<usize>>,
    #[darling(default)]
    pub(crate) response_mode: Option<ResponseModeAttr>,
    #[darling(default)]
    pub(crate) session_idle_timeout_secs: Option<SpannedValue<u64>>,
    #[darling(default)]
    pub(crate) max_sessions: Option<SpannedValue<usize>>,
    #[darling(default)]
    pub(crate) shutdown_grace_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum ResponseModeAttr {
    #[darling(rename = "json")]
    Json,
    #[darling(rename = "sse")]
    Sse,
}

/// `tool_naming(...)`.
#[derive(Debug, FromMeta)]
pub(crate) struct NamingAttr {
    #[darling(default)]
    pub(crate) namespaced: Option<bool>,
    #[darling(default)]
    pub(crate) separator: Option<LitStr>,
}
